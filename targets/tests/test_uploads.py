"""XLSX upload of reported actuals: the template, reading and checking every row, and applying a
file all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from assessments.tests import hostile
from assessments.uploads import MESSAGES
from audit.models import AuditEvent
from targets import services, uploads
from targets.models import Report, Target
from targets.services import ReportInput
from targets.uploads import (
    COL_EVIDENCE,
    COL_QUARTER,
    COL_REGION,
    COL_TARGET,
    COL_TARGET_NAME,
    COL_VALUE,
    COL_YEAR,
    HEADER,
    RowProblem,
    read_reports,
    report_template,
    reports_upload,
)

RACKS = "standard_racks"  # task 9 (lead 省数据局; 省工业和信息化厅 cooperates)
EFLOPS = "intelligent_computing"  # task 9
PARK_SHARE = "gigabit_park_share"  # task 8, a share; 省工业和信息化厅 cooperates
DRILLS = "security_drills_per_city"  # every city
COMPUTED = "basic_factory_coverage"


def line(code: str = RACKS, region: Any = "32", **cells: Any) -> list[Any]:
    """A data row in HEADER order; the read-only columns are left empty."""
    values = {
        COL_TARGET: code,
        COL_REGION: region,
        COL_YEAR: 2026,
        COL_QUARTER: 2,
        COL_VALUE: 62.5,
        COL_EVIDENCE: "2026年二季度算力统计快报",
    }
    values.update({getattr(uploads, f"COL_{key.upper()}"): value for key, value in cells.items()})
    return [values.get(column) for column in HEADER]


def xlsx(rows: list[list[Any]], *, header: list[Any] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = uploads.SHEET
    sheet.append(list(HEADER) if header is None else header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, by: User, name: str = "实绩上报.xlsx") -> uploads.UploadOutcome:
    return reports_upload(file=SimpleUploadedFile(name, content), original_name=name, by=by)


def problems_of(content: bytes, by: User) -> list[RowProblem]:
    outcome = upload(content, by)
    assert outcome.created == []
    assert not Report.objects.exists()
    return outcome.problems


# --- a good file -----------------------------------------------------------------------------


def test_a_good_file_creates_every_report(plan, people):
    content = xlsx(
        [
            line(quarter=1, value=60),
            line(quarter=2, value=62.5, note="含在建机架"),
            line(EFLOPS, value=18.2),
            line(PARK_SHARE, value=45),
        ]
    )

    outcome = upload(content, people["miit"])

    assert (outcome.problems, outcome.rows, len(outcome.created)) == ([], 4, 4)
    rows = Report.objects.order_by("pk").values_list(
        "target_id", "region_id", "year", "quarter", "value", "note", "status"
    )
    assert list(rows) == [
        (RACKS, "32", 2026, 1, 60, "", Report.Status.SUBMITTED),
        (RACKS, "32", 2026, 2, 62.5, "含在建机架", Report.Status.SUBMITTED),
        (EFLOPS, "32", 2026, 2, 18.2, "", Report.Status.SUBMITTED),
        (PARK_SHARE, "32", 2026, 2, 45, "", Report.Status.SUBMITTED),
    ]
    report = Report.objects.first()
    assert report is not None
    assert report.evidence_text == "2026年二季度算力统计快报"
    assert report.source.startswith("xlsx:")
    assert report.source.endswith("实绩上报.xlsx")
    assert (report.submitted_by, report.department) == (people["miit"], "江苏省工业和信息化厅")
    event = AuditEvent.objects.get(action="report.upload")
    assert (event.after["rows"], event.after["created"]) == (4, 4)
    assert AuditEvent.objects.filter(action="report.submit").count() == 4


@pytest.mark.parametrize("region", ["3201", 3201, 3201.0, " 3201 "])
def test_a_city_uploads_its_own_figures_whatever_the_code_cell_type(plan, people, region):
    outcome = upload(xlsx([line(DRILLS, region, value=1), line(RACKS, region)]), people["city"])

    assert outcome.problems == []
    assert set(Report.objects.values_list("target_id", "region_id")) == {
        (DRILLS, "3201"),
        (RACKS, "3201"),
    }


@pytest.mark.parametrize(("year", "quarter"), [("2026", "2"), (2026.0, 2.0)])
def test_whole_numbers_may_be_text_or_whole_floats(plan, people, year, quarter):
    outcome = upload(xlsx([line(year=year, quarter=quarter, value="62.5")]), people["miit"])

    assert outcome.problems == []
    assert list(Report.objects.values_list("year", "quarter", "value")) == [(2026, 2, 62.5)]


def test_read_reports_checks_a_file_without_writing(plan, people):
    content = xlsx([line(), line(EFLOPS)])

    sheet = read_reports(
        file=SimpleUploadedFile("a.xlsx", content), original_name="a.xlsx", by=people["miit"]
    )

    assert (sheet.problems, sheet.rows) == ([], 2)
    assert [(i.target.code, i.region.code, i.value) for i in sheet.items] == [
        (RACKS, "32", 62.5),
        (EFLOPS, "32", 62.5),
    ]
    assert all(isinstance(i, ReportInput) for i in sheet.items)
    assert not Report.objects.exists()


def test_blank_and_unfilled_rows_are_skipped(plan, people):
    unfilled = line(EFLOPS, value=None, evidence=None)
    content = xlsx([line(), [None] * len(HEADER), unfilled, [], line(quarter=3, value="x")])

    outcome = upload(content, people["miit"])

    assert outcome.rows == 2
    assert outcome.problems == [RowProblem(6, COL_VALUE, uploads.NOT_A_VALUE)]


def test_columns_may_come_in_any_order_and_reading_columns_may_go(plan, people):
    header = [COL_EVIDENCE, COL_VALUE, COL_QUARTER, COL_YEAR, COL_REGION, COL_TARGET, "备注列"]
    row = ["统计快报", 62.5, 2, 2026, "32", RACKS, "自用"]

    outcome = upload(xlsx([row], header=header), people["miit"])

    assert outcome.problems == []
    assert Report.objects.get().value == 62.5


# --- bad rows --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"target": "no_such_target"}, COL_TARGET, "未知的目标编码“no_such_target”"),
        ({"target": None}, COL_TARGET, uploads.REQUIRED),
        ({"region": "9999"}, COL_REGION, "未知的地区代码“9999”"),
        ({"region": None}, COL_REGION, uploads.REQUIRED),
        ({"region": "3201"}, "", services.NOT_REPORTER),  # a department, a city's figure
        ({"target": DRILLS}, "", services.NOT_REPORTER),  # no province figure
        ({"target": COMPUTED}, "", services.NOT_REPORTER),  # computed by the platform
        ({"year": "二〇二六"}, COL_YEAR, uploads.NOT_WHOLE),
        ({"year": 2026.5}, COL_YEAR, uploads.NOT_WHOLE),
        ({"year": True}, COL_YEAR, uploads.NOT_WHOLE),
        ({"year": dt.datetime(2026, 6, 30)}, COL_YEAR, uploads.NOT_WHOLE),
        ({"year": 2024}, COL_YEAR, services.BAD_YEAR),
        ({"year": None}, COL_YEAR, uploads.REQUIRED),
        ({"quarter": 5}, COL_QUARTER, services.BAD_QUARTER),
        ({"quarter": "Q2"}, COL_QUARTER, uploads.NOT_WHOLE),
        ({"value": "很多"}, COL_VALUE, uploads.NOT_A_VALUE),
        ({"value": -3}, COL_VALUE, uploads.NOT_A_VALUE),
        ({"value": "nan"}, COL_VALUE, uploads.NOT_A_VALUE),
        ({"value": "inf"}, COL_VALUE, uploads.NOT_A_VALUE),
        ({"value": None}, COL_VALUE, uploads.REQUIRED),
        ({"target": PARK_SHARE, "value": 120}, COL_VALUE, services.SHARE_OVER_100),
        ({"evidence": None}, COL_EVIDENCE, uploads.EVIDENCE_MISSING),
        ({"evidence": "   "}, COL_EVIDENCE, uploads.EVIDENCE_MISSING),
        ({"evidence": "证" * 2001}, COL_EVIDENCE, "不能超过 2000 个字"),
        ({"note": "注" * 2001}, uploads.COL_NOTE, "不能超过 2000 个字"),
    ],
)
def test_a_bad_row_is_reported_with_its_row_number_and_nothing_is_applied(
    plan, people, cells, column, message
):
    content = xlsx([line(quarter=1), line(**cells)])

    problems = problems_of(content, people["miit"])

    assert [(p.row, p.column) for p in problems] == [(3, column)]
    assert problems[0].message.startswith(message)


def test_every_bad_row_and_every_problem_of_a_row_is_reported(plan, people):
    content = xlsx(
        [
            line(target="nope"),
            line(quarter=1),
            line(year=2030, value=-1, evidence=None),
            line(region="3201"),
            line(year=2025, quarter=4),
            line(target=PARK_SHARE, value=101),
        ]
    )

    problems = problems_of(content, people["miit"])

    assert [(p.row, p.column, p.message) for p in problems] == [
        (2, COL_TARGET, "未知的目标编码“nope” (Unknown target code “nope”)"),
        (4, COL_YEAR, services.BAD_YEAR),
        (4, COL_VALUE, uploads.NOT_A_VALUE),
        (4, COL_EVIDENCE, uploads.EVIDENCE_MISSING),
        (5, "", services.NOT_REPORTER),
        (7, COL_VALUE, services.SHARE_OVER_100),
    ]


def test_problems_beyond_the_cap_are_counted(plan, people):
    content = xlsx([line(target=f"t{n}") for n in range(uploads.MAX_PROBLEMS + 30)])

    problems = problems_of(content, people["miit"])

    assert len(problems) == uploads.MAX_PROBLEMS + 1
    assert problems[-1] == RowProblem(0, "", uploads.MORE_PROBLEMS.format(count=30))


def test_a_long_unknown_code_is_cut_in_the_message(plan, people):
    (problem,) = problems_of(xlsx([line(target="x" * 500)]), people["miit"])

    assert len(problem.message) < 120
    assert "…" in problem.message


def test_the_same_period_twice_in_a_file_is_refused(plan, people):
    content = xlsx([line(), line(EFLOPS), line(value=63), line(value="bad")])

    problems = problems_of(content, people["miit"])

    assert [(p.row, p.column, p.message) for p in problems] == [
        (4, "", uploads.DUPLICATE_ROW.format(row=2)),
        (5, "", uploads.DUPLICATE_ROW.format(row=2)),
        (5, COL_VALUE, uploads.NOT_A_VALUE),
    ]


def test_a_period_already_waiting_for_review_is_refused(plan, people):
    pending = services.report_submit(
        item=ReportInput(
            target=Target.objects.get(code=RACKS),
            region=plan.province,
            year=2026,
            quarter=2,
            value=61,
            evidence_text="快报",
        ),
        by=people["data"],
    )

    outcome = upload(xlsx([line(quarter=1), line(quarter=2)]), people["miit"])

    assert outcome.problems == [RowProblem(3, "", services.PENDING_EXISTS)]
    assert list(Report.objects.all()) == [pending]


def test_a_reviewed_period_may_be_reported_again(plan, people):
    first = upload(xlsx([line()]), people["miit"]).created[0]
    services.report_reject(report=first, by=people["data"], note="请核对")

    outcome = upload(xlsx([line(value=61)]), people["miit"])

    assert outcome.problems == []
    assert Report.objects.count() == 2


def test_a_conflict_while_importing_applies_nothing(plan, people, monkeypatch):
    """Another report of row 3's period arrives between reading and writing (here: the check
    is skipped): the whole file is rolled back."""
    outcome_before = upload(xlsx([line(quarter=2)]), people["data"])
    monkeypatch.setattr(uploads, "_pending", lambda parsed: [])

    outcome = upload(xlsx([line(quarter=1), line(quarter=2)]), people["miit"])

    assert outcome.created == []
    assert [p.message for p in outcome.problems] == [
        uploads.IMPORT_CONFLICT,
        services.PENDING_EXISTS,
    ]
    assert list(Report.objects.all()) == outcome_before.created
    assert AuditEvent.objects.filter(action="report.upload").count() == 1


# --- bad files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("实绩.csv", "目标编码,地区代码\nstandard_racks,32\n".encode(), uploads.NOT_XLSX),
        ("实绩.pdf", hostile.pdf_bytes(), uploads.NOT_XLSX),
        ("实绩.xlsx", hostile.pdf_bytes(), MESSAGES["mismatch"]),
        ("实绩.xlsx", b"standard_racks,32,2026,2,62.5\n", MESSAGES["mismatch"]),
        ("实绩.xlsx", b"", MESSAGES["empty"]),
        ("实绩.xlsm", b"PK\x03\x04", MESSAGES["macro"]),
        ("实绩.docx", hostile.docx_bytes(), uploads.NOT_XLSX),
    ],
)
def test_a_file_that_is_not_an_xlsx_is_refused(plan, people, name, content, message):
    outcome = reports_upload(
        file=SimpleUploadedFile(name, content), original_name=name, by=people["miit"]
    )

    assert outcome.problems == [RowProblem(0, "", message)]
    assert (outcome.created, outcome.rows) == ([], 0)
    assert not Report.objects.exists()


def test_an_xlsx_that_cannot_be_read_is_refused(plan, people):
    source = zipfile.ZipFile(io.BytesIO(xlsx([line()])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as broken:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut off mid-element
            broken.writestr(info.filename, data)

    assert problems_of(buffer.getvalue(), people["miit"]) == [RowProblem(0, "", uploads.UNREADABLE)]


@pytest.mark.parametrize(
    ("drop", "missing"),
    [
        (["实绩值"], "实绩值"),
        (["佐证说明"], "佐证说明"),
        (["目标编码", "年度"], "目标编码、年度"),
    ],
)
def test_a_header_without_a_required_column_is_refused(plan, people, drop, missing):
    header = [("实绩" if name == "实绩值" else "") if name in drop else name for name in HEADER]

    problems = problems_of(xlsx([line()], header=header), people["miit"])

    assert problems == [RowProblem(1, "", uploads.MISSING_COLUMNS.format(columns=missing))]


def test_a_header_repeating_a_column_is_refused(plan, people):
    header = [*HEADER, COL_VALUE]

    problems = problems_of(xlsx([[*line(), 70]], header=header), people["miit"])

    assert problems == [RowProblem(1, "", uploads.DUPLICATE_COLUMNS.format(columns=COL_VALUE))]


def test_an_empty_sheet_is_refused(plan, people):
    workbook = openpyxl.Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)

    problems = problems_of(buffer.getvalue(), people["miit"])

    assert [p.message for p in problems] == [
        uploads.MISSING_COLUMNS.format(columns="、".join(uploads.REQUIRED_COLUMNS))
    ]


def test_a_file_with_no_filled_in_rows_is_refused(plan, people):
    content = xlsx([line(value=None, evidence=None), line(EFLOPS, value=None, evidence=None)])

    assert problems_of(content, people["miit"]) == [RowProblem(0, "", uploads.NO_ROWS)]


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"value": "=60+2.5"}, COL_VALUE),
        ({"year": "=YEAR(TODAY())"}, COL_YEAR),
        ({"target": '=CONCAT("standard_","racks")'}, COL_TARGET),
        ({"evidence": '=HYPERLINK("http://example.com","快报")'}, COL_EVIDENCE),
        ({"target_name": "=VLOOKUP(A3,Sheet2!A:B,2,0)"}, COL_TARGET_NAME),
    ],
)
def test_a_formula_cell_is_refused(plan, people, cells, column):
    problems = problems_of(xlsx([line(), line(quarter=3, **cells)]), people["miit"])

    assert problems == [RowProblem(3, column, uploads.FORMULA)]


def test_a_formula_in_an_unnamed_column_is_refused(plan, people):
    problems = problems_of(xlsx([[*line(), "=1+1"]]), people["miit"])

    assert problems == [RowProblem(2, "K", uploads.FORMULA)]


def test_a_percentage_formatted_value_is_refused(plan, people):
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx([line(PARK_SHARE, value=0.455)])))
    workbook.active["H2"].number_format = "0.0%"
    buffer = io.BytesIO()
    workbook.save(buffer)

    problems = problems_of(buffer.getvalue(), people["miit"])

    assert problems == [RowProblem(2, COL_VALUE, uploads.PERCENT_FORMAT)]


def test_more_data_rows_than_the_limit_are_refused(plan, people):
    rows = [line(quarter=1 + n % 4, year=2025 + n % 3) for n in range(uploads.MAX_ROWS + 1)]

    problems = problems_of(xlsx(rows), people["miit"])

    assert problems == [RowProblem(0, "", uploads.TOO_MANY_ROWS.format(limit=uploads.MAX_ROWS))]


# --- the template ----------------------------------------------------------------------------


def template_rows(user: User) -> tuple[list[Any], list[tuple[Any, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(report_template(user=user)))
    assert workbook.sheetnames == [uploads.SHEET, uploads.NOTES_SHEET]
    header, *rows = workbook[uploads.SHEET].iter_rows(values_only=True)
    return list(header), rows


def reported(*, department: str | None = None) -> list[str]:
    """Reported targets in plan order; with a department, the province-wide ones of its tasks."""
    targets = Target.objects.filter(actual=Target.Actual.REPORTED).select_related("task")
    if department is None:
        return [t.code for t in targets]
    return [t.code for t in targets if t.scope == "province" and department in t.task.departments]


@pytest.mark.parametrize(
    ("who", "region", "department"),
    [
        ("city", "3201", None),  # every reported target, for the city
        ("miit", "32", "省工业和信息化厅"),
        ("data", "32", "省数据局"),
        ("education", "32", "省教育厅"),  # task 19's two training targets
    ],
)
def test_the_template_lists_what_the_user_may_report(
    plan, people, time_machine, who, region, department
):
    time_machine.move_to(dt.datetime(2026, 5, 10, 9, tzinfo=dt.UTC), tick=False)

    header, rows = template_rows(people[who])

    assert header == list(HEADER)
    assert [row[0] for row in rows] == reported(department=department)
    assert {(row[3], row[5], row[6]) for row in rows} == {
        (region, 2026, 1)
    }  # the last quarter that has ended
    assert all(row[7] is None and row[8] is None and row[9] is None for row in rows)
    first = Target.objects.get(code=rows[0][0])
    assert rows[0][1:3] == (first.name_zh, first.unit)


@pytest.mark.parametrize("who", ["county", "enterprise", "expert", "province"])
def test_the_template_of_someone_who_reports_nothing_has_only_the_header(plan, people, who):
    header, rows = template_rows(people[who])

    assert (header, rows) == (list(HEADER), [])


def test_the_template_escapes_text_a_spreadsheet_would_run(plan, people):
    Target.objects.filter(code=RACKS).update(name_zh='=HYPERLINK("http://evil.example","点击")')

    _, rows = template_rows(people["data"])

    names = {row[0]: row[1] for row in rows}
    assert names[RACKS] == '\'=HYPERLINK("http://evil.example","点击")'


def test_the_template_explains_every_column(plan, people):
    workbook = openpyxl.load_workbook(io.BytesIO(report_template(user=people["miit"])))
    notes = list(workbook[uploads.NOTES_SHEET].iter_rows(values_only=True))

    assert [row[0] for row in notes[1 : len(HEADER) + 1]] == list(HEADER)
    text = " ".join(str(cell) for row in notes for cell in row if cell)
    assert "年初至季度末" in text
    assert "year to date" in text
    assert "0–100" in text


@pytest.mark.parametrize("who", ["miit", "city"])
def test_the_filled_in_template_uploads_cleanly(plan, people, time_machine, who):
    time_machine.move_to(dt.datetime(2026, 8, 1, 9, tzinfo=dt.UTC), tick=False)
    workbook = openpyxl.load_workbook(io.BytesIO(report_template(user=people[who])))
    sheet = workbook[uploads.SHEET]
    for number, row in enumerate(sheet.iter_rows(min_row=2), start=1):
        row[7].value = number
        row[9].value = f"佐证材料 {number}"
    buffer = io.BytesIO()
    workbook.save(buffer)

    outcome = upload(buffer.getvalue(), people[who], name="实绩上报模板.xlsx")

    assert outcome.problems == []
    assert outcome.rows == len(outcome.created) == sheet.max_row - 1 > 0
    assert set(Report.objects.values_list("year", "quarter")) == {(2026, 2)}
    assert sorted(Report.objects.values_list("value", flat=True)) == list(
        range(1, outcome.rows + 1)
    )


def test_reading_takes_the_same_few_queries_for_any_number_of_rows(
    plan, people, django_assert_max_num_queries
):
    rows = [line(year=2025 + n % 3, quarter=1 + n % 4, value=n) for n in range(12)]
    rows += [line(EFLOPS, "3201"), line("no_such_target", "9999")]
    content = xlsx(rows * 20)

    with django_assert_max_num_queries(3):
        sheet = read_reports(
            file=SimpleUploadedFile("a.xlsx", content), original_name="a.xlsx", by=people["miit"]
        )

    assert sheet.rows == 280


def test_a_sheet_with_too_many_rows_blank_ones_included_is_refused_unread(plan, people):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(HEADER))
    sheet.cell(row=uploads.MAX_SHEET_ROWS + 5, column=1, value="")  # formatted far down
    sheet.cell(row=uploads.MAX_SHEET_ROWS + 5, column=2).number_format = "0.00"
    sheet.cell(row=uploads.MAX_SHEET_ROWS + 6, column=8, value=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = Report.objects.count()

    outcome = upload(buffer.getvalue(), people["miit"])

    assert [p.message for p in outcome.problems] == [
        uploads.TOO_MANY_SHEET_ROWS.format(limit=uploads.MAX_SHEET_ROWS)
    ]
    assert Report.objects.count() == before
