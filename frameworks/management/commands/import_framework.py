"""`zhigai import_framework FILE [--publish]`: import one model version from a YAML, JSON or XLSX
file as a draft (a new CODE@VERSION, or replacing its draft), and publish it with --publish.
Exit status 1 with every problem on stderr when the file is refused; nothing is written then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import acting_as
from frameworks.management.commands._common import actor, definition_read, problems_text
from frameworks.services import ImportOutcome, framework_import


def outcome_text(outcome: ImportOutcome) -> str:
    label = outcome.version.label
    if outcome.created and outcome.published:
        return f"{label}: 已导入并发布 (imported and published)"
    if outcome.created:
        return f"{label}: 已导入为草稿 (imported as a draft)"
    if outcome.published:
        return f"{label}: 已发布 (published)"
    if outcome.changed:
        return f"{label}: 草稿已更新 (draft replaced)"
    return f"{label}: 未变 (unchanged, {outcome.version.status})"


class Command(BaseCommand):
    help = "Import a maturity model version (YAML, YML, JSON or XLSX) as a draft; --publish it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--publish", action="store_true", help="publish it after importing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        definition = definition_read(path)
        try:
            with acting_as(actor("import_framework")):
                outcome = framework_import(
                    definition=definition,
                    source_name=path.name,
                    by=None,
                    publish=options["publish"],
                )
        except ValidationError as exc:
            raise CommandError(problems_text(f"{path}:", exc.messages)) from exc
        self.stdout.write(outcome_text(outcome))
