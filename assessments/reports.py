"""The downloadable assessment report (PDF and DOCX), in Chinese with English captions.

    data = report_data(assessment, benchmark=benchmark, previous=previous)   # reads, no writes
    pdf = render_pdf(data)      # embeds a CJK TrueType font (assessments/fonts.py)
    docx = render_docx(data)    # East Asian font names on the styles; Word/WPS supply the font

`report_data` turns a submitted assessment (its stored result, never recomputed) into plain
frozen dataclasses. Both renderers draw the same sequence of blocks (title, result, dimension
chart and table, level rules, gap to the next level, advice, peer benchmark, plausibility flags),
so the two files always say the same thing.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import docx
from django.utils import timezone
from django.utils.translation import gettext as _
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from assessments.fonts import report_font
from assessments.models import Assessment

PLATFORM_NAME = "智改数转网联平台"
DOCX_FONT = "Microsoft YaHei"
DOCX_LATIN_FONT = "Microsoft YaHei"
GAP_ITEMS_SHOWN = 10
BAR_COLOUR = "#2f6fb0"
MARGIN = 18 * mm
# Paragraph style → (font size in points, bold) in the DOCX.
DOCX_EMPHASIS = {"result": (13, True), "lead": (None, True), "note": (9, False)}


# --- Report data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    enterprise: str
    uscc: str
    region: str
    industry: str
    model_title: str
    model_label: str
    provisional: bool
    verified: bool
    """The model as a whole is checked against the official text."""
    year: int
    kind: str
    """Display name: 企业自评 / 服务商诊断."""
    is_diagnosis: bool
    submitted_at: datetime | None
    variant: str = ""
    """The model variant (适用类型) scored with, when the model has several; else ""."""


@dataclass(frozen=True)
class DimensionLine:
    code: str
    title: str
    title_en: str
    points: float | None
    """None when the dimension is not applicable."""
    max_points: float
    percent: float | None
    change: float | None
    """Points gained since the previous assessment; None without a comparable one."""


@dataclass(frozen=True)
class PreviousLine:
    year: int
    model_label: str
    total: float | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class RuleLine:
    text: str
    status: str
    """pass / fail / pending."""
    detail: str
    verified: bool


@dataclass(frozen=True)
class LevelLine:
    code: str
    name: str
    status: str
    """reached / failed / pending."""
    rules: tuple[RuleLine, ...]


@dataclass(frozen=True)
class GapLine:
    title: str
    current: str
    target: str
    gain: float | None


@dataclass(frozen=True)
class GapSummary:
    level_name: str
    unmet: tuple[str, ...]
    items: tuple[GapLine, ...]
    more: int
    """Unmet items beyond the ones shown."""


@dataclass(frozen=True)
class BenchmarkLine:
    label: str
    size: int
    percentile: float | None
    median: float | None


@dataclass(frozen=True)
class FlagLine:
    severity: str
    message: str
    detail: str


@dataclass(frozen=True)
class AdviceLine:
    title: str
    text: str


@dataclass(frozen=True)
class ReportData:
    header: Header
    total: float
    max_total: float
    level_name: str
    pending: bool
    """A higher level is held only by rules that still need checking."""
    dimensions: tuple[DimensionLine, ...]
    previous: PreviousLine | None
    levels: tuple[LevelLine, ...]
    gap: GapSummary | None
    benchmarks: tuple[BenchmarkLine, ...]
    flags: tuple[FlagLine, ...]
    advice: tuple[AdviceLine, ...]
    generated_at: datetime


def report_data(
    assessment: Assessment,
    *,
    benchmark: Mapping[str, Any] | None,
    previous: Assessment | None,
    official: bool = True,
) -> ReportData:
    """The report of a submitted assessment: its stored result, the change per dimension since
    `previous` (same model, submitted earlier) and the peer groups of `benchmark`. For readers
    who are not officials, plausibility flags are notes without severity or detail (severity
    drives the on-site check sample, as on the result page)."""
    result: dict[str, Any] = assessment.result or {}
    definition: dict[str, Any] = assessment.framework_version.definition or {}
    dimensions = _dimensions(definition, result, previous)
    return ReportData(
        header=_header(assessment),
        total=float(assessment.total or 0),
        max_total=float(assessment.max_total or result.get("max_total") or 0),
        level_name=assessment.level_name or _zh(result.get("level_name")),
        pending=bool(result.get("pending")),
        dimensions=dimensions,
        previous=_previous(previous),
        levels=tuple(_level(level) for level in result.get("levels") or []),
        gap=_gap(result.get("gap")),
        benchmarks=_benchmarks(benchmark),
        flags=tuple(_flag(flag, official) for flag in assessment.flags or []),
        advice=_advice(definition, dimensions, result.get("gap")),
        generated_at=timezone.localtime(),
    )


def _header(assessment: Assessment) -> Header:
    enterprise = assessment.enterprise
    version = assessment.framework_version
    meta = (version.definition or {}).get("framework") or {}
    submitted = assessment.submitted_at
    return Header(
        enterprise=enterprise.name,
        uscc=enterprise.uscc,
        region=f"{enterprise.city.name} {enterprise.county.name}",
        industry=f"{enterprise.industry.name}（{enterprise.industry.code}）",
        model_title=version.title_zh,
        model_label=version.label,
        provisional=version.provisional,
        verified=bool(meta.get("verified", False)),
        year=assessment.year,
        kind=str(assessment.get_kind_display()),
        is_diagnosis=assessment.is_diagnosis,
        submitted_at=timezone.localtime(submitted) if submitted else None,
        variant=_variant_name(assessment, meta),
    )


def _variant_name(assessment: Assessment, meta: Mapping[str, Any]) -> str:
    """The name of the variant the result was scored with ("" when the model has only one)."""
    variants = meta.get("variants") or []
    if len(variants) < 2:
        return ""
    code = assessment.variant or (assessment.result or {}).get("variant") or variants[0]
    return _zh((meta.get("variant_names") or {}).get(code)) or str(code)


def _zh(text: Any) -> str:
    """The Chinese of a {zh, en} text (or a plain string); "" for None."""
    if isinstance(text, Mapping):
        return str(text.get("zh") or text.get("en") or "")
    return "" if text is None else str(text)


def _en(text: Any) -> str:
    return str(text.get("en") or "") if isinstance(text, Mapping) else ""


def _dimensions(
    definition: Mapping[str, Any], result: Mapping[str, Any], previous: Assessment | None
) -> tuple[DimensionLine, ...]:
    """Top-level nodes in model order (the stored JSON may have lost its key order)."""
    nodes: Mapping[str, Any] = result.get("nodes") or {}
    before: Mapping[str, Any] = (previous.dimension_scores or {}) if previous else {}
    codes = [node["code"] for node in definition.get("nodes") or [] if node["code"] in nodes]
    return tuple(_dimension(nodes[code], before.get(code)) for code in codes)


def _dimension(node: Mapping[str, Any], before: float | None) -> DimensionLine:
    points = node.get("points")
    fraction = node.get("fraction")
    return DimensionLine(
        code=node["code"],
        title=_zh(node.get("title")),
        title_en=_en(node.get("title")),
        points=points,
        max_points=float(node.get("max_points") or 0),
        percent=None if fraction is None else 100 * fraction,
        change=None if points is None or before is None else points - before,
    )


def _previous(previous: Assessment | None) -> PreviousLine | None:
    if previous is None:
        return None
    submitted = previous.submitted_at
    return PreviousLine(
        year=previous.year,
        model_label=previous.framework_version.label,
        total=previous.total,
        submitted_at=timezone.localtime(submitted) if submitted else None,
    )


def _level(level: Mapping[str, Any]) -> LevelLine:
    return LevelLine(
        code=str(level.get("code") or ""),
        name=_zh(level.get("name")),
        status=str(level.get("status") or ""),
        rules=tuple(_rule(rule) for rule in level.get("rules") or []),
    )


def _rule(rule: Mapping[str, Any]) -> RuleLine:
    return RuleLine(
        text=_zh(rule.get("text")) or str(rule.get("id") or ""),
        status=str(rule.get("status") or ""),
        detail=str(rule.get("detail") or ""),
        verified=bool(rule.get("verified")),
    )


def _gap(gap: Mapping[str, Any] | None) -> GapSummary | None:
    if not gap:
        return None
    items = gap.get("items") or []
    return GapSummary(
        level_name=_zh(gap.get("name")),
        unmet=tuple(_rule(rule).text for rule in gap.get("unmet_rules") or []),
        items=tuple(_gap_item(item) for item in items[:GAP_ITEMS_SHOWN]),
        more=max(0, len(items) - GAP_ITEMS_SHOWN),
    )


def _gap_item(item: Mapping[str, Any]) -> GapLine:
    return GapLine(
        title=_zh(item.get("title")),
        current=str(item.get("current") or ""),
        target=str(item.get("target") or ""),
        gain=item.get("gain"),
    )


def _benchmarks(benchmark: Mapping[str, Any] | None) -> tuple[BenchmarkLine, ...]:
    groups = (benchmark or {}).get("groups") or []
    return tuple(
        BenchmarkLine(
            label=str(group.get("label") or ""),
            size=int(group.get("size") or 0),
            percentile=group.get("percentile"),
            median=group.get("median"),
        )
        for group in groups
    )


def _flag(flag: Mapping[str, Any], official: bool) -> FlagLine:
    return FlagLine(
        severity=str(flag.get("severity") or "") if official else "",
        message=str(flag.get("message") or flag.get("code") or ""),
        detail=str(flag.get("detail") or "") if official else "",
    )


def _advice(
    definition: Mapping[str, Any],
    dimensions: Iterable[DimensionLine],
    gap: Mapping[str, Any] | None,
) -> tuple[AdviceLine, ...]:
    """The model's advice: the weakest dimensions first (those below full marks), then the advice
    of gap items not already said. Each text once."""
    advice = {node["code"]: _zh(node.get("advice")) for node in definition.get("nodes") or []}
    weak = sorted(
        (d for d in dimensions if d.percent is not None and d.percent < 100 - 1e-9),
        key=lambda d: d.percent or 0,
    )
    lines = [AdviceLine(d.title, advice[d.code]) for d in weak if advice.get(d.code)]
    items = (gap or {}).get("items") or []
    lines += [AdviceLine(_zh(i.get("title")), _zh(i.get("advice"))) for i in items]
    first: dict[str, AdviceLine] = {}
    for line in lines:
        first.setdefault(line.text, line)
    return tuple(line for text, line in first.items() if text)


# --- Blocks shared by both renderers -------------------------------------------------------------


@dataclass(frozen=True)
class _Para:
    text: str
    style: str = "body"
    """title / subtitle / heading / result / lead (kept with what follows) / body / note."""


@dataclass(frozen=True)
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    """Relative column widths."""


@dataclass(frozen=True)
class _Chart:
    dimensions: tuple[DimensionLine, ...]


_Block = _Para | _Table | _Chart

RULE_STATUS = {"pass": "通过", "fail": "未通过", "pending": "待确认"}
LEVEL_STATUS = {"reached": "已达到", "failed": "未达到", "pending": "待确认"}
SEVERITY = {"high": "高", "medium": "中", "low": "低", "warning": "注意", "info": "提示"}


def _num(value: float | None) -> str:
    """Points for display: at most two decimals, no trailing zeros; — for None."""
    if value is None:
        return "—"
    shown = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown


def _delta(value: float | None) -> str:
    if value is None:
        return "—"
    shown = _num(value)
    return shown if shown.startswith("-") or shown == "0" else f"+{shown}"


def _percent(value: float | None) -> str:
    return _("不适用") if value is None else f"{value:.1f}%"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _heading(zh: str, en: str) -> _Para:
    """A section heading: Chinese with its English caption (once, if the Chinese is translated)."""
    return _Para(zh if zh == en else f"{zh}  {en}", "heading")


def _title(data: ReportData) -> str:
    kind = _("诊断报告") if data.header.is_diagnosis else _("自评估报告")
    return f"{data.header.enterprise} {kind}"


def _footer_text(data: ReportData) -> str:
    generated = _("生成时间 %(when)s") % {"when": _when(data.generated_at)}
    return f"{generated} · " + _("由%(platform)s生成") % {"platform": PLATFORM_NAME}


def _model_marks(header: Header) -> str:
    marks = []
    if header.provisional:
        marks.append(_("暂行"))
    if not header.verified:
        marks.append(_("未核实"))
    return f"〔{' · '.join(marks)}〕" if marks else ""


def _blocks(data: ReportData) -> list[_Block]:
    return [
        *_title_blocks(data),
        *_result_blocks(data),
        *_dimension_blocks(data),
        *_level_blocks(data),
        *_gap_blocks(data),
        *_advice_blocks(data),
        *_benchmark_blocks(data),
        *_flag_blocks(data),
    ]


def _title_blocks(data: ReportData) -> list[_Block]:
    h = data.header
    kind_en = "Provider diagnosis report" if h.is_diagnosis else "Self-assessment report"
    rows = (
        (_("企业名称"), h.enterprise),
        (_("统一社会信用代码"), h.uscc),
        (_("所在地区"), h.region),
        (_("所属行业"), h.industry),
        (_("评估模型"), f"{h.model_title}（{h.model_label}）{_model_marks(h)}"),
        *(((_("适用类型"), h.variant),) if h.variant else ()),
        (_("评估年度"), str(h.year)),
        (_("评估类型"), h.kind),
        (_("提交时间"), _when(h.submitted_at)),
    )
    return [
        _Para(_title(data), "title"),
        _Para(f"{h.model_title} · {kind_en}", "subtitle"),
        _Table((_("项目"), _("内容")), rows, (1, 3)),
    ]


def _result_blocks(data: ReportData) -> list[_Block]:
    total = _("总分 %(total)s / %(max)s 分") % {
        "total": _num(data.total),
        "max": _num(data.max_total),
    }
    blocks: list[_Block] = [
        _heading(_("评估结果"), "Result"),
        _Para(f"{total}    " + _("等级：%(level)s") % {"level": data.level_name}, "result"),
    ]
    if data.pending:
        blocks.append(_Para(_("更高等级的部分条件有待核实，结果可能调整。"), "note"))
    if data.header.provisional or not data.header.verified:
        blocks.append(_Para(_("本模型为暂行或未经核实的版本，结果仅供对标参考。"), "note"))
    return blocks


def _dimension_blocks(data: ReportData) -> list[_Block]:
    previous = data.previous
    header: tuple[str, ...] = (_("维度"), _("得分"), _("满分"), _("得分率"))
    if previous:
        header += (_("较上次"),)
    rows = tuple(_dimension_row(d, previous is not None) for d in data.dimensions)
    blocks: list[_Block] = [
        _heading(_("维度得分"), "Dimension scores"),
        _Chart(data.dimensions),
        _Table(header, rows, (3, 1, 1, 1.2, 1.2)[: len(header)]),
    ]
    if previous:
        text = _("较上次：%(year)s 年评估（%(model)s），总分 %(total)s 分，提交于 %(when)s。") % {
            "year": previous.year,
            "model": previous.model_label,
            "total": _num(previous.total),
            "when": _when(previous.submitted_at),
        }
        blocks.append(_Para(text, "note"))
    return blocks


def _dimension_row(line: DimensionLine, with_change: bool) -> tuple[str, ...]:
    title = f"{line.title} {line.title_en}".strip()
    row = (title, _num(line.points), _num(line.max_points), _percent(line.percent))
    return (*row, _delta(line.change)) if with_change else row


def _level_blocks(data: ReportData) -> list[_Block]:
    blocks: list[_Block] = [_heading(_("等级条件"), "Level rules")]
    header = (_("条件"), _("结果"), _("说明"), _("核实"))
    for level in data.levels:
        status = LEVEL_STATUS.get(level.status, level.status)
        blocks.append(_Para(f"{level.name}（{level.code}）：{status}", "lead"))
        rows = tuple(_rule_row(rule) for rule in level.rules)
        blocks.append(_Table(header, rows, (2.2, 0.9, 2.8, 0.9)))
    return blocks


def _rule_row(rule: RuleLine) -> tuple[str, ...]:
    verified = _("已核实") if rule.verified else _("未核实")
    return (rule.text, RULE_STATUS.get(rule.status, rule.status), rule.detail, verified)


def _gap_blocks(data: ReportData) -> list[_Block]:
    gap = data.gap
    if gap is None:
        return [_heading(_("提升空间"), "Gap to the next level"), _Para(_("已达到最高等级。"))]
    target = _("距离下一等级「%(level)s」尚未满足：%(rules)s") % {
        "level": gap.level_name,
        "rules": "；".join(gap.unmet) or "—",
    }
    rows = tuple((i.title, i.current, i.target, _num(i.gain)) for i in gap.items)
    blocks: list[_Block] = [_heading(_("提升空间"), "Gap to the next level"), _Para(target)]
    if rows:
        header = (_("题目"), _("当前"), _("目标"), _("可提升分值"))
        blocks.append(_Table(header, rows, (2.4, 1.4, 1.4, 1)))
    if gap.more:
        blocks.append(_Para(_("另有 %(n)s 项未列出。") % {"n": gap.more}, "note"))
    return blocks


def _advice_blocks(data: ReportData) -> list[_Block]:
    if not data.advice:
        return []
    return [
        _heading(_("改进建议"), "Advice"),
        *(_Para(f"{line.title}：{line.text}") for line in data.advice),
    ]


def _benchmark_blocks(data: ReportData) -> list[_Block]:
    heading = _heading(_("同类对标"), "Peer benchmark")
    if not data.benchmarks:
        return [heading, _Para(_("暂无可用的同类对标（对标组企业少于 5 家时不显示）。"), "note")]
    return [heading, *(_Para(_benchmark_text(line)) for line in data.benchmarks)]


def _benchmark_text(line: BenchmarkLine) -> str:
    values = {
        "label": line.label,
        "size": line.size,
        "percentile": "—" if line.percentile is None else f"{line.percentile:.0f}",
        "median": _num(line.median),
    }
    return (
        _("%(label)s（%(size)s 家企业）：位于第 %(percentile)s 百分位，中位数 %(median)s 分")
        % values
    )


def _flag_blocks(data: ReportData) -> list[_Block]:
    heading = _heading(_("合理性提示"), "Plausibility flags")
    if not data.flags:
        return [heading, _Para(_("未发现需要说明的合理性问题。"), "note")]
    if not any(f.severity for f in data.flags):  # the enterprise's copy: notes only
        notes = tuple((f.message,) for f in data.flags)
        return [heading, _Table((_("提示"),), notes, (6.0,))]
    header = (_("级别"), _("提示"), _("说明"))
    rows = tuple((SEVERITY.get(f.severity, f.severity), f.message, f.detail) for f in data.flags)
    return [heading, _Table(header, rows, (0.7, 2.5, 2.8))]


# --- PDF -----------------------------------------------------------------------------------------


def render_pdf(data: ReportData) -> bytes:
    """The report as an A4 PDF with the CJK font embedded (STSong-Light when none is found)."""
    font = report_font()
    styles = _pdf_styles(font.name)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=_title(data),
        author=PLATFORM_NAME,
        subject=data.header.enterprise,
    )
    story = [f for block in _blocks(data) for f in _pdf_flowables(block, styles, document.width)]
    footer = functools.partial(_pdf_footer, text=_footer_text(data), font=font.name)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _pdf_styles(font: str) -> dict[str, ParagraphStyle]:
    def style(name: str, size: float, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=size * 1.45, wordWrap="CJK", **kw
        )

    return {
        "title": style("title", 17, alignment=1, spaceAfter=2),
        "subtitle": style("subtitle", 10, alignment=1, textColor=colors.grey, spaceAfter=8),
        "heading": style(
            "heading", 12.5, spaceBefore=10, spaceAfter=4, textColor=BAR_COLOUR, keepWithNext=1
        ),
        "result": style("result", 13, spaceAfter=4),
        "lead": style("lead", 10, spaceAfter=3, keepWithNext=1),
        "body": style("body", 10, spaceAfter=3),
        "note": style("note", 8.5, textColor=colors.dimgrey, spaceAfter=3),
        "cell": style("cell", 8.5),
    }


def _pdf_flowables(
    block: _Block, styles: Mapping[str, ParagraphStyle], width: float
) -> list[Flowable]:
    if isinstance(block, _Para):
        return [Paragraph(escape(block.text), styles[block.style])]
    if isinstance(block, _Table):
        return [_pdf_table(block, styles["cell"], width), Spacer(1, 4)]
    font = styles["body"].fontName
    return [_pdf_chart(block.dimensions, font, width), Spacer(1, 4)]


def _pdf_table(block: _Table, style: ParagraphStyle, width: float) -> Table:
    cells = [
        [Paragraph(escape(text), style) for text in row] for row in (block.header, *block.rows)
    ]
    share = sum(block.widths)
    table = Table(cells, colWidths=[width * w / share for w in block.widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.lightgrey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f9")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _pdf_chart(dimensions: tuple[DimensionLine, ...], font: str, width: float) -> Drawing:
    """Horizontal bars of each dimension's percent of its maximum, first dimension on top."""
    rows = list(reversed(dimensions))
    height = 30 + 18 * len(rows)
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 110, 18, width - 150, height - 30
    chart.data = [[d.percent for d in rows]]  # None (not applicable): no bar
    chart.categoryAxis.categoryNames = [d.title for d in rows]
    chart.bars[0].fillColor = colors.HexColor(BAR_COLOUR)
    chart.bars[0].strokeColor = None
    _pdf_chart_axes(chart, font)
    drawing.add(chart)
    return drawing


