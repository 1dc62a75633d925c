"""What the result page, its explanation trail and the report downloads show of a submitted
assessment. Everything is read from the stored result (the JSON `scoring.maturity.result_as_dict`
wrote at submission), the pinned model version, the enterprise's other submitted results and the
PeerBenchmark rows; nothing is scored again on request.

- `result_get_for_user`: a submitted assessment the user may see (404 otherwise, drafts included);
- `result_page`: header, total and level, dimensions (with the peer medians and the change since
  the previous result), level rules, gap to the next level, advice, benchmark, flags, history;
- `trail_page`: per question answer → fraction → weight → contribution, per dimension;
- `assessment_report_export`: the PDF or DOCX report, one audit row per download.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from assessments import reports
from assessments.benchmarks import benchmark_for
from assessments.display import diagnosis_state, diagnosis_state_label
from assessments.models import Assessment
from assessments.selectors import (
    NOT_FOUND,
    assessment_history,
    assessment_list_for_user,
    assessment_previous_submitted,
)
from audit.services import audit_record
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled
from scoring import maturity

WEAK_PERCENT = 60.0
"""A dimension below this share of its maximum counts as weak: its advice is shown."""
GAP_ITEMS_SHOWN = 10
OFFICIALS = (Role.PROVINCE, Role.CITY, Role.COUNTY)
REPORT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
RULE_STATUS = {
    "pass": gettext_lazy("满足"),
    "fail": gettext_lazy("未满足"),
    "pending": gettext_lazy("待核实"),
}
LEVEL_STATUS = {
    "reached": gettext_lazy("已达到"),
    "failed": gettext_lazy("未达到"),
    "pending": gettext_lazy("待核实"),
}
QUESTION_STATUS = {
    "answered": gettext_lazy("已作答"),
    "unanswered": gettext_lazy("未作答"),
    "na": gettext_lazy("不适用（企业选择）"),
    "not_applicable": gettext_lazy("不适用（条件不满足）"),
    "unscored": gettext_lazy("不计分"),
}
SEVERITY = {"high": gettext_lazy("高"), "medium": gettext_lazy("中"), "low": gettext_lazy("低")}


def _zh(text: Any) -> str:
    """The Chinese of a stored {zh, en} text (or a plain string); "" for None."""
    if isinstance(text, Mapping):
        return str(text.get("zh") or text.get("en") or "")
    return "" if text is None else str(text)


def _en(text: Any) -> str:
    return str(text.get("en") or "") if isinstance(text, Mapping) else ""


def _percent(points: float | None, max_points: float) -> float | None:
    return None if points is None or not max_points else 100.0 * points / max_points


# --- Reads ---------------------------------------------------------------------------------------


def result_get_for_user(*, user: Any, pk: int) -> Assessment:
    """A submitted assessment `user` may see (selectors decide); Http404 for anything else."""
    found = (
        assessment_list_for_user(user=user)
        .filter(pk=pk, status=Assessment.Status.SUBMITTED)
        .select_related(
            "submitted_by",
            "enterprise__city",
            "enterprise__industry",
            "framework_version__framework",
        )
        .first()
    )
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def _visible(user: Any, assessments: list[Assessment]) -> list[Assessment]:
    """The ones `user` may see, in the same order (a provider sees its diagnoses, never the
    enterprise's self-assessments), loaded with their version's label for the page."""
    shown = (
        assessment_list_for_user(user=user)
        .filter(pk__in=[a.pk for a in assessments])
        .select_related("framework_version__framework")
        .defer("framework_version__definition", "answers", "result")
    )
    by_pk = {a.pk: a for a in shown}
    return [by_pk[a.pk] for a in assessments if a.pk in by_pk]


def visible_previous(*, user: Any, assessment: Assessment) -> Assessment | None:
    """The result submitted just before this one, when `user` may see it."""
    previous = assessment_previous_submitted(assessment=assessment)
    shown = _visible(user, [previous]) if previous is not None else []
    return shown[0] if shown else None


def reassess_version(*, user: Any, assessment: Assessment) -> int | None:
    """The published version a "re-assess" button starts: only the enterprise re-assesses, only
    its self-assessments, and with the model's current version (it may be newer than the one this
    result pinned). None: no button."""
    if getattr(user, "role", "") != Role.ENTERPRISE or assessment.is_diagnosis:
        return None
    published = FrameworkVersion.objects.filter(
        framework_id=assessment.framework_id, status=FrameworkVersion.Status.PUBLISHED
    )
    return published.values_list("pk", flat=True).first()


# --- Result page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    code: str
    title: str
    title_en: str
    status: str
    """scored / na (not applicable)."""
    points: float | None
    max_points: float
    percent: float | None
    peer_percents: tuple[float | None, ...]
    """Each shown benchmark group's median, as a percent of this dimension's maximum."""
    advice: str
    before: float | None = None
    change: float | None = None

    @property
    def weak(self) -> bool:
        return self.percent is not None and self.percent < WEAK_PERCENT

    def with_before(self, before: float | None) -> Dimension:
        """The same dimension compared with its points in an earlier result."""
        change = None if self.points is None or before is None else self.points - before
        return replace(self, before=before, change=change)


@dataclass(frozen=True)
class RuleRow:
    id: str
    kind: str
    status: str
    status_label: str
    text: str
    detail: str
    verified: bool
    source: dict[str, str]


@dataclass(frozen=True)
class LevelRow:
    code: str
    rank: int
    name: str
    name_en: str
    status: str
    status_label: str
    current: bool
    rules: list[RuleRow]


@dataclass(frozen=True)
class GapRow:
    question: str
    title: str
    current: str
    target: str
    gain: float | None
    advice: str
    advice_of: Dimension | None = None
    """Set when `advice` is that weak dimension's advice, already shown in the advice list (the
    row links to it instead of repeating it)."""


@dataclass(frozen=True)
class Gap:
    level_name: str
    unmet: list[RuleRow]
    items: list[GapRow]
    more: int


@dataclass(frozen=True)
class FlagRow:
    code: str
    severity: str
    severity_label: str
    message: str


@dataclass(frozen=True)
class HistoryRow:
    assessment: Assessment
    current: bool
    kind: str


@dataclass(frozen=True)
class Change:
    previous: Assessment
    total_change: float | None
    same_version: bool


@dataclass
class ResultPage:
    assessment: Assessment
    model_title: str
    model_verified: bool
    kind_label: str
    diagnosis_state: str
    diagnosis_label: str
    level_name: str
    pending: bool
    is_official: bool
    dimensions: list[Dimension]
    levels: list[LevelRow]
    gap: Gap | None
    advice: list[Dimension]
    benchmark: dict[str, Any]
    flags: list[FlagRow]
    change: Change | None
    history: list[HistoryRow]
    charts: dict[str, Any] = field(default_factory=dict)
    variant_name: str = ""
    """The model variant (适用类型) scored with, when the model has several; else ""."""

    @property
    def changed_dimensions(self) -> list[Dimension]:
        return [d for d in self.dimensions if d.change is not None]


def _dimensions(
    assessment: Assessment,
    model: maturity.Framework | None,
    groups: list[Mapping[str, Any]],
    previous: Assessment | None,
) -> list[Dimension]:
    """Scored top-level nodes in model order (unscored requirement sections are left out)."""
    nodes: Mapping[str, Any] = (assessment.result or {}).get("nodes") or {}
    codes = list(model.roots) if model is not None else [c for c in nodes if "." not in c]
    before = (previous.dimension_scores or {}) if previous is not None else {}
    medians = [g.get("dimension_medians") or {} for g in groups]
    advice = _advice_texts(model)
    return [
        _dimension(
            code, nodes[code], [m.get(code) for m in medians], advice.get(code, "")
        ).with_before(before.get(code))
        for code in codes
        if code in nodes
        and nodes[code].get("status") != "unscored"
        and nodes[code].get("max_points")
    ]


def _advice_texts(model: maturity.Framework | None) -> dict[str, str]:
    """Node code → the model's advice text (Node.advice), for the nodes that have one."""
    nodes = model.nodes if model is not None else {}
    return {code: node.advice.zh for code, node in nodes.items() if node.advice is not None}


