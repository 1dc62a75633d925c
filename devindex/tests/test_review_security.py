"""Second reading of the development index's pages, downloads and API (#5): unpublished runs stay
with the province through every route, the public pages and files name no enterprise, hostile
parameters never answer 500 (also on PostgreSQL), downloads of unpublished runs are audited, the
POST routes need a CSRF token and the province's role, a constant number of queries, and the
ranking chart drawn again when the level tabs swap it in (a real browser)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from conftest import World, make_region
from devindex.models import IndexRun, IndexValue
from devindex.tests.factories import (
    load_definition,
    make_gen_result,
    make_run,
    make_stored_run,
    make_tiny_snapshot,
)
from tests.test_browser import page  # noqa: F401 — `page` is a fixture
from tests.test_browser import pytestmark as browser_marks

VALUES = "/api/v1/index/runs/{pk}/values"


def _client(world: World, role: str | None = None) -> Client:
    client = Client()
    if role:
        client.force_login(world.users[role])
    return client


@pytest.fixture
def runs(world: World) -> dict[str, IndexRun]:
    snapshot = make_tiny_snapshot(world)
    definition = load_definition()
    return {
        "published": make_stored_run(definition=definition, snapshot=snapshot, published=True),
        "draft": make_stored_run(definition=definition, snapshot=snapshot),
    }


# --- Unpublished runs through every route ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, "city", "county", "enterprise", "expert", "admin"])
def test_an_unpublished_run_is_unreachable_but_for_the_province(
    world: World, runs: dict[str, IndexRun], role: str | None
) -> None:
    pk = runs["draft"].pk
    client = _client(world, role)
    for url in (
        reverse("devindex:run-detail", args=[pk]),
        reverse("devindex:run-detail", args=[pk]) + "?level=county",
        *(reverse("devindex:run-download", args=[pk, fmt]) for fmt in ("csv", "xlsx", "parquet")),
        VALUES.format(pk=pk),
        VALUES.format(pk=pk) + "?unit_level=city&node=IDX",
    ):
        assert client.get(url).status_code == 404, url
    assert pk not in [run["id"] for run in client.get("/api/v1/index/runs").json()]
    definition = runs["draft"].definition
    methodology = client.get(
        reverse("devindex:methodology", args=[definition.code, definition.version])
    )
    assert methodology.status_code == 200
    assert reverse("devindex:run-detail", args=[pk]) not in methodology.content.decode()


# --- Hostile parameters ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "version"),
    [("\x00", "1"), ("TINY", "\x00"), ("TI\x00NY", "1"), ("x" * 3000, "1"), ("..", "..")],
)
def test_a_malformed_methodology_path_answers_404(
    world: World, runs: dict[str, IndexRun], code: str, version: str
) -> None:
    response = Client().get(reverse("devindex:methodology", args=[code, version]))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/index/?level=%00",
        "/index/?level=" + "x" * 5000,
        "/index/runs/{pk}/?level=%00",
        "/index/runs/99999999999999999999999/",
        "/index/runs/9223372036854775808/download.csv",
        "/index/runs/{pk}/download.exe",
        "/index/runs/{pk}/download.%00",
        "/index/runs/{pk}/download.csv%00",
    ],
)
def test_hostile_page_parameters_never_answer_500(
    world: World, runs: dict[str, IndexRun], url: str
) -> None:
    response = Client().get(url.format(pk=runs["published"].pk))
    assert response.status_code in (200, 404)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/index/runs/99999999999999999999999/values",
        "/api/v1/index/runs/0/values",
        "/api/v1/index/runs/-1/values",
        "/api/v1/index/runs/abc/values",
        "/api/v1/index/runs/{pk}/values?unit_level=%00",
        "/api/v1/index/runs/{pk}/values?node=%00",
        "/api/v1/index/runs/{pk}/values?node=../../etc",
        "/api/v1/index/runs/{pk}/values?node=" + "A" * 1000,
    ],
)
def test_hostile_api_parameters_answer_4xx_with_an_error(
    world: World, runs: dict[str, IndexRun], url: str
) -> None:
    response = Client().get(url.format(pk=runs["published"].pk))
    assert response.status_code in (404, 422)
    assert "error" in response.json()


# --- Public pages and files name no enterprise ----------------------------------------------------


@pytest.mark.django_db
def test_the_public_pages_files_and_api_name_no_enterprise(world: World) -> None:
    make_tiny_snapshot(world)
    by = world.users["enterprise"]
    for enterprise, fraction in ((world.e1, 1.0), (world.e2, 0.0), (world.e3, 1.0)):
        make_gen_result(enterprise=enterprise, by=by, fraction=fraction)
    run = make_run(publish=True)
    client = Client()
    texts = [
        client.get(reverse("devindex:overview") + f"?level={level}").content.decode()
        for level in ("city", "county")
    ]
    texts.append(client.get(reverse("devindex:run-detail", args=[run.pk])).content.decode())
    texts.append(client.get(VALUES.format(pk=run.pk)).content.decode())
    texts.append(client.get("/api/v1/index/runs").content.decode())
    download = client.get(reverse("devindex:run-download", args=[run.pk, "csv"]))
    texts.append(b"".join(download.streaming_content).decode("utf-8-sig"))
    assert IndexValue.objects.filter(run=run).exists()
    for enterprise in (world.e1, world.e2, world.e3):
        for text in texts:
            assert enterprise.name not in text
            assert enterprise.uscc not in text
    levels = set(IndexValue.objects.filter(run=run).values_list("unit_level", flat=True))
    assert levels <= {"city", "county", "cluster", "chain"}


# --- Downloads: audited when not public, never stored when signed in ------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_the_province_downloading_an_unpublished_run_is_audited(
    world: World, runs: dict[str, IndexRun], fmt: str
) -> None:
    run = runs["draft"]
    response = _client(world, "province").get(reverse("devindex:run-download", args=[run.pk, fmt]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action="index_run.export")
    assert (event.object_type, event.object_id) == ("devindex.indexrun", str(run.pk))
    assert event.actor_username == "province"
    assert event.after == {"format": fmt, "rows": 4, "published": False}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, "province", "city"])
def test_open_data_downloads_of_a_published_run_are_not_audited(
    world: World, runs: dict[str, IndexRun], role: str | None
) -> None:
    run = runs["published"]
    response = _client(world, role).get(reverse("devindex:run-download", args=[run.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="TINY-1-{run.year}-run{run.pk}.csv"'
    )
    assert not AuditEvent.objects.filter(action="index_run.export").exists()


# --- CSRF and roles on the POST routes ------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_needs_a_csrf_token(world: World, runs: dict[str, IndexRun]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["province"])
    response = client.post(reverse("devindex:run-publish", args=[runs["draft"].pk]))
    assert response.status_code == 403
    runs["draft"].refresh_from_db()
    assert not runs["draft"].published


@pytest.mark.django_db
def test_starting_a_run_needs_a_csrf_token(world: World, runs: dict[str, IndexRun]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["province"])
    before = IndexRun.objects.count()
    data = {"definition": runs["draft"].definition.pk, "year": runs["draft"].year}
    assert client.post(reverse("devindex:manage"), data).status_code == 403
    assert IndexRun.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["city", "county", "enterprise", "expert", "admin"])
def test_only_the_province_publishes_and_starts_runs(
    world: World, runs: dict[str, IndexRun], role: str
) -> None:
    client = _client(world, role)
    before = IndexRun.objects.count()
    assert client.post(reverse("devindex:run-publish", args=[runs["draft"].pk])).status_code == 403
    data = {"definition": runs["draft"].definition.pk, "year": runs["draft"].year}
    assert client.post(reverse("devindex:manage"), data).status_code == 403
    assert client.get(reverse("devindex:run-status", args=[runs["draft"].pk])).status_code == 403
    runs["draft"].refresh_from_db()
    assert not runs["draft"].published
    assert IndexRun.objects.count() == before
    assert AuditEvent.objects.filter(action="access.denied").count() == 3


@pytest.mark.django_db
def test_the_ranking_htmx_request_gets_the_fragment_and_a_plain_one_the_page(
    world: World, runs: dict[str, IndexRun]
) -> None:
    fragment = Client().get("/index/?level=county", headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert 'id="ranking"' in fragment.content.decode()
    assert "<html" in Client().get("/index/?level=county").content.decode()


@pytest.mark.django_db
def test_the_run_status_fragment_is_for_htmx_and_a_plain_request_gets_the_run_page(
    world: World, runs: dict[str, IndexRun]
) -> None:
    client = _client(world, "province")
    url = reverse("devindex:run-status", args=[runs["draft"].pk])
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.content.decode().startswith('<span id="run-status-')
    plain = client.get(url)
    assert plain.status_code == 302
    assert plain["Location"] == reverse("devindex:run-detail", args=[runs["draft"].pk])


# --- Query counts ---------------------------------------------------------------------------------


def _many_units(world: World, cities: int, counties: int) -> IndexRun:
    """A published run with the index and one indicator for `cities` cities and `counties`
    counties (regions created here)."""
    snapshot = make_tiny_snapshot(world)
    rows = []
    for i in range(cities):
        code = f"32{60 + i}"
        make_region(code, f"市{i}", "city", world.province)
        rows.append({"unit_level": "city", "unit_code": code, "node": "IDX", "score": 50.0 + i})
        rows.append({"unit_level": "city", "unit_code": code, "node": "D1", "score": 40.0 + i})
        for j in range(counties):
            county = f"{code}{60 + j}"
            make_region(county, f"县{i}-{j}", "county", world.p)
            rows.append({"unit_level": "county", "unit_code": county, "node": "IDX", "score": j})
    return make_stored_run(
        definition=load_definition(), snapshot=snapshot, published=True, values=rows
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("cities", "counties"), [(1, 1), (13, 8)])
@pytest.mark.parametrize(
    "url",
    [
        "/index/",
        "/index/?level=county",
        "/index/runs/{pk}/",
        "/index/runs/{pk}/?level=county",
        "/index/runs/{pk}/download.xlsx",
        "/api/v1/index/runs",
        "/api/v1/index/runs/{pk}/values",
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_units(
    world: World, django_assert_max_num_queries, cities: int, counties: int, url: str
) -> None:
    run = _many_units(world, cities, counties)
    with django_assert_max_num_queries(6):
        response = Client().get(url.format(pk=run.pk))
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


# --- The ranking chart after the level tabs (a real browser) --------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["overview", "run"])
@browser_marks[0]
@browser_marks[1]
def test_the_ranking_chart_is_drawn_again_after_a_level_tab(page, world: World, where: str) -> None:  # noqa: F811
    """htmx drops <script> elements from swapped content (allowScriptTags: false), json_script
    included; the chart must still be drawn for the level swapped in, without a script error."""
    snapshot = make_tiny_snapshot(world)
    rows = [
        {"unit_level": level, "unit_code": code, "node": "IDX", "score": score, "rank": rank}
        for level, units in (
            ("city", [("3201", 70.0, 1), ("3205", 40.0, 2)]),
            ("county", [("320102", 60.0, 1), ("320104", 50.0, 2), ("320583", 30.0, 3)]),
        )
        for code, score, rank in units
    ]
    run = make_stored_run(
        definition=load_definition(), snapshot=snapshot, published=True, values=rows
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    url = "/index/" if where == "overview" else f"/index/runs/{run.pk}/"
    page.goto(url)
    chart = '[data-chart="devindex-ranking"]'
    page.wait_for_selector(f"{chart} canvas")
    page.click('#ranking a[href="?level=county"]')
    page.wait_for_selector('#ranking[data-level="county"]')
    page.wait_for_selector(f"{chart} canvas")
    drawn = page.evaluate(
        """() => {
          const el = document.querySelector('[data-chart="devindex-ranking"]');
          return echarts.getInstanceByDom(el).getOption().yAxis[0].data;
        }"""
    )
    assert drawn == ["玄武区", "秦淮区", "昆山市"]
    assert errors == []
    assert page.csp_errors == []
