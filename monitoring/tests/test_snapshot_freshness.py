"""Snapshots as points in time: the facts a snapshot computed from are frozen as Parquet files
(hashes in its stamp), the export is one consistent read, only a queued snapshot is computed,
changes that move coverage queue one delayed recompute (the database task backend, as in
production), and finished snapshots no index run cites are pruned beyond a number kept."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessments.services import diagnosis_review_section
from assessments.tests.factories import load_default_models, make_submitted
from audit.models import AuditEvent
from conftest import World
from devindex.tests.factories import load_definition, make_stored_run
from frameworks.models import FrameworkVersion
from monitoring import facts as facts_module
from monitoring import services
from monitoring.coverage import SCHEMAS
from monitoring.definitions import coverage_definition
from monitoring.facts import (
    SNAPSHOT_FACTS_CHANGED,
    SNAPSHOT_FACTS_MISSING,
    consistent_read,
    coverage_facts_export,
    facts_digest,
    snapshot_facts_read,
)
from monitoring.models import CoverageCell, CoverageSnapshot
from monitoring.selectors import snapshot_current
from monitoring.services import (
    coverage_recompute_request,
    coverage_snapshot_compute,
    coverage_snapshot_execute,
    coverage_snapshot_start,
    coverage_snapshots_prune,
)
from monitoring.tasks import coverage_snapshot_run
from monitoring.tests.factories import SF_LEVELS, make_result, make_version
from recognition.models import Application
from recognition.services import application_transition
from recognition.tests.factories import make_application
from registry.models import EnterpriseCategory

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
TASK_PATH = "monitoring.tasks.coverage_snapshot_run"


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


def _sf() -> FrameworkVersion:
    return FrameworkVersion.objects.get(framework__code="SF-JS")


def _second_result(world: World) -> None:
    make_result(
        enterprise=world.e2, version=_sf(), year=2025, level="BASIC", by=world.users["city"]
    )


def _computed() -> CoverageSnapshot:
    snapshot = coverage_snapshot_execute(snapshot=CoverageSnapshot.objects.create())
    assert snapshot.status == CoverageSnapshot.Status.DONE, snapshot.error
    return snapshot


def _directory(snapshot: CoverageSnapshot) -> Path:
    from django.conf import settings

    return Path(settings.COVERAGE_FACTS_DIR) / snapshot.stamp["facts"]["dir"]


def _coverage_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at"))


# --- frozen facts --------------------------------------------------------------------------------


def test_a_computed_snapshot_freezes_every_fact_table_with_its_sha256(data: World) -> None:
    snapshot = _computed()
    record = snapshot.stamp["facts"]
    directory = _directory(snapshot)
    assert record["dir"] == str(snapshot.pk)
    assert set(record["tables"]) == set(SCHEMAS)
    for name, table in record["tables"].items():
        path = directory / table["file"]
        assert path.name == f"{name}.parquet"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == table["sha256"]
        assert pl.read_parquet(path).height == table["rows"]
    assert record["tables"]["enterprises"]["rows"] == 3
    assert record["tables"]["results"]["rows"] == 1
    frozen, _ = snapshot_facts_read(snapshot=snapshot)
    assert facts_digest(frozen) == snapshot.stamp["facts_sha256"]
    assert frozen.results.schema == pl.Schema(SCHEMAS["results"])


def test_the_frozen_facts_stay_as_they_were_when_the_database_changes(data: World) -> None:
    snapshot = _computed()
    _second_result(data)
    frozen, _ = snapshot_facts_read(snapshot=snapshot)
    live = coverage_facts_export(definition=coverage_definition())
    assert frozen.results.height == 1
    assert live.results.height == 2
    assert facts_digest(frozen) == snapshot.stamp["facts_sha256"] != facts_digest(live)


def test_missing_fact_files_are_named_in_both_languages(data: World) -> None:
    snapshot = _computed()
    (_directory(snapshot) / "results.parquet").unlink()
    with pytest.raises(ValidationError) as caught:
        snapshot_facts_read(snapshot=snapshot)
    assert caught.value.messages == [SNAPSHOT_FACTS_MISSING.format(pk=snapshot.pk)]
    assert "compute a new coverage snapshot" in caught.value.messages[0]


def test_a_snapshot_without_stored_facts_is_refused(data: World) -> None:
    old = CoverageSnapshot.objects.create(
        status=CoverageSnapshot.Status.DONE, stamp={"facts_sha256": "0" * 64}
    )
    with pytest.raises(ValidationError, match="no stored fact files"):
        snapshot_facts_read(snapshot=old)


def test_a_changed_fact_file_is_refused(data: World) -> None:
    snapshot = _computed()
    path = _directory(snapshot) / "enterprises.parquet"
    pl.read_parquet(path).head(2).write_parquet(path)
    with pytest.raises(ValidationError) as caught:
        snapshot_facts_read(snapshot=snapshot)
    assert caught.value.messages == [
        SNAPSHOT_FACTS_CHANGED.format(pk=snapshot.pk, table="enterprises")
    ]


def test_a_failed_write_of_the_cells_leaves_no_fact_files(data: World, monkeypatch) -> None:
    real = services.audit_record

    def broken(*, action: str, **kwargs: Any) -> Any:
        if action == "coverage_snapshot.done":
            raise RuntimeError("connection lost")
        return real(action=action, **kwargs)

    monkeypatch.setattr(services, "audit_record", broken)
    from django.conf import settings

    failed = coverage_snapshot_execute(snapshot=CoverageSnapshot.objects.create())
    assert failed.status == CoverageSnapshot.Status.FAILED
    assert not (Path(settings.COVERAGE_FACTS_DIR) / str(failed.pk)).exists()


# --- one consistent read -------------------------------------------------------------------------


def test_every_fact_table_is_read_inside_one_transaction(data: World, monkeypatch) -> None:
    seen: list[bool] = []
    real = facts_module._rows

    def spy(queryset: Any) -> list[tuple[Any, ...]]:
        seen.append(connection.in_atomic_block)
        return real(queryset)

    monkeypatch.setattr(facts_module, "_rows", spy)
    depth = len(connection.savepoint_ids)
    with consistent_read():
        assert len(connection.savepoint_ids) == depth + 1  # a transaction (or savepoint) of its own
    coverage_facts_export(definition=coverage_definition())
    assert seen
    assert all(seen)


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_export_is_repeatable_read_and_read_only(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the isolation level is set on PostgreSQL only")
    with consistent_read(), connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        isolation = cursor.fetchone()[0]
        cursor.execute("SHOW transaction_read_only")
        read_only = cursor.fetchone()[0]
    assert (isolation, read_only) == ("repeatable read", "on")


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_commit_during_the_export_is_not_half_seen(
    world: World, monkeypatch
) -> None:
    """Another connection commits a category row after the enterprises were read: the export
    reads the categories as of the first query, so the row is not in it (under READ COMMITTED
    it would be)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer; the reads of one transaction see one state")
    other = connections.create_connection("default")
    real = facts_module._rows
    calls = [0]

    def commit_between(queryset: Any) -> list[tuple[Any, ...]]:
        rows = real(queryset)
        calls[0] += 1
        if calls[0] == 1:  # the enterprises were read
            with other.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO registry_enterprisecategory (enterprise_id, category_id, year) "
                    "VALUES (%s, 'above_scale', 2025)",
                    [world.e1.pk],
                )
        return rows

    monkeypatch.setattr(facts_module, "_rows", commit_between)
    try:
        facts = coverage_facts_export(definition=coverage_definition())
    finally:
        other.close()
    assert facts.categories.height == 0
    assert EnterpriseCategory.objects.count() == 1  # it was committed