def _dimension(
    code: str, node: Mapping[str, Any], medians: list[float | None], advice: str
) -> Dimension:
    max_points = float(node["max_points"])
    points = node.get("points")
    return Dimension(
        code=code,
        title=_zh(node.get("title")) or code,
        title_en=_en(node.get("title")),
        status=str(node.get("status") or ""),
        points=points,
        max_points=max_points,
        percent=_percent(points, max_points),
        peer_percents=tuple(_percent(median, max_points) for median in medians),
        advice=advice,
    )


def _rule(rule: Mapping[str, Any]) -> RuleRow:
    status = str(rule.get("status") or "")
    return RuleRow(
        id=str(rule.get("id") or ""),
        kind=str(rule.get("kind") or ""),
        status=status,
        status_label=str(RULE_STATUS.get(status, status)),
        text=_zh(rule.get("text")),
        detail=str(rule.get("detail") or ""),
        verified=bool(rule.get("verified")),
        source=_source(rule.get("source")),
    )


def _source(raw: Any) -> dict[str, str]:
    """Every field frameworks/_source.html reads (the stored JSON leaves empty ones out)."""
    raw = raw if isinstance(raw, Mapping) else {}
    return {key: str(raw.get(key) or "") for key in ("document", "clause", "url", "note")}


def _levels(assessment: Assessment) -> list[LevelRow]:
    rows = []
    for level in (assessment.result or {}).get("levels") or []:
        status = str(level.get("status") or "")
        rows.append(
            LevelRow(
                code=str(level.get("code") or ""),
                rank=int(level.get("rank") or 0),
                name=_zh(level.get("name")),
                name_en=_en(level.get("name")),
                status=status,
                status_label=str(LEVEL_STATUS.get(status, status)),
                current=bool(level.get("code")) and level.get("code") == assessment.level,
                rules=[_rule(rule) for rule in level.get("rules") or []],
            )
        )
    return rows


