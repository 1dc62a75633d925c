"""Writing a plan with bulk inserts, skipping enterprises whose USCC is already present (with all
their rows); the caller owns the transaction."""

from __future__ import annotations

from registry.demo.types import DEMO_TAG, YEARS, DemoEnterprise, DemoResult
from registry.models import Contact, Enterprise, EnterpriseCategory, EnterpriseChain, EnterpriseYear

BATCH_SIZE = 2000


def _existing_usccs(usccs: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(usccs), 900):
        chunk = usccs[start : start + 900]
        found.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", flat=True))
    return found


def persist(plan: list[DemoEnterprise], result: DemoResult) -> None:
    existing = _existing_usccs([p.uscc for p in plan])
    todo = [p for p in plan if p.uscc not in existing]
    result.skipped = len(plan) - len(todo)
    rows = [
        Enterprise(
            uscc=p.uscc,
            name=p.name,
            city_id=p.city_code,
            county_id=p.county_code,
            zone_id=p.zone_code,
            industry_id=p.industry_code,
        )
        for p in todo
    ]
    Enterprise.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    if rows and rows[0].pk is None:  # a database that does not return ids from bulk inserts
        ids = dict(
            Enterprise.objects.filter(uscc__in=[p.uscc for p in todo]).values_list("uscc", "id")
        )
        for row in rows:
            row.pk = ids[row.uscc]
    years, categories, contacts, links = [], [], [], []
    for p, row in zip(todo, rows, strict=True):
        years += [
            EnterpriseYear(
                enterprise_id=row.pk,
                year=y.year,
                revenue_10k_yuan=y.revenue_10k_yuan,
                employees=y.employees,
            )
            for y in p.years
        ]
        categories += [
            EnterpriseCategory(enterprise_id=row.pk, category_id=code, year=year)
            for code, year in (*p.categories, (DEMO_TAG, YEARS[-1]))
        ]
        contacts += [
            Contact(enterprise_id=row.pk, name=c.name, title=c.title, phone=c.phone, email=c.email)
            for c in p.contacts
        ]
        links += [EnterpriseChain(enterprise_id=row.pk, chain_id=code) for code in p.chains]
    EnterpriseYear.objects.bulk_create(years, batch_size=BATCH_SIZE)
    EnterpriseCategory.objects.bulk_create(categories, batch_size=BATCH_SIZE)
    Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
    EnterpriseChain.objects.bulk_create(links, batch_size=BATCH_SIZE)
    result.created = len(rows)
    result.years, result.categories = len(years), len(categories)
    result.contacts, result.chain_links = len(contacts), len(links)
