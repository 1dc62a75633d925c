"""Eligibility of an enterprise for an application type: every rule of the type
(recognition/data/types.yaml) checked against the enterprise's latest valid results, with a
sentence per rule in Chinese and English, shown to the applicant before submitting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from assessments.models import Assessment
from assessments.selectors import latest_results_for_enterprise
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled, framework_version_get_published
from recognition.application_types import ApplicationType, Rule, application_type
from recognition.models import Application
from registry.models import Enterprise
from scoring.maturity.types import EPSILON


@dataclass(frozen=True)
class Check:
    rule: str
    kind: str
    label_zh: str
    label_en: str
    text_zh: str
    text_en: str
    passed: bool
    observed: str
    required: str
    verified: bool
    source: dict[str, str]


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    checks: tuple[Check, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "checks": [asdict(check) for check in self.checks]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Eligibility:
        return cls(
            eligible=bool(data.get("eligible", False)),
            checks=tuple(Check(**check) for check in data.get("checks", ())),
        )

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)


def eligibility_check(
    *,
    enterprise: Enterprise,
    type_code: str,
    year: int,
    results: Mapping[str, Assessment] | None = None,
) -> Eligibility:
    """Check every rule of `type_code` for `enterprise` applying in `year`. `results` (model code
    → latest valid result) defaults to assessments.selectors.latest_results_for_enterprise."""
    kind = application_type(type_code)
    if results is None:
        results = latest_results_for_enterprise(enterprise_id=enterprise.pk)
    checks = tuple(_check(rule, kind, enterprise, year, results) for rule in kind.rules)
    return Eligibility(eligible=all(c.passed for c in checks), checks=checks)


def _make(rule: Rule, passed: bool, zh: str, en: str, observed: str, required: str) -> Check:
    return Check(
        rule=rule.id,
        kind=rule.kind,
        label_zh=rule.label.zh,
        label_en=rule.label.en,
        text_zh=zh,
        text_en=en,
        passed=passed,
        observed=observed,
        required=required,
        verified=rule.verified,
        source=asdict(rule.source),
    )


def _check(
    rule: Rule,
    kind: ApplicationType,
    enterprise: Enterprise,
    year: int,
    results: Mapping[str, Assessment],
) -> Check:
    if rule.kind == "recognised":
        return _recognised(rule, enterprise)
    if rule.kind == "no_blocking_flags":
        return _no_blocking_flags(rule, kind, results, year)
    result = results.get(rule.framework)
    unusable = _unusable(rule, result, year)
    if unusable is not None:
        return unusable
    assert result is not None
    if rule.kind == "result_score":
        return _score(rule, result)
    return _level(rule, result)


def _usable(rule: Rule, result: Assessment | None, year: int) -> bool:
    return result is not None and result.year >= year - rule.max_age_years


def _unusable(rule: Rule, result: Assessment | None, year: int) -> Check | None:
    """A failed check when there is no result, or it is too old to count; else None."""
    label = rule.label
    required = _required(rule)
    if result is None:
        return _make(
            rule,
            False,
            f"尚无有效的{label.zh}结果（需 {required}）",
            f"No valid result of the {label.en} ({required} required)",
            "—",
            required,
        )
    earliest = year - rule.max_age_years
    if result.year < earliest:
        return _make(
            rule,
            False,
            f"{label.zh}结果为 {result.year} 年，早于 {earliest} 年，请重新评估",
            f"The {label.en} result is from {result.year}, before {earliest}; assess again",
            str(result.year),
            f"≥ {earliest}",
        )
    return None


def _required(rule: Rule) -> str:
    """What the rule asks for, in words: "≥ 60", or "≥ 先进级" (the level's name in the
    published version of the model, its code when there is none)."""
    if rule.kind == "result_score":
        return f"≥ {rule.gte:g}"
    try:
        version = framework_version_get_published(code=rule.framework)
    except FrameworkVersion.DoesNotExist:
        return f"≥ {rule.min_level}"
    names = {lv.code: lv.name.zh for lv in framework_version_compiled(version).levels}
    return f"≥ {names.get(rule.min_level, rule.min_level)}"


def _score(rule: Rule, result: Assessment) -> Check:
    total = result.total or 0.0
    gte = rule.gte or 0.0
    passed = total + EPSILON >= gte
    label = rule.label
    if passed:
        zh = f"{label.zh} {total:.1f} 分，达到 {gte:g} 分"
        en = f"{label.en} {total:.1f}, at least {gte:g}"
    else:
        zh = f"{label.zh} {total:.1f} 分，低于 {gte:g} 分"
        en = f"{label.en} {total:.1f}, below {gte:g}"
    return _make(rule, passed, zh, en, f"{total:.1f}", f"≥ {gte:g}")


def _level(rule: Rule, result: Assessment) -> Check:
    label = rule.label
    compiled = framework_version_compiled(result.framework_version)
    levels = {level.code: level for level in compiled.levels}
    needed = levels.get(rule.min_level)
    observed = result.level_name or result.level or "—"
    if needed is None:
        version = result.framework_version.label
        return _make(
            rule,
            False,
            f"{label.zh}所用模型 {version} 没有等级 {rule.min_level}",
            f"The {label.en} model {version} has no level {rule.min_level}",
            observed,
            rule.min_level,
        )
    passed = (result.level_rank or 0) >= needed.rank
    name = needed.name
    if passed:
        zh = f"{label.zh}等级为{observed}，达到{name.zh}"
        en = f"{label.en} level {observed}, at least {name.en or name.zh}"
    elif not result.level:
        zh = f"{label.zh}未达到任何等级，需达到{name.zh}"
        en = f"{label.en} reached no level; {name.en or name.zh} is required"
    else:
        zh = f"{label.zh}等级为{observed}，未达到{name.zh}"
        en = f"{label.en} level {observed}, below {name.en or name.zh}"
    return _make(rule, passed, zh, en, observed, f"≥ {name.zh}")


def _recognised(rule: Rule, enterprise: Enterprise) -> Check:
    other = application_type(rule.type)
    found = (
        Application.objects.filter(
            enterprise=enterprise, type=rule.type, status=Application.Status.RECOGNISED
        )
        .order_by("-certificate_year", "-pk")
        .first()
    )
    if found is None:
        return _make(
            rule,
            False,
            f"尚未获认定为{other.name.zh}",
            f"Not yet recognised as {other.name.en or other.name.zh}",
            "—",
            other.name.zh,
        )
    return _make(
        rule,
        True,
        f"已于 {found.certificate_year} 年获认定为{other.name.zh}（{found.certificate_no}）",
        f"Recognised as {other.name.en or other.name.zh} in {found.certificate_year} "
        f"({found.certificate_no})",
        found.certificate_no or "",
        other.name.zh,
    )


def _matches(flag: Mapping[str, Any], matcher: tuple[tuple[str, str], ...]) -> bool:
    return all(str(flag.get(key, "")) == value for key, value in matcher)


def _no_blocking_flags(
    rule: Rule, kind: ApplicationType, results: Mapping[str, Assessment], year: int
) -> Check:
    labels = {r.framework: r.label for r in kind.rules if r.framework}
    blocking = []
    for code in kind.frameworks:
        result = results.get(code)
        if result is None or not _usable(rule, result, year):
            continue
        for flag in result.flags or ():
            if any(_matches(flag, matcher) for matcher in rule.blocking):
                blocking.append((labels[code], flag))
    required = "0"
    if not blocking:
        return _make(
            rule,
            True,
            "引用的评估结果没有阻断性合理性提示",
            "No blocking plausibility flag on the cited results",
            "0",
            required,
        )
    zh = "；".join(
        f"{label.zh}：{flag.get('message', flag.get('code'))}" for label, flag in blocking
    )
    en = "; ".join(f"{label.en}: {flag.get('code')}" for label, flag in blocking)
    return _make(
        rule,
        False,
        f"存在阻断性合理性提示（{zh}）",
        f"Blocking plausibility flags ({en})",
        str(len(blocking)),
        required,
    )
