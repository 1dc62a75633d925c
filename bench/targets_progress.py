"""Benchmark: the target tracker's yearly evaluation pack — every one of the plan's 40 targets for
the province and across the 13 cities (and the per-city scorecards' data) — on a province with a
coverage snapshot (every region, three years) and a full history of quarterly reports (every
reported target, the province and all 13 cities, every quarter of 2025–2027, each reported twice:
a returned first version and its approved correction), split over the cities.

All figures come from one run on one machine, so their ratio holds however noisy it is:
(a) `selectors.target_breakdowns`: all targets from one set of reads (what the city scorecard and
    the evaluation pack use);
(b) the baseline: `selectors.target_breakdown` called once per target, each reading its own
    cells, reports and allocations (what the pages did before);
(c) `exports.progress_workbook`: the whole XLSX pack.
Queries are counted for (a) and (b). Runs on SQLite by default, on PostgreSQL with DATABASE_URL
(a throwaway `<name>_bench` database). Figures go to figures/bench_targets_progress.json.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import random
import sys
import time
from typing import Any

from bench.import_enterprises import FIGURES, database_prepare, reference_load

OUT = FIGURES.parent / "bench_targets_progress.json"
YEAR, TODAY = 2027, datetime.date(2027, 12, 31)
REPEAT = 5
SEED = 2025


def _snapshot() -> Any:
    """A done snapshot with a cell per region and year whose figures hold every metric the
    computed targets read (random but consistent: numerator ≤ denominator)."""
    from django.utils import timezone

    from monitoring.models import CoverageCell, CoverageSnapshot
    from registry.models import Region
    from targets.models import Target

    rng = random.Random(SEED)
    metrics = {
        (t.figure["population"], t.figure["metric"])
        for t in Target.objects.filter(actual="computed")
        if t.figure and t.figure["source"] == "monitoring"
    }
    snapshot = CoverageSnapshot.objects.create(
        status="done", years=[2025, 2026, 2027], finished_at=timezone.now()
    )
    cells = []
    regions = Region.objects.exclude(level="zone").values_list("code", "level")
    for code, level in regions:
        for year in (2025, 2026, 2027):
            figures: dict[str, dict[str, list[int]]] = {}
            for population, metric in sorted(metrics):
                size = rng.randint(200, 4000) * (20 if level == "province" else 1)
                figures.setdefault(population, {"enterprises": [size, size]})
                figures[population][metric] = [rng.randint(0, size), size]
            cells.append(
                CoverageCell(
                    snapshot=snapshot,
                    year=year,
                    region_level=level,
                    region_code=code,
                    group_kind="all",
                    group_code="",
                    figures=figures,
                )
            )
    CoverageCell.objects.bulk_create(cells, batch_size=500)
    return snapshot


def _reports(by: Any, approver: Any) -> int:
    """Every reported target × (province, 13 cities) × 12 quarters, each first returned then
    corrected and approved: written in bulk (the services' checks are measured elsewhere)."""
    from django.utils import timezone

    from registry.models import Region
    from targets.models import Report, Target

    rng = random.Random(SEED)
    now = timezone.now()
    regions = list(Region.objects.filter(level__in=["province", "city"]))
    rows = []
    for target in Target.objects.filter(actual="reported"):
        for region in regions:
            for year in (2025, 2026, 2027):
                for quarter in (1, 2, 3, 4):
                    value = float(rng.randint(1, 100))
                    common = {
                        "target": target, "region": region, "year": year, "quarter": quarter,
                        "evidence_text": "台账", "submitted_by": by, "reviewed_by": approver,
                        "reviewed_at": now,
                    }  # fmt: skip
                    rows.append(Report(**common, value=value * 10, status="rejected",
                                       review_note="单位有误"))  # fmt: skip
                    rows.append(Report(**common, value=value, status="approved"))
    Report.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _timed(function: Any, **kwargs: Any) -> tuple[float, int, Any]:
    from django.db import connection, reset_queries

    best, result, queries = float("inf"), None, 0
    for _ in range(REPEAT):
        reset_queries()
        started = time.perf_counter()
        result = function(**kwargs)
        best = min(best, time.perf_counter() - started)
        queries = len(connection.queries)
    return best, queries, result


def _baseline(*, year: int, today: datetime.date) -> list[Any]:
    from targets import selectors
    from targets.models import Target

    targets = Target.objects.select_related("task").order_by("task", "position")
    return [selectors.target_breakdown(target=t, year=year, today=today) for t in targets]


def main() -> int:
    database = database_prepare()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Role, User
    from audit.context import Actor, acting_as
    from registry.models import Region
    from targets import exports, selectors, services
    from targets.models import Allocation, Report

    settings.DEBUG = True  # count queries
    call_command("migrate", verbosity=0)
    reference_load()
    with acting_as(Actor(username="bench:targets_progress", role="system")):
        services.plan_load()
        province = Region.objects.get(code="32")
        planner = User.objects.create(
            username="bench-planner", role=Role.PROVINCE, region=province,
            organisation="省工业和信息化厅",
        )  # fmt: skip
        approver = User.objects.create(
            username="bench-approver", role=Role.PROVINCE, region=province,
            organisation="省工业和信息化厅",
        )  # fmt: skip
        _snapshot()
        base = {code: random.Random(code).randint(2000, 9000) for code in
                Region.objects.filter(level="city").values_list("code", flat=True)}  # fmt: skip
        from targets.models import Target

        for target in Target.objects.filter(scope="province"):
            services.allocation_default(target=target, parent=province, base=base, by=planner)
        reports = _reports(planner, approver)
    fast_s, fast_q, fast = _timed(selectors.target_breakdowns, year=YEAR, today=TODAY)
    slow_s, slow_q, slow = _timed(_baseline, year=YEAR, today=TODAY)
    same = [b.province.progress for b in fast] == [b.province.progress for b in slow] and [
        [r.progress for r in b.cities] for b in fast
    ] == [[r.progress for r in b.cities] for b in slow]
    pack_s, pack_q, pack = _timed(exports.progress_workbook, year=YEAR, today=TODAY)
    figures = {
        "database": f"{connection.vendor} ({database})",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "targets": len(fast),
        "reports": reports,
        "approved_reports": Report.objects.filter(status="approved").count(),
        "allocations": Allocation.objects.count(),
        "breakdowns_s": round(fast_s, 3),
        "breakdowns_queries": fast_q,
        "baseline_s": round(slow_s, 3),
        "baseline_queries": slow_q,
        "speedup": round(slow_s / fast_s, 1),
        "same_results": same,
        "workbook_s": round(pack_s, 3),
        "workbook_queries": pack_q,
        "workbook_kb": round(len(pack) / 1024),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for key, value in figures.items():
        print(f"{key:>20}: {value}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
