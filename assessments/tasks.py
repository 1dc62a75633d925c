"""Background tasks of assessments: peer benchmarks are recomputed after each submission (pages
read them, never compute them)."""

from __future__ import annotations

from django_tasks import task

from assessments.benchmarks import benchmarks_compute


@task()
def benchmarks_refresh(version_id: int) -> int:
    return benchmarks_compute(version_id=version_id)
