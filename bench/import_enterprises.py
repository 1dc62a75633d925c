"""Benchmark: import 100,000 enterprises from XLSX (goal: ≤ 15 s, and ≤ 3× the time to merely
read the file with the importer's own reader). All three figures come from the same run:

(a) read the file, (b) import it into an empty registry (100,000 creates), (c) import it again
(100,000 unchanged). The database is a throwaway one: SQLite under var/bench/, or, when
DATABASE_URL is set, a database named `<name>_bench` on the same server, dropped and created
afresh. The real database is never touched.

Run from the project directory: `python -m bench import_enterprises` (or `make bench`).
`BENCH_IMPORT_ROWS` changes the row count; the generated file is reused when it exists.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
FIGURES = ROOT / "figures" / "bench_import.json"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
SEED = 2025
YEAR = 2024
GOAL_SECONDS = 15.0
GOAL_RATIO = 3.0
REFERENCE_DIRS = (ROOT / "registry" / "data",)

# Rough shares of manufacturing enterprises by city: 苏州 by far the largest, 苏南 denser.
CITY_WEIGHTS = {
    "3201": 6, "3202": 12, "3203": 5, "3204": 9, "3205": 24, "3206": 9, "3207": 3,
    "3208": 3, "3209": 5, "3210": 5, "3211": 4, "3212": 5, "3213": 3,
}  # fmt: skip
WORDS = ("精密", "智能", "电子", "新材料", "装备", "科技", "机械", "化工", "纺织", "汽车零部件")
SUFFIXES = ("有限公司", "股份有限公司", "制造有限公司", "科技有限公司")
CATEGORY_CHOICES = (
    ("", 52),
    ("规上工业企业", 30),
    ("规上;专精特新", 7),
    ("规上工业企业；小巨人", 2),
    ("标签:链主企业", 4),
    ("规上;标签:外资企业", 5),
)


# --- A throwaway database, chosen before Django reads its settings ------------------------------


def database_prepare() -> str:
    """Point the settings at a fresh database and say which one."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["ZHIGAI_VAR_DIR"] = str(BENCH_DIR)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        os.environ["DATABASE_URL"] = _postgres_fresh(url)
        return urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    for path in BENCH_DIR.glob("zhigai.sqlite3*"):
        path.unlink()
    return str(BENCH_DIR / "zhigai.sqlite3")


def _postgres_fresh(url: str) -> str:
    """`<name>_bench` on the server of `url`, dropped and created; returns its URL."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path=f"/{name}"))


def reference_load() -> None:
    """The project's loader when it exists; else the regions and industries straight from the
    reference CSV files, plus the categories the generated file uses."""
    from django.core.management import call_command, get_commands

    if "load_reference_data" in get_commands():
        call_command("load_reference_data", verbosity=0, stdout=io.StringIO())
        return
    _reference_from_csv()


def _reference_csv(name: str) -> list[dict[str, str]]:
    folder = next(d for d in REFERENCE_DIRS if (d / name).exists())
    with (folder / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _reference_from_csv() -> None:
    from registry.models import Category, Industry, Region

    levels = {"门类": "section", "大类": "division", "中类": "group", "小类": "class"}
    for row in _reference_csv("jiangsu_divisions.csv"):
        Region.objects.create(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            kind=row["kind"],
            parent_id=row["parent_code"] or None,
        )
    for row in _reference_csv("gbt4754_2017_manufacturing.csv"):
        Industry.objects.create(
            code=row["code"],
            name=row["name"],
            level=levels[row["level"]],
            parent_id=row["parent_code"] or None,
        )
    for rank, (code, name, aliases) in enumerate(
        [
            ("above_scale", "规上工业企业", ["规上"]),
            ("specialised_sme", "省级专精特新", ["专精特新"]),
            ("little_giant", "国家级专精特新小巨人", ["小巨人"]),
        ],
        start=1,
    ):
        Category.objects.create(code=code, name=name, kind="official", aliases=aliases, rank=rank)


# --- The file ---------------------------------------------------------------------------------


def file_generate(path: Path, rows: int) -> None:
    """A realistic file: valid USCCs, real county and industry codes (小类 mostly, some 中类 and
    大类, some written with the leading C), skewed figures, a share of categories and tags."""
    import xlsxwriter

    from registry.imports import COLUMNS

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("企业")
    sheet.write_row(0, 0, [column.header for column in COLUMNS])
    for index, row in enumerate(_rows(rows), start=1):
        sheet.write_row(index, 0, row)
    workbook.close()


def _rows(count: int) -> Iterator[list[Any]]:
    from registry.uscc import uscc_make

    rng = random.Random(SEED)
    counties = [r for r in _reference_csv("jiangsu_divisions.csv") if r["level"] == "county"]
    weights = [CITY_WEIGHTS[r["parent_code"]] for r in counties]
    industries = [r["code"] for r in _reference_csv("gbt4754_2017_manufacturing.csv")]
    classes = [code for code in industries if len(code) == 4]
    others = [code for code in industries if len(code) in (2, 3)]
    labels, label_weights = zip(*CATEGORY_CHOICES, strict=True)
    bodies = rng.sample(range(10**7, 10**8), count)
    for body, county in zip(bodies, rng.choices(counties, weights, k=count), strict=True):
        industry = rng.choice(classes) if rng.random() < 0.85 else rng.choice(others)
        yield [
            uscc_make(region_code=county["code"], org_body=str(body)),
            f"{county['name'][:2]}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(SUFFIXES)}",
            county["code"],
            ("C" + industry) if rng.random() < 0.3 else industry,
            YEAR,
            round(rng.lognormvariate(8, 1.6), 2) if rng.random() > 0.05 else "",
            int(rng.lognormvariate(4, 1.2)),
            rng.choices(labels, label_weights)[0],
        ]


# --- Measuring --------------------------------------------------------------------------------


def openpyxl_read(*, path: Path) -> int:
    """Every cell value through openpyxl's read-only mode: the common way to read XLSX in
    Python, measured for reference only (the importer reads with calamine)."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def timed(function: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function(**kwargs)
    return time.perf_counter() - start, value


