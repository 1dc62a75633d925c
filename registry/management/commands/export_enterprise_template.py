"""`zhigai export_enterprise_template [--out FILE.xlsx]`: the enterprise import template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from registry.exports import enterprise_template_write

DEFAULT_OUT = Path("enterprise_import_template.xlsx")


class Command(BaseCommand):
    help = "Write the enterprise import template (header, an example row, notes, county list)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}")

    def handle(self, *args: Any, **options: Any) -> None:
        enterprise_template_write(path_or_stream=options["out"])
        self.stdout.write(f"模板已写入 (template written): {options['out']}")
