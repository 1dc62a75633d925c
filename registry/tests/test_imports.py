"""Enterprise import: reading, validation of every kind of bad row, upsert, jurisdiction, the
command's exit codes, and the background task."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from audit.context import acting_as, actor_for_user
from audit.models import AuditEvent
from conftest import World
from registry import imports
from registry.imports import ImportFileError, enterprise_import, import_job_start
from registry.management.commands.import_enterprises import PROGRESS_FROM_ROWS
from registry.models import Category, Enterprise, EnterpriseCategory, EnterpriseYear, ImportJob
from registry.tasks import enterprise_import_run
from registry.uscc import (
    USCC_BAD_CHARACTERS,
    USCC_BAD_CHECK_DIGIT,
    USCC_WRONG_LENGTH,
    uscc_make,
)

HEADER = [
    "统一社会信用代码",
    "企业名称",
    "区县代码",
    "行业代码",
    "年份",
    "营业收入（万元）",
    "从业人员（人）",
    "企业类别",
]
ALIASES = [
    "uscc",
    "name",
    "county_code",
    "industry_code",
    "year",
    "revenue_10k_yuan",
    "employees",
    "categories",
]


def new_uscc(seq: int, county: str = "320102") -> str:
    return uscc_make(region_code=county, org_body=f"{seq:08d}")


def good_row(seq: int, county: str = "320102", **changes: Any) -> list[Any]:
    row = {
        "uscc": new_uscc(seq, county),
        "name": f"测试企业{seq}有限公司",
        "county_code": county,
        "industry_code": "3911",
        "year": 2024,
        "revenue_10k_yuan": 1234.5,
        "employees": 88,
        "categories": "规上工业企业",
    }
    return list((row | changes).values())


def xlsx_write(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as a user would type it
    workbook.save(path)
    return path


def csv_write(path: Path, rows: list[list[Any]], encoding: str, header: list[str] = HEADER) -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows([header, *rows])
    return path


def db_state() -> dict[str, Any]:
    return {
        "enterprises": sorted(
            Enterprise.objects.values_list("uscc", "name", "county", "industry", "version")
        ),
        "updated_at": sorted(Enterprise.objects.values_list("updated_at", flat=True)),
        "years": sorted(
            EnterpriseYear.objects.values_list(
                "enterprise", "year", "revenue_10k_yuan", "employees"
            )
        ),
        "links": sorted(EnterpriseCategory.objects.values_list("enterprise", "category", "year")),
        "categories": Category.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


# --- A valid file -----------------------------------------------------------------------------


def test_import_creates_enterprise_with_year_figures_and_categories(
    world: World, tmp_path: Path
) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100, categories="规上；标签:外资企业")])

    result = enterprise_import(path=path, user=None)

    enterprise = Enterprise.objects.get(uscc=new_uscc(100))
    assert (result.created, result.updated, result.rejected) == (1, 0, 0)
    assert (enterprise.city_id, enterprise.county_id, enterprise.industry_id) == (
        "3201",
        "320102",
        "3911",
    )
    year = enterprise.years.get()
    assert (year.year, year.revenue_10k_yuan, year.employees) == (2024, Decimal("1234.50"), 88)
    assert set(enterprise.categories.values_list("category__name", "category__kind")) == {
        ("规上工业企业", "official"),
        ("外资企业", "tag"),
    }


def test_import_audits_each_created_enterprise_and_the_import(world: World, tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100), good_row(101)])

    enterprise_import(path=path, user=None, source="in.xlsx")

    created = AuditEvent.objects.filter(action="enterprise.create")
    summary = AuditEvent.objects.get(action="enterprise.import")
    assert created.count() == 2
    assert {event.after["2024.revenue_10k_yuan"] for event in created if event.after} == {"1234.50"}
    assert summary.after == {
        "total": 2,
        "accepted": 2,
        "rejected": 0,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }


def test_import_updates_only_changed_fields_bumps_version_and_audits_the_diff(
    world: World, tmp_path: Path, planning: str
) -> None:
    e1 = world.e1
    path = xlsx_write(
        tmp_path / "in.xlsx",
        [[e1.uscc, "玄武电子股份有限公司", "320102", "3912", 2024, 10, 5, "专精特新"]],
    )

    result = enterprise_import(path=path, user=None)

    e1.refresh_from_db()
    event = AuditEvent.objects.get(action="enterprise.update")
    assert (result.updated, e1.name, e1.industry_id, e1.version) == (
        1,
        "玄武电子股份有限公司",
        "3912",
        2,
    )
    assert event.object_id == str(e1.pk)
    assert event.before == {
        "name": "玄武电子有限公司",
        "industry": "3911",
        "2024.revenue_10k_yuan": None,
        "2024.employees": None,
        "2024.categories": [],
    }
    assert event.after == {
        "name": "玄武电子股份有限公司",
        "industry": "3912",
        "2024.revenue_10k_yuan": "10.00",
        "2024.employees": 5,
        "2024.categories": ["省级专精特新"],
    }


@pytest.fixture(params=["whole-tables", "in-chunks"])
def planning(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The diff reads existing rows by whole tables or by chunks of USCCs (one or two rows)."""
    if request.param == "in-chunks":
        monkeypatch.setattr("registry.imports.planning.SCAN_SHARE", 0)
        monkeypatch.setattr("registry.imports.applying.SCAN_SHARE", 0)
        monkeypatch.setattr("registry.imports.planning.CHUNK", 3)
    return str(request.param)


