"""`zhigai compute_coverage`: compute a coverage snapshot now (synchronously, printing progress),
as the platform; the snapshot becomes the current one, its fact tables are frozen as Parquet files
and older unreferenced snapshots are pruned (monitoring.services). `make demo` runs it after the
demo data; a scheduler may run it too, though changes already queue a delayed recompute."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from monitoring.facts import facts_root
from monitoring.models import CoverageSnapshot
from monitoring.services import coverage_snapshot_create, coverage_snapshot_execute


class Command(BaseCommand):
    help = "Compute a coverage snapshot now (synchronously, with progress)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        # A snapshot the platform queued after recent changes (still waiting for its delay) is
        # computed now instead of adding a second one; its delayed task is then refused.
        waiting = CoverageSnapshot.objects.filter(
            status=CoverageSnapshot.Status.QUEUED, created_by__isnull=True
        ).order_by("created_at", "pk")
        snapshot = waiting.first() or coverage_snapshot_create(by=None)

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"coverage snapshot #{snapshot.pk}: step {done}/{total}")

        try:
            coverage_snapshot_execute(snapshot=snapshot, progress=progress)
        except ValidationError as exc:  # claimed by a worker in the meantime
            raise CommandError(" ".join(exc.messages)) from exc
        if snapshot.status != CoverageSnapshot.Status.DONE:
            raise CommandError(snapshot.error)
        stamp, years = snapshot.stamp, snapshot.years
        self.stdout.write(
            f"coverage snapshot #{snapshot.pk} done: years {years[0]}–{years[-1]}, "
            f"{stamp['cells']} cells from {stamp['enterprises']} enterprises and "
            f"{stamp['results_valid']} valid results in {time.monotonic() - started:.1f} s; "
            f"facts in {facts_root() / stamp['facts']['dir']}"
        )
