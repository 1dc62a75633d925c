"""The target tracker on the demo province: every computed actual equals the monitoring figure
of "Monitoring and development index" (#5) as the monitoring dashboards read it, for the
province and every city; the demo's reports, allocations and work plans went through the
services."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.test import override_settings

from accounts.models import Role, User
from assessments.demo import demo_assessments
from assessments.tests.factories import load_default_models
from monitoring.selectors import coverage_cells, coverage_rows, snapshot_current
from monitoring.services import coverage_snapshot_create, coverage_snapshot_execute
from recognition.demo import demo_applications
from recognition.models import Application
from registry.demo import demo_generate
from registry.models import Region
from registry.reference import reference_data_load
from targets import selectors
from targets.demo import demo_targets
from targets.models import Allocation, Report, Target, WorkPlan

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
TODAY = datetime.date(2026, 11, 28)


@pytest.fixture(scope="module")
def demo_province(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo province with a coverage snapshot and the tracker's demo data, built once for
    the module inside a transaction that is rolled back afterwards."""
    media = tmp_path_factory.mktemp("media")
    facts = tmp_path_factory.mktemp("facts")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, DEMO=True, TASKS=IMMEDIATE, COVERAGE_FACTS_DIR=facts),
        transaction.atomic(),
    ):
        reference_data_load()
        load_default_models()
        demo_generate(enterprises=300, seed=11, accounts=True)
        demo_assessments(seed=11)
        demo_applications(seed=11)
        coverage_snapshot_execute(snapshot=coverage_snapshot_create(by=None))
        yield demo_targets(seed=11, today=TODAY)
        transaction.set_rollback(True)


def _monitoring_figure(target: Target, region: Region, year: int) -> float | None:
    """The figure the monitoring pages show for the target's metric and population (read
    through monitoring.selectors as a province official), as a value in the target's unit."""
    viewer = User.objects.filter(role=Role.PROVINCE, is_active=True).first()
    cell = coverage_cells(
        user=viewer, snapshot=snapshot_current(), year=year, region_level=region.level
    ).get(region_code=region.code)
    figure = target.figure or {}
    row = next(
        r for r in coverage_rows(cell, figure["population"]) if r["metric"] == figure["metric"]
    )
    if figure["measure"] == "share":
        return None if row["share"] is None else 100 * row["share"]
    return float(row["numerator"])


def _computed(source: str) -> list[Target]:
    return [
        t for t in Target.objects.filter(actual="computed") if (t.figure or {})["source"] == source
    ]


@pytest.mark.parametrize("year", [2025, 2026])
def test_computed_actuals_equal_the_monitoring_figures_for_the_province_and_every_city(
    demo_province, db, year
) -> None:
    monitoring_targets = _computed("monitoring")
    assert len(monitoring_targets) >= 15
    checked = 0
    for region in [selectors.province(), *selectors.cities()]:
        rows = {
            r.target.code: r for r in selectors.plan_rows(year=year, region=region, today=TODAY)
        }
        for target in monitoring_targets:
            if target.scope == Target.Scope.EACH_CITY and region.level == "province":
                continue  # the province figure of an each-city target is the lowest city's
            expected = _monitoring_figure(target, region, year)
            row = rows[target.code]
            latest = row.latest
            if expected is None:
                assert latest is None or latest.year != year
                continue
            assert latest is not None, (target.code, region.code)
            assert latest.year == year, (target.code, region.code)
            assert latest.value == pytest.approx(expected, abs=1e-9), (target.code, region.code)
            assert row.progress.actual == pytest.approx(expected, abs=1e-9)
            checked += 1
    assert checked >= 14 * 15


def test_each_city_computed_target_shows_the_lowest_city_for_the_province(
    demo_province, db
) -> None:
    target = Target.objects.get(code="above_scale_self_assessed_per_city")
    breakdown = selectors.target_breakdown(target=target, year=2026, today=TODAY)
    values = [r.latest.value for r in breakdown.cities if r.latest is not None]
    assert breakdown.province.source == "lowest_city"
    assert breakdown.province.latest is not None
    assert breakdown.province.latest.value == pytest.approx(min(values))


def test_recognition_target_counts_recognised_applications(demo_province, db) -> None:
    [target] = _computed("recognition")
    row = next(r for r in selectors.plan_rows(year=2026, today=TODAY) if r.target == target)
    recognised = Application.objects.filter(
        type=target.figure["application_type"], status="recognised", certificate_year__lte=2026
    ).count()
    assert row.latest is not None
    assert row.latest.value == recognised


def test_demo_reports_every_reported_target_and_leaves_some_waiting(demo_province, db) -> None:
    reported = set(Target.objects.filter(actual="reported").values_list("code", flat=True))
    approved = set(
        Report.objects.filter(status="approved").values_list("target_id", flat=True).distinct()
    )
    assert approved == reported
    assert Report.objects.filter(status="submitted").count() == demo_province.reports["submitted"]
    assert Report.objects.filter(status="rejected").exclude(review_note="").exists()
    rows = selectors.plan_rows(year=2026, today=TODAY)
    assert all(r.latest is not None for r in rows if r.target.actual == "reported")


def test_demo_splits_province_targets_over_the_cities_and_cities_write_work_plans(
    demo_province, db
) -> None:
    target = Target.objects.get(code="provincial_advanced_factories")
    split = Allocation.objects.filter(target=target, year=0)
    assert split.count() == 13
    assert sum(split.values_list("value", flat=True)) == target.value_2027
    assert WorkPlan.objects.filter(year=2026, status="submitted").count() == 12
    assert WorkPlan.objects.filter(year=2026, status="draft").count() == 1
    assert WorkPlan.objects.filter(year=2025, status="submitted").count() == 13


def test_demo_targets_adds_nothing_when_run_again(demo_province, db) -> None:
    before = Report.objects.count()
    assert demo_targets(seed=11, today=TODAY).skipped
    assert Report.objects.count() == before
