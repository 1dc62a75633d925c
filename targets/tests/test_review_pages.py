"""Second reader's review of the target tracker's pages (issue #6): each numbered section pins a
defect whose test failed on the pages as written; the last sections pin behaviour the review
checked and found right.

1. ?year=² (a digit int() refuses) or a 5,000-digit year answered 500 on every page.
2. A per-year target showed an earlier year's figure as this year's actual, ranked the cities on
   it and dated it in the API and the workbook.
3. Cities with the same completion and actual were ranked 1, 2 by region code.
4. The htmx year switch left the own-city link on the old year.
5. A bad split (目标分解) lost the value and reason typed.
6. 59.97 % against exactly 60 % read "60%" with completion 100 % while not achieved.
7. The work plan's inputs had no label.
8. The evaluation pack read the cities and every approved report again for each summed target.
9. htmx's history restore (cache miss) got the fragment, which replaced the whole body.
10. After a form error the year switch led to the POST-only URL (405).
11. The trend's table view put the forecast interval under 分子 / 分母.
12. The printable pack and the workbook dropped a range's upper end and the bound (2 for 2–3 个).
13. A NUL byte in a target or city code answered 500 on PostgreSQL.
14. (browser) The cities' and parts' axis tooltips broke the Content Security Policy.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from conftest import World, make_user
from monitoring.models import CoverageSnapshot
from targets import display, services
from targets.exports import SHEETS, progress_workbook
from targets.models import Report, Target
from targets.services import ReportInput
from targets.tests.test_views import _client, _overview_rows, _url, make_plan_snapshot
from tests.test_browser import _login, expect, page  # noqa: F401 — `page` is a fixture
from tests.test_browser import pytestmark as browser_marks

pytestmark = pytest.mark.django_db

COVERAGE = "basic_factory_coverage"  # computed share, about 50 % (task 1)
BUILDS = "basic_factory_builds_per_year"  # computed per year, ≥ 10,000 a year (task 1)
PLATFORMS = "enterprise_platforms"  # reported, cumulative, 200 by 2027 (task 10, lead 工信厅)
GIGABIT = "gigabit_park_share"  # reported share, exactly 60 % (task 8, lead 省通信管理局)
TRAININGS = "manufacturing_skill_trainings"  # reported per year, 100,000 a year (task 19)
HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def plan(world: World, time_machine) -> CoverageSnapshot:
    """The plan and test_views' snapshot; the test runs on 2026-08-01 (2026 Q2 has ended)."""
    time_machine.move_to(datetime(2026, 8, 1, 4, tzinfo=UTC), tick=False)
    return make_plan_snapshot()


def _approved(code: str, region: Any, by: User, reviewer: User, value: float, **kw: Any) -> Report:
    target = Target.objects.select_related("task").get(code=code)
    kw.setdefault("evidence_text", "2026年二季度统计快报")
    item = ReportInput(target=target, region=region, year=2026, quarter=2, value=value, **kw)
    report = services.report_submit(item=item, by=by)
    return services.report_approve(report=report, by=reviewer)


def _login_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- 1. A year that is not a plain number ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("overview", {}),
        ("task", {"number": 1}),
        ("target", {"code": COVERAGE}),
        ("city", {"code": "3201"}),
    ],
)
@pytest.mark.parametrize("year", ["²", "9" * 5000, "-1", "99999", "2024"])
def test_a_year_that_is_not_a_plan_year_shows_the_current_year(
    world: World, plan, name: str, kwargs: dict[str, Any], year: str
) -> None:
    client = _client(world, "province")
    client.raise_request_exception = False
    response = client.get(_url(name, **kwargs), {"year": year})
    assert response.status_code == 200  # was 500 for "²" (isdigit, not int) and 5,000 digits
    assert response.context["year"] == 2026


# --- 2. A per-year target's figure belongs to its year -----------------------------------------


def test_a_per_year_target_shows_no_actual_for_a_year_without_a_figure(world: World, plan) -> None:
    """The snapshot has 2025 and 2026 figures: 2026's builds are not 2027's."""
    client = _client(world, "province")
    row = _overview_rows(client.get(_url("overview"), {"year": "2027"}))[BUILDS]
    assert (row.actual, row.status) == ("", "no_data")  # was "30 家" (2026's builds)
    assert _overview_rows(client.get(_url("overview"), {"year": "2026"}))[BUILDS].actual == "30 家"
    assert row.row.target.kind == Target.Kind.PER_YEAR


