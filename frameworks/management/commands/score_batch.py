"""`zhigai score_batch --framework CODE@VERSION --answers IN --out OUT` (CSV or Parquet): score a
table of assessments (one row each; columns from export_answer_template) with the vectorised
kernel. Writes one row per assessment: id (or row number), total, level, level name, node points
(`node:<code>`), level scores (sequential models), level statuses and `errors`.

A row with a bad cell, an unknown column or an unanswered mandatory question gets no score and
says why in `errors`; the other rows are scored. Exit status: 0 all rows scored, 2 some rows have
errors (the output is still written), 1 the file could not be read or written.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frameworks.management.commands._common import version_by_label
from frameworks.prerequisites import prerequisite_level_orders
from frameworks.selectors import framework_version_compiled
from scoring.maturity import score_frame

SUFFIXES = (".csv", ".parquet")
BAD_SUFFIX = "只支持 .csv 和 .parquet 文件 (only .csv and .parquet files): {path}"
UNREADABLE = "无法读取答案表 (cannot read the answer table) {path}: {error}"


class Command(BaseCommand):
    help = "Score a CSV or Parquet table of assessments with the vectorised kernel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework", required=True, metavar="CODE@VERSION")
        parser.add_argument("--answers", required=True, type=Path, metavar="FILE")
        parser.add_argument("--out", required=True, type=Path, metavar="FILE")
        parser.add_argument("--workers", type=int, default=2, help="threads (default 2)")

    def handle(self, *args: Any, **options: Any) -> None:
        source, out = options["answers"], options["out"]
        for path in (source, out):
            if path.suffix.lower() not in SUFFIXES:
                raise CommandError(BAD_SUFFIX.format(path=path))
        framework = framework_version_compiled(version_by_label(options["framework"]))
        frame = _read(source)
        started = time.perf_counter()
        scored = score_frame(
            framework,
            frame,
            prerequisite_levels=prerequisite_level_orders(framework),
            workers=max(1, options["workers"]),
        )
        seconds = time.perf_counter() - started
        _write(scored, out)
        bad = scored.filter(pl.col("errors").is_not_null()).height
        self.stdout.write(
            f"{framework.label}: {scored.height} 行 (rows), {scored.height - bad} 已评分 (scored), "
            f"{bad} 有错误 (with errors), {seconds:.2f} s → {out}"
        )
        if bad:
            raise SystemExit(2)


def _read(path: Path) -> pl.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return pl.read_parquet(path)
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
        # Every cell as text: option codes such as "01" must not become numbers.
        return pl.read_csv(text.encode(), infer_schema=False)
    except (OSError, UnicodeDecodeError, pl.exceptions.PolarsError) as exc:
        raise CommandError(UNREADABLE.format(path=path, error=exc)) from exc


def _write(frame: pl.DataFrame, path: Path) -> None:
    try:
        if path.suffix.lower() == ".parquet":
            frame.write_parquet(path)
        else:
            frame.write_csv(path)
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from exc
