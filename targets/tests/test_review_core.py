"""Second reader's review of the target tracker's core (issue #6): each test here failed on the
code as written and pins the fix, or pins a behaviour the review checked and found right.

Defects: a reported value too large to add up broke every progress read for everyone; a coverage
snapshot's observation date was the UTC date (new-year figures dropped in the first hours of
1 January); a yearly milestone of a cumulative or share target was judged against 2027; a
department's per-year figure from an earlier year hid the cities' sum of this year; a double
submit answered 500; invisible characters in the 单位 changed the department."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from audit.models import AuditEvent
from conftest import World, make_user
from monitoring.tests.factories import make_snapshot
from targets import access, actuals, selectors, services, uploads
from targets.models import Report, Target
from targets.progress import Status
from targets.services import PENDING_EXISTS, TOO_LARGE, ReportInput

NOW = datetime.datetime(2026, 11, 28, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Jiangsu
PLATFORMS = "enterprise_platforms"  # task 10: lead 省工业和信息化厅, cumulative, 200 by 2027
TRAININGS = "manufacturing_skill_trainings"  # task 19: lead 省人力资源社会保障厅, per year
COVERAGE = "basic_factory_coverage"  # computed share: above_scale · sf_ge_BASIC
SELF_ASSESSED = "above_scale_self_assessed_per_city"  # every city ≥ 10 % each year (share)


@pytest.fixture(autouse=True)
def _media_and_clock(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def people(world: World) -> dict[str, User]:
    """The plan, the world's users, province officials of two departments, a city Q official."""
    services.plan_load()
    users = dict(world.users)
    for key, organisation in {
        "miit": "江苏省工业和信息化厅",
        "miit_2": "江苏省工业和信息化厅（演示）",
        "hr": "江苏省人力资源社会保障厅",
    }.items():
        users[key] = make_user(key, Role.PROVINCE, region=world.province, organisation=organisation)
    users["city_q"] = make_user("city_q", Role.CITY, region=world.q)
    return users


def target(code: str) -> Target:
    return Target.objects.select_related("task").get(code=code)


def item(code: str, region: Any, *, value: float = 10, year: int = 2026, quarter: int = 2):
    return ReportInput(
        target=target(code),
        region=region,
        year=year,
        quarter=quarter,
        value=value,
        evidence_text="2026年统计台账",
    )


def approved(code: str, region: Any, by: User, reviewer: User, **kw: Any) -> Report:
    report = services.report_submit(item=item(code, region, **kw), by=by)
    return services.report_approve(report=report, by=reviewer)