def test_cities_are_not_ranked_on_an_earlier_years_per_year_figure(world: World, plan) -> None:
    client = _client(world, "province")
    target = client.get(_url("target", code=BUILDS), {"year": "2027"})
    assert [(r.rank, r.actual) for r in target.context["entry"]["cities"]] == [(None, "")] * 2
    assert target.context["entry"]["completion"]["has_data"] is False
    scorecard = client.get(_url("city", code="3201"), {"year": "2027"})
    rows = {r.target.code: r for g in scorecard.context["groups"] for r in g["rows"]}
    assert rows[BUILDS].rank is None  # was 1 / 2 on 2026's builds
    assert 'data-testid="rank-basic_factory_builds_per_year">—<' in scorecard.text


def test_a_city_with_this_years_figure_ranks_above_one_with_last_years(
    world: World, plan, people: dict[str, User]
) -> None:
    """苏州 reported 500 trainings for 2025, 南京 100 for 2026 so far: on the 2026 page 南京 is
    first and ranked, 苏州 shows no 2026 figure."""
    target = Target.objects.select_related("task").get(code=TRAININGS)
    services.report_approve(
        report=services.report_submit(
            item=ReportInput(
                target=target, region=world.q, year=2025, quarter=4, value=500, evidence_text="x"
            ),
            by=people["city_q"],
        ),
        by=people["miit"],
    )
    _approved(TRAININGS, world.p, people["city"], people["miit"], 100)
    page_rows = _login_client(people["province"]).get(_url("target", code=TRAININGS))
    cities = page_rows.context["entry"]["cities"]
    assert [(r.row.region.name, r.rank, r.actual) for r in cities] == [
        ("南京市", 1, "100 人次"),
        ("苏州市", None, ""),  # was first, "500 人次" of 2025, ranked 1
    ]
    chart = page_rows.context["entry"]["completion"]
    assert (chart["categories"], chart["values"]) == (["南京市", "苏州市"], [100.0, None])


def test_the_api_and_the_workbook_date_no_figure_for_a_year_without_one(world: World, plan) -> None:
    body = _client(world, "province").get("/api/v1/targets/progress", {"year": "2027"}).json()
    row = next(r for r in body["rows"] if r["code"] == BUILDS)
    assert (row["actual"], row["as_of"]) == (None, None)  # as_of was 2026-07-01
    book = openpyxl.load_workbook(io.BytesIO(progress_workbook(year=2027)))
    rows = {r[1]: r for r in book[SHEETS[0]].iter_rows(min_row=2, values_only=True)}
    assert rows[BUILDS][8:10] == (None, None)  # 实际值, 截至日期


# --- 3. Ties share a rank ----------------------------------------------------------------------


@pytest.fixture
def tied(world: World, plan, people: dict[str, User]) -> Target:
    """南京 and 苏州 both 30 of 100 enterprise platforms: the same completion and actual."""
    target = Target.objects.select_related("task").get(code=PLATFORMS)
    for city, official in ((world.p, people["city"]), (world.q, people["city_q"])):
        services.allocation_set(
            target=target, region=city, year=0, value=100, reason="均分", by=people["province"]
        )
        _approved(PLATFORMS, city, official, people["miit"], 30)
    return target


def test_cities_with_the_same_completion_and_actual_share_a_rank(
    world: World, tied: Target, people: dict[str, User]
) -> None:
    client = _login_client(people["province"])
    target = client.get(_url("target", code=PLATFORMS))
    assert [(r.row.region.code, r.rank) for r in target.context["entry"]["cities"]] == [
        ("3201", 1),
        ("3205", 1),  # was 2: ranked by region code
    ]
    scorecard = client.get(_url("city", code="3205"))
    assert 'data-testid="rank-enterprise_platforms">1 / 2<' in scorecard.text
    api = client.get(f"/api/v1/targets/{PLATFORMS}/cities").json()
    assert [c["rank"] for c in api["cities"]] == [1, 1]
    book = openpyxl.load_workbook(io.BytesIO(progress_workbook(year=2026)))
    ranks = [
        r[11] for r in book[SHEETS[1]].iter_rows(min_row=2, values_only=True) if r[0] == PLATFORMS
    ]
    assert ranks == [1, 1]


