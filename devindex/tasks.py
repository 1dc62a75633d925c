"""The background task of index runs: `index_run_compute_task` computes one run (queued by
devindex.services.index_run_start), writing its progress to the run row so the management page
can show a progress bar."""

from __future__ import annotations

from django_tasks import task

from devindex.models import IndexRun
from devindex.services import index_run_execute


@task()
def index_run_compute_task(run_id: int) -> str:
    """Compute one run; returns its final status (done or failed)."""
    run = IndexRun.objects.select_related("definition", "snapshot", "created_by").get(pk=run_id)
    return index_run_execute(run=run).status