def test_reimport_changes_nothing(world: World, tmp_path: Path, planning: str) -> None:
    rows = [
        good_row(100),
        good_row(101, categories="标签:外资企业"),
        good_row(102, county="320583"),
    ]
    rows.append([world.e1.uscc, "玄武电子有限公司", "320102", "C3911", 2023, "", "", ""])
    path = xlsx_write(tmp_path / "in.xlsx", rows)
    enterprise_import(path=path, user=None)
    before = db_state()

    result = enterprise_import(path=path, user=None)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert db_state() == before


def test_year_figures_of_a_column_missing_from_the_file_are_kept(
    world: World, tmp_path: Path
) -> None:
    full = xlsx_write(tmp_path / "full.xlsx", [good_row(100)])
    enterprise_import(path=full, user=None)
    names_only = xlsx_write(
        tmp_path / "names.xlsx", [good_row(100, name="新名称有限公司")[:5]], header=HEADER[:5]
    )

    enterprise_import(path=names_only, user=None)

    year = EnterpriseYear.objects.get(enterprise__uscc=new_uscc(100))
    assert (year.revenue_10k_yuan, year.employees) == (Decimal("1234.50"), 88)
    assert EnterpriseCategory.objects.filter(enterprise=year.enterprise).count() == 1


def test_excel_numbers_are_normalised(world: World, tmp_path: Path) -> None:
    row = good_row(100, county_code=320102.0, industry_code=3911.0, year=2024.0, employees=12.0)
    path = xlsx_write(tmp_path / "in.xlsx", [row])

    result = enterprise_import(path=path, user=None)

    assert result.accepted == 1
    assert EnterpriseYear.objects.get(enterprise__uscc=new_uscc(100)).year == 2024


@pytest.mark.parametrize("code", ["3911", "C3911", "c3911", "39", "391", "C39"])
def test_industry_code_is_accepted_at_any_level_with_or_without_c(
    world: World, tmp_path: Path, code: str
) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100, industry_code=code)])

    result = enterprise_import(path=path, user=None)

    assert result.accepted == 1


