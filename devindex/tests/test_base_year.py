"""The base year = 100 series of the published index (Jiangsu's reports publish 基期 = 100 scores):
the base-year mean of a unit level's scores is 100, later years keep the fixed goalposts' scale."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from devindex.exports import values_digest
from devindex.models import IndexRun
from devindex.selectors import base_year_series
from devindex.tests.factories import load_definition, make_stored_run, make_tiny_snapshot


def _city_values(index_3201: float, index_3205: float) -> list[dict]:
    return [
        {"unit_level": "city", "unit_code": "3201", "node": "IDX", "score": index_3201, "rank": 1},
        {"unit_level": "city", "unit_code": "3205", "node": "IDX", "score": index_3205, "rank": 2},
    ]


def _published(run: IndexRun, year: int) -> IndexRun:
    IndexRun.objects.filter(pk=run.pk).update(year=year)
    IndexRun.objects.filter(pk=run.pk).update(
        published=True, published_at=timezone.now(), values_sha256=values_digest(run)
    )
    run.refresh_from_db()
    return run


@pytest.fixture
def two_years(world: World) -> tuple[IndexRun, IndexRun]:
    snapshot = make_tiny_snapshot(world)
    definition = load_definition()
    first = make_stored_run(definition=definition, snapshot=snapshot, values=_city_values(60, 40))
    second = make_stored_run(
        definition=definition, snapshot=snapshot, values=_city_values(70.5, 40.25)
    )
    return _published(first, 2025), _published(second, 2026)


def test_the_base_year_mean_is_100_and_later_years_keep_their_distance(
    two_years: tuple[IndexRun, IndexRun],
) -> None:
    series = base_year_series(run=two_years[1], unit_level="city")
    assert series is not None
    assert (series.base_year, series.years) == (2025, [2025, 2026])
    assert series.at("3201", 2025) == pytest.approx(120.0)  # 60 / mean(60, 40) · 100
    assert series.at("3205", 2025) == pytest.approx(80.0)
    assert series.at("3201", 2026) == pytest.approx(141.0)
    assert series.at("3205", 2026) == pytest.approx(80.5)


def test_a_single_published_year_has_no_series(two_years: tuple[IndexRun, IndexRun]) -> None:
    assert base_year_series(run=two_years[0], unit_level="city") is None


def test_the_overview_shows_the_base_year_index(two_years: tuple[IndexRun, IndexRun]) -> None:
    html = Client().get(reverse("devindex:overview")).content.decode()
    assert 'data-testid="rebased-head"' in html
    assert "2025年均值=100" in html
    row = html[html.index('data-unit="3201"') :]
    assert "141.0" in row[: row.index("</tr>")]