# --- 4. The htmx year switch keeps the year everywhere -----------------------------------------


@pytest.mark.parametrize("role", ["city", "county"])
def test_the_year_switch_carries_the_own_city_link_to_the_new_year(
    world: World, plan, role: str
) -> None:
    fragment = _client(world, role).get(_url("overview"), {"year": "2025"}, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.text
    assert 'href="/targets/cities/3201/?year=2025"' in fragment.text  # was left on 2026


# --- 5. A bad split keeps what was typed -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [("120", services.SHARE_OVER_100), ("-1", "分解目标值")],
)
def test_a_bad_split_keeps_the_typed_value_and_reason(
    world: World, plan, value: str, message: str
) -> None:
    data = {"region": "3205", "year": "0", "value": value, "reason": "苏州基础较好，承担更多"}
    response = _client(world, "province").post(_url("allocate", code=COVERAGE), data)
    assert response.status_code == 200  # was a redirect to an empty form
    form = response.context["allocation_form"]
    assert (form["region"].value(), form["value"].value(), form["reason"].value()) == (
        "3205",
        value,
        "苏州基础较好，承担更多",
    )
    assert 'value="苏州基础较好，承担更多"' in response.text
    assert message in response.text


# --- 6. Rounding never reaches a target that was missed ----------------------------------------


def test_a_share_just_below_its_target_does_not_read_as_reached(
    world: World, plan, people: dict[str, User]
) -> None:
    _approved(GIGABIT, world.province, people["telecom"], people["miit"], 59.97)
    client = _login_client(people["province"])
    row = _overview_rows(client.get(_url("overview")))[GIGABIT]
    assert row.status != "achieved"
    assert row.goal == "60%"
    assert row.actual == "59.9%"  # was "60%"
    assert row.completion == 99.9  # was 100.0
    printed = client.get(reverse("targets:print"))
    cells = re.search(rf'<tr data-code="{GIGABIT}">(.*?)</tr>', printed.text, re.S)
    assert cells is not None
    assert "100%" not in cells.group(1)  # completion was widthratio's 100%
    assert "99.9%" in cells.group(1)


@pytest.mark.parametrize(
    ("value", "goal", "unit", "expected"),
    [
        (59.97, 60.0, "%", "59.9%"),
        (99.96, 100.0, "%", "99.9%"),
        (60.04, 60.0, "%", "60%"),  # above the target: rounded as usual
        (12.34, 60.0, "%", "12.3%"),
        (999.996, 1000.0, "家", "999.99 家"),
        (None, 60.0, "%", "—"),
    ],
)
def test_an_actual_below_its_target_is_cut_not_rounded_up(
    value: float | None, goal: float, unit: str, expected: str
) -> None:
    assert display.number_below(value, goal, unit) == expected


# --- 7. The work plan's inputs are labelled ----------------------------------------------------


def test_every_input_of_the_work_plan_has_a_label(world: World, plan) -> None:
    text = _client(world, "city").get(reverse("targets:work-plan", kwargs={"year": 2026})).text
    form = text.split('data-testid="work-plan-form"', 1)[1].split("</form>", 1)[0]
    ids = re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', form)
    assert len(ids) == 1 + 2 * Target.objects.count()  # the summary, value and measures per target
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', form))
    assert [i for i in ids if i not in labelled] == []


# --- 8. The evaluation pack's reads do not grow with the cities' reports -----------------------

SUMMED = [  # reported by the cities only: the province figure is their sum
    "industry_regional_platforms",
    "cross_industry_platforms",
    "software_enterprises",
    "software_products",
]


