"""The downloadable report, built from a real GEN-JS result stored in the database: its data, the
PDF (an embedded CJK font, the Chinese text really in the file) and the DOCX (the text, East Asian
font names on the styles)."""

from __future__ import annotations

import base64
import io
import logging
import re
import shutil
import zlib
from pathlib import Path
from typing import Any

import docx
import pytest
from django.utils import timezone
from docx.oxml.ns import qn
from reportlab.pdfbase import pdfmetrics

from assessments import fonts
from assessments.models import Assessment
from assessments.reports import (
    GAP_ITEMS_SHOWN,
    AdviceLine,
    BenchmarkLine,
    FlagLine,
    ReportData,
    render_docx,
    render_pdf,
    report_data,
)
from frameworks.files import read_definition
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled, framework_version_get_published
from frameworks.services import framework_load
from scoring.maturity import result_as_dict, score_assessment

GEN_JS = Path(__file__).resolve().parents[2] / "frameworks" / "data" / "gen-js-2025.yaml"
DIMENSIONS = (
    "factory",
    "rnd",
    "production",
    "management",
    "energy_carbon",
    "network_security",
    "data_ai",
)
DIMENSION_TITLES = {"工厂建设", "研发设计", "生产作业", "经营管理", "能耗与碳排放", "网络与安全"}

# Exactly 60 points (PASS); see frameworks/tests/test_golden.py for the arithmetic.
PREVIOUS_ANSWERS: dict[str, Any] = {
    "factory.key_process_nc": 95,
    "factory.equipment_connected": 85,
    "factory.smart_equipment": ["robots", "agv", "inspection", "smart_lines"],
    "factory.layout": "digital_twin",
    "factory.retrofit_plan": "yes",
    "rnd.tools": ["cad", "cae"],
    "rnd.tool_share": 95,
    "rnd.pdm.deployed": "no",
    "rnd.validation": "partial",
    "production.execution": "integrated",
    "production.data_collection": 80,
    "production.quality": ["online_inspection", "spc", "traceability", "machine_vision"],
    "production.scheduling": "aps",
    "production.predictive_maintenance": "yes",
    "management.erp": "core",
    "management.supply_chain": ["srm", "crm"],
    "management.decision": "experience",
    "management.cloud": "yes",
    "management.investment": 1.5,
    "energy_carbon.metering": "manual",
    "energy_carbon.intensity_trend": "flat",
    "energy_carbon.carbon.accounting": "yes",
    "energy_carbon.carbon.verified": "no",
    "energy_carbon.renewable_share": 30,
    "energy_carbon.measures": ["retrofit", "waste_heat"],
    "network_security.coverage": ["none"],
    "network_security.new_networks": ["none"],
    "network_security.measures": ["none"],
    "network_security.graded": "no",
    "network_security.incidents": "no",
    "data_ai.governance": "none",
    "data_ai.data_security": ["policy"],
    "data_ai.platform": "no",
    "data_ai.ai_scenes": 2,
    "data_ai.ai_types": ["vision"],
}
# 经营决策 +0.99, AI 场景 −1: 59.99, below the 60-point line, so there is a gap to PASS.
ANSWERS = PREVIOUS_ANSWERS | {"management.decision": "reports", "data_ai.ai_scenes": 0}
BENCHMARK = {
    "groups": [{"label": "同区县 · 玄武区", "size": 12, "percentile": 63.0, "median": 55.2}]
}
FLAGS = [
    {
        "code": "score_jump",
        "severity": "warning",
        "message": "经营管理得分与投入强度不一致",
        "detail": "数字化投入强度 1.5%",
    }
]


@pytest.fixture
def gen_js(db) -> FrameworkVersion:
    definition = read_definition(GEN_JS.read_bytes(), filename=GEN_JS.name)
    framework_load(files=[(GEN_JS.name, definition)], by=None)
    return framework_version_get_published(code="GEN-JS")


def make_submitted(world, version: FrameworkVersion, answers, *, year: int, **kw) -> Assessment:
    """A submitted assessment as the submission service stores it, read back from the database
    (PostgreSQL's jsonb does not keep the key order of the stored result)."""
    result = score_assessment(framework_version_compiled(version), answers)
    user = world.users["enterprise"]
    assessment = Assessment.objects.create(
        enterprise=world.e1,
        framework=version.framework,
        framework_version=version,
        status=Assessment.Status.SUBMITTED,
        year=year,
        answers=answers,
        created_by=user,
        submitted_by=user,
        submitted_at=timezone.now(),
        result=result_as_dict(result),
        total=result.total,
        max_total=result.max_total,
        level=result.level or "",
        level_rank=result.level_rank,
        level_name=result.level_name.zh,
        dimension_scores={code: result.nodes[code].points for code in DIMENSIONS},
        **kw,
    )
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def previous(world, gen_js) -> Assessment:
    return make_submitted(world, gen_js, PREVIOUS_ANSWERS, year=2024)


