"""The background task of coverage snapshots: `coverage_snapshot_run` computes one snapshot
(queued by monitoring.services.coverage_snapshot_start, or coverage_recompute_request with a
delay), writing its progress to the snapshot row so the snapshot page can show a progress bar."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django_tasks import task

from monitoring.models import CoverageSnapshot
from monitoring.services import coverage_snapshot_execute

logger = logging.getLogger(__name__)


@task()
def coverage_snapshot_run(snapshot_id: int) -> str:
    """Run one snapshot; returns its final status (done or failed), or "refused" when it was
    no longer queued (computed by an earlier task of the same snapshot, or running elsewhere) or
    no longer exists."""
    snapshot = CoverageSnapshot.objects.select_related("created_by").filter(pk=snapshot_id).first()
    if snapshot is None:
        return "refused"
    try:
        return coverage_snapshot_execute(snapshot=snapshot).status
    except ValidationError as exc:
        logger.info("coverage snapshot %s not computed: %s", snapshot_id, " ".join(exc.messages))
        return "refused"
