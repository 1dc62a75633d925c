"""`zhigai export_framework CODE --version V --format (xlsx|yaml) --out FILE`: write one model
version as an XLSX workbook or a YAML file; importing the file again gives the identical model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frameworks.files import dump_yaml
from frameworks.management.commands._common import version_get
from frameworks.workbook import definition_to_xlsx


class Command(BaseCommand):
    help = "Export a maturity model version as XLSX or YAML."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        # --version names the model version here, not the program's version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", metavar="CODE")
        parser.add_argument("--version", required=True, help="the model version, e.g. 2025")
        parser.add_argument("--format", required=True, choices=("xlsx", "yaml"))
        parser.add_argument("--out", required=True, type=Path, help="the file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        version = version_get(options["code"], options["version"])
        out: Path = options["out"]
        if options["format"] == "xlsx":
            content = definition_to_xlsx(version.definition)
        else:
            content = dump_yaml(version.definition).encode()
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"{out}: {exc.strerror or exc}") from exc
        self.stdout.write(f"{version.label} → {out}")
