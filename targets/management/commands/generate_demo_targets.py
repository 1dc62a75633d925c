"""`zhigai generate_demo_targets --seed S`: the target tracker's demo data (targets/demo.py),
after generate_demo_assessments and compute_coverage. A re-run adds nothing."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from targets.demo import demo_targets


class Command(BaseCommand):
    help = "Generate the target tracker's demo allocations, reports and work plans."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = demo_targets(seed=options["seed"])
        if result.skipped:
            self.stdout.write("demo targets already present: nothing added")
            return
        reports = ", ".join(f"{k} {v}" for k, v in (result.reports or {}).items())
        self.stdout.write(
            f"demo targets: {result.allocations} allocations; reports: {reports}; "
            f"{result.work_plans} work plans in {time.monotonic() - started:.1f} s"
        )