# --- Headers and encodings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(HEADER, id="chinese-full-width"),
        pytest.param([h.replace("（", "(").replace("）", ")") for h in HEADER], id="half-width"),
        pytest.param(ALIASES, id="english"),
        pytest.param([f"{h} ({a})" for h, a in zip(HEADER, ALIASES, strict=True)], id="both"),
        pytest.param(
            [f" {h}（{a.upper()}） " for h, a in zip(HEADER, ALIASES, strict=True)], id="spaced"
        ),
    ],
)
def test_header_accepts_chinese_english_and_both_bracket_widths(
    world: World, tmp_path: Path, header: list[str]
) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100)], header=header)

    result = enterprise_import(path=path, user=None)

    assert (result.accepted, result.ignored_columns) == (1, [])
    assert EnterpriseYear.objects.get(enterprise__uscc=new_uscc(100)).employees == 88


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gbk(
    world: World, tmp_path: Path, encoding: str
) -> None:
    path = csv_write(tmp_path / "in.csv", [good_row(100, categories="规上;专精特新")], encoding)

    result = enterprise_import(path=path, user=None)

    assert result.accepted == 1
    assert Enterprise.objects.get(uscc=new_uscc(100)).name == "测试企业100有限公司"


def test_unknown_columns_are_ignored_and_reported(world: World, tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [[*good_row(100), "x"]], header=[*HEADER, "备注"])

    result = enterprise_import(path=path, user=None)

    assert (result.accepted, result.ignored_columns) == (1, ["备注"])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.xlsx", None, "无法读取文件"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "无法读取文件"),
        ("data.bin", b"\x00\x01\x02", "文件格式无法识别"),
        ("latin.csv", "统一社会信用代码".encode("utf-16"), "文件格式无法识别"),
        ("empty.csv", b"", "文件没有表头行"),
    ],
)
def test_unreadable_file_is_rejected_as_a_whole(
    world: World, tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(ImportFileError, match=message):
        enterprise_import(path=path, user=None)


def test_missing_required_column_rejects_the_file_naming_it(world: World, tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100)[:4]], header=HEADER[:4])

    with pytest.raises(ImportFileError, match=r"年份.*\(Required columns missing: year\)"):
        enterprise_import(path=path, user=None)


# --- Every kind of bad row ----------------------------------------------------------------------

VALID = new_uscc(500)
BAD_ROWS: list[tuple[list[Any], list[tuple[str, str]]]] = [
    (good_row(501), []),
    (
        good_row(502, uscc=VALID[:-1] + ("1" if VALID[-1] != "1" else "2")),
        [("统一社会信用代码", USCC_BAD_CHECK_DIGIT)],
    ),
    (good_row(503, uscc="91320102123"), [("统一社会信用代码", USCC_WRONG_LENGTH)]),
    (good_row(504, uscc="91320102MA1IOZSV0X"), [("统一社会信用代码", USCC_BAD_CHARACTERS)]),
    (good_row(505, county_code="320999"), [("区县代码", imports.UNKNOWN_COUNTY)]),
    (good_row(506, county_code="3201"), [("区县代码", imports.UNKNOWN_COUNTY)]),
    (good_row(507, industry_code="9999"), [("行业代码", imports.UNKNOWN_INDUSTRY)]),
    (good_row(508, industry_code="C"), [("行业代码", imports.UNKNOWN_INDUSTRY)]),
    (good_row(509), [("统一社会信用代码", imports.USCC_REPEATED.format(rows="11"))]),
    (good_row(509), [("统一社会信用代码", imports.USCC_REPEATED.format(rows="10"))]),
    (good_row(510, revenue_10k_yuan=-1), [("营业收入（万元）", imports.NEGATIVE)]),
    (good_row(511, employees="很多"), [("从业人员（人）", imports.NOT_A_NUMBER)]),
    (good_row(512, employees=12.5), [("从业人员（人）", imports.NOT_WHOLE)]),
    (good_row(513, year=1999), [("年份", imports.YEAR_OUT_OF_RANGE)]),
    (good_row(514, year="去年"), [("年份", imports.YEAR_OUT_OF_RANGE)]),
    (
        good_row(515, name='=HYPERLINK("http://x","点我")'),
        [("企业名称", imports.LOOKS_LIKE_FORMULA)],
    ),
    (good_row(516, name="＋cmd|' /C calc'!A0"), [("企业名称", imports.LOOKS_LIKE_FORMULA)]),
    (good_row(517, name="\t@SUM(1)"), [("企业名称", imports.LOOKS_LIKE_FORMULA)]),
    (good_row(518, revenue_10k_yuan="=1+2"), [("营业收入（万元）", imports.LOOKS_LIKE_FORMULA)]),
    (good_row(519, categories="-2+3"), [("企业类别", imports.LOOKS_LIKE_FORMULA)]),
    (good_row(520, name=""), [("企业名称", imports.REQUIRED_EMPTY)]),
    (good_row(521, year=None), [("年份", imports.REQUIRED_EMPTY)]),
    (
        good_row(522, categories="规上;宇宙第一企业"),
        [("企业类别", imports.UNKNOWN_CATEGORY.format(value="宇宙第一企业"))],
    ),
    (
        good_row(523, uscc="91320102000005230X", county_code="999999", employees=-3),
        [
            ("统一社会信用代码", USCC_BAD_CHECK_DIGIT),
            ("区县代码", imports.UNKNOWN_COUNTY),
            ("从业人员（人）", imports.NEGATIVE),
        ],
    ),
]


