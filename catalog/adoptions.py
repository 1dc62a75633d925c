"""The closed loop: an enterprise records which solution (and/or provider) it adopted to improve
named dimensions of one of its results; its next result of the same model shows the effect.

- `adoption_record` / `adoption_withdraw`: the enterprise's own writes, validated, audited;
- `adoption_effects`: per adoption, the follow-up result (the enterprise's first valid result of
  the same model submitted on or after the adoption date and after the baseline) and the change
  on each targeted dimension in percentage points of that dimension's maximum (model versions
  may differ, so percents are compared, never points); no follow-up yet: awaiting;
- `entry_effects` / `provider_effects`: aggregates over the adoptions of an entry or provider
  that have a follow-up: count, mean and median change (per adoption: the mean change over its
  targeted dimensions). A group of fewer enterprises than BENCHMARK_MIN_GROUP is hidden.

A valid result is a submitted self-assessment or a provider diagnosis the enterprise confirmed
in every section (assessments.selectors.diagnosis_is_confirmed).
"""

from __future__ import annotations

import datetime
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from assessments.benchmarks import min_group
from assessments.models import Assessment
from assessments.selectors import diagnosis_is_confirmed
from audit.services import audit_record
from catalog.matching import SOLUTION_KINDS
from catalog.models import Adoption, Entry, Provider, Status
from registry.models import Enterprise

NOT_ENTERPRISE_USER = (
    "只有该企业的用户可以记录采用情况 (Only users of this enterprise may record adoptions)"
)
BAD_BASELINE = (
    "依据的评估结果须为本企业已提交的有效结果 "
    "(The baseline must be a valid submitted result of this enterprise)"
)
NOTHING_ADOPTED = "请选择采用的方案或服务商 (Choose the solution or provider adopted)"
ENTRY_NOT_PUBLISHED = "所选方案不存在或未发布 (The solution does not exist or is not published)"
PROVIDER_NOT_PUBLISHED = (
    "所选服务商不存在或未发布 (The provider does not exist or is not published)"
)
BAD_DIMENSIONS = "请选择评估结果中的维度 (Choose dimensions of the baseline result)"
DATE_IN_FUTURE = "采用日期不能晚于今天 (The adoption date cannot be in the future)"
DATE_BEFORE_BASELINE = (
    "采用日期不能早于评估结果的提交日期 "
    "(The adoption date cannot precede the baseline's submission)"
)
NOTE_TOO_LONG = "说明不能超过 1000 字 (The note must not exceed 1000 characters)"
ALREADY_WITHDRAWN = "该采用记录已撤回 (This adoption is already withdrawn)"
NOT_FOUND = "采用记录不存在或无权查看 (adoption not found)"
NOTE_MAX = 1000


# --- Reads ---------------------------------------------------------------------------------------


def adoption_list_for_user(*, user: Any) -> QuerySet[Adoption]:
    """An enterprise user sees its enterprise's adoptions; nobody else sees any here."""
    base = Adoption.objects.select_related(
        "entry", "provider", "baseline__framework_version", "enterprise"
    )
    if getattr(user, "role", "") != Role.ENTERPRISE or not user.enterprise_id:
        return base.none()
    return base.filter(enterprise_id=user.enterprise_id)


def adoption_get_for_user(*, user: Any, pk: int) -> Adoption:
    found = adoption_list_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def result_dimensions(assessment: Assessment) -> dict[str, str]:
    """Scored top-level dimension code → its Chinese title, from the stored result."""
    nodes: Mapping[str, Any] = (assessment.result or {}).get("nodes") or {}
    return {
        code: _zh(node.get("title")) or code
        for code, node in nodes.items()
        if "." not in code and node.get("status") == "scored" and node.get("max_points")
    }


def _zh(text: Any) -> str:
    if isinstance(text, Mapping):
        return str(text.get("zh") or text.get("en") or "")
    return "" if text is None else str(text)


def _is_valid_result(assessment: Assessment) -> bool:
    if assessment.status != Assessment.Status.SUBMITTED or assessment.submitted_at is None:
        return False
    return not assessment.is_diagnosis or diagnosis_is_confirmed(assessment)


# --- Writes --------------------------------------------------------------------------------------


def _check(
    *,
    enterprise: Enterprise,
    baseline: Assessment,
    entry: Entry | None,
    provider: Provider | None,
    dimensions: Sequence[str],
    adopted_on: datetime.date,
    note: str,
    by: User,
) -> None:
    if getattr(by, "role", "") != Role.ENTERPRISE or by.enterprise_id != enterprise.pk:
        raise ValidationError(NOT_ENTERPRISE_USER)
    if baseline.enterprise_id != enterprise.pk or not _is_valid_result(baseline):
        raise ValidationError(BAD_BASELINE)
    if entry is None and provider is None:
        raise ValidationError(NOTHING_ADOPTED)
    if entry is not None and (
        not entry.is_published
        or entry.kind not in SOLUTION_KINDS
        or (entry.provider is not None and not entry.provider.is_published)
    ):  # a published entry of an unpublished provider is out of public view (catalog.selectors)
        raise ValidationError(ENTRY_NOT_PUBLISHED)
    if provider is not None and not provider.is_published:
        raise ValidationError(PROVIDER_NOT_PUBLISHED)
    known = result_dimensions(baseline)
    if not dimensions or len(set(dimensions)) != len(dimensions) or set(dimensions) - set(known):
        raise ValidationError(BAD_DIMENSIONS)
    if adopted_on > timezone.localdate():
        raise ValidationError(DATE_IN_FUTURE)
    assert baseline.submitted_at is not None
    if adopted_on < timezone.localtime(baseline.submitted_at).date():
        raise ValidationError(DATE_BEFORE_BASELINE)
    if len(note) > NOTE_MAX:
        raise ValidationError(NOTE_TOO_LONG)


