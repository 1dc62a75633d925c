"""Enterprise export (round trip, formula escaping, scoping, audit) and the import template."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from conftest import World, make_enterprise
from registry.exports import HEADER, enterprise_export, enterprise_template_write
from registry.imports import enterprise_import
from registry.models import Category, Enterprise, EnterpriseCategory, EnterpriseYear
from registry.tests.test_imports import db_state, good_row, new_uscc, xlsx_write


def xlsx_rows(source: Path | io.BytesIO) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(source).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


@pytest.fixture
def registry_with_years(world: World, tmp_path: Path) -> World:
    """The world's enterprises with figures for two years, plus new ones with tags."""
    e1, e2, e3 = world.e1, world.e2, world.e3
    enterprise_import(
        path=xlsx_write(
            tmp_path / "2023.xlsx",
            [
                [e1.uscc, e1.name, "320102", "3911", 2023, 100, 10, "规上"],
                [e2.uscc, e2.name, "320104", "3911", 2023, 200.5, 20, ""],
            ],
        ),
        user=None,
    )
    enterprise_import(
        path=xlsx_write(
            tmp_path / "2024.xlsx",
            [
                [e1.uscc, e1.name, "320102", "3911", 2024, 123456789012.34, 11, "专精特新"],
                [e3.uscc, e3.name, "320583", "C391", 2024, "", "", "规上;标签:外资企业"],
                good_row(100, categories="标签:链主企业；规上工业企业"),
            ],
        ),
        user=None,
    )
    return world


# --- Round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exported_file_reimports_with_zero_changes(
    registry_with_years: World, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"out.{fmt}"
    enterprise_export(user=None, path_or_stream=path, fmt=fmt)
    before = db_state()

    result = enterprise_import(path=path, user=None)

    assert (result.total, result.rejected, result.created, result.updated) == (4, 0, 0, 0)
    assert db_state() == before


def test_export_writes_the_latest_year_and_that_years_categories(
    registry_with_years: World, tmp_path: Path
) -> None:
    path = tmp_path / "out.xlsx"

    enterprise_export(user=None, path_or_stream=path, fmt="xlsx")

    rows = {row[0]: row for row in xlsx_rows(path)[1:]}
    e1, e3 = registry_with_years.e1, registry_with_years.e3
    assert rows[e1.uscc][2:] == ("320102", "3911", 2024, 123456789012.34, 11, "省级专精特新")
    assert rows[e3.uscc][2:] == ("320583", "391", 2024, None, None, "规上工业企业;标签:外资企业")


def test_export_header_is_the_template_header(registry_with_years: World, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"

    enterprise_export(user=None, path_or_stream=path, fmt="csv")

    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    assert (
        csv_rows(path)[0]
        == HEADER
        == [
            "统一社会信用代码 (uscc)",
            "企业名称 (name)",
            "区县代码 (county_code)",
            "行业代码 (industry_code)",
            "年份 (year)",
            "营业收入（万元） (revenue_10k_yuan)",
            "从业人员（人） (employees)",
            "企业类别 (categories)",
        ]
    )


# --- Escaping ---------------------------------------------------------------------------------


@pytest.fixture
def formula_enterprise(world: World) -> Enterprise:
    enterprise = make_enterprise(county=world.x, name="=HYPERLINK(1)", seq=70)
    EnterpriseYear.objects.create(enterprise=enterprise, year=2024, revenue_10k_yuan=5, employees=0)
    tag = Category.objects.create(code="tag-at", name="@坏标签", kind="tag")
    EnterpriseCategory.objects.create(enterprise=enterprise, category=tag, year=2024)
    return enterprise


def test_xlsx_export_escapes_formula_text_but_not_numbers(
    formula_enterprise: Enterprise, tmp_path: Path
) -> None:
    path = tmp_path / "out.xlsx"

    enterprise_export(user=None, path_or_stream=path, fmt="xlsx")

    row = next(r for r in xlsx_rows(path) if r[0] == formula_enterprise.uscc)
    assert row[1] == "'=HYPERLINK(1)"
    assert row[4:7] == (2024, 5, 0)
    assert row[7] == "标签:@坏标签"


def test_csv_export_escapes_formula_text_but_not_numbers(
    formula_enterprise: Enterprise, tmp_path: Path
) -> None:
    path = tmp_path / "out.csv"

    enterprise_export(user=None, path_or_stream=path, fmt="csv")

    row = next(r for r in csv_rows(path) if r[0] == formula_enterprise.uscc)
    assert row[1:] == ["'=HYPERLINK(1)", "320102", "3911", "2024", "5.00", "0", "标签:@坏标签"]


# --- Scoping and audit ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("province", {"e1", "e2", "e3"}),
        ("city", {"e1", "e2"}),
        ("county", {"e1"}),
        ("enterprise", {"e1"}),
        ("expert", set()),
    ],
)
def test_export_contains_only_the_users_jurisdiction(
    world: World, tmp_path: Path, role: str, expected: set[str]
) -> None:
    path = tmp_path / "out.xlsx"

    count = enterprise_export(user=world.users[role], path_or_stream=path, fmt="xlsx")

    usccs = {row[0] for row in xlsx_rows(path)[1:]}
    assert usccs == {getattr(world, name).uscc for name in expected}
    assert count == len(expected)


def test_export_is_audited_with_the_count(world: World, tmp_path: Path) -> None:
    enterprise_export(user=world.users["city"], path_or_stream=tmp_path / "o.csv", fmt="csv")

    event = AuditEvent.objects.get(action="enterprise.export")
    assert event.after == {"count": 2, "format": "csv"}


def test_export_can_be_written_to_a_stream(world: World) -> None:
    stream = io.BytesIO()

    enterprise_export(user=None, path_or_stream=stream, fmt="xlsx")

    stream.seek(0)
    assert len(xlsx_rows(stream)) == 4


# --- Commands ---------------------------------------------------------------------------------


def test_export_command_writes_every_enterprise(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "all.csv"

    call_command("export_enterprises", "--out", str(path))

    assert len(csv_rows(path)) == 4
    assert "exported 3 enterprises" in capsys.readouterr().out
    assert AuditEvent.objects.get(action="enterprise.export").actor_username == (
        "command:export_enterprises"
    )


def test_export_command_refuses_other_formats(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="xlsx 或 csv"):
        call_command("export_enterprises", "--out", str(tmp_path / "all.pdf"))


def test_template_has_header_example_notes_and_imports_cleanly(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "template.xlsx"

    call_command("export_enterprise_template", "--out", str(path))
    result = enterprise_import(path=path, user=None)

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["企业 Enterprises", "说明 Notes", "区县 Counties"]
    assert [cell.value for cell in workbook.worksheets[0][1]] == HEADER
    assert (result.accepted, result.rejected, result.created) == (1, 0, 1)
    assert Category.objects.filter(name="示例标签", kind="tag").exists()


def test_template_can_be_written_to_a_stream(world: World) -> None:
    stream = io.BytesIO()

    enterprise_template_write(stream)

    stream.seek(0)
    assert xlsx_rows(stream)[0] == tuple(HEADER)


def test_imported_enterprise_exports_as_it_was_imported(world: World, tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100)])
    enterprise_import(path=path, user=None)
    out = tmp_path / "out.xlsx"

    enterprise_export(user=None, path_or_stream=out, fmt="xlsx")

    row = next(r for r in xlsx_rows(out) if r[0] == new_uscc(100))
    assert row[1:] == ("测试企业100有限公司", "320102", "3911", 2024, 1234.5, 88, "规上工业企业")
