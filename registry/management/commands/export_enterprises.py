"""`zhigai export_enterprises --out FILE.(xlsx|csv)`: every enterprise, one row each, in the import
template's columns (re-importing the file changes nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import Actor, acting_as
from registry.exports import EXPORT_UNKNOWN_FORMAT, enterprise_export

ACTOR = Actor(username="command:export_enterprises", role="system")


class Command(BaseCommand):
    help = "Export every enterprise to XLSX or CSV (UTF-8 with BOM), in the template's columns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["out"]
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError(EXPORT_UNKNOWN_FORMAT)
        with acting_as(ACTOR):
            count = enterprise_export(user=None, path_or_stream=path, fmt=fmt)
        self.stdout.write(f"已导出 {count} 家企业 (exported {count} enterprises): {path}")
