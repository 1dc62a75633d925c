"""Plausibility flags on a submitted assessment, shown to reviewers and used to draw the
risk-based sample for on-site checks (recognition.services.site_check_sample).

- `missing_evidence`: strong claims (an answer worth ≥ FLAG_CLAIM_FRACTION of its question) without
  any evidence file, when they are at least FLAG_MISSING_EVIDENCE_MIN and more than
  FLAG_MISSING_EVIDENCE_SHARE of all strong claims;
- `jump`: the total rose by more than FLAG_JUMP_POINTS (per 100 points of the model's scale) over
  the enterprise's previous result of the same model from an earlier year;
- `peer_outlier`: the total lies more than FLAG_OUTLIER_Z robust z-scores (median and MAD) above
  the latest results of the county's or the chain's peers (groups of at least
  BENCHMARK_MIN_GROUP enterprises).
The thresholds are settings (config/settings.py, .env.example); the flag text names the values.
"""

from __future__ import annotations

from statistics import median
from typing import Any

from django.conf import settings

from assessments.models import Assessment, PeerBenchmark
from scoring import maturity

SEVERITY_WEIGHT = {"high": 3.0, "medium": 2.0, "low": 1.0}


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def flags_for(
    assessment: Assessment, *, framework: maturity.Framework, result: maturity.Result
) -> list[dict[str, Any]]:
    found = [
        _missing_evidence(assessment, result),
        _jump(assessment, result),
        *_peer_outliers(assessment, result),
    ]
    return [flag for flag in found if flag is not None]


def risk_score(flags: list[dict[str, Any]]) -> float:
    """Sum of severity weights: 0 when nothing is flagged."""
    return float(sum(SEVERITY_WEIGHT.get(flag["severity"], 1.0) for flag in flags))


def _flag(code: str, severity: str, message: str, **detail: Any) -> dict[str, Any]:
    return {"code": code, "severity": severity, "message": message, "detail": detail}


def _missing_evidence(assessment: Assessment, result: maturity.Result) -> dict[str, Any] | None:
    threshold = _setting("FLAG_CLAIM_FRACTION", 0.75)
    claims = [
        code
        for code, trace in result.questions.items()
        if trace.status == "answered" and trace.weight > 0 and (trace.fraction or 0) >= threshold
    ]
    with_evidence = set(assessment.evidence.values_list("question", flat=True))
    bare = [code for code in claims if code not in with_evidence]
    share = len(bare) / len(claims) if claims else 0.0
    if len(bare) < _setting("FLAG_MISSING_EVIDENCE_MIN", 3):
        return None
    if share <= _setting("FLAG_MISSING_EVIDENCE_SHARE", 0.5):
        return None
    severity = "high" if share >= 0.9 and len(bare) >= 10 else "medium"
    message = (
        f"{len(bare)} 项高分作答（共 {len(claims)} 项）未上传佐证材料 / "
        f"{len(bare)} of {len(claims)} strong claims have no evidence"
    )
    return _flag("missing_evidence", severity, message, questions=bare[:50], share=share)


def _jump(assessment: Assessment, result: maturity.Result) -> dict[str, Any] | None:
    earlier = (
        Assessment.objects.filter(
            enterprise_id=assessment.enterprise_id,
            framework_id=assessment.framework_id,
            status=Assessment.Status.SUBMITTED,
            year__lt=assessment.year,
        )
        .order_by("-year", "-submitted_at")
        .first()
    )
    if earlier is None or earlier.total is None or not result.max_total:
        return None
    rise = (result.total - earlier.total) * 100 / result.max_total
    limit = _setting("FLAG_JUMP_POINTS", 20)
    if rise <= limit:
        return None
    message = (
        f"总分较 {earlier.year} 年提高 {rise:.1f} 分（百分制），超过 {limit:g} 分 / "
        f"total rose {rise:.1f} points (per 100) since {earlier.year}, more than {limit:g}"
    )
    return _flag("jump", "medium", message, previous=earlier.pk, rise=rise, year=earlier.year)


def _peer_outliers(assessment: Assessment, result: maturity.Result) -> list[dict[str, Any]]:
    groups = PeerBenchmark.objects.filter(
        framework_version_id=assessment.framework_version_id,
        group__in=[PeerBenchmark.Group.COUNTY, PeerBenchmark.Group.CHAIN],
        key__in=_group_keys(assessment),
        size__gte=int(_setting("BENCHMARK_MIN_GROUP", 5)),
    )
    limit = _setting("FLAG_OUTLIER_Z", 3.5)
    flags = []
    for group in groups:
        z = robust_z(result.total, [float(t) for t in group.totals])
        if z is not None and z > limit:
            message = (
                f"总分高于{group.label}同类企业 {z:.1f} 个稳健标准差 / "
                f"total is {z:.1f} robust SDs above peers ({group.label})"
            )
            flags.append(_flag("peer_outlier", "low", message, group=group.key, z=z))
    return flags


def _group_keys(assessment: Assessment) -> list[str]:
    from assessments.benchmarks import chain_codes

    return [assessment.enterprise.county_id, *chain_codes(assessment.enterprise)]


def robust_z(value: float, values: list[float]) -> float | None:
    """(value − median) / (1.4826 · MAD); None when the spread is zero or there are no values."""
    if not values:
        return None
    centre = median(values)
    mad = median(abs(v - centre) for v in values)
    if mad == 0:
        return None
    return (value - centre) / (1.4826 * mad)
