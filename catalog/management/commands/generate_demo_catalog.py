"""`zhigai generate_demo_catalog --seed S`: the demo catalogue of the demo province (after
load_scenarios, generate_demo_data and generate_demo_assessments). Deterministic; a re-run adds
nothing."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.demo import ENTRIES, PROVIDERS, demo_catalog


class Command(BaseCommand):
    help = "Generate the demo catalogue (providers, entries, adoptions) of the demo province."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--providers", type=int, default=PROVIDERS)
        parser.add_argument("--entries", type=int, default=ENTRIES)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = demo_catalog(
                seed=options["seed"], providers=options["providers"], entries=options["entries"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.skipped:
            self.stdout.write("demo catalogue already present: nothing added")
            return
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(result.by_kind.items()))
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(result.by_status.items()))
        self.stdout.write(
            f"demo catalogue: {result.providers} providers; published {kinds}; by status "
            f"{statuses}; {result.featured} featured, {result.rated} rated; "
            f"{result.adoptions} adoptions in {time.monotonic() - started:.1f} s"
        )