def _gap(assessment: Assessment, advice: list[Dimension]) -> Gap | None:
    gap = (assessment.result or {}).get("gap")
    if not gap:
        return None
    items = gap.get("items") or []
    shown = {d.advice: d for d in advice}
    return Gap(
        level_name=_zh(gap.get("name")),
        unmet=[_rule(rule) for rule in gap.get("unmet_rules") or []],
        items=[
            GapRow(
                question=str(item.get("question") or ""),
                title=_zh(item.get("title")),
                current=str(item.get("current") or ""),
                target=str(item.get("target") or ""),
                gain=item.get("gain"),
                advice=_zh(item.get("advice")),
                advice_of=shown.get(_zh(item.get("advice"))),
            )
            for item in items[:GAP_ITEMS_SHOWN]
        ],
        more=max(0, len(items) - GAP_ITEMS_SHOWN),
    )


def _flags(assessment: Assessment) -> list[FlagRow]:
    return [
        FlagRow(
            code=str(flag.get("code") or ""),
            severity=str(flag.get("severity") or ""),
            severity_label=str(SEVERITY.get(flag.get("severity"), flag.get("severity") or "")),
            message=str(flag.get("message") or flag.get("code") or ""),
        )
        for flag in assessment.flags or []
    ]


def _compiled(assessment: Assessment) -> maturity.Framework | None:
    """The pinned version's compiled form; None if it no longer compiles (shown without it)."""
    try:
        return framework_version_compiled(assessment.framework_version)
    except maturity.FrameworkError:
        return None


