"""The demo province: a deterministic, realistic synthetic registry for Jiangsu, and demo accounts.

`demo_plan(enterprises=N, seed=S)` computes the enterprises from `random.Random(S)`, the reference
tables in the database (read in code order) and the weight files `registry/data/demo_*.csv`; it
reads no clock and never iterates a set or an unordered mapping, so the same N, seed and reference
data always give the same USCCs, names and figures. `demo_generate` writes the plan with bulk
inserts in one transaction.

How the province is drawn (shares are of the N enterprises):
- city: by the approximate weights in demo_city_weights.csv (苏州 first by far; 苏南 denser than
  苏北); county: within the city by demo_county_weights.csv (default 1.0 for a district, 1.3 for a
  county-level city, 0.9 for a county); 15 % sit in a zone when one exists: a zone of their
  county, or for a 市辖区 a zone directly under the city.
- industry: 55 % from the city's specialities (demo_city_industries.csv), the rest from the
  province-wide background (rows with city `*`); then a 小类 uniformly below the chosen code.
- size: 2023 revenue (万元) is lognormal, median 3,500 × the city's revenue factor, σ = 1.25;
  yearly growth exp(N(5 %, 15 %)); employees ≈ exp(3.69 + 0.8 · (ln revenue − 7.6) + N(0, 0.35)),
  so 2,000 万元 ↔ about 40 people and 10 亿元 ↔ about 900.
- categories: 规上工业企业 in exactly the years with revenue ≥ 2,000 万元; among SMEs (fewer than
  1,000 people or revenue below 40,000 万元), ranked by a latent quality score that favours size,
  the top 25 % of N are 创新型中小企业, the top 8 % also 省级专精特新, the top 1.5 % also
  国家级专精特新"小巨人" (recognition years never decrease along the ladder); 0.3 % of N, the
  largest by size and quality, are 制造业单项冠军.
- 1–2 contacts each (fake names, 1xx phone numbers, @example.com); 4 % have one explicit chain
  membership besides those their industry code gives.

Re-running: enterprises whose USCC is already in the database are skipped (with all their rows), so
the same seed adds nothing the second time and a different seed adds its own enterprises. Every demo
enterprise carries the tag category `demo` (year 2025), so demo data can be recognised and removed.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import math
import os
import random
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import ROLE_REGION_LEVEL, Role, User
from accounts.services import user_create, user_set_password
from audit.services import audit_record
from registry.models import (
    Category,
    Chain,
    Contact,
    Enterprise,
    EnterpriseCategory,
    EnterpriseChain,
    EnterpriseYear,
    Industry,
    Region,
)
from registry.reference import DATA_DIR
from registry.uscc import uscc_make

DEMO_TAG = "demo"
DEMO_TAG_NAME = "演示数据"
YEARS = (2023, 2024, 2025)
ABOVE_SCALE_MIN_REVENUE = Decimal(2000)  # 万元: 规上工业企业 threshold (20 million yuan)
SME_MAX_EMPLOYEES = 1000
SME_MAX_REVENUE = 40000  # 万元
SPECIALITY_SHARE = 0.55
ZONE_SHARE = 0.15
EXTRA_CHAIN_SHARE = 0.04
REVENUE_MEDIAN = 3500.0  # 万元
REVENUE_SIGMA = 1.25
LADDER_SHARES = (("innovative_sme", 0.25), ("specialised_sme", 0.08), ("little_giant", 0.015))
CHAMPION_SHARE = 0.003
COUNTY_KIND_WEIGHTS = {"district": 1.0, "county_city": 1.3, "county": 0.9}
BATCH_SIZE = 2000

DEMO_ACCOUNTS_OUTSIDE_DEMO = "非演示模式下不创建默认账号 (no default accounts outside demo mode)"
DEMO_NO_REFERENCE_DATA = (
    "缺少参考数据，请先运行 zhigai load_reference_data "
    "(reference data missing: run `zhigai load_reference_data` first)"
)
DEMO_BAD_COUNT = "企业数量必须为正整数 (the number of enterprises must be at least 1)"
DEMO_BAD_WEIGHTS = "演示权重文件有误 (demo weight file is wrong): {file} 第{line}行 {value}"
DEMO_ACCOUNT_CLASH = (
    "已有同名账号但角色不同 (an account with this name exists with another role): {username}"
)

# Vocabulary for fake names (not claims about the world, so kept here rather than in data files).
_TRADE_NAME_CHARS = (
    "恒华鑫瑞盛达通宏昌源泰博科力创新德远嘉利金海天鸿永信隆兴正凯锦润丰景明佳和安光联精宇"
    "诚威峰腾飞翔欣荣辉汇晟启航众邦赛奥艾普锐捷康尚优立亚"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶顾毛钱严戴"
)
_GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国文辉力斌宇浩凯鹏亮俊峰琳晨"
)
_TITLES = ("总经理", "副总经理", "办公室主任", "信息化负责人", "生产部经理", "财务负责人")
_PHONE_PREFIXES = ("13", "15", "17", "18", "19")
_MAILBOX_CHARS = "abcdefghijkmnpqrstuvwxyz"
_ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 characters (no I, O, S, V, Z)
_PASSWORD_CLASSES = ("abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_!#%+=?")


class DemoError(Exception):
    """The demo province cannot be generated; the message says why (bilingual)."""


class DemoYear(NamedTuple):
    year: int
    revenue_10k_yuan: Decimal
    employees: int


class DemoContact(NamedTuple):
    name: str
    title: str
    phone: str
    email: str


@dataclass(frozen=True)
class DemoEnterprise:
    """One planned enterprise with everything `demo_generate` writes for it."""

    uscc: str
    name: str
    city_code: str
    county_code: str
    zone_code: str | None
    industry_code: str
    years: tuple[DemoYear, ...]
    categories: tuple[tuple[str, int], ...]
    contacts: tuple[DemoContact, ...]
    chains: tuple[str, ...]


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    jurisdiction: str
    created: bool


@dataclass
class DemoResult:
    requested: int
    created: int = 0
    skipped: int = 0
    years: int = 0
    categories: int = 0
    contacts: int = 0
    chain_links: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)


# --- Inputs: reference tables from the database, weights from the data files ---------------------


class _Weighted:
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
class _World:
    regions: dict[str, Region]
    counties: dict[str, list[Region]]  # city code → its counties, in code order
    zones: dict[str, list[str]]  # city or county code → its zone codes, in code order
    classes: dict[str, list[str]]  # any industry code → the 小类 codes below it (itself for one)
    parents: dict[str, str]
    chains: list[str]
    chains_by_class: dict[str, list[str]]

    @classmethod
    def load(cls) -> _World:
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


@dataclass
class _Weights:
    cities: _Weighted
    revenue_factor: dict[str, float]
    counties: dict[str, _Weighted]
    specialities: dict[str, _Weighted]
    background: _Weighted
    words: dict[str, list[str]]

    @classmethod
    def load(cls, world: _World, data_dir: Path = DATA_DIR) -> _Weights:
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
            city: _Weighted(
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
        background = _Weighted(by_city.pop("*", []))
        if not cities:
            raise bad("demo_city_weights.csv", 1, "(no rows)")
        if not background:
            raise bad("demo_city_industries.csv", 1, "(no rows for city *)")
        specialities = {city: _Weighted(items) for city, items in by_city.items()}
        return cls(_Weighted(cities), factors, counties, specialities, background, words)


# --- Planning (pure, deterministic) --------------------------------------------------------------


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
    def __init__(self, rng: random.Random, world: _World, weights: _Weights) -> None:
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
                body = "MA" + "".join(rng.choices(_ORG_CHARS, k=6))
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
            trade = "".join(rng.sample(_TRADE_NAME_CHARS, length))
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
            given = "".join(rng.choices(_GIVEN_CHARS, k=rng.choice((1, 2))))
            phone = f"{rng.choice(_PHONE_PREFIXES)}{rng.randrange(10**9):09d}"
            mailbox = "".join(rng.choices(_MAILBOX_CHARS, k=8))
            contacts.append(
                DemoContact(
                    name=rng.choice(_SURNAMES) + given,
                    title=rng.choice(_TITLES),
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
    world = _World.load()
    weights = _Weights.load(world)
    return _Planner(random.Random(seed), world, weights).plan(enterprises)


# --- Writing --------------------------------------------------------------------------------------


def _existing_usccs(usccs: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(usccs), 900):
        chunk = usccs[start : start + 900]
        found.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", flat=True))
    return found


def _persist(plan: list[DemoEnterprise], result: DemoResult) -> None:
    existing = _existing_usccs([p.uscc for p in plan])
    todo = [p for p in plan if p.uscc not in existing]
    result.skipped = len(plan) - len(todo)
    rows = [
        Enterprise(
            uscc=p.uscc,
            name=p.name,
            city_id=p.city_code,
            county_id=p.county_code,
            zone_id=p.zone_code,
            industry_id=p.industry_code,
        )
        for p in todo
    ]
    Enterprise.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    if rows and rows[0].pk is None:  # a database that does not return ids from bulk inserts
        ids = dict(
            Enterprise.objects.filter(uscc__in=[p.uscc for p in todo]).values_list("uscc", "id")
        )
        for row in rows:
            row.pk = ids[row.uscc]
    years, categories, contacts, links = [], [], [], []
    for p, row in zip(todo, rows, strict=True):
        years += [
            EnterpriseYear(
                enterprise_id=row.pk,
                year=y.year,
                revenue_10k_yuan=y.revenue_10k_yuan,
                employees=y.employees,
            )
            for y in p.years
        ]
        categories += [
            EnterpriseCategory(enterprise_id=row.pk, category_id=code, year=year)
            for code, year in (*p.categories, (DEMO_TAG, YEARS[-1]))
        ]
        contacts += [
            Contact(enterprise_id=row.pk, name=c.name, title=c.title, phone=c.phone, email=c.email)
            for c in p.contacts
        ]
        links += [EnterpriseChain(enterprise_id=row.pk, chain_id=code) for code in p.chains]
    EnterpriseYear.objects.bulk_create(years, batch_size=BATCH_SIZE)
    EnterpriseCategory.objects.bulk_create(categories, batch_size=BATCH_SIZE)
    Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
    EnterpriseChain.objects.bulk_create(links, batch_size=BATCH_SIZE)
    result.created = len(rows)
    result.years, result.categories = len(years), len(categories)
    result.contacts, result.chain_links = len(contacts), len(links)


# --- Demo accounts --------------------------------------------------------------------------------

# (username, role, region code or enterprise slot, organisation)
_ACCOUNTS = (
    ("demo-province", Role.PROVINCE, "32", "江苏省工业和信息化厅（演示）"),
    ("demo-city-suzhou", Role.CITY, "3205", "苏州市工业和信息化局（演示）"),
    ("demo-city-xuzhou", Role.CITY, "3203", "徐州市工业和信息化局（演示）"),
    ("demo-county-kunshan", Role.COUNTY, "320583", "昆山市工业和信息化局（演示）"),
    ("demo-county-jiangning", Role.COUNTY, "320115", "南京市江宁区工业和信息化局（演示）"),
    ("demo-enterprise-a1", Role.ENTERPRISE, "A", ""),
    ("demo-enterprise-a2", Role.ENTERPRISE, "A", ""),
    ("demo-enterprise-b", Role.ENTERPRISE, "B", ""),
    ("demo-expert", Role.EXPERT, "", "评审专家库（演示）"),
    ("demo-provider", Role.PROVIDER, "", "智改数转服务商（演示）"),
    ("demo-admin", Role.ADMIN, "", "平台运维（演示）"),
)


def demo_password() -> str:
    """A random 16-character password with all four character classes that the validators accept."""
    rng = secrets.SystemRandom()
    every = "".join(_PASSWORD_CLASSES)
    while True:
        chars = [rng.choice(chars) for chars in _PASSWORD_CLASSES]
        chars += [rng.choice(every) for _ in range(12)]
        rng.shuffle(chars)
        password = "".join(chars)
        try:
            validate_password(password)
        except ValidationError:
            continue
        return password


def _demo_enterprises() -> dict[str, Enterprise | None]:
    """Slot A: a demo enterprise in 昆山 (else 苏州, else any); slot B: one in 徐州 (else any)."""
    demo = Enterprise.objects.filter(categories__category_id=DEMO_TAG).order_by("uscc")
    a = (
        demo.filter(county_id="320583").first()
        or demo.filter(city_id="3205").first()
        or demo.first()
    )
    others = demo.exclude(pk=a.pk) if a else demo
    b = others.filter(city_id="3203").first() or others.first()
    return {"A": a, "B": b}


def _jurisdiction(user: User) -> str:
    if user.region is not None:
        return f"{user.region.name} ({user.region.code})"
    if user.enterprise is not None:
        return f"{user.enterprise.name} ({user.enterprise.uscc})"
    return "—"


def _accounts() -> list[DemoAccount]:
    enterprises = _demo_enterprises()
    accounts = []
    for username, role, where, organisation in _ACCOUNTS:
        enterprise = enterprises.get(where) if role == Role.ENTERPRISE else None
        if role == Role.ENTERPRISE and enterprise is None:
            continue
        password = demo_password()
        existing = User.objects.filter(username=username).select_related("region", "enterprise")
        user = existing.first()
        created = user is None
        if user is not None:
            if user.role != role:
                raise DemoError(DEMO_ACCOUNT_CLASH.format(username=username))
            user_set_password(user=user, password=password)
        else:
            user = user_create(
                username=username,
                role=role,
                password=password,
                region=Region.objects.get(code=where) if role in ROLE_REGION_LEVEL else None,
                enterprise=enterprise,
                organisation=organisation or (enterprise.name if enterprise else ""),
                email=f"{username}@example.com",
            )
        accounts.append(DemoAccount(role, username, password, _jurisdiction(user), created))
    return accounts


@transaction.atomic
def demo_generate(*, enterprises: int, seed: int, accounts: bool = False) -> DemoResult:
    """Write the demo province (skipping USCCs already present) and, in demo mode only, create or
    reset the demo accounts; one summary audit row `demo.generate`."""
    if accounts and not settings.DEMO:
        raise DemoError(DEMO_ACCOUNTS_OUTSIDE_DEMO)
    plan = demo_plan(enterprises=enterprises, seed=seed)
    Category.objects.get_or_create(
        code=DEMO_TAG,
        defaults={
            "name": DEMO_TAG_NAME,
            "kind": Category.Kind.TAG,
            "rank": 900,
            "source": "Zhigai demo generator (registry/demo.py)",
        },
    )
    result = DemoResult(requested=enterprises)
    _persist(plan, result)
    if accounts:
        result.accounts = _accounts()
    audit_record(
        action="demo.generate",
        object_type="registry.enterprise",
        after={
            "seed": seed,
            "requested": result.requested,
            "created": result.created,
            "skipped": result.skipped,
            "years": result.years,
            "categories": result.categories,
            "contacts": result.contacts,
            "chain_links": result.chain_links,
            "accounts": [a.username for a in result.accounts],
        },
        note=f"generate_demo_data --enterprises {enterprises} --seed {seed}",
    )
    return result


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def demo_accounts_table(accounts: Sequence[DemoAccount]) -> str:
    """The accounts as an aligned text table: role, username, password, jurisdiction."""
    rows = [("role", "username", "password", "jurisdiction")]
    rows += [
        (f"{Role(a.role).label} ({a.role})", a.username, a.password, a.jurisdiction)
        for a in accounts
    ]
    widths = [max(_width(str(row[i])) for row in rows) for i in range(3)]
    lines = []
    for row in rows:
        cells = [
            str(cell) + " " * (widths[i] - _width(str(cell))) for i, cell in enumerate(row[:3])
        ]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    return "\n".join(lines) + "\n"


def demo_accounts_write(*, path: Path, text: str) -> None:
    """Write the accounts file readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)