def expected_problems() -> set[tuple[int, str, str]]:
    return {
        (number, column, reason)
        for number, (_, problems) in enumerate(BAD_ROWS, start=2)
        for column, reason in problems
    }


def report_problems(path: Path) -> set[tuple[int, str, str]]:
    sheet = openpyxl.load_workbook(path)["问题 Problems"]
    return {(row[0], row[1], row[3]) for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_every_kind_of_bad_row_is_rejected_and_reported(world: World, tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [row for row, _ in BAD_ROWS])
    report = tmp_path / "report.xlsx"

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_enterprises", str(path), "--report", str(report))

    summary = dict(openpyxl.load_workbook(report)["汇总 Summary"].iter_rows(values_only=True))
    assert exit_info.value.code == 1
    assert report_problems(report) == expected_problems()
    assert (summary["总行数 Rows"], summary["通过 Accepted"], summary["拒绝 Rejected"]) == (
        len(BAD_ROWS),
        1,
        len(BAD_ROWS) - 1,
    )
    assert Enterprise.objects.filter(uscc=new_uscc(501)).exists()
    assert Enterprise.objects.count() == 4


def test_report_escapes_formula_values(world: World, tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(600, name="=cmd()")])
    report = tmp_path / "report.xlsx"

    with pytest.raises(SystemExit):
        call_command("import_enterprises", str(path), "--report", str(report))

    sheet = openpyxl.load_workbook(report)["问题 Problems"]
    assert sheet.cell(row=2, column=3).value == "'=cmd()"


# --- Command exit codes, dry run, failure -------------------------------------------------------


def test_command_exits_0_and_prints_the_summary_when_every_row_is_accepted(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100)])

    call_command("import_enterprises", str(path))

    out = capsys.readouterr().out
    assert "新增 created: 1" in out
    assert AuditEvent.objects.get(action="enterprise.import").actor_username == (
        "command:import_enterprises"
    )