def audit_timer() -> list[float]:
    """Seconds spent in audit_record_many during the import: most of a first import, and
    outside the importer's own code, so it is shown on its own line."""
    from registry.imports import applying  # where plan_apply looks the name up

    spent: list[float] = []
    original = vars(applying)["audit_record_many"]

    def timed_audit(changes: Any, **kwargs: Any) -> int:
        start = time.perf_counter()
        try:
            return int(original(changes, **kwargs))
        finally:
            spent.append(time.perf_counter() - start)

    vars(applying)["audit_record_many"] = timed_audit
    return spent


def main() -> int:
    database = database_prepare()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from audit.context import Actor, acting_as
    from registry.imports import enterprise_file_read, enterprise_import

    path = BENCH_DIR / f"enterprises_{ROWS}_seed{SEED}.xlsx"
    call_command("migrate", verbosity=0)
    reference_load()
    if not path.exists():
        print(f"generating {ROWS:,} rows → {path.relative_to(ROOT)} …", flush=True)
        file_generate(path, ROWS)
    audit_spent = audit_timer()
    with acting_as(Actor(username="bench:import_enterprises", role="system")):
        read_s, sheet = timed(enterprise_file_read, path=path)
        openpyxl_s, _rows_read = timed(openpyxl_read, path=path)
        import_s, first = timed(enterprise_import, path=path, user=None, source=path.name)
        reimport_s, second = timed(enterprise_import, path=path, user=None, source=path.name)
    figures = {
        "rows": len(sheet.rows),
        "file": str(path.relative_to(ROOT)),
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "database": f"{connection.vendor} ({database})",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "read_s": round(read_s, 2),
        "read_openpyxl_s": round(openpyxl_s, 2),
        "import_over_openpyxl_read": round(import_s / openpyxl_s, 2),
        "import_s": round(import_s, 2),
        "import_audit_s": round(sum(audit_spent), 2),
        "reimport_s": round(reimport_s, 2),
        "import_over_read": round(import_s / read_s, 2),
        "reimport_over_read": round(reimport_s / read_s, 2),
        "first": first.counts(),
        "second": second.counts(),
        "goal": {"seconds": GOAL_SECONDS, "ratio": GOAL_RATIO},
    }
    figures["goal_met"] = (
        max(import_s, reimport_s) <= GOAL_SECONDS
        and max(figures["import_over_read"], figures["reimport_over_read"]) <= GOAL_RATIO
    )
    report(figures)
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    print(f"figures written to {FIGURES.relative_to(ROOT)}")
    return 0


def report(figures: dict[str, Any]) -> None:
    rows = figures["rows"]
    lines = [
        ("(a) read XLSX (calamine)", figures["read_s"], "the importer's reader: the baseline"),
        ("    read XLSX (openpyxl)", figures["read_openpyxl_s"], "read-only mode, for reference"),
        ("(b) import, empty registry", figures["import_s"], _counts(figures["first"])),
        ("    of which audit trail", figures["import_audit_s"], "audit_record_many"),
        ("(c) re-import, same file", figures["reimport_s"], _counts(figures["second"])),
    ]
    print(f"{rows:,} rows, {figures['file_mb']} MB, {figures['database']}, {figures['machine']}")
    print(f"{'step':<30}{'seconds':>9}{'rows/s':>10}  result")
    for label, seconds, result in lines:
        print(f"{label:<30}{seconds:>9.2f}{rows / seconds:>10,.0f}  {result}")
    goal = figures["goal"]
    print(
        f"import/read {figures['import_over_read']:.2f}×, "
        f"re-import/read {figures['reimport_over_read']:.2f}×, "
        f"import/openpyxl read {figures['import_over_openpyxl_read']:.2f}× "
        f"(goal ≤ {goal['ratio']:.0f}× and ≤ {goal['seconds']:.0f} s: "
        f"{'met' if figures['goal_met'] else 'NOT met'})"
    )


def _counts(counts: dict[str, int]) -> str:
    keys = ("created", "updated", "unchanged", "rejected")
    return ", ".join(f"{key} {counts[key]:,}" for key in keys if counts[key])


if __name__ == "__main__":
    sys.exit(main())