def _charts(page: ResultPage) -> dict[str, Any]:
    """ECharts-ready data for the page's json_script blocks."""
    dims = page.dimensions
    groups = page.benchmark["groups"]
    charts: dict[str, Any] = {
        "dimensions": {
            "categories": [d.title for d in dims],
            "max": 100,
            "unit": "%",
            "series": [{"name": _("本企业"), "data": [_round(d.percent) for d in dims]}],
            "peers": [
                {
                    "name": _("%(group)s 中位数") % {"group": g["label"]},
                    "data": [_round(d.peer_percents[i]) for d in dims],
                }
                for i, g in enumerate(groups)
            ],
        }
    }
    if page.change is not None:
        changed = page.changed_dimensions
        charts["change"] = {
            "categories": [d.title for d in changed],
            "unit": _("分"),
            "signed": True,
            "series": [{"name": _("得分变化"), "data": [_round(d.change) for d in changed]}],
        }
    if len(page.history) > 1:
        rows = [row.assessment for row in page.history]
        charts["history"] = {
            "categories": [timezone.localtime(a.submitted_at).strftime("%Y-%m-%d") for a in rows],
            "series": [{"name": _("总分"), "data": [_round(a.total) for a in rows]}],
            "levels": [a.level_name or _("未达等级") for a in rows],
            "max": max(float(a.max_total or 0) for a in rows) or None,
        }
    return charts


def _change(assessment: Assessment, previous: Assessment | None) -> Change | None:
    if previous is None:
        return None
    both = previous.total is not None and assessment.total is not None
    return Change(
        previous=previous,
        total_change=assessment.total - previous.total if both else None,  # type: ignore[operator]
        same_version=previous.framework_version_id == assessment.framework_version_id,
    )


def _variant_name(assessment: Assessment, model: maturity.Framework | None) -> str:
    """The Chinese name of the variant the result was scored with ("" for one-variant models)."""
    if model is None or len(model.variants) < 2:
        return ""
    code = assessment.variant or (assessment.result or {}).get("variant") or model.default_variant
    name = model.variant_names.get(code)
    return (name.zh or name.en or code) if name is not None else code


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def result_page(assessment: Assessment, *, user: User) -> ResultPage:
    """Everything the result page shows of a submitted assessment, for `user`."""
    model = _compiled(assessment)
    benchmark = benchmark_for(assessment)
    previous = visible_previous(user=user, assessment=assessment)
    dimensions = _dimensions(assessment, model, benchmark["groups"], previous)
    history = _visible(user, assessment_history(assessment=assessment))
    result = assessment.result or {}
    weak = [d for d in dimensions if d.weak and d.advice]
    advice = sorted(weak, key=lambda d: d.percent or 0.0)
    page = ResultPage(
        assessment=assessment,
        model_title=assessment.framework_version.title_zh,
        model_verified=model.verified if model is not None else False,
        kind_label=str(assessment.get_kind_display()),
        diagnosis_state=diagnosis_state(assessment) if assessment.is_diagnosis else "",
        diagnosis_label=diagnosis_state_label(assessment) if assessment.is_diagnosis else "",
        level_name=assessment.level_name or _zh(result.get("level_name")) or _("未达等级"),
        pending=bool(result.get("pending")),
        is_official=user.role in OFFICIALS,
        dimensions=dimensions,
        levels=_levels(assessment),
        gap=_gap(assessment, advice),
        advice=advice,
        benchmark=benchmark,
        flags=_flags(assessment),
        change=_change(assessment, previous),
        history=[HistoryRow(a, a.pk == assessment.pk, str(a.get_kind_display())) for a in history],
        variant_name=_variant_name(assessment, model),
    )
    page.charts = _charts(page)
    return page


# --- Explanation trail ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailRow:
    code: str
    title: str
    answer: str
    status: str
    status_label: str
    fraction: float | None
    weight: float
    contribution: float
    potential_gain: float
    level: int | None
    counted: bool

    @property
    def fraction_percent(self) -> float | None:
        return None if self.fraction is None else 100.0 * self.fraction

    @property
    def weight_percent(self) -> float:
        """The question's share of the total, in percent."""
        return 100.0 * self.weight


@dataclass(frozen=True)
class TrailGroup:
    code: str
    title: str
    points: float | None
    max_points: float
    rows: list[TrailRow]

    @property
    def contribution(self) -> float:
        return sum(row.contribution for row in self.rows if row.counted)


@dataclass(frozen=True)
class TrailPage:
    assessment: Assessment
    dimension: str
    """The dimension shown; "" for all."""
    choices: list[tuple[str, str]]
    groups: list[TrailGroup]
    sequential: bool


def _root_of(model: maturity.Framework | None, code: str) -> str:
    if model is not None and code in model.nodes:
        ancestors = model.ancestors(code)
        return ancestors[-1] if ancestors else code
    return code.split(".", 1)[0]