def test_command_exits_1_when_some_rows_are_rejected(world: World, tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100), good_row(101, county_code="1")])

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_enterprises", str(path))

    assert exit_info.value.code == 1
    assert Enterprise.objects.filter(uscc=new_uscc(100)).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("in.xlsx", b"PK\x03\x04garbage"), ("in.pdf", b"%PDF-1.4"), ("in.csv", b"\xff\xfe\x00x")],
)
def test_command_exits_2_when_the_file_is_unreadable(
    world: World, tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(CommandError) as error:
        call_command("import_enterprises", str(path))

    assert error.value.returncode == 2
    assert "(" in str(error.value)  # bilingual: 中文 (English)


def test_command_shows_progress_on_stderr_for_large_files(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [good_row(1000 + seq) for seq in range(PROGRESS_FROM_ROWS)]
    path = csv_write(tmp_path / "in.csv", rows, "utf-8")

    call_command("import_enterprises", str(path), "--dry-run")

    err = capsys.readouterr().err
    assert "进度 progress: 50%" in err
    assert "进度 progress: 100%" in err


def test_dry_run_writes_nothing_but_reports_what_would_change(world: World, tmp_path: Path) -> None:
    rows = [good_row(100, categories="标签:新标签"), good_row(101, county_code="1")]
    rows.append([world.e1.uscc, "改名有限公司", "320102", "3911", 2024, "", "", ""])
    path = xlsx_write(tmp_path / "in.xlsx", rows)
    before = db_state()

    result = enterprise_import(path=path, user=None, dry_run=True)

    assert (result.created, result.updated, result.rejected, result.dry_run) == (1, 1, 1, True)
    assert db_state() == before


def test_failure_during_apply_leaves_the_database_unchanged(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [good_row(100, categories="标签:新标签")]
    rows.append([world.e1.uscc, "改名有限公司", "320102", "3912", 2024, 1, 1, "规上"])
    path = xlsx_write(tmp_path / "in.xlsx", rows)
    before = db_state()

    def explode(changes: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr("registry.imports.applying.audit_record_many", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        enterprise_import(path=path, user=None)

    assert db_state() == before


def test_enterprise_edited_between_plan_and_write_aborts_the_import(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = xlsx_write(
        tmp_path / "in.xlsx",
        [good_row(100), [world.e1.uscc, "改名有限公司", "320102", "3911", 2024, 1, 1, ""]],
    )
    plan_make = imports.planning.plan_make

    def plan_then_edit(*args: Any) -> Any:
        plan = plan_make(*args)
        Enterprise.objects.filter(pk=world.e1.pk).update(version=7)  # someone else saved
        return plan

    monkeypatch.setattr("registry.imports.service.plan_make", plan_then_edit)
    with pytest.raises(imports.ImportConflictError):
        enterprise_import(path=path, user=None)

    world.e1.refresh_from_db()
    assert (world.e1.name, world.e1.version) == ("玄武电子有限公司", 1)
    assert not Enterprise.objects.filter(uscc=new_uscc(100)).exists()


def test_progress_is_reported_monotonically_up_to_the_total(world: World, tmp_path: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100 + seq) for seq in range(120)])
    calls: list[tuple[int, int]] = []

    enterprise_import(
        path=path, user=None, progress=lambda done, total: calls.append((done, total))
    )

    done = [d for d, _ in calls]
    assert done == sorted(set(done))
    assert calls[-1] == (120, 120)
    assert len(calls) <= 60


# --- Jurisdiction -------------------------------------------------------------------------------


def test_city_official_imports_only_inside_the_city(
    world: World, tmp_path: Path, planning: str
) -> None:
    e1, e3 = world.e1, world.e3
    rows = [
        good_row(100),  # row 2: new, in 南京
        good_row(101, county="320583"),  # row 3: new, in 苏州
        [e3.uscc, "昆山智造有限公司", "320102", "3911", 2024, 1, 1, ""],  # row 4: 苏州's, moved
        [e1.uscc, "玄武电子新名有限公司", "320104", "3911", 2024, 1, 1, ""],  # row 5: own
    ]
    path = xlsx_write(tmp_path / "in.xlsx", rows)

    result = enterprise_import(path=path, user=world.users["city"])

    e1.refresh_from_db()
    e3.refresh_from_db()
    assert {(p.row, p.column, p.reason) for p in result.problems} == {
        (3, "county_code", imports.COUNTY_OUTSIDE_JURISDICTION),
        (4, "uscc", imports.ENTERPRISE_OUTSIDE_JURISDICTION),
    }
    assert (result.created, result.updated) == (1, 1)
    assert (e1.name, e1.county_id, e3.county_id) == ("玄武电子新名有限公司", "320104", "320583")


@pytest.mark.parametrize("role", ["county", "enterprise", "expert"])
def test_users_below_city_level_import_nothing_outside_their_county(
    world: World, tmp_path: Path, role: str
) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100, county="320104")])

    result = enterprise_import(path=path, user=world.users[role])

    assert (result.accepted, result.rejected) == (0, 1)


# --- The web task -------------------------------------------------------------------------------


@pytest.fixture
def media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def upload_of(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def test_import_job_runs_and_writes_counts_and_report(
    world: World, tmp_path: Path, media: Path
) -> None:
    path = xlsx_write(tmp_path / "企业.xlsx", [good_row(100), good_row(101, county_code="x")])

    with acting_as(actor_for_user(world.users["province"])):  # as the request middleware does
        job = import_job_start(
            user=world.users["province"], uploaded_file=upload_of(path), dry_run=False
        )

    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows) == (ImportJob.Status.DONE, 2, 2)
    assert (job.accepted, job.rejected, job.created, job.original_name) == (1, 1, 1, "企业.xlsx")
    assert report_problems(media / "imports" / job.report_name) == {
        (3, "区县代码", imports.UNKNOWN_COUNTY)
    }
    assert job.problems_preview == [
        {"row": 3, "column": "区县代码", "value": "x", "reason": imports.UNKNOWN_COUNTY}
    ]
    assert job.reason_counts == {imports.UNKNOWN_COUNTY: 1}
    event = AuditEvent.objects.get(action="enterprise.import")
    assert (event.actor_username, event.object_id) == ("province", str(job.pk))
    started = AuditEvent.objects.get(action="import_job.create")
    assert (started.actor_username, started.object_id) == ("province", str(job.pk))
    assert started.after == {"file": "企业.xlsx", "bytes": path.stat().st_size, "dry_run": False}


def test_import_job_dry_run_writes_nothing(world: World, tmp_path: Path, media: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100)])

    job = import_job_start(user=world.users["city"], uploaded_file=upload_of(path), dry_run=True)

    job.refresh_from_db()
    assert (job.status, job.created, job.report_name) == (ImportJob.Status.DONE, 1, "")
    assert not Enterprise.objects.filter(uscc=new_uscc(100)).exists()