# --- only a queued snapshot is computed ----------------------------------------------------------


@pytest.mark.parametrize("status", ["done", "failed", "running"])
def test_a_snapshot_that_is_not_queued_is_refused_and_left_as_it_is(
    data: World, status: str
) -> None:
    snapshot = _computed()
    CoverageSnapshot.objects.filter(pk=snapshot.pk).update(status=status)
    snapshot.refresh_from_db()
    cells, stamp = snapshot.cells.count(), snapshot.stamp
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="only a queued snapshot is computed"):
        coverage_snapshot_execute(snapshot=snapshot)
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.cells.count(), snapshot.stamp) == (status, cells, stamp)
    assert AuditEvent.objects.count() == events


def test_a_second_task_for_the_same_snapshot_is_a_no_op(data: World) -> None:
    snapshot = _computed()
    finished = snapshot.finished_at
    assert coverage_snapshot_run.call(snapshot.pk) == "refused"
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.finished_at) == (CoverageSnapshot.Status.DONE, finished)


def test_a_snapshot_taken_over_while_computing_writes_nothing(data: World, monkeypatch) -> None:
    """The status is checked again, under a row lock, in the transaction that writes."""
    snapshot = CoverageSnapshot.objects.create(status=CoverageSnapshot.Status.RUNNING)
    real = services.facts_freeze

    def finished_elsewhere(facts: Any, *, snapshot_id: int) -> dict[str, Any]:
        CoverageSnapshot.objects.filter(pk=snapshot_id).update(status="done")
        return real(facts, snapshot_id=snapshot_id)

    monkeypatch.setattr(services, "facts_freeze", finished_elsewhere)
    with pytest.raises(ValidationError, match="is done"):
        coverage_snapshot_compute(snapshot=snapshot)
    assert not CoverageCell.objects.filter(snapshot=snapshot).exists()
    from django.conf import settings

    assert not (Path(settings.COVERAGE_FACTS_DIR) / str(snapshot.pk)).exists()


