"""The background task of coverage snapshots: `coverage_snapshot_run` computes one snapshot
(queued by monitoring.services.coverage_snapshot_start), writing its progress to the snapshot row
so the snapshot page can show a progress bar."""

from __future__ import annotations

from django_tasks import task

from monitoring.models import CoverageSnapshot
from monitoring.services import coverage_snapshot_execute


@task()
def coverage_snapshot_run(snapshot_id: int) -> str:
    """Run one snapshot; returns its final status (done or failed)."""
    snapshot = CoverageSnapshot.objects.select_related("created_by").get(pk=snapshot_id)
    return coverage_snapshot_execute(snapshot=snapshot).status
