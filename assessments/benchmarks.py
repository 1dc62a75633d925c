"""Peer benchmarks: for one model version, each enterprise's latest submitted total, grouped by
county, key industry chain, size band and the whole province; stored as PeerBenchmark rows by a
background task (assessments/tasks.py) and read by result pages. Groups smaller than
BENCHMARK_MIN_GROUP are stored (they feed nothing public) but never shown, so no single
enterprise's score can be inferred.

Size bands follow the statistical division of industrial enterprises (统计上大中小微型企业划分办法
2017, 工业): large ≥ 1000 employees and ≥ 40,000 万元 revenue; medium ≥ 300 and ≥ 2,000;
small ≥ 20 and ≥ 300; otherwise micro; unknown without yearly figures.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from decimal import Decimal
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, PeerBenchmark
from registry.models import Chain, Enterprise, EnterpriseChain, EnterpriseYear, Region

SIZE_BANDS = {
    "large": "大型企业",
    "medium": "中型企业",
    "small": "小型企业",
    "micro": "微型企业",
    "unknown": "规模未知",
}


def min_group() -> int:
    return int(getattr(settings, "BENCHMARK_MIN_GROUP", 5))


def size_band(employees: int | None, revenue_10k_yuan: Decimal | float | None) -> str:
    if employees is None or revenue_10k_yuan is None:
        return "unknown"
    revenue = float(revenue_10k_yuan)
    for band, staff, turnover in (
        ("large", 1000, 40000),
        ("medium", 300, 2000),
        ("small", 20, 300),
    ):
        if employees >= staff and revenue >= turnover:
            return band
    return "micro"


def chain_codes(enterprise: Enterprise) -> list[str]:
    """The chains an enterprise belongs to: by industry code or by explicit link."""
    by_industry = Chain.industries.through.objects.filter(industry_id=enterprise.industry_id)
    codes = set(by_industry.values_list("chain_id", flat=True))
    codes |= set(
        EnterpriseChain.objects.filter(enterprise=enterprise).values_list("chain_id", flat=True)
    )
    return sorted(codes)


def enterprise_size_band(enterprise_id: int) -> str:
    year = EnterpriseYear.objects.filter(enterprise_id=enterprise_id).order_by("-year").first()
    return "unknown" if year is None else size_band(year.employees, year.revenue_10k_yuan)


def _latest_frame(version_id: int) -> pl.DataFrame:
    """One row per enterprise: its latest submitted result of this version."""
    rows = list(
        Assessment.objects.filter(framework_version_id=version_id, status="submitted")
        .order_by("enterprise_id", "-submitted_at", "-pk")
        .values(
            "enterprise_id",
            "total",
            "dimension_scores",
            "enterprise__county_id",
            "enterprise__industry_id",
        )
    )
    seen: set[int] = set()
    latest = []
    for row in rows:
        if row["enterprise_id"] not in seen:
            seen.add(row["enterprise_id"])
            latest.append(row)
    return pl.DataFrame(latest, infer_schema_length=None) if latest else pl.DataFrame()


def _memberships(frame: pl.DataFrame) -> dict[tuple[str, str], list[int]]:
    """(group, key) → row indices of the frame."""
    ids = frame["enterprise_id"].to_list()
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    chains_by_industry: dict[str, set[str]] = defaultdict(set)
    for chain_id, industry_id in Chain.industries.through.objects.values_list(
        "chain_id", "industry_id"
    ):
        chains_by_industry[industry_id].add(chain_id)
    linked: dict[int, set[str]] = defaultdict(set)
    for ent, chain in EnterpriseChain.objects.filter(enterprise_id__in=ids).values_list(
        "enterprise_id", "chain_id"
    ):
        linked[ent].add(chain)
    years: dict[int, tuple[Any, Any]] = {}
    for ent, employees, revenue in (
        EnterpriseYear.objects.filter(enterprise_id__in=ids)
        .order_by("enterprise_id", "year")
        .values_list("enterprise_id", "employees", "revenue_10k_yuan")
    ):
        years[ent] = (employees, revenue)  # ordered by year: the last one wins
    counties = frame["enterprise__county_id"].to_list()
    industries = frame["enterprise__industry_id"].to_list()
    for i, ent in enumerate(ids):
        groups[("province", "32")].append(i)
        groups[("county", counties[i])].append(i)
        for chain in chains_by_industry.get(industries[i], set()) | linked.get(ent, set()):
            groups[("chain", chain)].append(i)
        groups[("size", size_band(*years.get(ent, (None, None))))].append(i)
    return groups


def _labels(groups: dict[tuple[str, str], list[int]]) -> dict[tuple[str, str], str]:
    counties = dict(
        Region.objects.filter(code__in=[k for g, k in groups if g == "county"]).values_list(
            "code", "name"
        )
    )
    chains = dict(
        Chain.objects.filter(code__in=[k for g, k in groups if g == "chain"]).values_list(
            "code", "name"
        )
    )
    names = {"county": counties, "chain": chains, "size": SIZE_BANDS, "province": {"32": "全省"}}
    return {(g, k): names[g].get(k, k) for g, k in groups}


def _medians(frame: pl.DataFrame, rows: list[int]) -> dict[str, float]:
    dims: dict[str, list[float]] = defaultdict(list)
    for scores in frame["dimension_scores"].gather(rows).to_list():
        for code, points in (scores or {}).items():
            if points is not None:
                dims[code].append(float(points))
    return {code: float(pl.Series(values).median()) for code, values in dims.items()}  # type: ignore[arg-type]


@transaction.atomic
def benchmarks_compute(*, version_id: int) -> int:
    """Recompute every peer group of one model version; returns the number of groups."""
    frame = _latest_frame(version_id)
    PeerBenchmark.objects.filter(framework_version_id=version_id).delete()
    if frame.is_empty():
        return 0
    groups = _memberships(frame)
    labels = _labels(groups)
    totals = frame["total"].cast(pl.Float64)
    now = timezone.now()
    PeerBenchmark.objects.bulk_create(
        PeerBenchmark(
            framework_version_id=version_id,
            group=group,
            key=key,
            label=labels[(group, key)],
            size=len(rows),
            totals=sorted(totals.gather(rows).to_list()),
            dimension_medians=_medians(frame, rows),
            computed_at=now,
        )
        for (group, key), rows in groups.items()
    )
    return len(groups)


def percentile(value: float, totals: list[float]) -> float:
    """Mid-rank percentile of `value` among `totals` (sorted): ties count half."""
    below, upto = bisect_left(totals, value), bisect_right(totals, value)
    return 100.0 * (below + (upto - below) / 2) / len(totals)


def benchmark_for(assessment: Assessment) -> dict[str, Any]:
    """What the result page and the report show: the enterprise's percentile and the median in
    each of its peer groups (county, chain, size band, province), groups under the minimum
    hidden and counted."""
    keys = {
        ("county", assessment.enterprise.county_id),
        ("size", enterprise_size_band(assessment.enterprise_id)),
        ("province", "32"),
        *(("chain", code) for code in chain_codes(assessment.enterprise)),
    }
    rows = PeerBenchmark.objects.filter(framework_version_id=assessment.framework_version_id)
    shown, hidden = [], 0
    order = {"county": 0, "chain": 1, "size": 2, "province": 3}
    for row in sorted(rows, key=lambda r: (order[r.group], r.label)):
        if (row.group, row.key) not in keys:
            continue
        if row.size < min_group():
            hidden += 1
            continue
        shown.append(
            {
                "group": row.group,
                "key": row.key,
                "label": f"{row.get_group_display()} · {row.label}",
                "size": row.size,
                "percentile": percentile(
                    float(assessment.total or 0), [float(t) for t in row.totals]
                ),
                "median": float(pl.Series(row.totals, dtype=pl.Float64).median() or 0),  # type: ignore[arg-type]
                "dimension_medians": row.dimension_medians,
            }
        )
    computed = max((row.computed_at for row in rows), default=None)
    return {
        "groups": shown,
        "hidden": hidden,
        "min_group": min_group(),
        "computed_at": computed,
        "note": _("少于 {n} 家企业的对标组不显示。").format(n=min_group()),
    }