@transaction.atomic
def adoption_record(
    *,
    enterprise: Enterprise,
    baseline: Assessment,
    entry: Entry | None = None,
    provider: Provider | None = None,
    dimensions: list[str],
    adopted_on: datetime.date,
    note: str = "",
    by: User,
) -> Adoption:
    """Record that `enterprise` adopted `entry` (and/or engaged `provider`) for the named
    top-level dimensions of `baseline`. Without `provider`, the entry's published provider is
    recorded. Raises ValidationError (nothing written) on any invalid input."""
    _check(
        enterprise=enterprise, baseline=baseline, entry=entry, provider=provider,
        dimensions=dimensions, adopted_on=adopted_on, note=note, by=by,
    )  # fmt: skip
    if provider is None and entry is not None and entry.provider is not None:
        provider = entry.provider if entry.provider.is_published else None
    adoption = Adoption(
        enterprise=enterprise,
        entry=entry,
        provider=provider,
        baseline=baseline,
        dimensions=list(dimensions),
        adopted_on=adopted_on,
        note=note.strip(),
        created_by=by,
    )
    adoption.full_clean()
    adoption.save()
    audit_record(
        action="adoption.record",
        obj=adoption,
        after={
            "enterprise": enterprise.pk,
            "entry": entry.pk if entry else None,
            "provider": provider.pk if provider else None,
            "baseline": baseline.pk,
            "dimensions": list(dimensions),
            "adopted_on": adopted_on.isoformat(),
        },
    )
    return adoption


@transaction.atomic
def adoption_withdraw(*, adoption: Adoption, by: User) -> Adoption:
    """The enterprise withdraws its record (kept, excluded from effects and track records)."""
    if getattr(by, "role", "") != Role.ENTERPRISE or by.enterprise_id != adoption.enterprise_id:
        raise ValidationError(NOT_ENTERPRISE_USER)
    if adoption.withdrawn:
        raise ValidationError(ALREADY_WITHDRAWN)
    adoption.withdrawn = True
    adoption.save(update_fields=["withdrawn"])
    audit_record(
        action="adoption.withdraw",
        obj=adoption,
        before={"withdrawn": False},
        after={"withdrawn": True},
    )
    return adoption


# --- Effects -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionChange:
    code: str
    title: str
    before: float | None
    """Percent of the dimension's maximum in the baseline."""
    after: float | None
    change: float | None
    """Percentage points; None when either side lacks the dimension."""


@dataclass(frozen=True)
class AdoptionEffect:
    adoption: Adoption
    follow_up: Assessment | None
    changes: tuple[DimensionChange, ...]
    total_change: float | None
    """Percentage points of the maximum total."""

    @property
    def awaiting(self) -> bool:
        return self.follow_up is None

    @property
    def mean_change(self) -> float | None:
        """The mean change over the targeted dimensions that both results have."""
        known = [c.change for c in self.changes if c.change is not None]
        return statistics.fmean(known) if known else None


def _percents(assessment: Assessment) -> dict[str, float]:
    nodes: Mapping[str, Any] = (assessment.result or {}).get("nodes") or {}
    found = {}
    for code, node in nodes.items():
        if "." in code or node.get("points") is None or not node.get("max_points"):
            continue
        found[code] = 100.0 * float(node["points"]) / float(node["max_points"])
    return found


def _total_percent(assessment: Assessment) -> float | None:
    if assessment.total is None or not assessment.max_total:
        return None
    return 100.0 * assessment.total / assessment.max_total


# A top-level dimension code as it may appear in a JSON key path (no "__", no ".").
ROOT_CODE = re.compile(r"[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*")
# Fields of a result that effects never read (the answers and the diagnosis notes are the bulk).
HEAVY_RESULT_FIELDS = ("answers", "carried_from", "site_notes", "flags")