# --- automatic, debounced recomputes -------------------------------------------------------------


def test_with_the_immediate_backend_no_recompute_is_queued(data: World) -> None:
    assert coverage_recompute_request() is None
    assert not CoverageSnapshot.objects.exists()


def test_a_request_queues_one_snapshot_to_run_after_the_delay(
    data: World, settings, time_machine
) -> None:
    settings.TASKS = DB_TASKS
    settings.COVERAGE_RECOMPUTE_DELAY = 600
    time_machine.move_to(NOW, tick=False)
    snapshot = coverage_recompute_request()
    assert snapshot is not None
    assert (snapshot.status, snapshot.created_by) == (CoverageSnapshot.Status.QUEUED, None)
    [task] = _coverage_tasks()
    assert task.run_after == NOW + dt.timedelta(seconds=600)
    assert task.args_kwargs == {"args": [snapshot.pk], "kwargs": {}}
    assert not DBTaskResult.objects.ready().filter(pk=task.pk).exists()
    event = AuditEvent.objects.get(action="coverage_snapshot.create")
    assert event.after["requested"] == "automatic"
    assert event.after["run_after"] == (NOW + dt.timedelta(seconds=600)).isoformat()
    time_machine.move_to(NOW + dt.timedelta(seconds=601), tick=False)
    assert DBTaskResult.objects.ready().filter(pk=task.pk).exists()


def test_a_burst_of_requests_gives_one_snapshot(data: World, settings, time_machine) -> None:
    settings.TASKS = DB_TASKS
    time_machine.move_to(NOW, tick=False)
    first = coverage_recompute_request()
    for minutes in (1, 5, 9):
        time_machine.move_to(NOW + dt.timedelta(minutes=minutes), tick=False)
        assert coverage_recompute_request() == first
    assert CoverageSnapshot.objects.count() == 1
    assert len(_coverage_tasks()) == 1


def test_a_running_snapshot_does_not_absorb_a_request(data: World, settings) -> None:
    """A running snapshot has read its facts already: a later change needs another one."""
    settings.TASKS = DB_TASKS
    running = CoverageSnapshot.objects.create(status=CoverageSnapshot.Status.RUNNING)
    queued = coverage_recompute_request()
    assert queued is not None
    assert queued != running
    assert queued.status == CoverageSnapshot.Status.QUEUED


def test_an_abandoned_queued_snapshot_does_not_block_requests(
    data: World, settings, time_machine
) -> None:
    settings.TASKS = DB_TASKS
    time_machine.move_to(NOW, tick=False)
    stale = coverage_recompute_request()
    time_machine.move_to(
        NOW + dt.timedelta(seconds=settings.COVERAGE_RECOMPUTE_DELAY) + services.ACTIVE_WINDOW,
        tick=False,
    )
    time_machine.shift(dt.timedelta(seconds=1))
    fresh = coverage_recompute_request()
    assert fresh is not None
    assert fresh != stale


def test_the_delayed_task_computes_the_snapshot_with_every_change_of_the_burst(
    data: World, settings, time_machine
) -> None:
    """What the database worker does once the delay is over: run the stored task."""
    settings.TASKS = DB_TASKS
    time_machine.move_to(NOW, tick=False)
    snapshot = coverage_recompute_request()
    assert snapshot is not None
    _second_result(data)
    assert coverage_recompute_request() == snapshot
    time_machine.move_to(NOW + dt.timedelta(seconds=601), tick=False)
    [task] = DBTaskResult.objects.ready().filter(task_path=TASK_PATH)
    assert task.task.call(*task.task_result.args) == CoverageSnapshot.Status.DONE
    snapshot.refresh_from_db()
    assert snapshot.status == CoverageSnapshot.Status.DONE
    assert snapshot.stamp["results_submitted"] == 2
    assert snapshot_current() == snapshot


def test_the_province_button_runs_a_waiting_automatic_snapshot_now(
    data: World, settings, time_machine
) -> None:
    settings.TASKS = DB_TASKS
    time_machine.move_to(NOW, tick=False)
    waiting = coverage_recompute_request()
    assert coverage_snapshot_start(by=data.users["province"]) == waiting
    tasks = _coverage_tasks()
    assert len(tasks) == 2
    assert DBTaskResult.objects.ready().filter(pk=tasks[1].pk).exists()  # runs now
    assert tasks[1].args_kwargs["args"] == [waiting.pk]


