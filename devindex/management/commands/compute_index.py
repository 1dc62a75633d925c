"""`zhigai compute_index --meta META.csv --data DATA.csv --config CONFIG.yaml --out DIR`: compute a
composite index from COINr-style iMeta / iData tables with the pure engine
(`scoring.index.run.run_from_files`) and write every stage, the results table and, when the
configuration asks for it, the uncertainty and sensitivity outputs. Touches no database.

Bad input (an unreadable CSV or YAML, unknown configuration keys, metadata problems) ends with
a CommandError listing every problem, no traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.index.run import IndexInputError, RunSummary, run_from_files

HEADINGS = {
    "meta": "元数据表有误 (invalid metadata table) {path}:",
    "data": "数据表有误 (invalid data table) {path}:",
    "config": "配置文件有误 (invalid configuration file) {path}:",
    "run": "无法计算指数 (cannot compute the index):",
    "out": "无法写入输出目录 (cannot write the output folder) {path}:",
}


class Command(BaseCommand):
    help = "Compute a composite index from iMeta/iData CSV files and a YAML configuration."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--meta", required=True, type=Path, metavar="META.csv")
        parser.add_argument("--data", required=True, type=Path, metavar="DATA.csv")
        parser.add_argument("--config", required=True, type=Path, metavar="CONFIG.yaml")
        parser.add_argument("--out", required=True, type=Path, metavar="DIR")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = {key: Path(options[key]) for key in ("meta", "data", "config", "out")}
        try:
            summary = run_from_files(paths["meta"], paths["data"], paths["config"], paths["out"])
        except IndexInputError as exc:
            heading = HEADINGS[exc.source].format(path=paths.get(exc.source, ""))
            raise CommandError("\n".join([heading, *(f"  - {p}" for p in exc.problems)])) from exc
        self.stdout.write(_summary_text(summary, paths["out"]))


def _summary_text(summary: RunSummary, out: Path) -> str:
    lines = [
        f"{summary.units} 个单位 (units), {summary.indicators} 个指标 (indicators), "
        f"{summary.seconds:.2f} s → {out}",
        f"{summary.node} 前 {len(summary.top)} 名 (top {len(summary.top)}):",
        *(f"  {rank:>3}  {unit:<12} {score:8.2f}" for unit, score, rank in summary.top),
    ]
    if summary.runs is not None:
        lines.append(f"不确定性分析 (uncertainty analysis): {summary.runs} 次运行 (runs)")
    lines.append(f"文件 (files): {', '.join(summary.files)}")
    return "\n".join(lines)
