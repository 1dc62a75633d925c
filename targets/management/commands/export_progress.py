"""`zhigai export_progress --year Y --out FILE.xlsx`: the yearly evaluation pack of the plan's
targets (targets.exports.progress_workbook). The file is written atomically (a temporary file in
the same folder, then renamed); on any error nothing is written. Audited as targets.export."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import Actor, acting_as
from audit.services import audit_record
from targets.exports import progress_workbook
from targets.selectors import PLAN_YEARS

ACTOR = Actor(username="command:export_progress", role="system")
BAD_YEAR = "年度须在 2025–2027 之间：{year} (The year must be 2025 to 2027: {year})"
BAD_SUFFIX = "输出文件须为 .xlsx：{path} (The output file must end in .xlsx: {path})"
NOT_WRITABLE = "无法写入 {path}：{reason} (Cannot write {path}: {reason})"


class Command(BaseCommand):
    help = "Write the yearly evaluation pack of the plan's targets (XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="2025, 2026 or 2027")
        parser.add_argument("--out", type=Path, required=True, help="FILE.xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        path: Path = options["out"]
        if year not in PLAN_YEARS:
            raise CommandError(BAD_YEAR.format(year=year))
        if path.suffix.lower() != ".xlsx":
            raise CommandError(BAD_SUFFIX.format(path=path))
        folder = path.resolve().parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise CommandError(NOT_WRITABLE.format(path=path, reason="folder not writable"))
        with acting_as(ACTOR):
            content = progress_workbook(year=year)
            _write_atomically(path, content)
            audit_record(
                action="targets.export",
                object_type="targets.plan",
                object_id=str(year),
                after={"year": year, "format": "xlsx", "bytes": len(content)},
                note=f"evaluation pack {year} written to {path.name} by the command",
            )
        self.stdout.write(
            f"已导出 {year} 年度评估表 (wrote the {year} evaluation pack): {path} "
            f"({len(content)} bytes)"
        )


def _write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to a temporary file beside `path`, fsync it and rename it over `path`;
    the temporary file is removed on any error."""
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.resolve().parent, prefix=f".{path.name}.", suffix=".part"
        )
    except OSError as error:
        raise CommandError(NOT_WRITABLE.format(path=path, reason=error.strerror)) from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(NOT_WRITABLE.format(path=path, reason=error.strerror)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
