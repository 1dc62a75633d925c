"""The demo catalogue on a small demo province: providers across the cities, published entries
of every kind through the moderation services, every state for the demo provider, and adoptions
between the two years of demo assessments targeting the weakest dimension."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import transaction
from django.test import override_settings

from accounts.models import User
from assessments.demo import demo_assessments
from assessments.tests.factories import load_default_models
from audit.models import AuditEvent
from catalog import adoptions as adoption_module
from catalog.demo import demo_catalog
from catalog.models import Adoption, Entry, Provider, Status
from catalog.reference import scenarios_load
from registry.demo import demo_generate
from registry.models import Chain, Cluster
from registry.reference import reference_data_load

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PROVIDERS = 14
ENTRIES = 160


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo province with its demo catalogue, built once for the module inside a
    transaction that is rolled back afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"), DEMO=True, TASKS=IMMEDIATE),
        transaction.atomic(),
    ):
        reference_data_load()
        load_default_models()
        scenarios_load()
        demo_generate(enterprises=300, seed=11, accounts=True)
        demo_assessments(seed=11)
        yield demo_catalog(seed=11, providers=PROVIDERS, entries=ENTRIES)
        transaction.set_rollback(True)


def test_providers_are_spread_over_the_cities_with_their_facts(demo, db) -> None:
    providers = list(Provider.objects.filter(status=Status.PUBLISHED))
    assert len(providers) == demo.providers == PROVIDERS
    assert len({p.region.parent_id or p.region_id for p in providers}) == 13
    assert all(p.qualifications and p.industries and p.uscc for p in providers)
    assert all(p.regions_served.exists() for p in providers)
    assert len({p.name for p in providers}) == PROVIDERS


def test_the_demo_provider_account_manages_one_provider_with_entries_in_every_state(
    demo, db
) -> None:
    account = User.objects.get(username="demo-provider")
    provider = Provider.objects.get(members=account)
    states = set(Entry.objects.filter(provider=provider).values_list("status", flat=True))
    assert states == {Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED, Status.REJECTED}


def test_published_entries_cover_every_kind_and_software_category(demo, db) -> None:
    published = Entry.objects.filter(status=Status.PUBLISHED)
    assert set(published.values_list("kind", flat=True)) == set(Entry.Kind.values)
    software = published.filter(kind=Entry.Kind.SOFTWARE)
    assert set(software.values_list("software_category", flat=True)) == set(
        Entry.SoftwareCategory.values
    )
    assert published.filter(first_version=True).exists()
    assert published.filter(first_set=True, kind=Entry.Kind.EQUIPMENT).exists()
    assert sum(demo.by_kind.values()) == published.count()
    assert published.count() >= ENTRIES


def test_cases_name_existing_clusters_and_chains(demo, db) -> None:
    cases = Entry.objects.filter(kind=Entry.Kind.CASE)
    chains = {code for case in cases for code in case.chains}
    clusters = {code for case in cases for code in case.clusters}
    assert chains
    assert chains <= set(Chain.objects.values_list("code", flat=True))
    assert clusters <= set(Cluster.objects.values_list("code", flat=True))
    assert cases.filter(provider__isnull=True).exists()
    assert cases.filter(provider__isnull=False).exists()


def test_titles_and_texts_are_chinese_and_unique_per_provider_and_kind(demo, db) -> None:
    rows = list(Entry.objects.values_list("provider_id", "kind", "title", "body"))
    assert all(re.search(r"[\u4e00-\u9fff]", title + body) for _, _, title, body in rows)
    assert not any("lorem" in body.lower() for *_, body in rows)
    keys = Counter((p, k, t) for p, k, t, _ in rows)
    assert max(keys.values()) == 1


def test_every_published_entry_went_through_moderation_with_audit_rows(demo, db) -> None:
    published = set(Entry.objects.filter(status=Status.PUBLISHED).values_list("pk", flat=True))
    audited = {
        int(pk)
        for pk in AuditEvent.objects.filter(action="catalog.entry_publish").values_list(
            "object_id", flat=True
        )
    }
    assert published <= audited
    submitted = AuditEvent.objects.filter(action="catalog.entry_submit").count()
    assert submitted >= Entry.objects.filter(provider__isnull=False).exclude(status="draft").count()


def test_some_entries_are_featured_and_rated(demo, db) -> None:
    assert Entry.objects.filter(featured=True, status=Status.PUBLISHED).count() == demo.featured > 0
    assert Entry.objects.filter(rating__isnull=False).count() == demo.rated > 0


def test_adoptions_fall_between_the_two_results_and_target_the_weakest_dimension(demo, db) -> None:
    rows = list(Adoption.objects.select_related("baseline", "entry"))
    assert len(rows) == demo.adoptions > 0
    for adoption in rows:
        base = adoption.baseline
        assert base.year == 2025
        assert adoption.adopted_on >= base.submitted_at.date()
        later = base.enterprise.assessments.filter(framework=base.framework, year=2026)
        assert later.filter(submitted_at__date__gte=adoption.adopted_on).exists()
        dims = adoption_module.result_dimensions(base)
        nodes = base.result["nodes"]
        percent = {c: nodes[c]["points"] / nodes[c]["max_points"] for c in dims}
        assert percent[adoption.dimensions[0]] == min(percent.values())
        assert adoption.entry.status == Status.PUBLISHED


def test_adoptions_concentrate_so_that_some_solution_has_five(demo, db) -> None:
    per_entry = Counter(Adoption.objects.values_list("entry_id", flat=True))
    assert max(per_entry.values()) >= 5


def test_a_second_run_adds_nothing(demo, db) -> None:
    before = Entry.objects.count()
    assert demo_catalog(seed=11, providers=PROVIDERS, entries=ENTRIES).skipped
    assert Entry.objects.count() == before