def _pack_queries(people: dict[str, User]) -> int:
    client = _login_client(people["province"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("targets:print")).status_code == 200
    return len(queries.captured_queries)


def test_the_printable_pack_reads_the_same_for_more_summed_targets(
    world: World, plan, people: dict[str, User]
) -> None:
    _approved(PLATFORMS, world.p, people["city"], people["miit"], 10)
    one = _pack_queries(people)
    for code in SUMMED:
        _approved(code, world.p, people["city"], people["miit"], 10)
    assert _pack_queries(people) == one  # was 2 more (cities, every approved report) per target
    text = _login_client(people["province"]).get(reverse("targets:print")).text
    assert text.count("南京市 2026Q2 = 10（city_p）") == 1 + len(SUMMED)


# --- 9. htmx's history restore gets the whole page ---------------------------------------------


def test_a_history_restore_gets_the_whole_overview(world: World, plan) -> None:
    """On a history cache miss htmx 2 asks again with HX-Request and HX-History-Restore-Request
    and puts the answer in place of the whole body: a fragment would drop the header and nav."""
    response = _client(world, "province").get(
        _url("overview"),
        {"year": "2025"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.text  # was the plan body alone
    assert 'data-testid="nav-targets"' in response.text


# --- 10. The year switch of a form sent back with errors ---------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("target-edit", {"bound": "about", "value_2027": "-5", "reason": "测试"}),
        ("allocate", {"region": "3201", "year": "0", "value": "120", "reason": "测试"}),
    ],
)
def test_the_year_switch_after_a_form_error_leads_to_the_target_page(
    world: World, plan, name: str, data: dict[str, str]
) -> None:
    response = _client(world, "province").post(f"{_url(name, code=COVERAGE)}?year=2026", data)
    assert response.status_code == 200
    switch = response.text.split('data-testid="year-switch"', 1)[1].split("</nav>", 1)[0]
    assert f'href="/targets/targets/{COVERAGE}/?year=2025"' in switch  # was …/edit/?year=2025 (405)
    assert "/edit/" not in switch
    assert "/allocate/" not in switch


# --- 11. The trend's table view labels the forecast interval -----------------------------------


def test_the_trend_table_shows_the_interval_under_its_own_heading(world: World, plan) -> None:
    text = _client(world, "province").get(_url("task", number=1)).text
    table = text.split(f'data-testid="trend-table-{COVERAGE}"', 1)[1].split("</table>", 1)[0]
    headings = re.findall(r"<th[^>]*>(.*?)</th>", table)
    forecast = re.search(r'<tr class="forecast-row">(.*?)</tr>', table, re.S)
    assert forecast is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", forecast.group(1))
    interval = next(i for i, cell in enumerate(cells) if "–" in cell)
    assert headings[interval] == "预测区间"  # was under 分子 / 分母


# --- 12. The evaluation pack states the target as the plan does --------------------------------


def test_the_pack_keeps_a_ranges_upper_end_and_the_bound(world: World, plan) -> None:
    text = _client(world, "province").get(reverse("targets:print")).text

    def cells(code: str) -> list[str]:
        row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', text, re.S)
        assert row is not None
        return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)

    assert cells("industry_large_models")[1] == "2–3 个"  # was "2"
    assert cells(COVERAGE)[1] == "约 50%"  # was "50"
    assert cells(BUILDS)[1] == "每年不少于 10,000 家"
    book = openpyxl.load_workbook(io.BytesIO(progress_workbook(year=2026)))
    header = [c.value for c in book[SHEETS[0]][1]]
    rows = {r[1]: r for r in book[SHEETS[0]].iter_rows(min_row=2, values_only=True)}
    stated = header.index("目标表述 (target as stated)")
    assert rows["industry_large_models"][stated] == "2–3 个"


# --- 13. A code with a NUL byte is not found (PostgreSQL refused it with a 500) ----------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/targets/cities/%00/"),
        ("get", "/targets/targets/%00/"),
        ("post", "/targets/targets/%00/edit/"),
        ("post", "/targets/targets/%00/allocate/"),
        ("post", "/targets/targets/%00/allocate/default/"),
        ("get", "/targets/targets/basic%00factory_coverage/"),
        ("get", "/api/v1/targets/%00/cities"),
    ],
)
def test_a_code_with_a_nul_byte_is_not_found(world: World, plan, method: str, url: str) -> None:
    """Run on PostgreSQL (DATABASE_URL) this answered 500: "PostgreSQL text fields cannot contain
    NUL (0x00) bytes". SQLite always answered 404."""
    client = _client(world, "province")
    client.raise_request_exception = False
    response = getattr(client, method)(url, {"reason": "x"} if method == "post" else None)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert "error" in response.json()


# --- 14. In the browser ------------------------------------------------------------------------


