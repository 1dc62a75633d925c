"""Coverage snapshots: create one (audited), run it in the background (monitoring/tasks.py) or at
once (`zhigai compute_coverage`), and compute it — facts exported, every cell computed by the pure
monitoring.coverage, all cells written in one transaction with the snapshot's stamp.

Snapshots are never changed after they are done and never deleted here (index runs cite them);
the current one is the latest DONE (monitoring.selectors.snapshot_current). A recompute is started
by a province official (the snapshot page), by the command, or by a scheduler running the command;
it is not enqueued after every submission or decision (see monitoring/README.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from audit.context import acting_as, actor_for_user, current_actor
from audit.services import audit_record
from monitoring.coverage import cell_figures, coverage_compute, valid_results, years_covered
from monitoring.definitions import coverage_definition
from monitoring.facts import coverage_facts_export, facts_counts, facts_digest
from monitoring.models import CoverageCell, CoverageSnapshot

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

RECOMPUTE_FORBIDDEN = (
    "只有省级管理员可以重新计算覆盖率 (Only province officials may recompute coverage)"
)
SNAPSHOT_FAILED = (
    "计算失败，未写入任何数据：{detail} (Computation failed, nothing was written: {detail})"
)
# A queued or running snapshot younger than this is returned instead of starting another one
# (a double click, two officials at once); an older one is taken as abandoned.
ACTIVE_WINDOW = timedelta(hours=1)
BATCH_SIZE = 2000
# Progress steps besides one per year: exporting the facts, writing the cells.
EXTRA_STEPS = 2


def coverage_snapshot_create(*, by: Any | None) -> CoverageSnapshot:
    """A queued snapshot (audited). `by` None: the platform itself (a command)."""
    if by is not None and getattr(by, "role", None) != Role.PROVINCE:
        raise PermissionDenied(RECOMPUTE_FORBIDDEN)
    snapshot = CoverageSnapshot.objects.create(created_by=by)
    audit_record(action="coverage_snapshot.create", obj=snapshot, after={"status": snapshot.status})
    return snapshot


@transaction.atomic
def coverage_snapshot_start(*, by: Any) -> CoverageSnapshot:
    """Create a snapshot and queue its computation (monitoring.tasks.coverage_snapshot_run); an
    active snapshot started within ACTIVE_WINDOW is returned instead. Only province officials."""
    from monitoring.tasks import coverage_snapshot_run  # the task module imports this one

    if getattr(by, "role", None) != Role.PROVINCE:
        raise PermissionDenied(RECOMPUTE_FORBIDDEN)
    active = CoverageSnapshot.objects.filter(
        status__in=[CoverageSnapshot.Status.QUEUED, CoverageSnapshot.Status.RUNNING],
        created_at__gte=timezone.now() - ACTIVE_WINDOW,
    ).first()
    if active is not None:
        return active
    snapshot = coverage_snapshot_create(by=by)
    # The database task backend stores the task in this transaction: a worker cannot pick it up
    # before the snapshot row is committed.
    coverage_snapshot_run.enqueue(snapshot.pk)
    return snapshot


def _update(snapshot: CoverageSnapshot, **fields: Any) -> None:
    CoverageSnapshot.objects.filter(pk=snapshot.pk).update(**fields)
    for name, value in fields.items():
        setattr(snapshot, name, value)


def coverage_snapshot_compute(
    *, snapshot: CoverageSnapshot, progress: Progress | None = None
) -> CoverageSnapshot:
    """Compute every cell and write them, the years and the stamp in one transaction, which also
    marks the snapshot DONE (so a DONE snapshot always has its cells). progress(done, total) is
    called after the export, after each year and after the write."""
    started = time.monotonic()
    definition = coverage_definition()
    facts = coverage_facts_export(definition=definition)
    valid = valid_results(facts)
    years = years_covered(
        valid.get_column("year").unique().to_list(),
        current_year=timezone.localdate().year,
        start_year=definition.start_year,
    )
    total = len(years) + EXTRA_STEPS

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)

    report(1)
    cells = coverage_compute(facts, definition, years=years, progress=lambda d, _: report(1 + d))
    computed = time.monotonic()
    stamp = {
        "definition_version": definition.version,
        "definition_sha256": definition.digest,
        "facts_sha256": facts_digest(facts),
        **facts_counts(facts, valid),
        "cells": cells.height,
        "compute_seconds": round(computed - started, 3),
    }
    with transaction.atomic():
        CoverageCell.objects.filter(snapshot=snapshot).delete()
        CoverageCell.objects.bulk_create(
            (
                CoverageCell(
                    snapshot=snapshot,
                    year=key[0],
                    region_level=key[1],
                    region_code=key[2],
                    group_kind=key[3],
                    group_code=key[4],
                    figures=figures,
                )
                for key, figures in cell_figures(cells, definition)
            ),
            batch_size=BATCH_SIZE,
        )
        stamp["write_seconds"] = round(time.monotonic() - computed, 3)
        _update(
            snapshot,
            years=years,
            stamp=stamp,
            status=CoverageSnapshot.Status.DONE,
            finished_at=timezone.now(),
            progress_done=total,
            progress_total=total,
        )
        audit_record(
            action="coverage_snapshot.done",
            obj=snapshot,
            before={"status": CoverageSnapshot.Status.RUNNING},
            after={"status": snapshot.status, "years": years, **stamp},
        )
    report(total)
    return snapshot


def coverage_snapshot_execute(
    *, snapshot: CoverageSnapshot, progress: Progress | None = None
) -> CoverageSnapshot:
    """Run a snapshot as whoever created it (the platform for a command): RUNNING, computed, DONE;
    any error marks it FAILED with the reason (its transaction wrote nothing)."""
    actor = actor_for_user(snapshot.created_by) if snapshot.created_by else current_actor()
    with acting_as(actor):
        _update(
            snapshot,
            status=CoverageSnapshot.Status.RUNNING,
            started_at=timezone.now(),
            error="",
            progress_done=0,
        )

        def step(done: int, total: int) -> None:
            _update(snapshot, progress_done=done, progress_total=total)
            if progress is not None:
                progress(done, total)

        try:
            return coverage_snapshot_compute(snapshot=snapshot, progress=step)
        except Exception as exc:
            logger.exception("coverage snapshot %s failed", snapshot.pk)
            error = SNAPSHOT_FAILED.format(detail=f"{type(exc).__name__}: {exc}")
            _update(
                snapshot,
                status=CoverageSnapshot.Status.FAILED,
                error=error,
                finished_at=timezone.now(),
            )
            audit_record(
                action="coverage_snapshot.fail",
                obj=snapshot,
                before={"status": CoverageSnapshot.Status.RUNNING},
                after={"status": snapshot.status, "error": error[:500]},
            )
            return snapshot
