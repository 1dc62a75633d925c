"""Index pages: the public overview of the latest published run, a run's page, the methodology page
generated from the definition, open-data downloads whose content equals the stored values, and
the province's management (start, progress, publish). Unpublished runs answer 404 to everyone
but the province."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

import polars as pl
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import World
from devindex.exports import VALUE_COLUMNS, canonical_text, value_rows
from devindex.models import IndexDefinition, IndexRun, IndexValue
from devindex.tests.factories import (
    YEAR,
    jsdi,
    load_definition,
    make_gen_result,
    make_run,
    make_stored_run,
    make_tiny_snapshot,
)


@pytest.fixture
def tiny_world(world: World) -> World:
    make_tiny_snapshot(world)
    by = world.users["enterprise"]
    make_gen_result(enterprise=world.e1, by=by, fraction=1.0)
    make_gen_result(enterprise=world.e2, by=by, fraction=0.0)
    make_gen_result(enterprise=world.e3, by=by, fraction=1.0)
    return world


def _client(world: World, role: str | None = None) -> Client:
    client = Client()
    if role:
        client.force_login(world.users[role])
    return client


def _ranking_codes(html: str) -> list[str]:
    return re.findall(r'<tr data-unit="([^"]+)"', html)


# --- overview ------------------------------------------------------------------------------------


def test_the_overview_says_when_nothing_is_published(tiny_world: World) -> None:
    make_run()  # computed, not published
    response = _client(tiny_world).get(reverse("devindex:overview"))
    assert response.status_code == 200
    assert 'data-testid="no-run"' in response.text
    assert "3201" not in response.text


def test_the_overview_ranks_the_cities_of_the_latest_published_run(tiny_world: World) -> None:
    run = make_run(publish=True)
    response = _client(tiny_world).get(reverse("devindex:overview"))
    assert response.status_code == 200
    assert response.context["run"] == run
    assert _ranking_codes(response.text) == ["3201", "3202", "3205"]
    assert "南京市" in response.text
    assert "第一梯队" in response.text
    chart = json.loads(
        re.search(r'id="ranking-data" type="application/json">(.*?)</script>', response.text).group(
            1
        )
    )  # type: ignore[union-attr]
    assert chart["scores"] == [83.5, 58.75, 50.5]
    assert chart["ranks"] == [1, 2, 3]
    assert len(chart["bands"]) == 3


def test_the_overview_switches_level_with_an_htmx_fragment(tiny_world: World) -> None:
    make_run(publish=True)
    response = _client(tiny_world).get(
        reverse("devindex:overview") + "?level=county", HTTP_HX_REQUEST="true"
    )
    assert "<html" not in response.text
    assert _ranking_codes(response.text) == ["320102", "320583", "320104"]


def test_the_overview_reads_a_bounded_number_of_queries(
    tiny_world: World, django_assert_max_num_queries
) -> None:
    make_run(publish=True)
    client = _client(tiny_world)
    with django_assert_max_num_queries(8):
        client.get(reverse("devindex:overview") + "?level=county")


# --- run page ------------------------------------------------------------------------------------


def test_a_published_run_page_is_public_with_its_stamp_and_sensitivity(tiny_world: World) -> None:
    run = make_run(publish=True)
    response = _client(tiny_world).get(reverse("devindex:run-detail", args=[run.pk]))
    assert response.status_code == 200
    assert run.values_sha256 in response.text
    assert 'data-testid="sobol-city"' in response.text
    assert 'data-testid="coherence-county"' in response.text
    assert 'data-testid="publish"' not in response.text


@pytest.mark.parametrize("role", [None, "city", "county", "enterprise", "admin"])
def test_an_unpublished_run_is_hidden_from_all_but_the_province(tiny_world: World, role) -> None:
    run = make_run()
    response = _client(tiny_world, role).get(reverse("devindex:run-detail", args=[run.pk]))
    assert response.status_code == 404


def test_the_province_sees_an_unpublished_run_and_may_publish_it(tiny_world: World) -> None:
    run = make_run()
    client = _client(tiny_world, "province")
    page = client.get(reverse("devindex:run-detail", args=[run.pk]))
    assert 'data-testid="publish"' in page.text
    response = client.post(reverse("devindex:run-publish", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.published
    assert run.published_by == tiny_world.users["province"]


# --- methodology ---------------------------------------------------------------------------------


def test_the_methodology_page_lists_every_indicator_with_its_provisional_mark(world: World) -> None:
    call_command("load_index_definitions", stdout=io.StringIO())
    content = jsdi()
    response = _client(world).get(reverse("devindex:methodology", args=["JSDI", "2025.1"]))
    assert response.status_code == 200
    rows = dict(
        re.findall(r'<tr data-node="([^"]+)" data-level="1">(.*?)</tr>', response.text, re.S)
    )
    codes = [i["code"] for d in content["dimensions"] for i in d["indicators"]]
    assert sorted(rows) == sorted(codes)
    for code in codes:
        assert 'data-testid="provisional"' in rows[code], code
    indicator = content["dimensions"][0]["indicators"][0]
    assert indicator["source"]["how"]["zh"] in rows[indicator["code"]]
    for step in ("impute", "treat", "normalise", "aggregate", "tiers"):
        assert f'data-step="{step}"' in response.text
    assert content["method"]["normalise"]["why"]["zh"] in response.text
    assert 'data-testid="uncertainty"' in response.text


def test_an_unknown_methodology_answers_404(world: World) -> None:
    assert _client(world).get(reverse("devindex:methodology", args=["X", "1"])).status_code == 404


# --- downloads -----------------------------------------------------------------------------------


def _download(client: Client, run: IndexRun, fmt: str) -> bytes:
    response = client.get(reverse("devindex:run-download", args=[run.pk, fmt]))
    assert response.status_code == 200, fmt
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _stored(run: IndexRun) -> list[tuple]:
    return [tuple(r) for r in value_rows(run)]


def _as_values(records: list[dict]) -> list[tuple]:
    def number(value, cast):
        return None if value in (None, "") else cast(value)

    out = []
    for r in records:
        imputed = r["imputed"] if isinstance(r["imputed"], bool) else r["imputed"] == "true"
        out.append(
            (
                r["unit_level"], r["unit_code"], r["node"], number(r["raw"], float),
                number(r["score"], float), number(r["rank"], int), number(r["rank_median"], float),
                number(r["rank_p05"], float), number(r["rank_p95"], float), number(r["tier"], int),
                imputed,
            )
        )  # fmt: skip
    return sorted(out, key=lambda row: row[:3])


def test_the_csv_download_holds_exactly_the_stored_values(tiny_world: World) -> None:
    run = make_run(publish=True)
    body = _download(_client(tiny_world), run, "csv").decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(body)))
    assert _as_values(records) == _stored(run)
    assert {r["definition_code"] for r in records} == {"TINY"}
    assert {r["values_sha256"] for r in records} == {run.values_sha256}
    assert {r["unit_name"] for r in records if r["unit_code"] == "3201"} == {"南京市"}
    # the published hash can be recomputed from the file's own value columns
    recomputed = hashlib.sha256(canonical_text(_as_values(records)).encode()).hexdigest()
    assert recomputed == run.values_sha256


def test_the_xlsx_download_holds_the_values_and_a_readme(tiny_world: World) -> None:
    run = make_run(publish=True)
    workbook = load_workbook(io.BytesIO(_download(_client(tiny_world), run, "xlsx")))
    sheet = workbook["指数值"]
    header = [c.value for c in sheet[1]]
    records = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    got, stored = _as_values(records), _stored(run)
    # XLSX numbers carry 16 significant digits (xlsxwriter); CSV and Parquet are exact
    assert [row[:3] for row in got] == [row[:3] for row in stored]
    for a, b in zip(got, stored, strict=True):
        assert [x is None for x in a] == [x is None for x in b]
        assert [x for x in a[3:] if x is not None] == pytest.approx(
            [x for x in b[3:] if x is not None], rel=1e-14
        )
    readme = {row[0].value: row[1].value for row in workbook["说明"].iter_rows(min_row=2)}
    assert readme["definition"] == "TINY@1"
    assert readme["values_sha256"] == run.values_sha256
    assert json.loads(readme["method_stamp"])["definition"]["sha256"] == run.definition.sha256
    assert json.loads(readme["snapshot_stamp"]) == run.snapshot.stamp


def test_the_parquet_download_holds_the_values_and_metadata(tiny_world: World) -> None:
    run = make_run(publish=True)
    table = pq.read_table(io.BytesIO(_download(_client(tiny_world), run, "parquet")))
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    assert _as_values(frame.select(VALUE_COLUMNS).to_dicts()) == _stored(run)
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    assert meta["zhigai.values_sha256"] == run.values_sha256
    assert meta["zhigai.definition"] == "TINY@1"
    assert json.loads(meta["zhigai.method_stamp"])["year"] == YEAR


def test_text_that_looks_like_a_formula_is_escaped(world: World) -> None:
    snapshot = make_tiny_snapshot(world)
    definition = load_definition()
    value = {
        "unit_level": "city",
        "unit_code": "=HYPERLINK(1)",
        "node": "IDX",
        "score": 1.0,
        "rank": 1,
    }
    run = make_stored_run(definition=definition, snapshot=snapshot, published=True, values=[value])
    workbook = load_workbook(io.BytesIO(_download(_client(world), run, "xlsx")))
    codes = [row[5].value for row in workbook["指数值"].iter_rows(min_row=2)]
    assert codes == ["'=HYPERLINK(1)"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
@pytest.mark.parametrize("role", [None, "city", "county"])
def test_an_unpublished_run_cannot_be_downloaded(world: World, fmt: str, role) -> None:
    snapshot = make_tiny_snapshot(world)
    run = make_stored_run(definition=load_definition(), snapshot=snapshot)
    response = _client(world, role).get(reverse("devindex:run-download", args=[run.pk, fmt]))
    assert response.status_code == 404


def test_the_province_downloads_an_unpublished_run(world: World) -> None:
    snapshot = make_tiny_snapshot(world)
    run = make_stored_run(definition=load_definition(), snapshot=snapshot)
    body = _download(_client(world, "province"), run, "csv").decode("utf-8-sig")
    assert (
        len(list(csv.DictReader(io.StringIO(body)))) == IndexValue.objects.filter(run=run).count()
    )


def test_an_unknown_format_answers_404(world: World) -> None:
    snapshot = make_tiny_snapshot(world)
    run = make_stored_run(definition=load_definition(), snapshot=snapshot, published=True)
    response = _client(world).get(reverse("devindex:run-download", args=[run.pk, "json"]))
    assert response.status_code == 404


# --- management ----------------------------------------------------------------------------------


def test_the_province_starts_a_run_from_the_page(tiny_world: World) -> None:
    definition = load_definition()
    client = _client(tiny_world, "province")
    page = client.get(reverse("devindex:manage"))
    assert f'<option value="{YEAR}"' in page.text
    response = client.post(reverse("devindex:manage"), {"definition": definition.pk, "year": YEAR})
    run = IndexRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("devindex:run-detail", args=[run.pk])
    assert run.status == IndexRun.Status.DONE  # the test settings run tasks at once
    assert run.created_by == tiny_world.users["province"]


def test_a_running_run_is_polled_and_a_finished_one_is_not(tiny_world: World) -> None:
    client = _client(tiny_world, "province")
    finished = make_run()
    running = IndexRun.objects.create(
        definition=finished.definition, snapshot=finished.snapshot, year=YEAR,
        status=IndexRun.Status.RUNNING, progress_done=400, progress_total=1000,
    )  # fmt: skip
    polled = client.get(reverse("devindex:run-status", args=[running.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in polled.text
    assert 'value="40"' in polled.text
    assert "<html" not in polled.text
    done = client.get(reverse("devindex:run-status", args=[finished.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.text


@pytest.mark.parametrize("role", ["city", "county", "enterprise"])
def test_only_the_province_manages_runs(tiny_world: World, role: str) -> None:
    definition = load_definition()
    response = _client(tiny_world, role).post(
        reverse("devindex:manage"), {"definition": definition.pk, "year": YEAR}
    )
    assert response.status_code == 403
    assert not IndexRun.objects.exists()
    assert IndexDefinition.objects.count() == 1


def test_the_province_follows_a_run_that_is_not_finished(tiny_world: World) -> None:
    finished = make_run()
    running = IndexRun.objects.create(
        definition=finished.definition, snapshot=finished.snapshot, year=YEAR,
        status=IndexRun.Status.RUNNING,
    )  # fmt: skip
    client = _client(tiny_world, "province")
    page = client.get(reverse("devindex:run-detail", args=[running.pk]))
    assert page.status_code == 200
    assert 'data-testid="downloads"' not in page.text
    assert 'data-testid="publish"' not in page.text
    download = client.get(reverse("devindex:run-download", args=[running.pk, "csv"]))
    assert download.status_code == 404
