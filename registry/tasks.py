"""The background task of enterprise imports started from the web page: `enterprise_import_run`
runs an ImportJob (queued by `registry.imports.import_job_start`) with progress, and writes the
report of rejected rows to MEDIA_ROOT/imports/.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from django.utils import timezone
from django_tasks import task

from audit.context import acting_as, actor_for_user
from registry.exports import import_report_write
from registry.imports import ImportFileError, ImportResult, enterprise_import, imports_dir
from registry.models import ImportJob

logger = logging.getLogger(__name__)

JOB_CRASHED = "导入失败，未写入任何数据：{detail} (Import failed, nothing was written: {detail})"


# --- Running a job ------------------------------------------------------------------------------


@task()
def enterprise_import_run(job_id: int) -> None:
    """Run one ImportJob as the user who started it. A file rejected as a whole, or any error,
    marks the job FAILED; the import's single transaction means nothing was applied then."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    _job_update(job, status=ImportJob.Status.RUNNING, error="", processed_rows=0)
    try:
        with acting_as(actor_for_user(job.created_by)):
            result = enterprise_import(
                path=imports_dir() / job.stored_name,
                user=job.created_by,
                dry_run=job.dry_run,
                progress=lambda done, total: _job_update(
                    job, processed_rows=done, total_rows=total
                ),
                source=job.original_name,
                job_id=job.pk,
            )
    except ImportFileError as exc:
        _job_fail(job, str(exc))
        return
    except Exception as exc:
        logger.exception("enterprise import job %s failed", job.pk)
        _job_fail(job, JOB_CRASHED.format(detail=f"{type(exc).__name__}: {exc}"))
        return
    _job_finish(job, result)


def _job_update(job: ImportJob, **fields: Any) -> None:
    """Update only the given columns: at most ~50 progress writes per job."""
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _job_fail(job: ImportJob, message: str) -> None:
    _job_update(job, status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now())


PREVIEW_PROBLEMS = 100


def _problems_preview(result: ImportResult) -> list[dict[str, Any]]:
    return [
        {"row": p.row, "column": p.header or p.column, "value": p.value[:100], "reason": p.reason}
        for p in result.problems[:PREVIEW_PROBLEMS]
    ]


def _job_finish(job: ImportJob, result: ImportResult) -> None:
    report_name = ""
    if result.problems:
        report_name = f"{Path(job.stored_name).stem}-report.xlsx"
        import_report_write(
            result=result, path=imports_dir() / report_name, source=job.original_name
        )
    counts = result.counts()
    _job_update(
        job,
        problems_preview=_problems_preview(result),
        reason_counts=dict(Counter(problem.reason for problem in result.problems).most_common()),
        status=ImportJob.Status.DONE,
        total_rows=counts.pop("total"),
        processed_rows=result.total,
        report_name=report_name,
        finished_at=timezone.now(),
        **counts,
    )
