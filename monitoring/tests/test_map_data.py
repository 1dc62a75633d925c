"""The vendored map data (static/vendor/maps/, made by scripts/build-jiangsu-map.py): one feature
per city and per county-level unit of the platform's divisions, none unmapped, valid GeoJSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from registry.models import Region
from registry.reference import reference_data_load

MAPS = Path(settings.BASE_DIR) / "static" / "vendor" / "maps"
DIVISIONS = Path(settings.BASE_DIR) / "registry" / "data" / "jiangsu_divisions.csv"


def _divisions() -> list[dict[str, str]]:
    with DIVISIONS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _features(name: str) -> list[dict[str, Any]]:
    data = json.loads((MAPS / name).read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    return data["features"]


def _by_code(features: list[dict[str, Any]]) -> dict[str, str]:
    codes = [f["properties"]["code"] for f in features]
    assert len(codes) == len(set(codes)), "a code has more than one feature"
    return {f["properties"]["code"]: f["properties"]["name"] for f in features}


CITIES = {row["code"]: row["name"] for row in _divisions() if row["level"] == "city"}


def test_the_province_map_has_each_city_once_with_its_name() -> None:
    assert _by_code(_features("jiangsu.json")) == CITIES


@pytest.mark.parametrize("city", sorted(CITIES))
def test_each_city_map_has_each_of_its_counties_once(city: str) -> None:
    expected = {
        row["code"]: row["name"]
        for row in _divisions()
        if row["level"] == "county" and row["parent_code"] == city
    }
    assert _by_code(_features(f"jiangsu-{city}.json")) == expected


def test_the_maps_hold_all_95_county_level_units_and_nothing_else() -> None:
    codes = [f["properties"]["code"] for city in CITIES for f in _features(f"jiangsu-{city}.json")]
    assert len(codes) == len(set(codes)) == 95
    assert not (set(MAPS.glob("jiangsu-*.json")) - {MAPS / f"jiangsu-{c}.json" for c in CITIES})


def test_nantong_chongchuan_is_the_merged_multipolygon_of_the_old_districts() -> None:
    features = {f["properties"]["code"]: f for f in _features("jiangsu-3206.json")}
    assert features["320613"]["geometry"]["type"] == "MultiPolygon"
    assert len(features["320613"]["geometry"]["coordinates"]) >= 2
    assert not {"320602", "320611", "320621", "320684"} & features.keys()


@pytest.mark.parametrize("name", ["jiangsu.json", *(f"jiangsu-{c}.json" for c in sorted(CITIES))])
def test_geometries_are_closed_rings_inside_jiangsu(name: str) -> None:
    for feature in _features(name):
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for ring in (ring for polygon in polygons for ring in polygon):
            assert len(ring) >= 4
            assert ring[0] == ring[-1]
            assert all(116 < lon < 122.5 and 30.5 < lat < 35.5 for lon, lat in ring)


def test_the_map_files_stay_small() -> None:
    assert sum(p.stat().st_size for p in MAPS.glob("*.json")) < 2 * 1024 * 1024


@pytest.mark.django_db
def test_every_region_of_the_loaded_reference_data_has_a_feature() -> None:
    reference_data_load()
    cities = dict(Region.objects.filter(level="city").values_list("code", "name"))
    assert _by_code(_features("jiangsu.json")) == cities
    counties = dict(Region.objects.filter(level="county").values_list("code", "name"))
    drawn = {
        f["properties"]["code"]: f["properties"]["name"]
        for city in cities
        for f in _features(f"jiangsu-{city}.json")
    }
    assert drawn == counties
