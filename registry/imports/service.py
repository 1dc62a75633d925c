"""The import service: read, validate, plan and apply a file in one transaction (or, for a dry
run, only plan), and the result with its problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.scoping import Jurisdiction, jurisdiction_of
from audit.services import Change
from registry.imports.applying import plan_apply
from registry.imports.cells import Lookups
from registry.imports.planning import Plan, plan_make
from registry.imports.progress import Progress, ProgressCallback
from registry.imports.reading import COLUMNS, columns_map, enterprise_file_read, gc_paused
from registry.imports.validation import Problem, Validated, rows_validate


@dataclass
class ImportResult:
    total: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0

    def counts(self) -> dict[str, int]:
        keys = ("total", "accepted", "rejected", "created", "updated", "unchanged")
        return {key: getattr(self, key) for key in keys}


def enterprise_import(
    *,
    path: Path,
    user: Any | None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    source: str = "",
    job_id: int | None = None,
) -> ImportResult:
    """Import enterprises from `path` for `user` (None: the system, no jurisdiction limit).

    Raises ImportFileError when the file as a whole is rejected. Rows with problems are skipped
    and listed in the result; the others are applied in one transaction, or not at all.
    """
    with gc_paused():
        return _import_run(
            path=path, user=user, dry_run=dry_run, progress=progress, source=source, job_id=job_id
        )


def _import_run(
    *,
    path: Path,
    user: Any | None,
    dry_run: bool,
    progress: ProgressCallback | None,
    source: str,
    job_id: int | None,
) -> ImportResult:
    sheet = enterprise_file_read(path)
    columns, ignored = columns_map(sheet.header)
    jurisdiction = Jurisdiction(everything=True) if user is None else jurisdiction_of(user)
    lookups = Lookups.load(jurisdiction)
    ticker = Progress(progress, len(sheet.rows))
    validated = rows_validate(sheet, columns, lookups, ticker)
    ticker.total = validated.total  # blank lines are not rows
    if dry_run:
        plan = plan_make(validated, lookups, set(columns), ticker)
        result = _result_of(validated, plan, dry_run=True, ignored=ignored)
    else:
        with transaction.atomic():
            plan = plan_make(validated, lookups, set(columns), ticker)
            result = _result_of(validated, plan, dry_run=False, ignored=ignored)
            if plan.creates or plan.updates:
                summary = _summary_change(result, source=source, job_id=job_id)
                plan_apply(plan, lookups, ticker, summary=summary)
    ticker.applied(1.0)
    return result


def _result_of(
    validated: Validated, plan: Plan, *, dry_run: bool, ignored: list[str]
) -> ImportResult:
    order = {column.key: index for index, column in enumerate(COLUMNS)}
    problems = sorted(validated.problems, key=lambda p: (p.row, order.get(p.column, 99)))
    return ImportResult(
        total=validated.total,
        accepted=len(validated.rows),
        rejected=len({problem.row for problem in problems}),
        created=len(plan.creates),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        dry_run=dry_run,
        problems=problems,
        ignored_columns=ignored,
    )


def _summary_change(result: ImportResult, *, source: str, job_id: int | None) -> Change:
    return Change(
        action="enterprise.import",
        object_type="registry.importjob" if job_id else "",
        object_id=str(job_id or ""),
        object_repr=source[:200],
        after=result.counts(),
    )