def _pdf_chart_axes(chart: HorizontalBarChart, font: str) -> None:
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.lightgrey
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.barLabelFormat = "%.1f"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3


def _pdf_footer(canvas: Canvas, document: SimpleDocTemplate, *, text: str, font: str) -> None:
    canvas.saveState()
    canvas.setFont(font, 8)
    canvas.setFillColor(colors.grey)
    canvas.drawString(document.leftMargin, 10 * mm, text)
    page = _("第 %(page)s 页") % {"page": document.page}
    canvas.drawRightString(document.pagesize[0] - document.rightMargin, 10 * mm, page)
    canvas.restoreState()


# --- DOCX ----------------------------------------------------------------------------------------


def render_docx(data: ReportData) -> bytes:
    """The report as a Word document; styles name a Chinese font for East Asian text."""
    document = docx.Document()
    _docx_fonts(document)
    document.core_properties.title = _title(data)
    document.core_properties.author = PLATFORM_NAME
    for block in _blocks(data):
        _docx_block(document, block)
    document.sections[0].footer.paragraphs[0].text = _footer_text(data)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_fonts(document: Any) -> None:
    """Name the font for Latin and East Asian text on the document defaults and every style the
    report uses, and make the East Asian language Chinese, so Word and WPS pick a Chinese font."""
    for name in ("Normal", "Title", "Subtitle", "Heading 1", "Table Grid"):
        _docx_set_fonts(document.styles[name].element.get_or_add_rPr().get_or_add_rFonts())
    defaults = document.styles.element.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"
    )
    if defaults is None:
        return
    fonts = defaults.find(qn("w:rFonts"))
    if fonts is not None:
        _docx_set_fonts(fonts)
    language = defaults.find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:eastAsia"), "zh-CN")


