"""Benchmark: Chinese full-text search of the resource pool (catalog/search.py) on 50,000
published entries (goal: < 100 ms per query).

The entries are generated from the platform's own vocabulary: the typical scenarios of
catalog/data/scenarios.yaml (names, keywords, descriptions), the GB/T 4754 manufacturing classes of
registry/data/gbt4754_2017_manufacturing.csv, Jiangsu's cities and counties, 400 providers, the
ten kinds with their flags. All figures come from one run on one machine:

(a) reindex: `search.entry_reindex_all` over every entry (jieba segmentation and the index writes);
(b) `search.entry_search` (counts per kind, one page of ids, the page's rows) for 50 queries of
    each shape: a two-character word, two or three words, words with filters (industry, region,
    kind or flag), browsing with filters only, browsing with no filter;
(c) the baseline in the same run: the same text queries as LIKE '%word%' scans over title, summary
    and body (every word must match), counted and paged the same way.
Reported: p50 and p95 in ms per shape, and the baseline's p50 / the search's p50. Runs on SQLite
by default, on PostgreSQL with DATABASE_URL (a throwaway `<name>_bench` database). Figures go to
figures/bench_catalog_search_<vendor>.json (sqlite, postgresql). `BENCH_CATALOG_ENTRIES`
changes the entry count.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.import_enterprises import FIGURES, database_prepare, reference_load

OUT = FIGURES.parent / "bench_catalog_search_{vendor}.json"
ENTRIES = int(os.environ.get("BENCH_CATALOG_ENTRIES", "50000"))
PROVIDERS = 400
QUERIES = 50
SEED = 2025
GOAL_MS = 100.0
SCENARIOS_FILE = Path(__file__).resolve().parent.parent / "catalog" / "data" / "scenarios.yaml"
PRODUCTS = ("系统", "平台", "解决方案", "一体机", "工作站", "软件", "服务", "套件", "产线", "模块")
ADJECTIVES = ("智能", "数字化", "一体化", "轻量化", "云化", "国产", "高精度", "模块化", "柔性")
ASCII = ("MES", "ERP", "PLM", "SCADA", "APS", "WMS", "5G", "AI", "IoT", "OPC UA")
TWO_CHAR = (
    "制造", "质检", "排产", "设备", "监测", "能耗", "仓储", "视觉", "孪生", "工艺",
    "物流", "安全", "数据", "维护", "采集", "追溯", "检测", "协同", "计划", "能源",
)  # fmt: skip
KINDS = (
    ("solution", 30), ("software", 20), ("equipment", 20), ("network", 5), ("model", 8),
    ("training", 5), ("case", 8), ("scenario", 1), ("shortfall", 2), ("project", 1),
)  # fmt: skip


def _scenarios() -> list[Any]:
    import yaml

    from catalog.models import Scenario

    data = yaml.safe_load(SCENARIOS_FILE.read_text(encoding="utf-8"))
    rows = [
        Scenario(
            code=s["code"],
            stage=s["stage"],
            name_zh=s["name_zh"],
            name_en=s["name_en"],
            description=s.get("description", ""),
            keywords=s.get("keywords", []),
            nodes=s.get("nodes", []),
            rank=rank,
        )
        for rank, s in enumerate(data["scenarios"])
    ]
    return Scenario.objects.bulk_create(rows)


def _providers(by: Any, rng: random.Random) -> list[Any]:
    from catalog.models import Provider

    words = ("金陵", "姑苏", "锡山", "龙城", "江海", "淮扬", "云谷", "智联", "数研", "精工")
    rows = [
        Provider(
            name=f"{rng.choice(words)}{rng.choice(ADJECTIVES)}{n}号科技有限公司",
            status="published",
            created_by=by,
            summary="智能制造系统集成与数字化转型服务",
        )
        for n in range(PROVIDERS)
    ]
    return Provider.objects.bulk_create(rows)


def _entry(rng: random.Random, n: int, context: dict[str, Any]) -> tuple[Any, list[str]]:
    from django.utils import timezone

    from catalog.models import Entry

    picked = rng.sample(context["scenarios"], rng.choice((1, 1, 2, 3)))
    main = picked[0]
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    word = rng.choice(main.keywords or [main.name_zh])
    title = f"{rng.choice(ADJECTIVES)}{word}{rng.choice(PRODUCTS)}"
    if rng.random() < 0.3:
        title = f"{rng.choice(ASCII)} {title}"
    industries = rng.sample(context["industries"], rng.choice((0, 1, 1, 2, 3)))
    regions = rng.sample(context["regions"], rng.choice((0, 0, 1, 2)))
    body = "。".join(
        [s.description for s in picked]
        + [f"适用于{rng.choice(context['industry_names'])}等行业"]
        + [f"支持{rng.choice(ASCII)}对接和{rng.choice(TWO_CHAR)}{rng.choice(PRODUCTS)}"]
    )
    entry = Entry(
        kind=kind, title=title[:120],
        summary=f"面向{main.name_zh}场景的{word}{rng.choice(PRODUCTS)}，"
        f"{rng.choice(main.keywords or [main.name_zh])}与{rng.choice(TWO_CHAR)}能力",
        body=body, provider=rng.choice(context["providers"]) if kind != "scenario" else None,
        software_category=rng.choice(("rnd", "control", "management", "operations", "embedded"))
        if kind == "software" else "",
        first_version=kind == "software" and rng.random() < 0.1,
        first_set=kind == "equipment" and rng.random() < 0.1,
        featured=rng.random() < 0.03, industries=industries, regions=regions,
        status="published", published_at=timezone.now() - datetime.timedelta(minutes=n),
        created_by=context["by"],
    )  # fmt: skip
    return entry, [s.code for s in picked]


def _generate(by: Any) -> int:
    from catalog.models import Entry
    from registry.models import Industry, Region

    rng = random.Random(SEED)
    industries = list(Industry.objects.exclude(level="section").values_list("code", "name"))
    context = {
        "by": by,
        "scenarios": _scenarios(),
        "providers": _providers(by, rng),
        "industries": [code for code, _ in industries],
        "industry_names": [name for _, name in industries],
        "regions": list(
            Region.objects.filter(level__in=["city", "county"]).values_list("code", flat=True)
        ),
    }
    through = Entry.scenarios.through
    for start in range(0, ENTRIES, 2000):
        made = [_entry(rng, n, context) for n in range(start, min(start + 2000, ENTRIES))]
        created = Entry.objects.bulk_create([entry for entry, _ in made])
        links = [
            through(entry_id=entry.pk, scenario_id=code)
            for entry, (_, codes) in zip(created, made, strict=True)
            for code in codes
        ]
        through.objects.bulk_create(links)
    return ENTRIES


def _queries(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    from catalog.models import Entry, Scenario
    from registry.models import Industry, Region

    words = list(TWO_CHAR) + [k for s in Scenario.objects.all() for k in s.keywords[:2]]
    industries = list(Industry.objects.exclude(level="section").values_list("code", flat=True))
    regions = list(
        Region.objects.filter(level__in=["city", "county"]).values_list("code", flat=True)
    )
    scenarios = list(Scenario.objects.values_list("code", flat=True))

    def filters() -> dict[str, Any]:
        chosen = rng.choice(("industry", "region", "kind", "flag", "industry+region"))
        found: dict[str, Any] = {}
        if "industry" in chosen:
            found["industry"] = rng.choice(industries)
        if "region" in chosen:
            found["region"] = rng.choice(regions)
        if chosen == "kind":
            found["kind"] = rng.choice(Entry.Kind.values)
        if chosen == "flag":
            found["flags"] = [rng.choice(("first_version", "first_set", "featured"))]
        return found

    return {
        "two_char": [{"q": rng.choice(TWO_CHAR)} for _ in range(QUERIES)],
        "multi_word": [
            {"q": " ".join(rng.sample(words + list(ASCII[:5]), rng.choice((2, 3))))}
            for _ in range(QUERIES)
        ],
        "with_filters": [{"q": rng.choice(words), **filters()} for _ in range(QUERIES)],
        "browse_filters": [
            filters() if i % 2 else {"scenario": rng.choice(scenarios)} for i in range(QUERIES)
        ],
        "browse_all": [{"page": rng.randint(1, 50)} for _ in range(QUERIES)],
    }


def _like(*, q: str, page: int = 1, **_: Any) -> int:
    """The baseline: every word of q as LIKE '%word%' over title, summary and body."""
    from django.db.models import Q

    from catalog.models import Entry

    queryset = Entry.objects.filter(status="published")
    for word in q.split():
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        )
    total = queryset.count()
    list(queryset.order_by("-featured", "-published_at", "-pk")[(page - 1) * 20 : page * 20])
    return total


def _timed(function: Any, queries: list[dict[str, Any]]) -> tuple[dict[str, float], list[int]]:
    """Wall-clock and this process's CPU time per query (SQLite runs in the process, so its CPU
    time is the query's cost even on a busy machine; PostgreSQL's is in the server)."""
    wall, cpu, totals = [], [], []
    for kwargs in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        totals.append(function(**kwargs))
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return _summary(wall) | {f"cpu_{k}": v for k, v in _summary(cpu).items()}, totals


def _summary(times: list[float]) -> dict[str, float]:
    cut = statistics.quantiles(times, n=20)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(cut[18], 1)}


def main() -> int:
    database = database_prepare()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Role, User
    from catalog import search, segment

    call_command("migrate", verbosity=0)
    reference_load()
    by = User.objects.create(username="bench-catalog", role=Role.PROVIDER)
    started = time.perf_counter()
    _generate(by)
    generate_s = time.perf_counter() - started
    segment.tokenizer()
    started = time.perf_counter()
    search.entry_reindex_all()
    reindex_s = time.perf_counter() - started
    if connection.vendor == "postgresql":  # the steady state autovacuum keeps
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    def run(**kwargs: Any) -> int:
        return search.entry_search(user=None, **kwargs).total

    shapes = _queries(random.Random(SEED))
    run(q="制造")  # warm the caches once
    figures: dict[str, Any] = {
        "database": f"{connection.vendor} ({database})",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "entries": ENTRIES,
        "generate_s": round(generate_s, 1),
        "reindex_s": round(reindex_s, 1),
        "reindex_per_1000_s": round(reindex_s / ENTRIES * 1000, 2),
        "goal_ms": GOAL_MS,
        "shapes": {},
    }
    worst = 0.0
    for name, queries in shapes.items():
        shape, totals = _timed(run, queries)
        shape["median_matches"] = int(statistics.median(totals))
        if name in ("two_char", "multi_word"):
            base, base_totals = _timed(_like, queries)
            shape |= {f"baseline_{k}": v for k, v in base.items()}
            shape["baseline_median_matches"] = int(statistics.median(base_totals))
            shape["speedup_p50"] = round(shape["baseline_p50_ms"] / max(shape["p50_ms"], 0.01), 1)
        figures["shapes"][name] = shape
        worst = max(worst, shape["p95_ms"])
    figures["meets_goal"] = worst < GOAL_MS
    out = Path(str(OUT).format(vendor=connection.vendor))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
