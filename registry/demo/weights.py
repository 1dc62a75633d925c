"""The weight files `registry/data/demo_*.csv` (checked against the reference tables), and
weighted draws."""

from __future__ import annotations

import bisect
import csv
import itertools
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from registry.demo.messages import DEMO_BAD_WEIGHTS, DemoError
from registry.demo.world import World
from registry.models import Region
from registry.reference import DATA_DIR

COUNTY_KIND_WEIGHTS = {"district": 1.0, "county_city": 1.3, "county": 0.9}


class Weighted:
    """Items with weights, drawn with one `random()` call (cumulative weights + bisect)."""

    def __init__(self, items: Sequence[tuple[str, float]]) -> None:
        self.items = [item for item, weight in items if weight > 0]
        self.cumulative = list(itertools.accumulate(w for _, w in items if w > 0))

    def __bool__(self) -> bool:
        return bool(self.items)

    def draw(self, rng: random.Random) -> str:
        x = rng.random() * self.cumulative[-1]
        return self.items[min(bisect.bisect_right(self.cumulative, x), len(self.items) - 1)]


@dataclass
class Weights:
    cities: Weighted
    revenue_factor: dict[str, float]
    counties: dict[str, Weighted]
    specialities: dict[str, Weighted]
    background: Weighted
    words: dict[str, list[str]]

    @classmethod
    def load(cls, world: World, data_dir: Path = DATA_DIR) -> Weights:
        def rows(name: str) -> list[tuple[int, dict[str, str]]]:
            with (data_dir / name).open(encoding="utf-8-sig", newline="") as handle:
                return list(enumerate(csv.DictReader(handle), start=2))

        def bad(name: str, line: int, value: str) -> DemoError:
            return DemoError(DEMO_BAD_WEIGHTS.format(file=name, line=line, value=value))

        def number(name: str, line: int, value: str) -> float:
            try:
                result = float(value)
            except ValueError:
                result = -1.0
            if not result >= 0:
                raise bad(name, line, value)
            return result

        cities, factors = [], {}
        for line, row in rows("demo_city_weights.csv"):
            if row["city_code"] not in world.counties:
                raise bad("demo_city_weights.csv", line, row["city_code"])
            cities.append((row["city_code"], number("demo_city_weights.csv", line, row["weight"])))
            factors[row["city_code"]] = number("demo_city_weights.csv", line, row["revenue_factor"])
        overrides = {}
        for line, row in rows("demo_county_weights.csv"):
            region = world.regions.get(row["code"])
            if region is None or region.level != Region.Level.COUNTY or region.name != row["name"]:
                raise bad("demo_county_weights.csv", line, row["code"])
            overrides[row["code"]] = number("demo_county_weights.csv", line, row["weight"])
        counties = {
            city: Weighted(
                [(c.code, overrides.get(c.code, COUNTY_KIND_WEIGHTS[c.kind])) for c in members]
            )
            for city, members in world.counties.items()
        }
        by_city: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for line, row in rows("demo_city_industries.csv"):
            if row["industry_code"] not in world.classes or (
                row["city_code"] != "*" and row["city_code"] not in world.counties
            ):
                raise bad("demo_city_industries.csv", line, row["industry_code"])
            weight = number("demo_city_industries.csv", line, row["weight"])
            by_city[row["city_code"]].append((row["industry_code"], weight))
        words = {
            row["industry_code"]: row["words"].split(";")
            for _, row in rows("demo_industry_words.csv")
        }
        background = Weighted(by_city.pop("*", []))
        if not cities:
            raise bad("demo_city_weights.csv", 1, "(no rows)")
        if not background:
            raise bad("demo_city_industries.csv", 1, "(no rows for city *)")
        specialities = {city: Weighted(items) for city, items in by_city.items()}
        return cls(Weighted(cities), factors, counties, specialities, background, words)
