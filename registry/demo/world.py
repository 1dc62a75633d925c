"""The reference tables the demo province is drawn from, read from the database in code order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from registry.demo.messages import DEMO_NO_REFERENCE_DATA, DemoError
from registry.demo.types import LADDER_SHARES
from registry.models import Category, Chain, Industry, Region


@dataclass
class World:
    regions: dict[str, Region]
    counties: dict[str, list[Region]]  # city code → its counties, in code order
    zones: dict[str, list[str]]  # city or county code → its zone codes, in code order
    classes: dict[str, list[str]]  # any industry code → the 小类 codes below it (itself for one)
    parents: dict[str, str]
    chains: list[str]
    chains_by_class: dict[str, list[str]]

    @classmethod
    def load(cls) -> World:
        regions = {r.code: r for r in Region.objects.order_by("code")}
        counties: dict[str, list[Region]] = defaultdict(list)
        zones: dict[str, list[str]] = defaultdict(list)
        for region in regions.values():
            if region.level == Region.Level.COUNTY and region.parent_id:
                counties[region.parent_id].append(region)
            elif region.level == Region.Level.ZONE and region.parent_id:
                zones[region.parent_id].append(region.code)
        rows = list(Industry.objects.order_by("code").values_list("code", "parent_id", "level"))
        parents = {code: parent for code, parent, _ in rows if parent}
        classes: dict[str, list[str]] = defaultdict(list)
        for code, _, level in rows:
            if level == Industry.Level.CLASS:
                node: str | None = code
                while node is not None:
                    classes[node].append(code)
                    node = parents.get(node)
        links = Chain.industries.through.objects.order_by("chain_id", "industry_id")
        chains_by_class: dict[str, list[str]] = defaultdict(list)
        for chain_id, industry_id in links.values_list("chain_id", "industry_id"):
            chains_by_class[industry_id].append(chain_id)
        chains = list(Chain.objects.order_by("code").values_list("code", flat=True))
        official = {code for code, _ in LADDER_SHARES} | {"above_scale", "single_champion"}
        present = set(Category.objects.filter(code__in=official).values_list("code", flat=True))
        if not counties or not classes or present != official:
            raise DemoError(DEMO_NO_REFERENCE_DATA)
        return cls(regions, counties, zones, classes, parents, chains, chains_by_class)
