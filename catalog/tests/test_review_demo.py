"""Second reading of the demo catalogue (catalog/demo.py) on a small demo province: each test
shows a defect found in review (it failed before its fix)."""

from __future__ import annotations

from catalog import demo_vocabulary as words
from catalog.models import Entry, Status
from catalog.tests.test_demo import demo  # noqa: F401  (the module's demo province)

# Scenarios that only make sense in some industries (GB/T 4754 divisions) and divisions they
# would be nonsense for: virtual commissioning and remote O&M of products are for makers of
# equipment, not food or paper; process control (DCS/APC) is for process industries.
NONSENSE = {
    "remote-service": {"13", "14", "17", "18", "22", "26", "27", "28"},
    "virtual-test": {"13", "14", "17", "18", "22", "26", "27", "28"},
    "process-control": {"34", "35", "36", "37", "38", "39", "40"},
}


def test_demo_product_names_carry_their_own_providers_brand(demo, db) -> None:  # noqa: F811
    products = Entry.objects.filter(
        kind__in=["software", "equipment", "network", "model"], status=Status.PUBLISHED
    ).select_related("provider")
    assert products.exists()
    for entry in products:
        brand = next(core for core in words.NAME_CORES if core in entry.provider.name)
        assert entry.title.startswith(brand), (entry.title, entry.provider.name)


def test_demo_solutions_and_scenarios_pair_only_fitting_industries(demo, db) -> None:  # noqa: F811
    entries = Entry.objects.filter(kind__in=["solution", "scenario"]).prefetch_related("scenarios")
    pairs = [
        (scenario.code, industry)
        for entry in entries
        for scenario in entry.scenarios.all()
        for industry in entry.industries
    ]
    assert pairs
    wrong = [(code, industry) for code, industry in pairs if industry in NONSENSE.get(code, ())]
    assert wrong == []