def test_import_job_failing_during_apply_is_marked_failed_and_applies_nothing(
    world: World, tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100)])
    monkeypatch.setattr("registry.imports.applying.audit_record_many", lambda changes: 1 / 0)

    job = import_job_start(
        user=world.users["province"], uploaded_file=upload_of(path), dry_run=False
    )

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "ZeroDivisionError" in job.error
    assert not Enterprise.objects.filter(uscc=new_uscc(100)).exists()


def test_import_job_with_missing_column_fails_with_the_reason(
    world: World, tmp_path: Path, media: Path
) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100)[:2]], header=HEADER[:2])

    job = import_job_start(
        user=world.users["province"], uploaded_file=upload_of(path), dry_run=False
    )

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("缺少必填列")


def test_import_job_task_reads_the_stored_file(world: World, tmp_path: Path, media: Path) -> None:
    path = xlsx_write(tmp_path / "in.xlsx", [good_row(100)])
    job = import_job_start(
        user=world.users["province"], uploaded_file=upload_of(path), dry_run=True
    )

    enterprise_import_run.call(job.pk)

    job.refresh_from_db()
    assert (media / "imports" / job.stored_name).exists()
    assert job.status == ImportJob.Status.DONE


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("big.csv", b"a" * 2048, "文件过大"),
        ("in.xls", b"\xd0\xcf\x11\xe0", "请上传 .xlsx 或 .csv"),
        ("in.xlsx", b"not a zip", "不是有效的 XLSX"),
        ("in.csv", b"\x00\x00\x00", "UTF-8 或 GBK"),
    ],
)
def test_import_job_start_rejects_bad_uploads(
    world: World,
    media: Path,
    settings: SettingsWrapper,
    name: str,
    content: bytes | None,
    message: str,
) -> None:
    settings.IMPORT_MAX_BYTES = 1024

    with pytest.raises(ValidationError, match=message):
        import_job_start(
            user=world.users["province"],
            uploaded_file=SimpleUploadedFile(name, content),
            dry_run=False,
        )

    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("role", ["county", "enterprise", "expert", "admin"])
def test_import_job_start_is_for_province_and_city_officials(
    world: World, media: Path, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        import_job_start(
            user=world.users[role],
            uploaded_file=SimpleUploadedFile("in.csv", b"x"),
            dry_run=False,
        )