def test_submitting_an_assessment_queues_a_recompute(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = DB_TASKS
    load_default_models()
    by = world.users["enterprise"]
    with django_capture_on_commit_callbacks(execute=True):
        make_submitted(enterprise=world.e1, code="GEN-JS", by=by, year=2025)
    assert CoverageSnapshot.objects.get().status == CoverageSnapshot.Status.QUEUED
    assert len(_coverage_tasks()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        make_submitted(enterprise=world.e1, code="GEN-JS", by=by, year=2026)
    assert CoverageSnapshot.objects.count() == 1
    assert len(_coverage_tasks()) == 1


def test_reviewing_a_diagnosis_section_queues_a_recompute(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = DB_TASKS
    diagnosis = make_result(
        enterprise=world.e1,
        version=make_version("SF-JS", SF_LEVELS),
        year=2025,
        level="BASIC",
        by=world.users["province"],
        kind="diagnosis",
        provider=world.users["provider"],
        sections={"d1": "confirmed", "d2": ""},
    )
    with django_capture_on_commit_callbacks(execute=True):
        diagnosis_review_section(
            assessment=diagnosis,
            section="d2",
            decision="confirmed",
            comment="",
            by=world.users["enterprise"],
        )
    assert CoverageSnapshot.objects.get().status == CoverageSnapshot.Status.QUEUED


@pytest.mark.parametrize(("action", "queued"), [("recognise", 1), ("notice_objection_upheld", 0)])
def test_a_recognition_queues_a_recompute_and_a_rejection_does_not(
    world: World, settings, django_capture_on_commit_callbacks, action: str, queued: int
) -> None:
    settings.TASKS = DB_TASKS
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    application = make_application(
        enterprise=world.e1,
        by=world.users["enterprise"],
        status=Application.Status.PUBLIC_NOTICE,
        notice_start=yesterday - dt.timedelta(days=6),
        notice_end=yesterday,
    )
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            application=application,
            action=action,
            by=world.users["province"],
            revision=application.revision,
            reason="异议成立",
        )
    assert CoverageSnapshot.objects.count() == queued


def test_a_failing_request_never_fails_the_change_that_asked(
    world: World, settings, monkeypatch, caplog
) -> None:
    settings.TASKS = DB_TASKS

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "coverage_snapshot_create", broken)
    assert coverage_recompute_request() is None
    assert "coverage recompute request failed" in caplog.text


def test_the_delay_and_the_number_kept_are_documented_settings() -> None:
    env = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    assert "ZHIGAI_COVERAGE_RECOMPUTE_DELAY=600" in env
    assert "ZHIGAI_COVERAGE_SNAPSHOTS_KEEP=3" in env


# --- pruning -------------------------------------------------------------------------------------


def _finished(minutes_ago: int, status: str = "done") -> CoverageSnapshot:
    snapshot = CoverageSnapshot.objects.create(status=status)
    CoverageSnapshot.objects.filter(pk=snapshot.pk).update(
        finished_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    return snapshot


def test_a_done_snapshot_prunes_older_unreferenced_ones_beyond_the_number_kept(
    data: World, settings
) -> None:
    settings.COVERAGE_SNAPSHOTS_KEEP = 3
    cited = _computed()  # the oldest, cited by an index run
    make_stored_run(definition=load_definition(), snapshot=cited)
    older = [_computed() for _ in range(3)]
    directories = {s.pk: _directory(s) for s in [cited, *older]}
    queued = CoverageSnapshot.objects.create()
    failed = _finished(200, status="failed")
    newest = _computed()
    kept = set(CoverageSnapshot.objects.values_list("pk", flat=True))
    assert kept == {cited.pk, older[1].pk, older[2].pk, queued.pk, newest.pk}
    assert not directories[older[0].pk].exists()
    assert directories[older[1].pk].exists()
    assert directories[cited.pk].exists()
    assert not CoverageCell.objects.filter(snapshot_id=older[0].pk).exists()
    pruned = AuditEvent.objects.filter(action="coverage_snapshot.prune")
    assert set(pruned.values_list("object_id", flat=True)) == {str(older[0].pk), str(failed.pk)}
    assert snapshot_current() == newest


def test_pruning_keeps_the_snapshot_that_finished_last_even_when_created_first(
    data: World,
) -> None:
    late = _finished(0)  # created first, finished last: the current snapshot
    early = _finished(30)
    assert coverage_snapshots_prune(keep=1) == [early.pk]
    assert snapshot_current() == late


def test_the_command_prunes_too(data: World, settings) -> None:
    settings.COVERAGE_SNAPSHOTS_KEEP = 1
    first = _computed()
    call_command("compute_coverage", stdout=StringIO())
    assert not CoverageSnapshot.objects.filter(pk=first.pk).exists()
    assert CoverageSnapshot.objects.count() == 1