def client_for(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def sheet_bytes(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = uploads.SHEET
    sheet.append(list(uploads.HEADER))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def strict_json(content: bytes) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(content, parse_constant=refuse)


# --- huge numbers --------------------------------------------------------------------------------


def test_a_reported_value_too_large_to_add_up_is_refused(world, people):
    with pytest.raises(ValidationError) as caught:
        services.report_submit(item=item(PLATFORMS, world.p, value=1.7e308), by=people["city"])

    assert TOO_LARGE in caught.value.messages
    assert not Report.objects.exists()


def test_an_upload_row_with_a_value_too_large_is_listed_and_nothing_is_applied(world, people):
    content = sheet_bytes(
        [[PLATFORMS, "", "", "3201", "", 2026, 2, 1.7e308, "", "台账"]],
    )

    outcome = uploads.reports_upload(
        file=io.BytesIO(content), original_name="report.xlsx", by=people["city"]
    )

    assert [(p.row, p.column, p.message) for p in outcome.problems] == [
        (2, uploads.COL_VALUE, TOO_LARGE)
    ]
    assert not Report.objects.exists()


def test_the_progress_api_answers_after_the_largest_values_are_approved_in_every_city(
    world, people
):
    """Before the fix two cities' approved 1.7e308 made the province sum infinite and every
    progress read (overview, API, evaluation pack) raised ValueError: a 500 for everyone."""
    for city, official in ((world.p, people["city"]), (world.q, people["city_q"])):
        for quarter in (1, 2, 3):
            approved(
                PLATFORMS, city, official, people["miit"], value=services.MAX_VALUE, quarter=quarter
            )

    response = client_for(people["miit"]).get("/api/v1/targets/progress?year=2026")

    assert response.status_code == 200
    rows = {row["code"]: row for row in strict_json(response.content)["rows"]}
    assert rows[PLATFORMS]["actual"] == 2 * services.MAX_VALUE
    assert rows[PLATFORMS]["source"] == "report_sum"


@pytest.mark.parametrize(
    "changes", [{"value_2027": 1e300}, {"values": {"2026": 1e300}}, {"baseline": 1e300}]
)
def test_a_target_value_too_large_is_refused(world, people, changes):
    with pytest.raises(ValidationError) as caught:
        services.target_update(
            target=target(PLATFORMS), changes=changes, reason="调整", by=people["miit"]
        )

    assert TOO_LARGE in caught.value.messages


# --- time zone of a snapshot's observations ------------------------------------------------------


def _coverage_cells(years: dict[int, int]) -> list[dict[str, Any]]:
    return [
        {
            "year": year,
            "region_level": "province",
            "region_code": "32",
            "figures": {"above_scale": {"sf_ge_BASIC": [n, 100]}},
        }
        for year, n in years.items()
    ]


def test_a_snapshot_finished_after_midnight_on_new_years_day_gives_the_new_years_figure(
    world, people
):
    """01:30 on 1 January 2026 in Jiangsu is 17:30 on 31 December 2025 UTC: the snapshot's 2026
    cells (its years are Jiangsu's) were dropped as a year it had not reached."""
    finished = datetime.datetime(2025, 12, 31, 17, 30, tzinfo=datetime.UTC)
    snapshot = make_snapshot(
        cells=_coverage_cells({2025: 20, 2026: 25}), years=[2025, 2026], finished_at=finished
    )

    series = actuals.monitoring_series(
        target(COVERAGE),
        snapshot=snapshot,
        cells=actuals.cells_load(snapshot=snapshot, year=2026),
        region_codes=["32"],
        year=2026,
    )

    assert [(o.year, o.at, o.value) for o in series["32"]] == [
        (2025, datetime.date(2025, 12, 31), 20.0),
        (2026, datetime.date(2026, 1, 1), 25.0),
    ]


def test_a_snapshot_figure_is_dated_by_the_day_in_jiangsu(world, people):
    finished = datetime.datetime(2026, 11, 27, 23, 0, tzinfo=datetime.UTC)  # 07:00 on the 28th
    make_snapshot(cells=_coverage_cells({2026: 30}), years=[2026], finished_at=finished)

    rows = {row.target.code: row for row in selectors.plan_rows(year=2026)}

    assert rows[COVERAGE].latest.at == datetime.date(2026, 11, 28)


# --- a year's milestone of a cumulative or share target -------------------------------------------


def _self_assessed_cells(year: int, shares: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    return [
        {
            "year": year,
            "region_level": level,
            "region_code": code,
            "figures": {"above_scale": {"assessed": [n, 100], "enterprises": [100, 100]}},
        }
        for (level, code), n in shares.items()
    ]


def test_a_yearly_milestone_missed_when_its_year_is_over_is_off_track(world, people):
    """Every city must have 10 % of its above-scale enterprises self-assess each year: 南京's 8 %
    for 2025 read "on track" (80 % completion against 33 % of 2025–2027 elapsed, forecast 24 %
    for 2027) in the 2025 evaluation."""
    cells = _self_assessed_cells(
        2025, {("province", "32"): 9, ("city", "3201"): 8, ("city", "3205"): 12}
    )
    make_snapshot(
        cells=cells, years=[2025], finished_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    )

    breakdown = selectors.target_breakdown(target=target(SELF_ASSESSED), year=2025)

    by_city = {row.region.code: row.progress for row in breakdown.cities}
    assert (by_city["3201"].status, by_city["3201"].time_elapsed) == (Status.OFF_TRACK, 1.0)
    assert by_city["3201"].forecast.at == datetime.date(2025, 12, 31)
    assert by_city["3205"].status == Status.ACHIEVED
    assert breakdown.province.progress.status == Status.OFF_TRACK


def test_a_cumulative_target_without_yearly_values_is_still_measured_against_2027(world, people):
    approved(
        PLATFORMS, world.province, people["miit"], people["miit_2"], value=60, year=2025, quarter=4
    )

    rows = {row.target.code: row for row in selectors.plan_rows(year=2025)}

    progress = rows[PLATFORMS].progress
    assert progress.forecast.at == datetime.date(2027, 12, 31)
    assert progress.time_elapsed == pytest.approx(365 / 1095)


# --- per-year province figure --------------------------------------------------------------------


def test_a_per_year_province_figure_is_the_cities_sum_when_the_department_has_not_reported_it(
    world, people
):
    """The department reported 2025; for 2026 only the cities have: the province showed "no
    data" because a province report of another year existed."""
    approved(
        TRAININGS, world.province, people["hr"], people["miit"], value=120000, year=2025, quarter=4
    )
    approved(TRAININGS, world.p, people["city"], people["hr"], value=30000)
    approved(TRAININGS, world.q, people["city_q"], people["hr"], value=40000)

    rows_2026 = {row.target.code: row for row in selectors.plan_rows(year=2026)}
    rows_2025 = {row.target.code: row for row in selectors.plan_rows(year=2025)}

    assert (rows_2026[TRAININGS].source, rows_2026[TRAININGS].progress.actual) == (
        "report_sum",
        70000,
    )
    assert (rows_2025[TRAININGS].source, rows_2025[TRAININGS].progress.actual) == (
        "report",
        120000,
    )


def test_a_department_report_of_this_year_is_the_per_year_province_figure(world, people):
    approved(TRAININGS, world.province, people["hr"], people["miit"], value=50000)
    approved(TRAININGS, world.p, people["city"], people["hr"], value=30000)

    rows = {row.target.code: row for row in selectors.plan_rows(year=2026)}

    assert (rows[TRAININGS].source, rows[TRAININGS].progress.actual) == ("report", 50000)


# --- double submit -------------------------------------------------------------------------------


@pytest.fixture
def racing_report(monkeypatch):
    """Another request submits a report of the same period between the check for a waiting
    report and the insert (two clicks on PostgreSQL, where both checks see none). The stand-in
    for the other request's row is written in this request's transaction, so it is rolled back
    with it: the tests check the answer and that nothing of this request was kept."""
    original = Report.save
    raced: list[bool] = []

    def save(self: Report, *args: Any, **kwargs: Any) -> None:
        if self.pk is None and not raced:
            raced.append(True)
            Report.objects.bulk_create(
                [
                    Report(
                        target_id=self.target_id,
                        region_id=self.region_id,
                        year=self.year,
                        quarter=self.quarter,
                        value=1,
                        evidence_text="第一次点击",
                        submitted_by_id=self.submitted_by_id,
                    )
                ]
            )
        original(self, *args, **kwargs)

    monkeypatch.setattr(Report, "save", save)
    return raced


def test_a_double_submitted_report_is_told_the_period_waits_not_a_server_error(
    world, people, racing_report
):
    data = {
        "target": PLATFORMS,
        "region": "3201",
        "year": "2026",
        "quarter": "2",
        "value": "3",
        "evidence_text": "台账",
    }

    response = client_for(people["city"]).post("/targets/reports/", data)

    assert response.status_code == 200
    assert PENDING_EXISTS in response.content.decode()
    assert not AuditEvent.objects.filter(action="report.submit").exists()


def test_a_double_submitted_upload_applies_nothing_and_says_why(world, people, racing_report):
    content = sheet_bytes(
        [
            [PLATFORMS, "", "", "3201", "", 2026, 1, 3, "", "台账"],
            [PLATFORMS, "", "", "3201", "", 2026, 2, 4, "", "台账"],
        ]
    )

    outcome = uploads.reports_upload(
        file=io.BytesIO(content), original_name="report.xlsx", by=people["city"]
    )

    assert outcome.created == []
    assert PENDING_EXISTS in [p.message for p in outcome.problems]
    assert not AuditEvent.objects.filter(action__in=["report.submit", "report.upload"]).exists()


# --- the department read from the 单位 ----------------------------------------------------------


@pytest.mark.parametrize(
    "organisation",
    [
        pytest.param("江苏省工业和信息化厅", id="full-name"),
        pytest.param("省工业和信息化厅 ", id="trailing-space"),
        pytest.param("省工业和信息化厅\u3000", id="ideographic-space"),
        pytest.param("江苏省工业和信息化厅（演示）", id="bracketed-note"),
        pytest.param("省工业和信息化厅\u200b", id="zero-width-space"),
        pytest.param("\ufeff江苏省工业和信息化厅", id="byte-order-mark"),
        pytest.param("江苏 省工业和信息化厅", id="space-after-jiangsu"),
    ],
)
def test_what_cannot_be_seen_in_the_organisation_does_not_change_the_department(
    world, people, organisation
):
    official = make_user(
        "official", Role.PROVINCE, region=world.province, organisation=organisation
    )
    report = services.report_submit(item=item(PLATFORMS, world.p), by=people["city"])

    assert access.department_of(official) == "省工业和信息化厅"
    assert access.may_review(official, report)
    assert access.may_report(official, target(PLATFORMS), world.province)


@pytest.mark.parametrize(
    "organisation",
    [
        pytest.param("江苏省工业和信息化厅规划处", id="division"),
        pytest.param("江苏省工业和信息化厅信息中心", id="institution"),
        pytest.param("工业和信息化厅", id="no-province"),
        pytest.param("省工业和信息化", id="truncated"),
    ],
)
def test_a_division_or_institution_under_a_department_is_not_the_department(
    world, people, organisation
):
    """Approval rights are not granted by a prefix of free text: the 单位 must be the 厅."""
    official = make_user(
        "official", Role.PROVINCE, region=world.province, organisation=organisation
    )
    report = services.report_submit(item=item(PLATFORMS, world.p), by=people["city"])

    assert not access.may_review(official, report)
    assert not access.may_report(official, target(PLATFORMS), world.province)


# --- checked and found right ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/targets/progress?year=abc", 422),
        ("/api/v1/targets/progress?year=99999", 422),
        ("/api/v1/targets/progress?year=2026.5", 422),
        ("/api/v1/targets/nope/cities", 404),
        ("/api/v1/targets/enterprise_platforms/cities?year=-1", 422),
        ("/targets/export.xlsx?year=abc", 400),
        ("/targets/export.xlsx?year=99999", 400),
        ("/targets/print/?year=2026%00", 400),
        ("/targets/reports/?page=abc&status=%00", 200),
        ("/targets/reports/?page=99999999999999999999999", 200),
        ("/targets/reports/99999999999999999999999/", 404),
        ("/targets/reports/evidence/99999999999999999999999/", 404),
        ("/targets/work-plans/view/99999999999999999999999/", 404),
    ],
)
def test_bad_query_parameters_and_unknown_objects_never_answer_500(world, people, url, status):
    assert client_for(people["miit"]).get(url).status_code == status


def _plan(region: Any, year: int, by: User) -> None:
    plan = services.work_plan_save(
        region=region, year=year, summary="举措", commitments={PLATFORMS: (3, "m")}, by=by
    )
    services.work_plan_submit(plan=plan, by=by)


def test_the_work_plan_list_needs_the_same_queries_for_more_plans(world, people):
    client = client_for(people["province"])
    _plan(world.p, 2026, people["city"])
    with CaptureQueriesContext(connection) as few:
        client.get("/targets/work-plans/")
    _plan(world.p, 2025, people["city"])
    _plan(world.q, 2026, people["city_q"])

    with CaptureQueriesContext(connection) as many:
        response = client.get("/targets/work-plans/")

    assert response.status_code == 200
    assert len(many) == len(few)