def _trail_row(trace: Mapping[str, Any]) -> TrailRow:
    status = str(trace.get("status") or "")
    return TrailRow(
        code=str(trace.get("code") or ""),
        title=_zh(trace.get("title")),
        answer=str(trace.get("answer") or ""),
        status=status,
        status_label=str(QUESTION_STATUS.get(status, status)),
        fraction=trace.get("fraction"),
        weight=float(trace.get("weight") or 0),
        contribution=float(trace.get("contribution") or 0),
        potential_gain=float(trace.get("potential_gain") or 0),
        level=trace.get("level"),
        counted=bool(trace.get("counted", True)),
    )


def trail_page(assessment: Assessment, *, dimension: str = "") -> TrailPage:
    """The explanation of every question's part in the total, grouped by top-level dimension;
    `dimension` keeps one group (an unknown code keeps all)."""
    model = _compiled(assessment)
    result = assessment.result or {}
    nodes: Mapping[str, Any] = result.get("nodes") or {}
    questions: Mapping[str, Any] = result.get("questions") or {}
    order = {code: i for i, code in enumerate(model.question_codes)} if model else {}
    by_root: dict[str, list[TrailRow]] = {}
    # Model order: a JSON column need not keep the keys' order (PostgreSQL's jsonb does not).
    for code in sorted(questions, key=lambda c: order.get(c, len(order))):
        by_root.setdefault(_root_of(model, code), []).append(_trail_row(questions[code]))
    groups = [
        TrailGroup(
            code=root,
            title=_zh((nodes.get(root) or {}).get("title")) or root,
            points=(nodes.get(root) or {}).get("points"),
            max_points=float((nodes.get(root) or {}).get("max_points") or 0),
            rows=rows,
        )
        for root, rows in by_root.items()
    ]
    choices = [(g.code, g.title) for g in groups]
    if dimension not in by_root:
        dimension = ""
    return TrailPage(
        assessment=assessment,
        dimension=dimension,
        choices=choices,
        groups=[g for g in groups if not dimension or g.code == dimension],
        sequential=model is not None and model.method == "sequential_gate",
    )


# --- Report downloads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    content_type: str
    filename: str
    """The display name (may hold Chinese)."""
    ascii_filename: str

    @property
    def content_disposition(self) -> str:
        """RFC 6266: an ASCII fallback, then the UTF-8 name as filename* (RFC 8187)."""
        return (
            f'attachment; filename="{self.ascii_filename}"; '
            f"filename*=UTF-8''{quote(self.filename, safe='')}"
        )


def _safe_name(text: str) -> str:
    """A file-name part without path separators, quotes or control characters."""
    kept = "".join(ch for ch in text if ch.isprintable() and ch not in '\\/:*?"<>|;')
    return kept.strip() or "report"


def assessment_report_export(*, assessment: Assessment, fmt: str, user: User) -> ReportFile:
    """The report of a submitted assessment as PDF or DOCX, built from the stored result. Every
    download is an export of enterprise data and writes one audit row."""
    if fmt not in REPORT_TYPES:
        raise Http404(NOT_FOUND)
    data = reports.report_data(
        assessment,
        benchmark=benchmark_for(assessment),
        previous=visible_previous(user=user, assessment=assessment),
        official=user.role in (Role.PROVINCE, Role.CITY, Role.COUNTY),
    )
    content = reports.render_pdf(data) if fmt == "pdf" else reports.render_docx(data)
    code = assessment.framework.code
    audit_record(
        action="assessment.export",
        obj=assessment,
        after={
            "format": fmt,
            "bytes": len(content),
            "framework_version": assessment.framework_version.label,
        },
        note=f"report {fmt}",
    )
    stem = f"{assessment.enterprise.name}-{code}-{assessment.year}-评估报告"
    return ReportFile(
        content=content,
        content_type=REPORT_TYPES[fmt],
        filename=f"{_safe_name(stem)}.{fmt}",
        ascii_filename=f"assessment-{assessment.pk}-{code}-{assessment.year}.{fmt}",
    )