def _follow_ups(adoptions: Sequence[Adoption]) -> dict[tuple[int, int], list[Assessment]]:
    """(enterprise id, framework id) → that pair's valid submitted results, oldest first (one
    query plus one for the diagnoses' section reviews). The stored result itself is not loaded
    (tens of kilobytes each): only the targeted dimensions' points and maxima, read in the query
    (`percents` on each row)."""
    pairs = {(a.enterprise_id, a.baseline.framework_id) for a in adoptions}
    if not pairs:
        return {}
    q = Q()
    for enterprise_id, framework_id in pairs:
        q |= Q(enterprise_id=enterprise_id, framework_id=framework_id)
    codes = sorted({c for a in adoptions for c in a.dimensions if ROOT_CODE.fullmatch(str(c))})
    parts = {}
    for i, code in enumerate(codes):
        parts[f"dim_{i}_points"] = KT(f"result__nodes__{code}__points")
        parts[f"dim_{i}_max"] = KT(f"result__nodes__{code}__max_points")
    found: dict[tuple[int, int], list[Assessment]] = {}
    rows = (
        Assessment.objects.filter(q, status=Assessment.Status.SUBMITTED)
        .annotate(**parts)
        .defer("result", *HEAVY_RESULT_FIELDS)
        .prefetch_related("section_reviews")
        .order_by("submitted_at", "pk")
    )
    for row in rows:
        if _is_valid_result(row):
            row.percents = _annotated_percents(row, codes)  # type: ignore[attr-defined]
            found.setdefault((row.enterprise_id, row.framework_id), []).append(row)
    return found


def _annotated_percents(row: Assessment, codes: Sequence[str]) -> dict[str, float]:
    found = {}
    for i, code in enumerate(codes):
        points, most = getattr(row, f"dim_{i}_points"), getattr(row, f"dim_{i}_max")
        try:
            points, most = float(points), float(most)
        except (TypeError, ValueError):
            continue
        if most:
            found[code] = 100.0 * points / most
    return found


def _effect(adoption: Adoption, results: Sequence[Assessment]) -> AdoptionEffect:
    baseline = adoption.baseline
    follow_up = next(
        (
            r
            for r in results
            if r.pk != baseline.pk
            and r.submitted_at is not None
            and baseline.submitted_at is not None
            and r.submitted_at > baseline.submitted_at
            and timezone.localtime(r.submitted_at).date() >= adoption.adopted_on
        ),
        None,
    )
    titles = result_dimensions(baseline)
    before = _percents(baseline)
    after = getattr(follow_up, "percents", None)
    if after is None:
        after = _percents(follow_up) if follow_up is not None else {}
    changes = tuple(
        DimensionChange(
            code=code,
            title=titles.get(code, code),
            before=before.get(code),
            after=after.get(code),
            change=(after[code] - before[code] if code in after and code in before else None),
        )
        for code in adoption.dimensions
    )
    totals = (_total_percent(baseline), _total_percent(follow_up) if follow_up else None)
    total_change = totals[1] - totals[0] if None not in totals else None  # type: ignore[operator]
    return AdoptionEffect(adoption, follow_up, changes, total_change)


def adoption_effects(adoptions: Iterable[Adoption]) -> list[AdoptionEffect]:
    """The effect of each adoption (its baseline loaded), in the given order."""
    rows = list(adoptions)
    results = _follow_ups(rows)
    return [_effect(a, results.get((a.enterprise_id, a.baseline.framework_id), [])) for a in rows]


@dataclass(frozen=True)
class EffectSummary:
    adoptions: int
    """Adoptions (not withdrawn) on record."""
    measured: int
    """Adoptions with a follow-up result."""
    enterprises: int
    """Distinct enterprises among the measured ones."""
    mean: float | None
    median: float | None
    hidden: bool
    """Fewer enterprises than the minimum group: figures are not shown (样本不足)."""
    min_group: int


def effect_summary(effects: Sequence[AdoptionEffect]) -> EffectSummary:
    measured = [e for e in effects if e.mean_change is not None]
    enterprises = len({e.adoption.enterprise_id for e in measured})
    hidden = enterprises < min_group()
    values = [e.mean_change for e in measured if e.mean_change is not None]
    return EffectSummary(
        adoptions=len(effects),
        measured=len(measured),
        enterprises=enterprises,
        mean=None if hidden or not values else statistics.fmean(values),
        median=None if hidden or not values else statistics.median(values),
        hidden=hidden,
        min_group=min_group(),
    )


def _active(q: Q) -> QuerySet[Adoption]:
    return (
        Adoption.objects.filter(q, withdrawn=False)
        .select_related("baseline")
        .defer(*(f"baseline__{name}" for name in HEAVY_RESULT_FIELDS))
    )


def entry_effects(*, entry: Entry) -> EffectSummary:
    """The measured effect of an entry's adoptions (withdrawn ones excluded)."""
    return effect_summary(adoption_effects(_active(Q(entry=entry))))


def provider_effects(*, provider: Provider) -> EffectSummary:
    """The measured effect of the adoptions naming a provider or one of its entries."""
    q = Q(provider=provider) | Q(entry__provider=provider)
    return effect_summary(adoption_effects(_active(q).distinct()))


def published_entry(pk: Any) -> Entry | None:
    """A published solution-like entry by primary key (for the adopt form)."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        Entry.objects.filter(pk=key, status=Status.PUBLISHED, kind__in=SOLUTION_KINDS)
        .select_related("provider")
        .first()
    )


def published_provider(pk: Any) -> Provider | None:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    return Provider.objects.filter(pk=key, status=Status.PUBLISHED).first()
