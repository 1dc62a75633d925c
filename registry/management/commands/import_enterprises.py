"""`zhigai import_enterprises FILE [--dry-run] [--report OUT.xlsx]`: import enterprises from an
XLSX or CSV file as the system (no jurisdiction limit).

Exit code 0: every row accepted; 1: some rows rejected (see the report); 2: the file was rejected
as a whole (unreadable, unknown format, a required column missing).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import Actor, acting_as
from registry.exports import import_report_write
from registry.imports import ImportFileError, ImportResult, enterprise_import

ACTOR = Actor(username="command:import_enterprises", role="system")
PROGRESS_FROM_ROWS = 5000  # smaller files finish before progress would help
SUMMARY_LINES = (
    ("total", "总行数 rows"),
    ("accepted", "通过 accepted"),
    ("rejected", "拒绝 rejected"),
    ("created", "新增 created"),
    ("updated", "更新 updated"),
    ("unchanged", "未变 unchanged"),
)


class Command(BaseCommand):
    help = (
        "Import enterprises from an XLSX or CSV file "
        "(exit 0: all rows accepted, 1: some rejected, 2: file rejected)."
    )
    _shown = -1  # the last 5 % step written to stderr

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate and report only")
        parser.add_argument("--report", type=Path, help="write the rejected rows to this XLSX")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        self._shown = -1
        try:
            with acting_as(ACTOR):
                result = enterprise_import(
                    path=path,
                    user=None,
                    dry_run=options["dry_run"],
                    progress=self._progress,
                    source=path.name,
                )
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from exc
        if options["report"]:
            import_report_write(result=result, path=options["report"], source=path.name)
        self._summary_write(result, options["report"])
        if result.exit_code:
            sys.exit(result.exit_code)

    def _progress(self, done: int, total: int) -> None:
        """Every 5 % on stderr, for files large enough to make someone wait."""
        if total < PROGRESS_FROM_ROWS:
            return
        percent = 100 * done // total
        if percent // 5 > self._shown:
            self._shown = percent // 5
            self.stderr.write(f"进度 progress: {percent}% ({done}/{total})")

    def _summary_write(self, result: ImportResult, report: Path | None) -> None:
        if result.dry_run:
            self.stdout.write("仅校验，未写入数据 (dry run: nothing was written)")
        if result.ignored_columns:
            ignored = "、".join(result.ignored_columns)
            self.stdout.write(f"已忽略的列 (ignored columns): {ignored}")
        for key, label in SUMMARY_LINES:
            self.stdout.write(f"{label}: {getattr(result, key)}")
        for problem in result.problems[:20]:
            self.stdout.write(
                f"  第 {problem.row} 行 row {problem.row} {problem.header}: {problem.reason}"
            )
        if len(result.problems) > 20:
            more = len(result.problems) - 20
            hint = f"，见报告 {report}" if report else "；用 --report 导出全部 (use --report)"
            self.stdout.write(f"  … 另有 {more} 个问题 ({more} more){hint}")
