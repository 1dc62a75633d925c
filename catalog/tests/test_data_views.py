"""The import page, the template download and the export (catalog/data_views.py)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from catalog import workbook as wb
from catalog.models import Entry, Provider, Status
from catalog.tests.factories import make_entry, make_provider
from catalog.tests.xlsx_helpers import entry_row, make_codes, provider_row, read_sheet, xlsx
from conftest import World

V1 = "V1 智造服务有限公司"
IMPORT = reverse("catalog:import")


@pytest.fixture
def codes(world: World) -> World:
    make_codes()
    return world


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _upload(client: Client, data: bytes, name: str = "资源.xlsx", **fields: str):
    file = io.BytesIO(data)
    file.name = name
    return client.post(IMPORT, {"file": file, **fields})


def test_anonymous_visitors_are_sent_to_log_in(world: World) -> None:
    response = _client(world, "anonymous").get(IMPORT)
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("role", ["city", "county", "enterprise", "expert"])
def test_other_roles_may_not_import(world: World, role: str) -> None:
    assert _client(world, role).get(IMPORT).status_code == 403
    assert _client(world, role).get(reverse("catalog:import-template")).status_code == 403


def test_the_province_page_offers_publishing_and_the_links(codes: World) -> None:
    response = _client(codes, "province").get(IMPORT)
    assert response.status_code == 200
    assert 'name="publish"' in response.text
    assert reverse("catalog:import-template") in response.text
    assert reverse("catalog:export") in response.text


def test_a_providers_page_offers_no_publishing(codes: World) -> None:
    make_provider(V1, members=(codes.users["provider"],))
    response = _client(codes, "provider").get(IMPORT)
    assert 'name="publish"' not in response.text
    assert V1 in response.text


def test_the_province_uploads_and_publishes_a_file(codes: World) -> None:
    client = _client(codes, "province")
    response = _upload(client, xlsx([entry_row()], [provider_row()]), publish="on")
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.status == Status.PUBLISHED
    assert Provider.objects.get().status == Status.PUBLISHED
    page = client.get(response["Location"])
    assert "新增条目 1 条" in page.text


def test_without_the_publish_box_the_provinces_rows_are_drafts(codes: World) -> None:
    _upload(_client(codes, "province"), xlsx([entry_row()], [provider_row()]))
    assert Entry.objects.get().status == Status.DRAFT


def test_a_provider_uploads_drafts_even_when_it_posts_publish(codes: World) -> None:
    make_provider(V1, members=(codes.users["provider"],))
    response = _upload(_client(codes, "provider"), xlsx([entry_row()]), publish="on")
    assert response.status_code == 302
    assert Entry.objects.get().status == Status.DRAFT


def test_a_file_with_bad_rows_lists_every_row_and_writes_nothing(codes: World) -> None:
    data = xlsx(
        [entry_row(类别="火箭"), entry_row(名称="好"), entry_row(名称=None)], [provider_row()]
    )
    response = _upload(_client(codes, "province"), data)
    assert response.status_code == 200
    problems = response.context["outcome"].problems
    assert [(p.row, p.column) for p in problems] == [(2, wb.COL_KIND), (4, wb.COL_TITLE)]
    assert 'data-testid="import-problems"' in response.text
    assert 'data-row="4"' in response.text
    assert Entry.objects.count() == 0
    assert Provider.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"\x00garbage" * 100, "x.xlsx"), (b"a,b\n1,2\n", "x.csv"), (b"PK\x03\x04broken", "x.xlsx")],
    ids=["garbage", "csv", "broken-zip"],
)
def test_a_file_that_is_not_xlsx_is_refused_without_a_server_error(
    codes: World, data: bytes, name: str
) -> None:
    response = _upload(_client(codes, "province"), data, name)
    assert response.status_code == 200
    assert len(response.context["outcome"].problems) == 1
    assert Entry.objects.count() == 0


def test_a_post_without_a_file_says_so(codes: World) -> None:
    response = _client(codes, "province").post(IMPORT, {})
    assert response.status_code == 200
    assert "Choose an XLSX file" in response.text


def test_the_template_downloads_as_xlsx(codes: World) -> None:
    response = _client(codes, "province").get(reverse("catalog:import-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.PROVIDER_SHEET in book.sheetnames


def _pool(world: World) -> None:
    v1 = make_provider(V1)
    make_entry("公开的方案", provider=v1)
    make_entry("草稿方案", provider=v1, status=Status.DRAFT)
    make_entry("待审方案", provider=v1, status=Status.IN_REVIEW)


@pytest.mark.parametrize("role", ["anonymous", "enterprise", "provider", "city"])
def test_everyone_but_the_province_exports_the_published_pool(codes: World, role: str) -> None:
    _pool(codes)
    response = _client(codes, role).get(reverse("catalog:export"))
    assert response.status_code == 200
    rows = read_sheet(response.content, wb.ENTRY_SHEET)
    assert rows[0] == list(wb.ENTRY_HEADER)
    assert [row[1] for row in rows[1:]] == ["公开的方案"]


def test_the_province_exports_every_status_and_the_export_is_audited(codes: World) -> None:
    _pool(codes)
    response = _client(codes, "province").get(reverse("catalog:export"))
    rows = read_sheet(response.content, wb.ENTRY_SHEET)
    assert sorted((row[1], row[-1]) for row in rows[1:]) == [
        ("公开的方案", "已发布"), ("待审方案", "待审核"), ("草稿方案", "草稿"),
    ]  # fmt: skip
    assert AuditEvent.objects.filter(action="catalog.export").count() == 1


def test_the_provinces_export_uploads_back_without_changes(codes: World) -> None:
    _pool(codes)
    before = list(Entry.objects.order_by("pk").values())
    client = _client(codes, "province")
    exported = client.get(reverse("catalog:export")).content
    response = _upload(client, exported)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "新增条目 0 条、更新 0 条、未变 3 条" in page.text
    assert list(Entry.objects.order_by("pk").values()) == before
