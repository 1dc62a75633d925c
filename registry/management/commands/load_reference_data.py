"""`zhigai load_reference_data [--data-dir DIR] [--prune]`: upsert the reference tables from the
data files (registry/data/ by default) and print what changed. Running it twice changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.reference import DATA_DIR, ReferenceDataError, TableResult, reference_data_load


def _line(table: TableResult) -> str:
    text = (
        f"{table.name}: {table.in_files} in files — created {table.created}, "
        f"updated {table.updated}, unchanged {table.unchanged}"
    )
    if table.removed:
        text += f", removed {table.removed}"
    if table.stale:
        text += f"; {table.stale} in the database but not in the files (kept)"
    if table.extra:
        text += " [" + ", ".join(f"{key} {value}" for key, value in table.extra.items()) + "]"
    return text


class Command(BaseCommand):
    help = "Load regions, industries, clusters, chains and categories from the data files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=f"default: {DATA_DIR}")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="delete clusters and chains that the files no longer list",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = reference_data_load(data_dir=options["data_dir"], prune=options["prune"])
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for table in report.tables:
            self.stdout.write(_line(table))
        status = f"{report.changed} changes" if report.changed else "no changes"
        self.stdout.write(self.style.SUCCESS(f"reference data loaded: {status}"))
