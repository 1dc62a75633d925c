"""`demo_generate`: plan, write and (in demo mode) the demo accounts in one transaction, with one
summary audit row."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from audit.services import audit_record
from registry.demo.accounts import demo_accounts_create_or_reset
from registry.demo.messages import DEMO_ACCOUNTS_OUTSIDE_DEMO, DemoError
from registry.demo.plan import demo_plan
from registry.demo.types import DEMO_TAG, DEMO_TAG_NAME, DemoResult
from registry.demo.write import persist
from registry.models import Category


@transaction.atomic
def demo_generate(*, enterprises: int, seed: int, accounts: bool = False) -> DemoResult:
    """Write the demo province (skipping USCCs already present) and, in demo mode only, create or
    reset the demo accounts; one summary audit row `demo.generate`."""
    if accounts and not settings.DEMO:
        raise DemoError(DEMO_ACCOUNTS_OUTSIDE_DEMO)
    plan = demo_plan(enterprises=enterprises, seed=seed)
    Category.objects.get_or_create(
        code=DEMO_TAG,
        defaults={
            "name": DEMO_TAG_NAME,
            "kind": Category.Kind.TAG,
            "rank": 900,
            "source": "Zhigai demo generator (registry/demo/)",
        },
    )
    result = DemoResult(requested=enterprises)
    persist(plan, result)
    if accounts:
        result.accounts = demo_accounts_create_or_reset()
    audit_record(
        action="demo.generate",
        object_type="registry.enterprise",
        after={
            "seed": seed,
            "requested": result.requested,
            "created": result.created,
            "skipped": result.skipped,
            "years": result.years,
            "categories": result.categories,
            "contacts": result.contacts,
            "chain_links": result.chain_links,
            "accounts": [a.username for a in result.accounts],
        },
        note=f"generate_demo_data --enterprises {enterprises} --seed {seed}",
    )
    return result
