"""Coverage snapshots end to end: started by the province, run by the background task (the
immediate backend in tests), progress, stamp, audit rows, failure, the current snapshot, and the
`compute_coverage` command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from audit.context import acting_as, actor_for_user
from audit.models import AuditEvent
from conftest import World
from monitoring import services
from monitoring.definitions import coverage_definition
from monitoring.models import CoverageCell, CoverageSnapshot
from monitoring.selectors import snapshot_current
from monitoring.services import RECOMPUTE_FORBIDDEN, coverage_snapshot_start
from monitoring.tests.factories import SF_LEVELS, make_result, make_version
from registry.models import EnterpriseCategory


@pytest.fixture
def data(world: World) -> World:
    version = make_version("SF-JS", SF_LEVELS)
    for enterprise in (world.e1, world.e2, world.e3):
        EnterpriseCategory.objects.create(
            enterprise=enterprise, category_id="above_scale", year=2025
        )
    make_result(
        enterprise=world.e1,
        version=version,
        year=2025,
        level="ADVANCED",
        by=world.users["province"],
    )
    return world


def _actions(snapshot: CoverageSnapshot) -> list[tuple[str, str]]:
    rows = AuditEvent.objects.filter(
        object_type="monitoring.coveragesnapshot", object_id=str(snapshot.pk)
    ).order_by("pk")
    return list(rows.values_list("action", "actor_username"))


def test_the_province_starts_a_snapshot_that_the_task_computes(data: World) -> None:
    province = data.users["province"]
    with acting_as(actor_for_user(province)):  # as the request middleware does
        snapshot = coverage_snapshot_start(by=province)
    snapshot.refresh_from_db()
    assert snapshot.status == CoverageSnapshot.Status.DONE
    assert snapshot.created_by == data.users["province"]
    assert snapshot.started_at is not None
    assert snapshot.finished_at is not None
    years = list(range(2025, timezone.localdate().year + 1))
    assert snapshot.years == years
    assert snapshot.progress_done == snapshot.progress_total == len(years) + 2
    assert snapshot.percent == 100
    assert CoverageCell.objects.filter(snapshot=snapshot).count() == snapshot.stamp["cells"] > 0
    assert _actions(snapshot) == [
        ("coverage_snapshot.create", "province"),
        ("coverage_snapshot.done", "province"),
    ]
    assert snapshot_current() == snapshot


def test_the_stamp_records_the_inputs(data: World) -> None:
    snapshot = coverage_snapshot_start(by=data.users["province"])
    snapshot.refresh_from_db()
    stamp = snapshot.stamp
    assert stamp["definition_version"] == coverage_definition().version
    assert stamp["definition_sha256"] == coverage_definition().digest
    assert len(stamp["facts_sha256"]) == 64
    assert stamp["enterprises"] == 3
    assert stamp["results_submitted"] == stamp["results_valid"] == 1
    assert stamp["latest_submission"].startswith("2025-06-01")
    assert stamp["category_rows"] == 3


def test_a_province_figure_of_the_snapshot(data: World) -> None:
    snapshot = coverage_snapshot_start(by=data.users["province"])
    cell = CoverageCell.objects.get(
        snapshot=snapshot, year=2025, region_code="32", group_kind="all"
    )
    assert cell.region_level == "province"
    assert cell.figures["above_scale"]["sf_ge_ADVANCED"] == [1, 3]
    assert cell.figures["above_scale"]["sf_ge_EXCELLENT"] == [0, 3]


@pytest.mark.parametrize("role", ["city", "county", "enterprise", "expert", "admin"])
def test_only_the_province_starts_a_snapshot(data: World, role: str) -> None:
    with pytest.raises(PermissionDenied, match="Only province officials"):
        coverage_snapshot_start(by=data.users[role])
    assert not CoverageSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(action="coverage_snapshot.create").exists()
    assert RECOMPUTE_FORBIDDEN


def test_an_active_snapshot_is_returned_instead_of_starting_another(data: World) -> None:
    queued = CoverageSnapshot.objects.create(status=CoverageSnapshot.Status.QUEUED)
    assert coverage_snapshot_start(by=data.users["province"]) == queued
    assert CoverageSnapshot.objects.count() == 1


def test_an_abandoned_snapshot_does_not_block_a_new_one(data: World) -> None:
    stale = CoverageSnapshot.objects.create(status=CoverageSnapshot.Status.RUNNING)
    CoverageSnapshot.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - services.ACTIVE_WINDOW - timedelta(minutes=1)
    )
    fresh = coverage_snapshot_start(by=data.users["province"])
    assert fresh != stale
    fresh.refresh_from_db()
    assert fresh.status == CoverageSnapshot.Status.DONE


def test_a_failed_computation_writes_no_cells_and_keeps_the_current_snapshot(
    data: World, monkeypatch
) -> None:
    done = coverage_snapshot_start(by=data.users["province"])

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "coverage_compute", broken)
    failed = coverage_snapshot_start(by=data.users["province"])
    failed.refresh_from_db()
    assert failed.status == CoverageSnapshot.Status.FAILED
    assert "RuntimeError: disk full" in failed.error
    assert not CoverageCell.objects.filter(snapshot=failed).exists()
    assert snapshot_current() == done
    assert _actions(failed)[-1] == ("coverage_snapshot.fail", "province")


def test_old_snapshots_are_kept_and_the_latest_done_is_current(data: World) -> None:
    first = coverage_snapshot_start(by=data.users["province"])
    second = coverage_snapshot_start(by=data.users["province"])
    CoverageSnapshot.objects.create(status=CoverageSnapshot.Status.FAILED)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first != second
    assert CoverageCell.objects.filter(snapshot=first).count() == first.stamp["cells"]
    assert snapshot_current() == second
    assert first.stamp["facts_sha256"] == second.stamp["facts_sha256"]


def test_the_command_computes_a_snapshot_and_prints_its_progress(data: World) -> None:
    out = StringIO()
    call_command("compute_coverage", stdout=out)
    snapshot = CoverageSnapshot.objects.get()
    assert snapshot.status == CoverageSnapshot.Status.DONE
    assert snapshot.created_by is None
    lines = out.getvalue().splitlines()
    total = snapshot.progress_total
    assert f"coverage snapshot #{snapshot.pk}: step 1/{total}" in lines
    assert f"coverage snapshot #{snapshot.pk}: step {total}/{total}" in lines
    assert f"{snapshot.stamp['cells']} cells from 3 enterprises" in lines[-1]
    assert _actions(snapshot) == [
        ("coverage_snapshot.create", "system"),
        ("coverage_snapshot.done", "system"),
    ]


def test_the_command_computes_a_snapshot_the_platform_queued_instead_of_adding_one(
    data: World,
) -> None:
    waiting = services.coverage_snapshot_create(by=None, note={"requested": "automatic"})
    call_command("compute_coverage", stdout=StringIO())
    assert list(CoverageSnapshot.objects.values_list("pk", "status")) == [
        (waiting.pk, CoverageSnapshot.Status.DONE)
    ]


def test_a_snapshot_a_province_official_queued_is_not_taken_over_by_the_command(
    data: World,
) -> None:
    theirs = services.coverage_snapshot_create(by=data.users["province"])
    call_command("compute_coverage", stdout=StringIO())
    theirs.refresh_from_db()
    assert theirs.status == CoverageSnapshot.Status.QUEUED  # its own task computes it
    assert CoverageSnapshot.objects.filter(status=CoverageSnapshot.Status.DONE).count() == 1
