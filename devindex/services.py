"""Writes of the development index: load a definition (idempotent by hash; a loaded code@version
never changes), create and start a run (queued as a background task), compute it (the facts its
coverage snapshot froze read back, the pure devindex.compute, every value written with the summary
and method stamp in one transaction), and publish it. Every change writes an audit row. All the
inputs of a run are of its snapshot's moment (devindex.facts).

A published run and its values never change: the services refuse, and database triggers
(migration 0002) refuse any update on SQLite and PostgreSQL (deleting rows is left to the
database owner).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

import scoring.index
from accounts.models import Role
from audit.context import acting_as, actor_for_user, current_actor
from audit.services import audit_record
from devindex.compute import IndexComputation, index_compute
from devindex.definition import (
    DefinitionError,
    definition_check,
    uncertainty_settings,
    uncertainty_specs,
)
from devindex.exports import values_digest
from devindex.facts import index_inputs_export
from devindex.models import IndexDefinition, IndexRun, IndexValue
from frameworks.files import digest
from monitoring.definitions import coverage_definition
from monitoring.models import CoverageSnapshot
from monitoring.selectors import snapshot_current

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

ONLY_PROVINCE = (
    "只有省级管理员可以计算和发布发展指数 "
    "(Only province officials may compute and publish the development index)"
)
NO_SNAPSHOT = (
    "尚无已完成的覆盖率快照，请先计算覆盖率 (No finished coverage snapshot: compute coverage first)"
)
YEAR_NOT_COVERED = (
    "当前覆盖率快照不含 {year} 年的数据 (The current coverage snapshot holds no figures for {year})"
)
DEFINITION_CHANGED = (
    "{label} 已载入且内容不同：已载入的定义不可修改，请使用新的版本号 "
    "({label} is loaded with different content: a loaded definition never changes; "
    "use a new version)"
)
PUBLISHED_IS_IMMUTABLE = "已发布的指数结果不可修改 (A published index run never changes)"
ONLY_DONE_PUBLISHED = "只有计算完成的结果可以发布 (Only a finished run can be published)"
RUN_FAILED = (
    "计算失败，未写入任何数据：{detail} (Computation failed, nothing was written: {detail})"
)
NO_SCORED_UNIT = (
    "没有可计算的单元：该年度没有任何单元的企业数达到下限 "
    "(No unit could be scored: no unit has enough enterprises in that year)"
)
ACTIVE_WINDOW = timedelta(hours=1)
BATCH_SIZE = 2000
PROGRESS_TOTAL = 1000
PROGRESS_STEP = 20  # write the progress at most every 2 %


# --- definitions ---------------------------------------------------------------------------------


def index_definition_load(
    *, content: Mapping[str, Any], source_file: str = ""
) -> tuple[IndexDefinition, bool]:
    """Validate and store a definition; returns (definition, created). Loading the same content
    again changes nothing. Raises ValidationError listing every problem, or DEFINITION_CHANGED
    when code@version is already loaded with other content."""
    coverage = coverage_definition()
    try:
        definition_check(
            content, populations=coverage.population_codes, metrics=coverage.metric_codes
        )
    except DefinitionError as exc:
        raise ValidationError([ValidationError(p) for p in exc.problems]) from exc
    sha = digest(content)
    label = f"{content['code']}@{content['version']}"
    existing = IndexDefinition.objects.filter(
        code=content["code"], version=content["version"]
    ).first()
    if existing is not None:
        if existing.sha256 != sha:
            raise ValidationError(DEFINITION_CHANGED.format(label=label))
        return existing, False
    definition = IndexDefinition(
        code=content["code"],
        version=content["version"],
        title=content["title"]["zh"][:120],
        provisional=bool(content.get("provisional", True)),
        content=dict(content),
        sha256=sha,
        source_file=source_file[:200],
    )
    definition.full_clean()
    definition.save()
    audit_record(
        action="index_definition.load",
        obj=definition,
        after={"label": label, "sha256": sha, "source_file": definition.source_file},
    )
    return definition, True


# --- runs ----------------------------------------------------------------------------------------


def _require_province(by: Any | None) -> None:
    """`by` None is the platform itself (a command)."""
    if by is not None and getattr(by, "role", None) != Role.PROVINCE:
        raise PermissionDenied(ONLY_PROVINCE)


def index_run_create(*, definition: IndexDefinition, year: int, by: Any | None) -> IndexRun:
    """A queued run of `definition` for `year` on the current coverage snapshot (audited)."""
    _require_province(by)
    snapshot = snapshot_current()
    if snapshot is None:
        raise ValidationError(NO_SNAPSHOT)
    if year not in (snapshot.years or []):
        raise ValidationError(YEAR_NOT_COVERED.format(year=year))
    run = IndexRun.objects.create(
        definition=definition, snapshot=snapshot, year=year, created_by=by
    )
    audit_record(
        action="index_run.create",
        obj=run,
        after={"definition": str(definition), "year": year, "snapshot": snapshot.pk},
    )
    return run


@transaction.atomic
def index_run_start(*, definition: IndexDefinition, year: int, by: Any) -> IndexRun:
    """Create a run and queue its computation (devindex.tasks.index_run_compute_task); a queued
    or running run of the same definition and year started within ACTIVE_WINDOW is returned
    instead (a double click, two officials at once). Only province officials."""
    from devindex.tasks import index_run_compute_task  # the task module imports this one

    if getattr(by, "role", None) != Role.PROVINCE:
        raise PermissionDenied(ONLY_PROVINCE)
    active = IndexRun.objects.filter(
        definition=definition,
        year=year,
        status__in=[IndexRun.Status.QUEUED, IndexRun.Status.RUNNING],
        created_at__gte=timezone.now() - ACTIVE_WINDOW,
    ).first()
    if active is not None:
        return active
    run = index_run_create(definition=definition, year=year, by=by)
    # The database task backend stores the task in this transaction: a worker cannot pick it up
    # before the run row is committed.
    index_run_compute_task.enqueue(run.pk)
    return run


def _update(run: IndexRun, **fields: Any) -> None:
    IndexRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)


def engine_stamp() -> dict[str, Any]:
    """The engine that computed a run: the package version and a hash of scoring/index."""
    folder = Path(scoring.index.__file__).resolve().parent
    sha = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    try:
        version = importlib.metadata.version("zhigai")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {"package": "zhigai", "version": version, "scoring_index_sha256": sha.hexdigest()}


def _method_stamp(
    run: IndexRun, result: IndexComputation, inputs: Mapping[str, Any], seconds: float
) -> dict[str, Any]:
    content = run.definition.content
    snapshot: CoverageSnapshot = run.snapshot
    return {
        "engine": engine_stamp(),
        "definition": {
            "code": run.definition.code,
            "version": run.definition.version,
            "sha256": run.definition.sha256,
        },
        "snapshot": {
            "id": snapshot.pk,
            "finished_at": snapshot.finished_at.isoformat() if snapshot.finished_at else None,
            "stamp": snapshot.stamp,
        },
        "year": run.year,
        "inputs": dict(inputs),
        "config": {level: out.config for level, out in result.levels.items()},
        "uncertainty": {
            **uncertainty_settings(content),
            "inputs": [
                {
                    "name": spec.name,
                    "alternatives": list(spec.alternatives),
                    "weight_noise": spec.weight_noise,
                }
                for spec in uncertainty_specs(content)
            ],
            "runs_per_level": {
                level: out.summary.get("uncertainty", {}).get("runs", 0)
                for level, out in result.levels.items()
            },
        },
        "computed_at": timezone.now().isoformat(),
        "compute_seconds": round(seconds, 3),
    }


def _value_rows(run: IndexRun, result: IndexComputation) -> list[IndexValue]:
    return [IndexValue(run=run, **row) for row in result.values().to_dicts()]


def index_run_compute(*, run: IndexRun, progress: Progress | None = None) -> IndexRun:
    """Compute a run: read the inputs (the facts its snapshot froze, devindex.facts), compute
    every unit level (devindex.compute), then write the values, summary and method stamp and
    mark the run DONE in one transaction (so a DONE run always has its values). A snapshot
    without its fact files fails the run (ValidationError). progress(done, total) counts per
    mille."""
    if run.published:
        raise ValidationError(PUBLISHED_IS_IMMUTABLE)
    started = time.monotonic()
    content = run.definition.content
    inputs, input_stamp = index_inputs_export(snapshot=run.snapshot, year=run.year, content=content)
    result = index_compute(content, inputs, progress=progress)
    if result.values().is_empty():  # an empty run would publish an index of nothing
        raise ValidationError(NO_SCORED_UNIT)
    counts: dict[str, Any] = {
        "values": result.values().height,
        "units": {level: out.summary["scored"] for level, out in result.levels.items()},
    }
    summary = {"levels": {level: out.summary for level, out in result.levels.items()}}
    summary["counts"] = counts
    stamp = _method_stamp(run, result, input_stamp, time.monotonic() - started)
    with transaction.atomic():
        IndexValue.objects.filter(run=run).delete()
        IndexValue.objects.bulk_create(_value_rows(run, result), batch_size=BATCH_SIZE)
        _update(
            run,
            status=IndexRun.Status.DONE,
            summary=summary,
            method_stamp=stamp,
            finished_at=timezone.now(),
            progress_done=PROGRESS_TOTAL,
            progress_total=PROGRESS_TOTAL,
            error="",
        )
        audit_record(
            action="index_run.done",
            obj=run,
            before={"status": IndexRun.Status.RUNNING},
            after={"status": run.status, **counts},
        )
    return run


def index_run_execute(*, run: IndexRun, progress: Progress | None = None) -> IndexRun:
    """Run a computation as whoever created the run (the platform for a command): RUNNING,
    computed, DONE; any error marks it FAILED with the reason (its transaction wrote nothing)."""
    actor = actor_for_user(run.created_by) if run.created_by else current_actor()
    with acting_as(actor):
        _update(
            run, status=IndexRun.Status.RUNNING, error="", progress_done=0,
            progress_total=PROGRESS_TOTAL,
        )  # fmt: skip
        last = [0]

        def step(done: int, total: int) -> None:
            if done - last[0] >= PROGRESS_STEP or done >= total:
                last[0] = done
                _update(run, progress_done=done, progress_total=total)
            if progress is not None:
                progress(done, total)

        try:
            return index_run_compute(run=run, progress=step)
        except Exception as exc:
            logger.exception("index run %s failed", run.pk)
            detail = (
                " ".join(exc.messages)
                if isinstance(exc, ValidationError)
                else f"{type(exc).__name__}: {exc}"
            )
            message = RUN_FAILED.format(detail=detail)
            _update(run, status=IndexRun.Status.FAILED, error=message, finished_at=timezone.now())
            audit_record(
                action="index_run.failed",
                obj=run,
                before={"status": IndexRun.Status.RUNNING},
                after={"status": run.status, "error": message[:500]},
            )
            return run


@transaction.atomic
def index_run_publish(*, run: IndexRun, by: Any | None) -> IndexRun:
    """Publish a finished run: its values' sha256 is recorded and from now on the run and its
    values never change. Province officials only (`by` None: the platform, a command)."""
    _require_province(by)
    current = IndexRun.objects.select_for_update().get(pk=run.pk)
    if current.published:
        raise ValidationError(PUBLISHED_IS_IMMUTABLE)
    if current.status != IndexRun.Status.DONE:
        raise ValidationError(ONLY_DONE_PUBLISHED)
    current.values_sha256 = values_digest(current)
    current.published = True
    current.published_at = timezone.now()
    current.published_by = by
    current.save(update_fields=["values_sha256", "published", "published_at", "published_by"])
    audit_record(
        action="index_run.publish",
        obj=current,
        before={"published": False},
        after={"published": True, "values_sha256": current.values_sha256},
    )
    for name in ("values_sha256", "published", "published_at", "published_by"):
        setattr(run, name, getattr(current, name))
    return current
