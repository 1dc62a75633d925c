"""Reading, checking and applying catalogue workbooks (catalog/workbook.py, catalog/imports.py):
real XLSX files made with openpyxl, applied all or nothing."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.utils import timezone

from audit.models import AuditEvent
from catalog import imports
from catalog import workbook as wb
from catalog.models import Entry, Provider, Status
from catalog.tests.factories import make_entry, make_provider
from catalog.tests.xlsx_helpers import (
    as_file,
    entry_row,
    make_codes,
    provider_row,
    read_sheet,
    xlsx,
)
from conftest import World, make_user

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


# --- template ----------------------------------------------------------------------------------


def test_the_province_template_has_both_sheets_notes_codes_and_drop_downs(codes: World) -> None:
    data = imports.catalog_template(user=codes.users["province"])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        wb.ENTRY_SHEET,
        wb.PROVIDER_SHEET,
        wb.NOTES_SHEET,
        wb.CODES_SHEET,
        wb.LISTS_SHEET,
    ]
    assert [c.value for c in book[wb.ENTRY_SHEET][1]] == list(wb.ENTRY_HEADER)
    assert [c.value for c in book[wb.PROVIDER_SHEET][1]] == list(wb.PROVIDER_HEADER)
    assert book[wb.LISTS_SHEET].sheet_state == "hidden"
    validations = book[wb.ENTRY_SHEET].data_validations.dataValidation
    assert {str(v.sqref).split(":")[0] for v in validations} == {"A2", "F2", "G2", "H2"}
    notes = {row[1] for row in read_sheet(data, wb.NOTES_SHEET)}
    assert set(wb.ENTRY_HEADER) <= notes
    code_rows = read_sheet(data, wb.CODES_SHEET)
    assert ["产业链 (chain)", "prov-robots", "工业机器人"] in code_rows


def test_the_provider_template_has_no_providers_sheet(v1: Provider, codes: World) -> None:
    data = imports.catalog_template(user=codes.users["provider"])
    assert wb.PROVIDER_SHEET not in openpyxl.load_workbook(io.BytesIO(data)).sheetnames


# --- the province imports ----------------------------------------------------------------------


def test_the_province_imports_providers_and_entries_as_drafts_with_audit_rows(codes: World) -> None:
    data = xlsx(
        [entry_row(), entry_row(类别="短板技术和装备", 名称="高精度减速器", 服务商="")],
        [provider_row()],
    )
    outcome = _import(codes, data)
    assert outcome.problems == []
    assert (outcome.entries_created, outcome.providers_created) == (2, 1)
    provider = Provider.objects.get(name=V1)
    assert provider.status == Status.DRAFT
    assert sorted(provider.regions_served.values_list("code", flat=True)) == ["3201", "3205"]
    assert provider.qualifications == ["智能制造系统解决方案供应商", "高新技术企业"]
    entry = Entry.objects.get(title="设备预测性维护解决方案")
    assert entry.provider == provider
    assert entry.status == Status.DRAFT
    assert entry.industries == ["34", "3411"]
    assert entry.clusters == ["js-equipment"]
    assert sorted(entry.scenarios.values_list("code", flat=True)) == [
        "online-inspection",
        "predictive-maintenance",
    ]
    assert entry.attributes == {"价格区间": "20–50 万元", "交付周期": "3 个月"}
    assert Entry.objects.get(title="高精度减速器").provider is None
    assert AuditEvent.objects.filter(action="catalog.entry_import_create").count() == 2
    assert AuditEvent.objects.filter(action="catalog.provider_import_create").count() == 1
    assert AuditEvent.objects.filter(action="catalog.import").count() == 1


def test_the_province_publishes_an_import_only_when_it_ticks_publish(codes: World) -> None:
    outcome = _import(codes, xlsx([entry_row()], [provider_row()]), publish=True)
    assert outcome.problems == []
    assert outcome.published
    entry = Entry.objects.get()
    assert entry.status == Status.PUBLISHED
    assert entry.published_at is not None
    assert entry.reviewed_by == codes.users["province"]
    assert Provider.objects.get().status == Status.PUBLISHED


def test_publishing_an_entry_needs_its_provider_published(codes: World) -> None:
    make_provider(V1, status=Status.DRAFT)
    outcome = _import(codes, xlsx([entry_row()]), publish=True)
    assert [(p.row, p.column) for p in outcome.problems] == [(2, wb.COL_PROVIDER)]
    assert Entry.objects.count() == 0


def test_reimporting_the_same_file_updates_rather_than_duplicates(codes: World) -> None:
    data = xlsx([entry_row()], [provider_row()])
    _import(codes, data)
    events = AuditEvent.objects.exclude(action="catalog.import").count()
    outcome = _import(codes, data)
    assert (outcome.entries_created, outcome.entries_updated, outcome.entries_unchanged) == (
        0,
        0,
        1,
    )
    assert (outcome.providers_created, outcome.providers_updated) == (0, 0)
    assert Entry.objects.count() == 1
    assert Provider.objects.count() == 1
    assert AuditEvent.objects.exclude(action="catalog.import").count() == events
    changed = xlsx(
        [entry_row(摘要="新摘要", 场景="online-inspection")], [provider_row(联系人="李工")]
    )
    outcome = _import(codes, changed)
    assert (outcome.entries_updated, outcome.providers_updated) == (1, 1)
    entry = Entry.objects.get()
    assert entry.summary == "新摘要"
    assert list(entry.scenarios.values_list("code", flat=True)) == ["online-inspection"]
    update = AuditEvent.objects.get(action="catalog.entry_import_update")
    assert update.before["summary"] == "振动监测与故障预测"
    assert update.after["summary"] == "新摘要"


# --- export and round trip ---------------------------------------------------------------------


def _world_entries(codes: World) -> None:
    v1 = make_provider(
        V1, regions_served=("3201",), qualifications=["高新技术企业"], industries=["34"]
    )
    make_entry(
        "公开的方案", provider=v1, industries=["34"], regions=["3201"], attributes={"价格": "=1+1"}
    )
    make_entry("草稿方案", provider=v1, status=Status.DRAFT, summary="-负号开头")
    make_entry(
        "首版次软件",
        provider=v1,
        kind="software",
        software_category="rnd",
        first_version=True,
        recognised_year=2025,
    )
    make_entry("短板清单一", kind="shortfall", clusters=["js-equipment"], chains=["prov-robots"])
    make_provider("未发布服务商", status=Status.IN_REVIEW)


def test_an_export_imports_back_unchanged(codes: World) -> None:
    _world_entries(codes)
    before = list(Entry.objects.order_by("pk").values())
    data, count = imports.catalog_export(user=codes.users["province"])
    assert count == 4
    outcome = _import(codes, data)
    assert outcome.problems == []
    assert (outcome.entries_created, outcome.entries_updated, outcome.entries_unchanged) == (
        0,
        0,
        4,
    )
    assert (outcome.providers_created, outcome.providers_updated, outcome.providers_unchanged) == (
        0,
        0,
        2,
    )
    assert list(Entry.objects.order_by("pk").values()) == before


def test_an_export_imported_into_an_empty_pool_exports_the_same_rows(codes: World) -> None:
    _world_entries(codes)
    first, _ = imports.catalog_export(user=codes.users["province"])
    public, _ = imports.catalog_export(user=None)
    Entry.scenarios.through.objects.all().delete()
    Entry.objects.all().delete()
    Provider.objects.all().delete()
    assert _import(codes, public).problems == []
    again, _ = imports.catalog_export(user=codes.users["province"])
    published = [row[:-1] for row in read_sheet(first, wb.ENTRY_SHEET)[1:] if row[-1] == "已发布"]
    assert [row[:-1] for row in read_sheet(again, wb.ENTRY_SHEET)[1:]] == published


def test_the_public_export_has_published_rows_only_and_the_template_columns(codes: World) -> None:
    _world_entries(codes)
    data, _count = imports.catalog_export(user=None)
    rows = read_sheet(data, wb.ENTRY_SHEET)
    assert rows[0] == list(wb.ENTRY_HEADER)
    assert sorted(row[1] for row in rows[1:]) == ["公开的方案", "短板清单一", "首版次软件"]
    assert [row[0] for row in read_sheet(data, wb.PROVIDER_SHEET)[1:]] == [V1]
    software = next(row for row in rows if row[1] == "首版次软件")
    assert software[5:9] == ["研发设计", "是", "否", 2025]


def test_the_province_export_has_every_status(codes: World) -> None:
    _world_entries(codes)
    data, _ = imports.catalog_export(user=codes.users["province"])
    rows = read_sheet(data, wb.ENTRY_SHEET)
    assert rows[0][-1] == wb.COL_STATUS
    assert {row[-1] for row in rows[1:]} == {"已发布", "草稿"}


# --- bad rows ----------------------------------------------------------------------------------

BAD_ENTRY_CELLS = [
    ({"类别": "火箭"}, wb.COL_KIND, "Unknown kind"),
    ({"类别": None}, wb.COL_KIND, "Required"),
    ({"名称": None}, wb.COL_TITLE, "Required"),
    ({"名称": "长" * 121}, wb.COL_TITLE, "At most 120"),
    ({"摘要": "长" * 301}, wb.COL_SUMMARY, "At most 300"),
    ({"类别": "工业软件", "软件类别": "游戏"}, wb.COL_SOFTWARE, "Unknown software category"),
    ({"软件类别": "研发设计"}, wb.COL_SOFTWARE, "Only software has"),
    ({"首台套": "是"}, wb.COL_FIRST_SET, "首台套"),
    ({"首版次": "是"}, wb.COL_FIRST_VERSION, "首版次"),
    ({"首版次": "也许"}, wb.COL_FIRST_VERSION, "Enter 是 or 否"),
    ({"认定年度": "二〇二五"}, wb.COL_YEAR, "whole year"),
    ({"认定年度": 1800}, wb.COL_YEAR, "whole year"),
    ({"适用行业": "34；99"}, wb.COL_INDUSTRIES, "Unknown GB/T 4754 industry codes: 99"),
    ({"适用区域": "9999"}, wb.COL_REGIONS, "Unknown region codes"),
    ({"产业集群": "nowhere"}, wb.COL_CLUSTERS, "Unknown clusters"),
    ({"产业链": "nowhere"}, wb.COL_CHAINS, "Unknown industry chains"),
    ({"场景": "不存在的场景"}, wb.COL_SCENARIOS, "Unknown scenarios"),
    ({"其他信息": "没有冒号的一行"}, wb.COL_ATTRIBUTES, "item：text"),
    ({"服务商": "不存在的公司"}, wb.COL_PROVIDER, "No provider named"),
    ({"服务商": ""}, wb.COL_PROVIDER, "Required"),
    ({"类别": "短板技术和装备"}, wb.COL_KIND, "Providers cannot list"),
    ({"摘要": "=SUM(A1:A2)"}, wb.COL_SUMMARY, "Formulas are not accepted"),
]


@pytest.mark.parametrize(("cells", "column", "message"), BAD_ENTRY_CELLS, ids=lambda v: str(v)[:30])
def test_every_bad_entry_cell_is_reported_with_row_and_column_and_nothing_is_written(
    v1: Provider, codes: World, cells: dict, column: str, message: str
) -> None:
    data = xlsx([entry_row(名称="好的一行"), entry_row(**cells)])
    outcome = _import(codes, data)
    assert [(p.sheet, p.row, p.column) for p in outcome.problems] == [(wb.ENTRY_SHEET, 3, column)]
    assert message in outcome.problems[0].message
    assert "(" in outcome.problems[0].message  # Chinese with the English in parentheses
    assert Entry.objects.count() == 0


BAD_PROVIDER_CELLS = [
    ({"名称": None}, wb.COL_NAME, "Required"),
    ({"统一社会信用代码": "12345"}, wb.COL_USCC, ""),
    ({"网址": "ftp://x"}, wb.COL_WEBSITE, "http"),
    ({"注册地": "9999"}, wb.COL_REGION, "Unknown region codes"),
    ({"服务区域": "3201；9999"}, wb.COL_SERVED, "Unknown region codes: 9999"),
    ({"服务行业": "xx"}, wb.COL_PROVIDER_INDUSTRIES, "Unknown GB/T"),
    ({"联系电话": "1" * 31}, wb.COL_PHONE, "At most 30"),
]


@pytest.mark.parametrize(
    ("cells", "column", "message"), BAD_PROVIDER_CELLS, ids=lambda v: str(v)[:30]
)
def test_every_bad_provider_cell_is_reported_and_nothing_is_written(
    codes: World, cells: dict, column: str, message: str
) -> None:
    data = xlsx([entry_row(服务商="")] * 0, [provider_row(名称="好服务商"), provider_row(**cells)])
    outcome = _import(codes, data)
    assert [(p.sheet, p.row, p.column) for p in outcome.problems] == [
        (wb.PROVIDER_SHEET, 3, column)
    ]
    assert message in outcome.problems[0].message
    assert Provider.objects.count() == 0


def test_duplicate_rows_in_a_file_are_reported(v1: Provider, codes: World) -> None:
    data = xlsx([entry_row(), entry_row()], [provider_row(), provider_row()])
    problems = [(p.sheet, p.row, p.message[:6]) for p in _import(codes, data).problems]
    assert (wb.PROVIDER_SHEET, 3, "与第 2 行") in problems
    assert (wb.ENTRY_SHEET, 3, "与第 2 行") in problems


def test_every_bad_row_of_a_file_is_listed(v1: Provider, codes: World) -> None:
    data = xlsx([entry_row(类别="火箭"), entry_row(名称="好"), entry_row(名称=None, 适用区域="0")])
    outcome = _import(codes, data)
    assert [(p.row, p.column) for p in outcome.problems] == [
        (2, wb.COL_KIND), (4, wb.COL_TITLE), (4, wb.COL_REGIONS),
    ]  # fmt: skip


def test_a_header_without_the_required_columns_is_refused(codes: World) -> None:
    data = xlsx([entry_row()], entry_header=[wb.COL_TITLE, wb.COL_PROVIDER])
    outcome = _import(codes, data)
    assert len(outcome.problems) == 1
    assert "类别" in outcome.problems[0].message


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"kind,title\nsolution,x\n", "资源.xlsx"),
        (b"\x00\x01garbage\xff" * 50, "资源.xlsx"),
        (b"", "资源.xlsx"),
        (b"%PDF-1.4\n%%EOF", "资源.pdf"),
        (b"kind,title\n", "资源.csv"),
        (_zip_bytes(), "资源.xlsx"),
    ],
    ids=["csv-named-xlsx", "garbage", "empty", "pdf", "csv", "plain-zip"],
)
def test_files_that_are_not_xlsx_are_refused_without_writing(
    codes: World, data: bytes, name: str
) -> None:
    outcome = imports.catalog_import(
        file=as_file(data, name), original_name=name, by=codes.users["province"]
    )
    assert len(outcome.problems) == 1
    assert outcome.problems[0].row == 0
    assert Entry.objects.count() == 0


def test_a_workbook_without_the_catalogue_sheets_is_refused(codes: World) -> None:
    book = openpyxl.Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = _import(codes, buffer.getvalue())
    assert "资源条目" in outcome.problems[0].message


def test_too_many_rows_are_refused(codes: World, monkeypatch) -> None:
    monkeypatch.setattr(wb, "MAX_ROWS", 2)
    outcome = _import(codes, xlsx([entry_row(名称=f"方案{i}") for i in range(3)]))
    assert "more than 2 data rows" in outcome.problems[0].message


# --- provider accounts -------------------------------------------------------------------------


def test_a_provider_imports_its_own_entries_as_drafts_even_when_publish_is_asked(
    v1: Provider, codes: World
) -> None:
    data = xlsx([entry_row(), entry_row(名称="视觉质检方案", 服务商="")])
    outcome = _import(codes, data, role="provider", publish=True)
    assert outcome.problems == []
    assert not outcome.published
    assert set(Entry.objects.values_list("provider__name", "status")) == {(V1, Status.DRAFT)}


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"服务商": "V2 数字科技有限公司"}, wb.COL_PROVIDER),
        ({"类别": "重大装备项目储备", "服务商": ""}, wb.COL_KIND),
    ],
)
def test_a_provider_cannot_import_entries_of_others_or_of_the_provinces_lists(
    v1: Provider, codes: World, cells: dict, column: str
) -> None:
    make_provider("V2 数字科技有限公司")
    outcome = _import(codes, xlsx([entry_row(**cells)]), role="provider")
    assert [(p.row, p.column) for p in outcome.problems] == [(2, column)]
    assert Entry.objects.count() == 0


def test_a_provider_cannot_import_the_providers_sheet(v1: Provider, codes: World) -> None:
    outcome = _import(codes, xlsx([entry_row()], [provider_row(名称="别家")]), role="provider")
    assert [(p.sheet, p.row) for p in outcome.problems] == [(wb.PROVIDER_SHEET, 2)]
    assert Entry.objects.count() == 0
    assert not Provider.objects.filter(name="别家").exists()


def test_a_provider_account_without_a_profile_is_told_to_create_it(codes: World) -> None:
    outcome = _import(codes, xlsx([entry_row()]), role="provider")
    assert "no provider profile" in outcome.problems[0].message


def test_a_providers_changed_published_entry_goes_back_to_draft(v1: Provider, codes: World) -> None:
    entry = make_entry("设备预测性维护解决方案", provider=v1, featured=True)
    outcome = _import(codes, xlsx([entry_row()]), role="provider")
    assert outcome.entries_updated == 1
    entry.refresh_from_db()
    assert (entry.status, entry.featured) == (Status.DRAFT, False)
    assert entry.summary == "振动监测与故障预测"


def test_the_provinces_update_keeps_the_status(v1: Provider, codes: World) -> None:
    entry = make_entry("设备预测性维护解决方案", provider=v1, published_at=timezone.now())
    _import(codes, xlsx([entry_row(摘要="省级改过")]))
    entry.refresh_from_db()
    assert (entry.status, entry.summary) == (Status.PUBLISHED, "省级改过")


def test_an_other_providers_account_is_not_a_member(codes: World) -> None:
    other = make_user("provider_other", "provider")
    make_provider("V2 数字科技有限公司", members=(other,))
    outcome = imports.catalog_import(
        file=as_file(xlsx([entry_row(服务商="")])), original_name="x.xlsx", by=other
    )
    assert outcome.problems == []
    assert Entry.objects.get().provider.name == "V2 数字科技有限公司"
