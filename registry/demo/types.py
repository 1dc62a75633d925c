"""Names shared by the demo modules: the demo tag, the years, the SME ladder, and the records of
a planned enterprise, a demo account and a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

DEMO_TAG = "demo"
DEMO_TAG_NAME = "演示数据"
YEARS = (2023, 2024, 2025)
LADDER_SHARES = (("innovative_sme", 0.25), ("specialised_sme", 0.08), ("little_giant", 0.015))


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