@pytest.fixture
def current(world, gen_js, previous) -> Assessment:
    return make_submitted(world, gen_js, ANSWERS, year=2025, previous=previous, flags=FLAGS)


@pytest.fixture
def data(current, previous) -> ReportData:
    return report_data(current, benchmark=BENCHMARK, previous=previous)


@pytest.fixture
def cjk_font() -> fonts.FontChoice:
    choice = fonts.report_font()
    if not choice.embedded:
        pytest.skip("no embeddable CJK font on this machine (scripts/ensure-cjk-font.sh)")
    return choice


def pdf_unicode(pdf: bytes) -> set[str]:
    """Every character the PDF's ToUnicode maps give a glyph for (bfchar and bfrange entries)."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    maps = [_inflate(s) for s in streams]
    chars: set[str] = set()
    for cmap in maps:
        chars.update(chr(int(u, 16)) for u in re.findall(rb"<[0-9A-F]+> <([0-9A-F]{4})>", cmap))
        ranges = re.findall(rb"<[0-9A-F]+> <[0-9A-F]+> <([0-9A-F]{4})>", cmap)
        chars.update(chr(int(u, 16)) for u in ranges)
    return chars


def _inflate(stream: bytes) -> bytes:
    """A Flate stream decompressed (reportlab writes the font maps that way); others as they are."""
    try:
        return zlib.decompressobj().decompress(stream)
    except zlib.error:
        return stream


def cid_text(pdf: bytes) -> str:
    """The text of a PDF written with the UCS-2 CID font: page streams (ASCII85 + Flate) hold
    literal strings of UTF-16BE code units."""
    pages = re.findall(rb"/ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)~>", pdf, re.S)
    content = b"".join(zlib.decompress(base64.a85decode(page.strip())) for page in pages)
    strings = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S)
    return "".join(_unescape(s).decode("utf-16-be", errors="replace") for s in strings)


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes: \\ooo octal, \\n and friends, escaped ( ) and \\."""
    named = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1].isdigit() else named.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    footer = [p.text for p in document.sections[0].footer.paragraphs]
    return "\n".join([p.text for p in document.paragraphs] + cells + footer)


# --- report_data ---------------------------------------------------------------------------------


def test_report_data_reads_enterprise_model_and_result(data, world) -> None:
    assert data.header.enterprise == "玄武电子有限公司"
    assert data.header.uscc == world.e1.uscc
    assert data.header.region == "南京市 玄武区"
    assert data.header.industry == "计算机整机制造（3911）"
    assert (data.header.model_label, data.header.provisional, data.header.verified) == (
        "GEN-JS@2025",
        True,
        False,
    )
    assert (data.header.year, data.header.kind, data.header.is_diagnosis) == (
        2025,
        "企业自评",
        False,
    )
    assert data.total == pytest.approx(59.99)
    assert (data.max_total, data.level_name, data.pending) == (100, "未达标", False)


def test_report_data_lists_dimensions_in_model_order_with_change_since_previous(data) -> None:
    assert tuple(d.code for d in data.dimensions) == DIMENSIONS
    assert {d.code: d.change for d in data.dimensions} == pytest.approx(
        dict.fromkeys(DIMENSIONS, 0.0) | {"management": 0.99, "data_ai": -1.0}
    )
    assert data.dimensions[0].title == "工厂建设"
    assert data.dimensions[0].percent == pytest.approx(100)
    assert data.previous.year == 2024
    assert data.previous.total == pytest.approx(60)


def test_report_data_lists_level_rules_with_their_verification(data) -> None:
    [level] = data.levels
    assert (level.code, level.name, level.status) == ("PASS", "达标", "failed")
    assert [(r.text, r.status, r.verified) for r in level.rules] == [
        ("自评测得分 ≥ 60 分", "fail", True)
    ]


def test_report_data_shows_the_gap_to_the_next_level_most_valuable_first(data, current) -> None:
    stored = current.result["gap"]["items"]
    assert data.gap.level_name == "达标"
    assert data.gap.unmet == ("自评测得分 ≥ 60 分",)
    assert (data.gap.items[0].title, data.gap.items[0].gain) == ("企业网络覆盖", 3.0)
    assert len(data.gap.items) == min(len(stored), GAP_ITEMS_SHOWN)
    assert data.gap.more == len(stored) - len(data.gap.items)


def test_report_data_passes_benchmark_groups_and_flags_through(data) -> None:
    assert data.benchmarks == (BenchmarkLine("同区县 · 玄武区", 12, 63.0, 55.2),)
    assert data.flags == (
        FlagLine("warning", "经营管理得分与投入强度不一致", "数字化投入强度 1.5%"),
    )


def test_report_data_gives_advice_for_weak_dimensions_once_each(data) -> None:
    titles = [line.title for line in data.advice]
    texts = [line.text for line in data.advice]
    assert titles[:2] == ["数据与人工智能", "网络与安全"]  # 1 of 10, then 3 of 15 points
    assert {"工厂建设", "生产作业"}.isdisjoint(titles)  # full marks: nothing to advise
    assert len(texts) == len(set(texts))
    assert all(isinstance(line, AdviceLine) and line.text for line in data.advice)