@browser_marks[0]
@browser_marks[1]
@pytest.mark.django_db(transaction=True)
def test_the_cities_tooltip_respects_the_content_security_policy(page, world: World) -> None:  # noqa: F811
    """ECharts' default axis tooltip is HTML with style attributes, which style-src refuses."""
    make_plan_snapshot()
    services.allocation_default(
        target=Target.objects.get(code=COVERAGE),
        parent=world.province,
        base={"3201": 100, "3205": 300},
        by=world.users["province"],
    )
    _login(page, "province")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/targets/tasks/1/?year=2026")
    for selector in ("[data-testid=cities-chart-basic_factory_coverage]",):
        page.wait_for_selector(f'{selector}[data-ready="1"]')
        chart = page.locator(selector)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None
        for share in (0.25, 0.5, 0.75):
            page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * share)
            page.wait_for_timeout(200)
        expect(chart).to_contain_text("苏州市")  # the tooltip of the last bar hovered
        expect(chart).to_contain_text("16%")
    page.goto("/targets/cities/3201/?year=2026")
    chart = page.locator("[data-testid=parts-chart]")
    page.wait_for_selector('[data-testid=parts-chart][data-ready="1"]')
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    for share in (0.1, 0.3, 0.5):
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * share)
        page.wait_for_timeout(200)
    expect(chart).to_contain_text("平均完成进度")  # the tooltip
    assert page.csp_errors == []


# --- Checked and found right -------------------------------------------------------------------


def test_hostile_text_is_escaped_on_every_page(
    world: World, plan, people: dict[str, User], settings, tmp_path
) -> None:
    """A note, a revision reason, a split reason, a report note and evidence description, an
    organisation and work plan text never reach a page unescaped."""
    settings.MEDIA_ROOT = tmp_path
    province = people["province"]
    target = Target.objects.get(code=PLATFORMS)
    services.target_update(target=target, changes={"note": HOSTILE}, reason=HOSTILE, by=province)
    services.allocation_set(
        target=target, region=world.p, year=0, value=50, reason=HOSTILE, by=province
    )
    miit = make_user(
        "hostile",
        Role.PROVINCE,
        region=world.province,
        organisation="江苏省工业和信息化厅" + HOSTILE,
    )
    report = _approved(
        PLATFORMS, world.p, people["city"], people["miit"], 20, note=HOSTILE, evidence_text=HOSTILE
    )
    services.work_plan_save(
        region=world.p,
        year=2026,
        summary=HOSTILE,
        commitments={PLATFORMS: (50, HOSTILE)},
        by=people["city"],
    )
    pages = [
        (province, _url("target", code=PLATFORMS)),
        (province, _url("task", number=10)),
        (province, _url("city", code="3201")),
        (province, reverse("targets:report", kwargs={"pk": report.pk})),
        (province, reverse("targets:reports")),
        (province, reverse("targets:print")),
        (people["city"], reverse("targets:work-plan", kwargs={"year": 2026})),
        (miit, reverse("targets:reports")),
    ]
    for user, url in pages:
        text = _login_client(user).get(url).text
        assert HOSTILE not in text, url
        assert "onerror=" not in text.replace("onerror=&quot;", ""), url


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("targets:target-edit", {"code": COVERAGE}),
        ("targets:allocate", {"code": COVERAGE}),
        ("targets:allocate-default", {"code": COVERAGE}),
        ("targets:reports", {}),
        ("targets:report-upload", {}),
        ("targets:work-plan", {"year": 2026}),
        ("targets:work-plan-submit", {"year": 2026}),
    ],
)
def test_every_post_needs_the_csrf_token(world: World, plan, name: str, kwargs: dict) -> None:
    role = "city" if "work-plan" in name else "province"
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[role])
    assert client.post(reverse(name, kwargs=kwargs), {"reason": "x"}).status_code == 403


def test_export_cells_from_users_are_never_formulas(
    world: World, plan, people: dict[str, User], settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    target = Target.objects.get(code=PLATFORMS)
    services.target_update(
        target=target,
        changes={"note": "=1+1"},
        reason='=HYPERLINK("http://x")',
        by=people["province"],
    )
    _approved(
        PLATFORMS,
        world.province,
        people["miit"],
        make_user(
            "miit_b", Role.PROVINCE, region=world.province, organisation="江苏省工业和信息化厅"
        ),
        20,
        evidence_text="=cmd|' /C calc'!A0",
        note="@SUM(1)",
    )
    book = openpyxl.load_workbook(io.BytesIO(progress_workbook(year=2026)))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
