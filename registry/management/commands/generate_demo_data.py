"""`zhigai generate_demo_data --enterprises N --seed S [--accounts FILE]`: the demo province.

Deterministic for the same N, seed and reference data; enterprises already present (same USCC) are
skipped. `--accounts FILE` creates (or, on a re-run, resets the passwords of) one demo account per
role, prints them and writes them to FILE with mode 0600 — only when ZHIGAI_DEMO=True.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.demo import (
    DEMO_ACCOUNTS_OUTSIDE_DEMO,
    DemoError,
    demo_accounts_table,
    demo_accounts_write,
    demo_generate,
)


class Command(BaseCommand):
    help = "Generate a deterministic synthetic province of enterprises (and demo accounts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enterprises", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--accounts",
            type=Path,
            help="create or reset the demo accounts and write them to this file (demo mode only)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["accounts"]
        if path is not None and not settings.DEMO:
            raise CommandError(DEMO_ACCOUNTS_OUTSIDE_DEMO)
        started = time.monotonic()
        try:
            result = demo_generate(
                enterprises=options["enterprises"],
                seed=options["seed"],
                accounts=path is not None,
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"demo enterprises: {result.created} created, {result.skipped} already present "
            f"(seed {options['seed']}); {result.years} yearly figures, "
            f"{result.categories} categories, {result.contacts} contacts, "
            f"{result.chain_links} explicit chain links "
            f"in {time.monotonic() - started:.1f} s"
        )
        if path is not None:
            table = demo_accounts_table(result.accounts)
            header = (
                f"# 演示账号 (demo accounts): seed {options['seed']}, "
                f"{options['enterprises']} enterprises. Passwords are random and are reset "
                "every time generate_demo_data --accounts runs.\n"
            )
            demo_accounts_write(path=path, text=header + table)
            self.stdout.write(table)
            self.stdout.write(self.style.SUCCESS(f"demo accounts written to {path} (mode 0600)"))
