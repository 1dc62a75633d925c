"""The yearly evaluation pack: the workbook (every target of the plan, computed actuals equal to the
monitoring cells, approved reports with their evidence, every city, task and adjustment, the
method), formula escaping, the export_progress command, and the web export and printable page."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from assessments.tests import hostile
from audit.models import AuditEvent
from monitoring.tests.factories import make_snapshot
from targets import services
from targets.exports import SHEETS, progress_workbook
from targets.models import Report, Target
from targets.services import ReportInput

NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=datetime.UTC)
COVERAGE = "basic_factory_coverage"  # computed: above_scale · sf_ge_BASIC, a share
BUILDS = "basic_factory_builds_per_year"  # computed: all · sf_new_ge_BASIC, a count
PLATFORMS = "enterprise_platforms"  # reported by the province (task 10)
SKILLS = "manufacturing_skill_trainings"  # reported by the cities, summed for the province
CODE, ACTUAL, AS_OF, SOURCE, EVIDENCE, STATUS = 1, 8, 9, 10, 11, 14


@pytest.fixture(autouse=True)
def _media_and_clock(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path / "media"
    time_machine.move_to(NOW, tick=False)


def figures(share: tuple[int, int], builds: int) -> dict:
    return {
        "above_scale": {"sf_ge_BASIC": list(share)},
        "all": {"sf_new_ge_BASIC": [builds, 500]},
    }


@pytest.fixture
def snapshot(plan):
    """A finished snapshot with the province's and the two cities' cells for 2025 and 2026."""
    cells = [
        {"year": year, "region_level": level, "region_code": code, "figures": figures(share, n)}
        for year, shares in ((2025, (20, 200)), (2026, (30, 120)))
        for level, code, share, n in (
            ("province", "32", shares, 70 if year == 2026 else 40),
            ("city", "3201", (shares[0] // 2, shares[1] // 2), 30),
            ("city", "3205", (shares[0] // 4, shares[1] // 2), 10),
        )
    ]
    return make_snapshot(cells=cells, finished_at=timezone.now(), years=[2025, 2026])


def approved(code, region, by: User, reviewer: User, *, files=(), quarter=2, **kw) -> Report:
    target = Target.objects.select_related("task").get(code=code)
    item = ReportInput(
        target=target, region=region, year=2026, quarter=quarter, value=kw.pop("value", 40), **kw
    )
    report = services.report_submit(item=item, files=files, by=by)
    return services.report_approve(report=report, by=reviewer)


def snapshot_world(people: dict[str, User]):
    return [people["city"].region, people["city_q"].region]


def workbook(**kw) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(progress_workbook(year=2026, **kw)))


def progress_rows(book: openpyxl.Workbook) -> dict[str, tuple]:
    rows = list(book[SHEETS[0]].iter_rows(min_row=2, values_only=True))
    return {row[CODE]: row for row in rows}


# --- the workbook ------------------------------------------------------------------------------


def test_the_workbook_has_every_sheet_and_every_target_in_plan_order(plan):
    book = workbook()

    assert book.sheetnames == list(SHEETS)
    codes = [row[CODE] for row in book[SHEETS[0]].iter_rows(min_row=2, values_only=True)]
    expected = list(Target.objects.order_by("task", "position").values_list("code", flat=True))
    assert codes == expected
    assert len(codes) == 40


def test_a_computed_actual_equals_the_monitoring_cells_figure(snapshot):
    rows = progress_rows(workbook())

    coverage, builds = rows[COVERAGE], rows[BUILDS]
    assert coverage[ACTUAL] == pytest.approx(100 * 30 / 120)
    assert builds[ACTUAL] == 70
    assert coverage[AS_OF].date() == timezone.localdate()  # the snapshot's own (running) year
    assert f"#{snapshot.pk}" in coverage[EVIDENCE]
    assert "30 / 120" in coverage[EVIDENCE]
    assert "sf_ge_BASIC" in coverage[SOURCE]
    assert "above_scale" in coverage[SOURCE]


def test_a_past_year_is_read_at_its_end(snapshot):
    book = openpyxl.load_workbook(io.BytesIO(progress_workbook(year=2025)))
    rows = progress_rows(book)
    assert rows[COVERAGE][ACTUAL] == pytest.approx(10.0)
    assert rows[COVERAGE][AS_OF].date() == datetime.date(2025, 12, 31)


def test_an_approved_report_appears_with_its_evidence(plan, people):
    file = SimpleUploadedFile("平台名单.pdf", hostile.pdf_bytes())
    report = approved(
        PLATFORMS,
        plan.province,
        people["miit"],
        people["miit_2"],
        files=[(file, "平台名单.pdf")],
        evidence_text="苏工信公示〔2026〕12号",
        value=55,
    )
    target = Target.objects.get(code=PLATFORMS)
    services.report_submit(
        item=ReportInput(target, plan.province, 2026, 3, 99, evidence_text="待审"),
        by=people["miit"],
    )

    row = progress_rows(workbook())[PLATFORMS]

    assert row[ACTUAL] == 55  # the pending Q3 report does not count
    assert row[AS_OF].date() == datetime.date(2026, 6, 30)
    assert f"#{report.pk}" in row[EVIDENCE]
    assert "平台名单.pdf" in row[EVIDENCE]
    assert "苏工信公示〔2026〕12号" in row[EVIDENCE]
    assert "待审" not in row[EVIDENCE]
    assert row[SOURCE].startswith("上报")


def test_a_sum_of_the_cities_lists_each_citys_report(plan, people):
    nanjing = approved(
        SKILLS, plan.p, people["city"], people["miit"], value=300, evidence_text="南京台账"
    )
    suzhou = approved(
        SKILLS, plan.q, people["city_q"], people["miit"], value=200, evidence_text="苏州台账"
    )

    row = progress_rows(workbook())[SKILLS]

    assert row[ACTUAL] == 500
    assert f"#{nanjing.pk}" in row[EVIDENCE]
    assert "南京台账" in row[EVIDENCE]
    assert f"#{suzhou.pk}" in row[EVIDENCE]
    assert "苏州台账" in row[EVIDENCE]


def test_an_each_city_target_is_not_achieved_while_a_city_has_not_reported(plan, people):
    approved(
        "security_trainings_per_city",
        plan.p,
        people["city"],
        people["miit"],
        value=2,
        evidence_text="培训通知",
    )  # 南京 reached its 1 a year; 苏州 reported nothing

    row = progress_rows(workbook())["security_trainings_per_city"]

    assert row[STATUS] != "达成 / achieved"


def test_a_target_without_data_says_so(plan):
    row = progress_rows(workbook())[PLATFORMS]
    assert row[ACTUAL] is None
    assert row[STATUS] == "暂无数据 / no data"


def test_the_city_sheet_has_every_target_for_every_city_ranked(snapshot, people):
    target = Target.objects.get(code=COVERAGE)
    for city in snapshot_world(people):
        services.allocation_set(
            target=target, region=city, year=0, value=50, reason="同全省", by=people["miit"]
        )
    sheet = workbook()[SHEETS[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))

    assert len(rows) == 40 * 2
    coverage = [row for row in rows if row[0] == COVERAGE]
    assert [(row[3], row[11]) for row in coverage] == [("3201", 1), ("3205", 2)]
    assert coverage[0][7] == pytest.approx(100 * 15 / 60)
    assert coverage[0][9] == pytest.approx(0.5)
    assert coverage[1][6].startswith("分解目标值")


def test_the_task_sheet_has_the_twenty_tasks_with_departments(plan):
    rows = list(workbook()[SHEETS[2]].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == list(range(1, 21))
    assert rows[7][4] == "省通信管理局"  # task 8's lead
    assert sum(row[6] for row in rows) == 40


def test_adjustments_are_listed_with_their_reason_and_text_is_escaped(plan, people):
    target = Target.objects.get(code=PLATFORMS)
    services.target_update(
        target=target, changes={"value_2027": 220}, reason='=HYPERLINK("x")', by=people["miit"]
    )
    approved(PLATFORMS, plan.province, people["miit"], people["miit_2"], evidence_text="@SUM(1)")

    book = workbook()

    revisions = list(book[SHEETS[3]].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[4]) for r in revisions] == [(PLATFORMS, 2, '\'=HYPERLINK("x")')]
    assert "200" in revisions[0][3]
    assert "220" in revisions[0][3]
    assert "@SUM(1)" in progress_rows(book)[PLATFORMS][EVIDENCE]  # inside the text: harmless
    formulas = [
        cell.coordinate
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []


def test_a_cell_that_starts_like_a_formula_is_escaped(plan):
    target = Target.objects.get(code=PLATFORMS)
    Target.objects.filter(pk=target.pk).update(name_zh="=1+2")
    row = progress_rows(workbook())[PLATFORMS]
    assert row[2] == "'=1+2"


def test_the_method_sheet_says_how_and_when(snapshot):
    facts = dict(workbook()[SHEETS[4]].iter_rows(values_only=True))
    assert facts["年度 (year)"] == "2026"
    assert facts["生成时间 (generated at)"].startswith("2026-11-28")
    assert "完成进度 (completion)" in facts
    assert f"#{snapshot.pk}" in facts["监测快照 (coverage snapshot)"]


def test_a_year_outside_the_plan_is_refused():
    with pytest.raises(ValueError, match="year must be one of"):
        progress_workbook(year=2030)


# --- the command -------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out


def test_the_command_writes_the_workbook(plan, folder):
    out = folder / "pack.xlsx"

    call_command("export_progress", "--year", "2026", "--out", str(out), stdout=io.StringIO())

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == list(SHEETS)
    assert book[SHEETS[0]].max_row == 41
    assert [p.name for p in folder.iterdir()] == ["pack.xlsx"]  # no temporary file left
    event = AuditEvent.objects.get(action="targets.export")
    assert (event.object_id, event.actor_username) == ("2026", "command:export_progress")


@pytest.mark.parametrize(
    ("year", "name", "message"),
    [
        ("2030", "pack.xlsx", "年度须在 2025–2027 之间"),
        ("2024", "pack.xlsx", "The year must be 2025 to 2027"),
        ("2026", "pack.csv", "must end in .xlsx"),
        ("2026", "missing/pack.xlsx", "Cannot write"),
    ],
)
def test_the_command_refuses_bad_arguments_and_writes_nothing(plan, folder, year, name, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_progress", "--year", year, "--out", str(folder / name))
    assert list(folder.rglob("*")) == []
    assert not AuditEvent.objects.filter(action="targets.export").exists()


def test_the_command_leaves_an_existing_file_whole_when_writing_fails(plan, folder, monkeypatch):
    out = folder / "pack.xlsx"
    out.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("targets.management.commands.export_progress.os.replace", broken)
    with pytest.raises(CommandError, match="No space left"):
        call_command("export_progress", "--year", "2026", "--out", str(out))

    assert out.read_bytes() == b"old"
    assert [p.name for p in folder.iterdir()] == ["pack.xlsx"]


# --- the web export and the printable page ------------------------------------------------------


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["targets:export", "targets:print"])
def test_anonymous_visitors_are_sent_to_log_in(plan, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["targets:export", "targets:print"])
@pytest.mark.parametrize("role", ["city", "county", "enterprise", "expert"])
def test_only_the_province_exports_the_pack(plan, people, name, role):
    assert client_for(people[role]).get(reverse(name)).status_code == 403
    assert not AuditEvent.objects.filter(action="targets.export").exists()


def test_the_province_downloads_the_workbook_and_it_is_audited(snapshot, people):
    response = client_for(people["province"]).get(reverse("targets:export") + "?year=2025")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="targets-2025-' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert progress_rows(book)[COVERAGE][ACTUAL] == pytest.approx(10.0)
    event = AuditEvent.objects.get(action="targets.export")
    assert (event.object_id, event.actor_username, event.after["format"]) == (
        "2025",
        "province",
        "xlsx",
    )


@pytest.mark.parametrize("name", ["targets:export", "targets:print"])
@pytest.mark.parametrize("year", ["2030", "abc", "２０２６", "-1"])
def test_a_bad_year_is_a_bad_request(plan, people, name, year):
    response = client_for(people["province"]).get(reverse(name), {"year": year})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="targets.export").exists()


def test_the_printable_page_has_every_task_target_and_city(snapshot, people):
    response = client_for(people["province"]).get(reverse("targets:print") + "?year=2026")

    assert response.status_code == 200
    text = response.text
    assert "@page" in text
    assert "break-before: page" in text
    assert 'class="main-nav"' not in text
    for code in Target.objects.values_list("code", flat=True):
        assert f'data-code="{code}"' in text
    for number in range(1, 21):
        assert f'data-task="{number}"' in text
    assert 'data-city="3201"' in text
    assert 'data-city="3205"' in text
    assert AuditEvent.objects.filter(action="targets.export", after__format="print").exists()


def test_the_print_page_style_carries_the_csp_nonce(plan, people):
    response = client_for(people["province"]).get(reverse("targets:print"))
    policy = response.get("Content-Security-Policy", "")
    nonce = response.text.split('<style nonce="', 1)[1].split('"', 1)[0]
    assert nonce
    assert f"'nonce-{nonce}'" in policy
