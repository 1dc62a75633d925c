"""`zhigai generate_demo_assessments --seed S`: demo assessments, drafts and diagnoses for the
demo province (after generate_demo_data and load_frameworks). Deterministic; a re-run adds
nothing."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.demo import demo_assessments


class Command(BaseCommand):
    help = "Generate demo assessments for the demo province."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = demo_assessments(seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.skipped:
            self.stdout.write("demo assessments already present: nothing added")
            return
        per_model = ", ".join(f"{code} {n}" for code, n in sorted(result.by_model.items()))
        self.stdout.write(
            f"demo assessments: {result.submitted} submitted ({per_model}); "
            f"{result.benchmark_groups} peer groups; {'; '.join(result.special)} "
            f"in {time.monotonic() - started:.1f} s"
        )
