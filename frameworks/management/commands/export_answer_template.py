"""`zhigai export_answer_template CODE@VERSION --out FILE.csv`: the header row of an answer table
for `score_batch`: id, variant (models with variants), one column per question code, and the
`@CODE.level` / `@CODE.total` columns of the models named by prerequisite rules."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frameworks.management.commands._common import version_by_label
from frameworks.selectors import framework_version_compiled
from scoring.maturity import answer_template_columns


class Command(BaseCommand):
    help = "Write the CSV header of an answer table for score_batch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("framework", metavar="CODE@VERSION")
        parser.add_argument("--out", required=True, type=Path, metavar="FILE.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        framework = framework_version_compiled(version_by_label(options["framework"]))
        columns = answer_template_columns(framework)
        out: Path = options["out"]
        try:
            with out.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerow(columns)
        except OSError as exc:
            raise CommandError(f"{out}: {exc.strerror or exc}") from exc
        self.stdout.write(f"{framework.label}: {len(columns)} 列 (columns) → {out}")
