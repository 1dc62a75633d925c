"""Drawing the demo enterprises from `random.Random(seed)`: pure and deterministic (reads, never
writes)."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from registry.demo.messages import DEMO_BAD_COUNT, DemoError
from registry.demo.types import LADDER_SHARES, YEARS, DemoContact, DemoEnterprise, DemoYear
from registry.demo.vocabulary import (
    GIVEN_CHARS,
    MAILBOX_CHARS,
    ORG_CHARS,
    PHONE_PREFIXES,
    SURNAMES,
    TITLES,
    TRADE_NAME_CHARS,
)
from registry.demo.weights import Weights
from registry.demo.world import World
from registry.models import Region
from registry.uscc import uscc_make

ABOVE_SCALE_MIN_REVENUE = Decimal(2000)  # 万元: 规上工业企业 threshold (20 million yuan)
SME_MAX_EMPLOYEES = 1000
SME_MAX_REVENUE = 40000  # 万元
SPECIALITY_SHARE = 0.55
ZONE_SHARE = 0.15
EXTRA_CHAIN_SHARE = 0.04
REVENUE_MEDIAN = 3500.0  # 万元
REVENUE_SIGMA = 1.25
CHAMPION_SHARE = 0.003


@dataclass
class _Draft:
    index: int
    uscc: str
    name: str
    city: str
    county: str
    zone: str | None
    industry: str
    years: list[DemoYear]
    contacts: tuple[DemoContact, ...]
    chains: tuple[str, ...]
    quality: float
    categories: list[tuple[str, int]] = field(default_factory=list)

    @property
    def last(self) -> DemoYear:
        return self.years[-1]

    @property
    def is_sme(self) -> bool:
        last = self.last
        return last.employees < SME_MAX_EMPLOYEES or last.revenue_10k_yuan < SME_MAX_REVENUE


def _short(name: str) -> str:
    """苏州市 → 苏州, 昆山市 → 昆山, 丰县 stays 丰县."""
    return name[:-1] if len(name) > 2 and name[-1] in "市区县" else name


class _Planner:
    def __init__(self, rng: random.Random, world: World, weights: Weights) -> None:
        self.rng, self.world, self.weights = rng, world, weights
        self.usccs: set[str] = set()
        self.names: set[str] = set()

    def plan(self, n: int) -> list[DemoEnterprise]:
        drafts = [self._draft(i) for i in range(n)]
        self._categories(drafts)
        return [
            DemoEnterprise(
                uscc=d.uscc,
                name=d.name,
                city_code=d.city,
                county_code=d.county,
                zone_code=d.zone,
                industry_code=d.industry,
                years=tuple(d.years),
                categories=tuple(d.categories),
                contacts=d.contacts,
                chains=d.chains,
            )
            for d in drafts
        ]

    def _draft(self, index: int) -> _Draft:
        rng, world = self.rng, self.world
        city = self.weights.cities.draw(rng)
        county = self.weights.counties[city].draw(rng)
        # A zone of the county itself, or (for a 市辖区 only) a zone directly under the city.
        zones = world.zones.get(county, [])
        if world.regions[county].kind == Region.Kind.DISTRICT:
            zones = zones + world.zones.get(city, [])
        zone = rng.choice(zones) if zones and rng.random() < ZONE_SHARE else None
        industry = self._industry(city)
        years = self._years(city)
        big = years[-1].revenue_10k_yuan > 100000
        return _Draft(
            index=index,
            uscc=self._uscc(county),
            name=self._name(city, county, industry, big),
            city=city,
            county=county,
            zone=zone,
            industry=industry,
            years=years,
            contacts=self._contacts(),
            chains=self._extra_chains(industry),
            quality=rng.normalvariate(0, 1),
        )

    def _industry(self, city: str) -> str:
        speciality = self.weights.specialities.get(city)
        pool = self.weights.background
        if speciality and self.rng.random() < SPECIALITY_SHARE:
            pool = speciality
        return self.rng.choice(self.world.classes[pool.draw(self.rng)])

    def _years(self, city: str) -> list[DemoYear]:
        rng = self.rng
        mu = math.log(REVENUE_MEDIAN * self.weights.revenue_factor.get(city, 1.0))
        revenue = max(20.0, math.exp(rng.normalvariate(mu, REVENUE_SIGMA)))
        log_employees = 3.69 + 0.8 * (math.log(revenue) - 7.6) + rng.normalvariate(0, 0.35)
        employees = max(3, round(math.exp(log_employees)))
        years = []
        for i, year in enumerate(YEARS):
            if i:
                growth = rng.normalvariate(0.05, 0.15)
                revenue = max(20.0, revenue * math.exp(growth))
                noise = rng.normalvariate(0, 0.05)
                employees = max(3, round(employees * math.exp(0.5 * growth + noise)))
            years.append(DemoYear(year, Decimal(f"{revenue:.2f}"), employees))
        return years

    def _uscc(self, county: str) -> str:
        rng = self.rng
        while True:
            if rng.random() < 0.7:
                body = "MA" + "".join(rng.choices(ORG_CHARS, k=6))
            else:
                body = f"{rng.randrange(10**8):08d}"
            code = uscc_make(region_code=county, org_body=body)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def _words(self, industry: str) -> list[str]:
        node: str | None = industry
        while node is not None:
            if node in self.weights.words:
                return self.weights.words[node]
            node = self.world.parents.get(node)
        return ["实业"]

    def _name(self, city: str, county: str, industry: str, big: bool) -> str:
        rng, regions = self.rng, self.world.regions
        words = self._words(industry)
        own_name = regions[county].kind != Region.Kind.DISTRICT
        for attempt in itertools.count():
            if big and rng.random() < 0.4:
                place = "江苏"
            else:
                local = rng.random() < (0.8 if own_name else 0.2)
                place = _short(regions[county].name if local else regions[city].name)
            length = 2 if attempt < 20 else 3
            trade = "".join(rng.sample(TRADE_NAME_CHARS, length))
            suffix = "股份有限公司" if big and rng.random() < 0.5 else "有限公司"
            name = f"{place}{trade}{rng.choice(words)}{suffix}"
            if name not in self.names:
                self.names.add(name)
                return name
        raise AssertionError("unreachable")

    def _contacts(self) -> tuple[DemoContact, ...]:
        rng = self.rng
        contacts = []
        for _ in range(2 if rng.random() < 0.4 else 1):
            given = "".join(rng.choices(GIVEN_CHARS, k=rng.choice((1, 2))))
            phone = f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**9):09d}"
            mailbox = "".join(rng.choices(MAILBOX_CHARS, k=8))
            contacts.append(
                DemoContact(
                    name=rng.choice(SURNAMES) + given,
                    title=rng.choice(TITLES),
                    phone=phone,
                    email=f"{mailbox}@example.com",
                )
            )
        return tuple(contacts)

    def _extra_chains(self, industry: str) -> tuple[str, ...]:
        if not self.world.chains or self.rng.random() >= EXTRA_CHAIN_SHARE:
            return ()
        covering = self.world.chains_by_class.get(industry, [])
        others = [code for code in self.world.chains if code not in covering]
        return (self.rng.choice(others),) if others else ()

    def _categories(self, drafts: list[_Draft]) -> None:
        """规上 per year by revenue; the SME ladder and champions by rank (ties by index)."""
        n, rng = len(drafts), self.rng
        for d in drafts:
            d.categories = [
                ("above_scale", y.year)
                for y in d.years
                if y.revenue_10k_yuan >= ABOVE_SCALE_MIN_REVENUE
            ]

        def size(d: _Draft) -> float:
            return (
                math.log(float(d.last.revenue_10k_yuan)) - math.log(REVENUE_MEDIAN)
            ) / REVENUE_SIGMA

        smes = sorted(
            (d for d in drafts if d.is_sme), key=lambda d: (-(d.quality + 0.4 * size(d)), d.index)
        )
        tiers: dict[int, int] = {}
        for tier, (_, share) in enumerate(LADDER_SHARES):
            for d in smes[: round(share * n)]:
                tiers[d.index] = tier
        champions = sorted(drafts, key=lambda d: (-(size(d) + 0.5 * d.quality), d.index))
        champion_ids = {d.index for d in champions[: round(CHAMPION_SHARE * n)]}
        for d in drafts:
            year = YEARS[0]
            for tier in range(tiers.get(d.index, -1) + 1):
                year = rng.choice([y for y in YEARS if y >= year])
                d.categories.append((LADDER_SHARES[tier][0], year))
            if d.index in champion_ids:
                d.categories.append(("single_champion", rng.choice(YEARS)))


def demo_plan(*, enterprises: int, seed: int) -> list[DemoEnterprise]:
    """The enterprises `demo_generate` would write for N and seed (reads, never writes)."""
    if enterprises < 1:
        raise DemoError(DEMO_BAD_COUNT)
    world = World.load()
    weights = Weights.load(world)
    return _Planner(random.Random(seed), world, weights).plan(enterprises)
