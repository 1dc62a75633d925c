"""Coverage snapshots: create one (audited), run it in the background (monitoring/tasks.py) or at
once (`zhigai compute_coverage`), and compute it — facts exported in one consistent read and
frozen as Parquet files, every cell computed by the pure monitoring.coverage, all cells written in
one transaction with the snapshot's stamp.

Only a QUEUED snapshot is computed (a done, failed or running one is refused), so a snapshot is
computed once and never changed after. The current one is the latest DONE
(monitoring.selectors.snapshot_current). A recompute is started by a province official (the
snapshot page), by the command, or automatically: `coverage_recompute_request`, called after a
submission, a diagnosis section review or a recognition is committed, queues one snapshot to run
COVERAGE_RECOMPUTE_DELAY seconds later unless one is already queued. After a snapshot is done,
older finished snapshots that no index run cites are pruned beyond COVERAGE_SNAPSHOTS_KEEP.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import Role
from audit.context import acting_as, actor_for_user, current_actor
from audit.services import audit_record
from monitoring.coverage import cell_figures, coverage_compute, valid_results, years_covered
from monitoring.definitions import coverage_definition
from monitoring.facts import (
    coverage_facts_export,
    facts_counts,
    facts_digest,
    facts_freeze,
    facts_remove,
)
from monitoring.models import CoverageCell, CoverageSnapshot
from monitoring.selectors import snapshot_current

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

RECOMPUTE_FORBIDDEN = (
    "只有省级管理员可以重新计算覆盖率 (Only province officials may recompute coverage)"
)
SNAPSHOT_FAILED = (
    "计算失败，未写入任何数据：{detail} (Computation failed, nothing was written: {detail})"
)
SNAPSHOT_NOT_QUEUED = (
    "覆盖率快照 #{pk} 的状态为“{status}”，只有排队中的快照可以计算 "
    "(Coverage snapshot #{pk} is {status_en}: only a queued snapshot is computed)"
)
# A queued or running snapshot younger than this is returned instead of starting another one
# (a double click, two officials at once); an older one is taken as abandoned.
ACTIVE_WINDOW = timedelta(hours=1)
BATCH_SIZE = 2000
# Progress steps besides one per year: exporting the facts, writing the cells.
EXTRA_STEPS = 2


def coverage_snapshot_create(
    *, by: Any | None, note: Mapping[str, Any] | None = None
) -> CoverageSnapshot:
    """A queued snapshot (audited, with `note` in the audit row). `by` None: the platform itself
    (a command, an automatic recompute)."""
    if by is not None and getattr(by, "role", None) != Role.PROVINCE:
        raise PermissionDenied(RECOMPUTE_FORBIDDEN)
    snapshot = CoverageSnapshot.objects.create(created_by=by)
    audit_record(
        action="coverage_snapshot.create",
        obj=snapshot,
        after={"status": snapshot.status, **(note or {})},
    )
    return snapshot


@transaction.atomic
def coverage_snapshot_start(*, by: Any) -> CoverageSnapshot:
    """Create a snapshot and queue its computation (monitoring.tasks.coverage_snapshot_run); an
    active snapshot started within ACTIVE_WINDOW is returned instead — one the platform queued
    (an automatic recompute waiting for its delay) is queued again to run now; whichever task
    comes second is refused, so it is computed once. Only province officials."""
    from monitoring.tasks import coverage_snapshot_run  # the task module imports this one

    if getattr(by, "role", None) != Role.PROVINCE:
        raise PermissionDenied(RECOMPUTE_FORBIDDEN)
    active = CoverageSnapshot.objects.filter(
        status__in=[CoverageSnapshot.Status.QUEUED, CoverageSnapshot.Status.RUNNING],
        created_at__gte=timezone.now() - ACTIVE_WINDOW,
    ).first()
    if active is not None:
        if active.status == CoverageSnapshot.Status.QUEUED and active.created_by_id is None:
            coverage_snapshot_run.enqueue(active.pk)
        return active
    snapshot = coverage_snapshot_create(by=by)
    # The database task backend stores the task in this transaction: a worker cannot pick it up
    # before the snapshot row is committed.
    coverage_snapshot_run.enqueue(snapshot.pk)
    return snapshot


def coverage_recompute_request() -> CoverageSnapshot | None:
    """Ask for a fresh snapshot after a change that moves coverage (a submission, a diagnosis
    section review, a recognition), called once that change is committed: when a snapshot is
    already queued (and not abandoned) nothing happens — it has not read the facts yet, so it
    will include the change; otherwise a snapshot is created (by the platform, audited) and its
    task queued to run COVERAGE_RECOMPUTE_DELAY seconds from now, so a burst of changes gives
    one snapshot. Returns the queued snapshot, or None when the task backend cannot defer a task
    (the immediate backend of the tests: a snapshot would then be computed inside the
    request) or the request failed — it is logged and never undoes the committed change."""
    from monitoring.tasks import coverage_snapshot_run  # the task module imports this one

    if not coverage_snapshot_run.get_backend().supports_defer:
        logger.info("coverage recompute not queued: the task backend cannot defer tasks")
        return None
    delay = timedelta(seconds=max(0, settings.COVERAGE_RECOMPUTE_DELAY))
    try:
        with transaction.atomic():
            now = timezone.now()
            queued = CoverageSnapshot.objects.filter(
                status=CoverageSnapshot.Status.QUEUED,
                created_at__gte=now - delay - ACTIVE_WINDOW,
            ).first()
            if queued is not None:
                return queued
            run_after = now + delay
            snapshot = coverage_snapshot_create(
                by=None, note={"requested": "automatic", "run_after": run_after.isoformat()}
            )
            # The database task backend stores the task in this transaction.
            coverage_snapshot_run.using(run_after=run_after).enqueue(snapshot.pk)
            return snapshot
    except Exception:  # the change that asked is committed: log, never fail its request
        logger.exception("coverage recompute request failed")
        return None


def _update(snapshot: CoverageSnapshot, **fields: Any) -> None:
    CoverageSnapshot.objects.filter(pk=snapshot.pk).update(**fields)
    for name, value in fields.items():
        setattr(snapshot, name, value)


def _not_queued(snapshot: CoverageSnapshot, status: str) -> ValidationError:
    label = CoverageSnapshot.Status(status)
    return ValidationError(
        SNAPSHOT_NOT_QUEUED.format(pk=snapshot.pk, status=label.label, status_en=label.value)
    )


def coverage_snapshots_prune(*, keep: int | None = None) -> list[int]:
    """Delete finished (done or failed) snapshots that no index run cites, except the `keep`
    (default COVERAGE_SNAPSHOTS_KEEP, at least 1) that finished last — the current snapshot is
    always among them — with their cells and fact files; each deletion is audited. Queued and
    running snapshots are never touched. Returns the deleted ids."""
    keep = max(1, settings.COVERAGE_SNAPSHOTS_KEEP if keep is None else keep)
    finished = CoverageSnapshot.objects.filter(
        status__in=[CoverageSnapshot.Status.DONE, CoverageSnapshot.Status.FAILED],
        index_runs__isnull=True,
    ).order_by("-finished_at", "-pk")
    current = snapshot_current()  # kept even when failed snapshots finished after it
    deleted = []
    for snapshot in finished[keep:]:
        if current is not None and snapshot.pk == current.pk:
            continue
        try:
            with transaction.atomic():
                before = {
                    "status": snapshot.status,
                    "finished_at": snapshot.finished_at.isoformat()
                    if snapshot.finished_at
                    else None,
                    "cells": snapshot.cells.count(),
                    "facts_sha256": (snapshot.stamp or {}).get("facts_sha256"),
                }
                audit_record(action="coverage_snapshot.prune", obj=snapshot, before=before)
                pk = snapshot.pk
                snapshot.delete()
        except ProtectedError:  # cited meanwhile (a run created since the query)
            continue
        facts_remove(snapshot_id=pk)
        deleted.append(pk)
    return deleted


def coverage_snapshot_compute(
    *, snapshot: CoverageSnapshot, progress: Progress | None = None
) -> CoverageSnapshot:
    """Compute a RUNNING snapshot: export the facts (one consistent read), compute every cell,
    freeze the facts as Parquet files, then write the cells, the years and the stamp in one
    transaction, which also marks the snapshot DONE (so a DONE snapshot always has its cells and
    its fact files). A snapshot that is not RUNNING when the cells are written is refused
    (ValidationError), and a failure after the files were written removes them.
    progress(done, total) is called after the export, after each year and after the write.
    Older unreferenced snapshots are pruned afterwards (coverage_snapshots_prune)."""
    started = time.monotonic()
    definition = coverage_definition()
    facts = coverage_facts_export(definition=definition)
    exported = time.monotonic()
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
    stamp: dict[str, Any] = {
        "definition_version": definition.version,
        "definition_sha256": definition.digest,
        "facts_sha256": facts_digest(facts),
        **facts_counts(facts, valid),
        "cells": cells.height,
        "export_seconds": round(exported - started, 3),
        "compute_seconds": round(computed - started, 3),
    }
    stamp["facts"] = facts_freeze(facts, snapshot_id=snapshot.pk)
    stamp["facts_write_seconds"] = round(time.monotonic() - computed, 3)
    try:
        _write(snapshot, definition, cells, years, stamp, total)
    except BaseException:
        facts_remove(snapshot_id=snapshot.pk)
        raise
    report(total)
    try:
        coverage_snapshots_prune()
    except Exception:  # the snapshot is done; pruning is tried again after the next one
        logger.exception("pruning coverage snapshots failed")
    return snapshot


def _write(
    snapshot: CoverageSnapshot,
    definition: Any,
    cells: Any,
    years: list[int],
    stamp: dict[str, Any],
    total: int,
) -> None:
    """The cells, years and stamp, and DONE, in one transaction; the snapshot row is locked and
    must still be RUNNING."""
    with transaction.atomic():
        status = (
            CoverageSnapshot.objects.select_for_update()
            .values_list("status", flat=True)
            .get(pk=snapshot.pk)
        )
        if status != CoverageSnapshot.Status.RUNNING:
            raise _not_queued(snapshot, status)
        written = time.monotonic()
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
        stamp["write_seconds"] = round(time.monotonic() - written, 3)
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


def coverage_snapshot_execute(
    *, snapshot: CoverageSnapshot, progress: Progress | None = None
) -> CoverageSnapshot:
    """Run a snapshot as whoever created it (the platform for a command): QUEUED → RUNNING,
    computed, DONE; any error marks it FAILED with the reason (its transaction wrote nothing).
    A snapshot that is not QUEUED — done, failed, or running in another worker — is refused
    with a ValidationError and left as it is: the claim is one conditional UPDATE, so of two
    workers given the same snapshot only one computes it."""
    actor = actor_for_user(snapshot.created_by) if snapshot.created_by else current_actor()
    with acting_as(actor):
        started = timezone.now()
        claimed = CoverageSnapshot.objects.filter(
            pk=snapshot.pk, status=CoverageSnapshot.Status.QUEUED
        ).update(
            status=CoverageSnapshot.Status.RUNNING, started_at=started, error="", progress_done=0
        )
        if not claimed:
            status = CoverageSnapshot.objects.values_list("status", flat=True).get(pk=snapshot.pk)
            raise _not_queued(snapshot, status)
        for name, value in (
            ("status", CoverageSnapshot.Status.RUNNING),
            ("started_at", started),
            ("error", ""),
            ("progress_done", 0),
        ):
            setattr(snapshot, name, value)

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