def _docx_set_fonts(fonts: Any) -> None:
    """Explicit font names on a w:rFonts (theme fonts would win over them, so drop those)."""
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), DOCX_LATIN_FONT)
    fonts.set(qn("w:hAnsi"), DOCX_LATIN_FONT)
    fonts.set(qn("w:eastAsia"), DOCX_FONT)
    fonts.set(qn("w:hint"), "eastAsia")


def _docx_block(document: Any, block: _Block) -> None:
    if isinstance(block, _Table):
        _docx_table(document, block.header, block.rows)
    elif isinstance(block, _Chart):
        _docx_chart(document, block.dimensions)
    elif block.style in ("title", "heading"):
        document.add_heading(block.text, 0 if block.style == "title" else 1)
    elif block.style == "subtitle":
        document.add_paragraph(block.text, style="Subtitle")
    else:
        paragraph = document.add_paragraph(block.text)
        size, bold = DOCX_EMPHASIS.get(block.style, (None, False))
        paragraph.paragraph_format.keep_with_next = block.style == "lead"
        for run in paragraph.runs:
            run.font.size = Pt(size) if size else None
            run.font.bold = bold or None


def _docx_table(document: Any, header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].font.bold = True
        _docx_shade(cell, "EEF3F9")
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    document.add_paragraph()


def _docx_shade(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _docx_chart(document: Any, dimensions: Iterable[DimensionLine]) -> None:
    """The bar chart as a table: one text bar (each block = 5 %) per dimension."""
    rows = [(d.title, _text_bar(d.percent), _percent(d.percent)) for d in dimensions]
    _docx_table(document, (_("维度"), _("得分率图示"), _("得分率")), rows)


def _text_bar(percent: float | None, blocks: int = 20) -> str:
    filled = round((percent or 0) / 100 * blocks)
    return "█" * filled + "░" * (blocks - filled)
