"""Second reading of the frozen snapshot facts: the reader stays inside COVERAGE_FACTS_DIR
whatever a stamp says, pruning never deletes the current snapshot, and a recompute request
survives a task backend whose table is missing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from conftest import World
from monitoring.facts import snapshot_facts_read
from monitoring.models import CoverageSnapshot
from monitoring.selectors import snapshot_current
from monitoring.services import (
    coverage_recompute_request,
    coverage_snapshot_execute,
    coverage_snapshots_prune,
)


def _computed() -> CoverageSnapshot:
    snapshot = coverage_snapshot_execute(snapshot=CoverageSnapshot.objects.create())
    assert snapshot.status == CoverageSnapshot.Status.DONE, snapshot.error
    return snapshot


def _with_facts(snapshot: CoverageSnapshot, **changes: object) -> CoverageSnapshot:
    snapshot.stamp = {**snapshot.stamp, "facts": {**snapshot.stamp["facts"], **changes}}
    return snapshot


def _outside(snapshot: CoverageSnapshot, tmp_path: Path) -> Path:
    """A copy of the snapshot's fact files outside COVERAGE_FACTS_DIR (same sha256)."""
    inside = Path(django_settings.COVERAGE_FACTS_DIR) / snapshot.stamp["facts"]["dir"]
    outside = tmp_path / "elsewhere"
    shutil.copytree(inside, outside)
    return outside


def test_a_stamp_dir_outside_the_facts_root_is_refused(world: World, tmp_path: Path) -> None:
    snapshot = _computed()
    outside = _outside(snapshot, tmp_path)
    with pytest.raises(ValidationError, match="no stored fact files"):
        snapshot_facts_read(snapshot=_with_facts(snapshot, dir=str(outside)))


def test_a_stamp_dir_climbing_out_of_the_facts_root_is_refused(
    world: World, tmp_path: Path
) -> None:
    snapshot = _computed()
    outside = _outside(snapshot, tmp_path)
    root = Path(django_settings.COVERAGE_FACTS_DIR).resolve()
    climbing = Path(*[".."] * len(root.parts)) / outside.resolve().relative_to("/")
    with pytest.raises(ValidationError, match="no stored fact files"):
        snapshot_facts_read(snapshot=_with_facts(snapshot, dir=climbing.as_posix()))


def test_a_table_file_outside_its_snapshot_directory_is_refused(
    world: World, tmp_path: Path
) -> None:
    snapshot = _computed()
    outside = _outside(snapshot, tmp_path)
    tables = {
        name: {**table, "file": str(outside / table["file"])}
        for name, table in snapshot.stamp["facts"]["tables"].items()
    }
    with pytest.raises(ValidationError, match="no stored fact files"):
        snapshot_facts_read(snapshot=_with_facts(snapshot, tables=tables))


def test_pruning_never_deletes_the_current_snapshot(world: World) -> None:
    """Failed snapshots that finished after the current one (another worker, a retry) must not
    push it out of the number kept."""
    current = _computed()
    for minutes in (1, 2):
        failed = CoverageSnapshot.objects.create(status=CoverageSnapshot.Status.FAILED)
        CoverageSnapshot.objects.filter(pk=failed.pk).update(
            finished_at=timezone.now() + dt.timedelta(minutes=minutes)
        )
    directory = Path(django_settings.COVERAGE_FACTS_DIR) / current.stamp["facts"]["dir"]
    assert current.pk not in coverage_snapshots_prune(keep=1)
    assert snapshot_current() == current
    assert directory.is_dir()


def test_a_missing_task_table_never_fails_a_recompute_request(world: World, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {DBTaskResult._meta.db_table}")
    assert coverage_recompute_request() is None
    assert not CoverageSnapshot.objects.exists()
