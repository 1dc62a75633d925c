"""`zhigai generate_demo_applications --seed S`: applications in every state of the recognition
chain for the demo province (after generate_demo_assessments). A re-run adds nothing."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from recognition.demo import demo_applications


class Command(BaseCommand):
    help = "Generate demo applications in every state of the recognition chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = demo_applications(seed=options["seed"])
        if result.skipped:
            self.stdout.write("demo applications already present: nothing added")
            return
        states = ", ".join(f"{status} {n}" for status, n in sorted(result.by_status.items()))
        self.stdout.write(
            f"demo applications: {states}; {result.evidence} evidence files; "
            f"{result.ineligible} applicants not eligible (left as drafts) "
            f"in {time.monotonic() - started:.1f} s"
        )