def test_report_data_without_previous_or_benchmark_has_no_change_or_peers(current) -> None:
    data = report_data(current, benchmark=None, previous=None)
    assert data.previous is None
    assert {d.change for d in data.dimensions} == {None}
    assert data.benchmarks == ()


# --- PDF -----------------------------------------------------------------------------------------


def test_pdf_embeds_the_cjk_font(data, cjk_font) -> None:
    pdf = render_pdf(data)
    face = pdfmetrics.getFont(cjk_font.name).face.name
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile2" in pdf
    assert b"+" + face in pdf  # a subset: AAAAAA+WenQuanYiMicroHei-0


def test_pdf_carries_glyphs_for_the_chinese_text(data, cjk_font) -> None:
    chars = pdf_unicode(render_pdf(data))
    expected = "总分等级" + "玄武电子有限公司" + "未达标" + "".join(DIMENSION_TITLES)
    assert set(expected) <= chars
    assert set("暂行未核实由智改数转网联平台生成同区县") <= chars


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_pdf_text_extracts_as_chinese(data, cjk_font, tmp_path) -> None:
    import subprocess

    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(data))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "玄武电子有限公司" in text
    assert "由智改数转网联平台生成" in text


def test_pdf_falls_back_to_stsong_light_when_no_font_is_found(data, monkeypatch, caplog) -> None:
    monkeypatch.setattr(fonts, "font_candidates", list)
    with caplog.at_level(logging.WARNING, logger="assessments.fonts"):
        pdf = render_pdf(data)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"STSong-Light" in pdf
    assert b"/FontFile2" not in pdf
    assert "No embeddable CJK TrueType font" in caplog.text
    text = cid_text(pdf)
    assert "玄武电子有限公司 自评估报告" in text
    assert "总分 59.99 / 100 分" in text


def test_report_font_without_candidates_is_the_cid_font(monkeypatch) -> None:
    monkeypatch.setattr(fonts, "font_candidates", list)
    assert fonts.report_font() == fonts.FontChoice("STSong-Light", None, embedded=False)


def test_report_font_prefers_the_configured_font(settings, tmp_path, cjk_font) -> None:
    configured = tmp_path / "company-font.ttc"
    shutil.copyfile(cjk_font.path, configured)
    settings.REPORT_FONT = str(configured)
    choice = fonts.report_font()
    assert (choice.path, choice.embedded) == (str(configured), True)
    assert choice.name == "ZhigaiCJK-company-font-0"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("missing.ttf", None, id="missing"),
        pytest.param("broken.ttf", b"not a font", id="not-truetype"),
        pytest.param("cff.otf", b"OTTO\x00\x0a", id="cff-otf-skipped"),
    ],
)
def test_report_font_skips_an_unusable_configured_font(
    settings, tmp_path, caplog, name: str, content: bytes | None
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    settings.REPORT_FONT = str(path)
    with caplog.at_level(logging.WARNING, logger="assessments.fonts"):
        choice = fonts.report_font()
    assert choice.path != str(path)
    assert f"ZHIGAI_REPORT_FONT={path} is not a usable" in caplog.text


# --- DOCX ----------------------------------------------------------------------------------------


DOCX_PHRASES = {
    *DIMENSION_TITLES,
    "玄武电子有限公司",
    "未达标",
    "GEN-JS@2025",
    "暂行",
    "未核实",
    "同区县 · 玄武区",
    "经营管理得分与投入强度不一致",
    "企业网络覆盖",
    "较上次",
    "由智改数转网联平台生成",
}


def test_docx_contains_the_report_in_chinese(data) -> None:
    text = docx_text(render_docx(data))
    assert {phrase for phrase in DOCX_PHRASES if phrase not in text} == set()


def test_docx_styles_name_an_east_asian_font(data) -> None:
    document = docx.Document(io.BytesIO(render_docx(data)))
    normal = document.styles["Normal"].element.rPr.rFonts
    heading = document.styles["Heading 1"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "Microsoft YaHei"
    assert normal.get(qn("w:ascii")) == "Microsoft YaHei"
    assert heading.get(qn("w:eastAsia")) == "Microsoft YaHei"
    assert heading.get(qn("w:eastAsiaTheme")) is None


def test_docx_without_previous_has_no_change_column(current) -> None:
    text = docx_text(render_docx(report_data(current, benchmark=None, previous=None)))
    assert "较上次" not in text
    assert "暂无可用的同类对标" in text


def test_report_at_the_highest_level_says_there_is_no_gap(previous) -> None:
    data = report_data(previous, benchmark=None, previous=None)
    assert (data.level_name, data.gap) == ("达标", None)
    assert "已达到最高等级" in docx_text(render_docx(data))
    assert render_pdf(data).startswith(b"%PDF-")
