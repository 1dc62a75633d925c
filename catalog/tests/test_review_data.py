"""Second reading of the catalogue's XLSX import/export, scenario vocabulary and demo: each test
shows a defect found in review (it failed before its fix)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from catalog import demo_vocabulary as words
from catalog import imports, reference, search
from catalog import workbook as wb
from catalog.models import Entry, Provider, Scenario, Status
from catalog.tests.factories import make_entry, make_provider
from catalog.tests.xlsx_helpers import as_file, entry_row, make_codes, provider_row, xlsx
from conftest import World

V1 = "V1 智造服务有限公司"


@pytest.fixture
def codes(world: World) -> World:
    make_codes()
    return world


@pytest.fixture
def v1(codes: World) -> Provider:
    provider = make_provider(V1)
    provider.members.add(codes.users["provider"])
    return provider


def _import(world: World, data: bytes, role: str = "province", publish: bool = False):
    return imports.catalog_import(
        file=as_file(data), original_name="资源.xlsx", by=world.users[role], publish=publish
    )


def _rows(data: bytes, sheet: str) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [[c.value for c in row] for row in book[sheet].iter_rows()]


# --- export ------------------------------------------------------------------------------------


def test_text_pasted_from_word_with_control_characters_exports_without_a_server_error(
    v1: Provider, client
) -> None:
    # Word's manual line break is a vertical tab; a web form keeps it, openpyxl refuses it.
    make_entry("振动监测方案", provider=v1, body="第一行\x0b第二行\x07", summary="摘要\x1f")
    response = client.get("/catalog/export.xlsx")
    assert response.status_code == 200
    rows = _rows(response.content, wb.ENTRY_SHEET)
    body = rows[1][wb.ENTRY_HEADER.index(wb.COL_BODY)]
    assert body == "第一行\n第二行"
    assert rows[1][wb.ENTRY_HEADER.index(wb.COL_SUMMARY)] == "摘要"


# --- import ------------------------------------------------------------------------------------


def test_titles_differing_only_by_spaces_or_full_width_letters_are_duplicates_in_a_file(
    v1: Provider, codes: World
) -> None:
    rows = [
        entry_row(名称="MES 系统实施方案"),
        entry_row(名称="ＭＥＳ　系统实施方案"),
        entry_row(名称="MES  系统实施方案"),
    ]
    outcome = _import(codes, xlsx(rows))
    assert [(p.row, p.column) for p in outcome.problems] == [(3, ""), (4, "")]
    assert "第 2 行" in outcome.problems[0].message
    assert Entry.objects.count() == 0


def test_an_imported_and_published_entry_is_found_by_search(codes: World) -> None:
    data = xlsx([entry_row(名称="铸件缺陷视觉质检方案")], [provider_row()])
    assert _import(codes, data, publish=True).problems == []
    found = search.entry_search(user=None, q="质检")
    assert [e.title for e in found.rows] == ["铸件缺陷视觉质检方案"]


def test_codes_typed_as_numbers_by_excel_import_as_codes(v1: Provider, codes: World) -> None:
    row = entry_row(适用行业=3411, 适用区域=320102.0, 认定年度=2025.0)
    assert _import(codes, xlsx([row])).problems == []
    entry = Entry.objects.get()
    assert (entry.industries, entry.regions, entry.recognised_year) == (["3411"], ["320102"], 2025)


def test_the_status_featured_and_rating_columns_of_a_file_change_nothing(
    v1: Provider, codes: World
) -> None:
    header = (*wb.ENTRY_HEADER, wb.COL_STATUS, "推荐", "评级")
    row = entry_row() | {wb.COL_STATUS: "已发布", "推荐": "是", "评级": 5}
    outcome = _import(codes, xlsx([row], entry_header=header), role="provider", publish=True)
    assert outcome.problems == []
    entry = Entry.objects.get()
    assert (entry.status, entry.featured, entry.rating) == (Status.DRAFT, False, None)


def test_publishing_an_imported_draft_by_a_second_import_makes_it_searchable(codes: World) -> None:
    data = xlsx([entry_row(名称="铸件缺陷视觉质检方案")], [provider_row()])
    assert _import(codes, data).problems == []
    assert search.entry_search(user=None, q="质检").total == 0
    assert _import(codes, data, publish=True).problems == []
    assert search.entry_search(user=None, q="质检").total == 1


# --- demo ---------------------------------------------------------------------------------------
# (the tests on a generated demo province are in test_review_demo.py: its module-scoped data
# would otherwise be seen by the tests after them)


def test_demo_provider_and_product_names_borrow_no_real_companys_brand() -> None:
    # 汇川 (Inovance) and 新松 (Siasun) are listed makers of drives and robots: a demo
    # "汇川ERP" or "新松协作机器人" would read as theirs.
    real = ("汇川", "新松", "中控", "用友", "金蝶", "华为", "海尔", "树根", "徐工", "三一")
    assert [core for core in words.NAME_CORES if core in real] == []


def _patched(data: bytes, replacements: dict[str, str]) -> bytes:
    """The workbook with raw XML text put in place of placeholders (as Excel writes escapes)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            for old, new in replacements.items():
                content = content.replace(old.encode(), new.encode())
            target.writestr(info, content)
    return out.getvalue()


def test_excels_escaped_carriage_returns_and_control_characters_do_not_reach_the_text(
    v1: Provider, codes: World
) -> None:
    # Excel writes a Windows line break in a cell as "_x000D_" + newline, a control character
    # as "_xHHHH_"; openpyxl hands both over literally (and PostgreSQL refuses a NUL).
    data = xlsx([entry_row(名称="PLACEHOLDER_TITLE", 详细介绍="PLACEHOLDER_BODY")])
    data = _patched(
        data,
        {"PLACEHOLDER_TITLE": "振动监测_x0000_方案", "PLACEHOLDER_BODY": "第一行_x000D_\n第二行"},
    )
    assert _import(codes, data).problems == []
    entry = Entry.objects.get()
    assert (entry.title, entry.body) == ("振动监测方案", "第一行\n第二行")


def test_provider_names_differing_only_by_full_width_letters_are_duplicates_in_a_file(
    codes: World,
) -> None:
    rows = [provider_row(), provider_row(名称="Ｖ1　智造服务有限公司", 统一社会信用代码="")]
    outcome = _import(codes, xlsx([], rows))
    assert [(p.sheet, p.row, p.column) for p in outcome.problems] == [
        (wb.PROVIDER_SHEET, 3, wb.COL_NAME)
    ]
    assert Provider.objects.count() == 0


# --- scenario vocabulary -----------------------------------------------------------------------


@pytest.mark.django_db
def test_reloading_a_renamed_scenario_reindexes_its_entries_for_search(tmp_path: Path) -> None:
    reference.scenarios_load()
    entry = make_entry("产线改造方案", scenarios=(Scenario.objects.get(code="online-inspection"),))
    text = reference.SCENARIOS_FILE.read_text(encoding="utf-8")
    changed = tmp_path / "s.yaml"
    changed.write_text(text.replace("name_zh: 智能在线检测", "name_zh: 智能在线太赫兹检测"))
    reference.scenarios_load(path=changed)
    assert [e.pk for e in search.entry_search(user=None, q="太赫兹").rows] == [entry.pk]
