"""`zhigai load_frameworks [--dir DIR]`: import and publish every model file (YAML, YML, JSON,
XLSX) in frameworks/data/, all or nothing. Running it again changes nothing and says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import acting_as
from frameworks.management.commands._common import (
    FILE_SUFFIXES,
    actor,
    definition_read,
    problems_text,
)
from frameworks.management.commands.import_framework import outcome_text
from frameworks.services import framework_load

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


class Command(BaseCommand):
    help = "Import and publish every maturity model file in frameworks/data/ (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=DATA_DIR, help=f"default: {DATA_DIR}")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"]
        if not directory.is_dir():
            raise CommandError(f"不是目录 (not a directory): {directory}")
        paths = sorted(p for p in directory.iterdir() if p.suffix.lower() in FILE_SUFFIXES)
        if not paths:
            raise CommandError(f"目录中没有模型文件 (no model files in) {directory}")
        files, unreadable = [], []
        for path in paths:
            try:
                files.append((path.name, definition_read(path)))
            except CommandError as exc:
                unreadable.append(str(exc))
        if unreadable:
            raise CommandError("\n".join(unreadable))
        try:
            with acting_as(actor("load_frameworks")):
                outcomes = framework_load(files=files, by=None)
        except ValidationError as exc:
            heading = f"{directory}: 未加载任何模型 (nothing was loaded)"
            raise CommandError(problems_text(heading, exc.messages)) from exc
        for outcome in outcomes:
            self.stdout.write(outcome_text(outcome))
        changed = sum(outcome.changed for outcome in outcomes)
        if changed:
            self.stdout.write(
                self.style.SUCCESS(f"成熟度模型已加载 (frameworks loaded): {changed} changed")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "成熟度模型已是最新，没有变化 (frameworks up to date: no changes)"
                )
            )
