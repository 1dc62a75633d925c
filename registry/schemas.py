"""Input and output schemas of the registry API (registry.api)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from registry.models import Chain, Cluster, Industry, Region

# Patterns for query parameters: anything else is a 422 before a query runs.
REGION_CODE = r"^[0-9A-Za-z]{2,12}$"
INDUSTRY_CODE = r"^[Cc]?[0-9]{0,4}$"
SLUG = r"^[-a-zA-Z0-9_]+$"
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL)

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000

Ordering = Literal[
    "uscc", "-uscc", "name", "-name", "county", "-county", "industry", "-industry", "updated",
    "-updated",
]  # fmt: skip


class ErrorOut(Schema):
    error: str


class RegionRef(Schema):
    code: str
    name: str


class IndustryRef(Schema):
    code: str
    name: str


class ClusterRef(Schema):
    code: str
    name: str
    verified: bool


# --- Enterprises ---------------------------------------------------------------------------------


class EnterpriseQuery(Schema):
    """Filters and paging of GET /enterprises. Omitted parameters do not filter."""

    q: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        pattern=PLAIN_TEXT,
        description="名称包含 q 或信用代码以 q 开头 (name contains q, or USCC starts with q)",
    )
    region: str | None = Field(
        None, pattern=REGION_CODE, description="any region code: city, county or zone"
    )
    city: str | None = Field(None, pattern=REGION_CODE, description="设区市代码 (city code)")
    county: str | None = Field(None, pattern=REGION_CODE, description="区县代码 (county code)")
    zone: str | None = Field(None, pattern=REGION_CODE, description="开发区/园区代码 (zone code)")
    industry: str | None = Field(
        None,
        min_length=1,
        max_length=5,
        pattern=INDUSTRY_CODE,
        description="GB/T 4754 code at any level, with or without the leading C; matches the "
        "code and every code below it",
    )
    category: str | None = Field(None, max_length=60, pattern=SLUG, description="category code")
    category_year: int | None = Field(
        None, ge=1900, le=2100, description="with `category`: the year of recognition"
    )
    chain: str | None = Field(None, max_length=40, pattern=SLUG, description="chain code")
    cluster: str | None = Field(None, max_length=40, pattern=SLUG, description="cluster code")
    ordering: Ordering = "uscc"
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class EnterpriseOut(Schema):
    id: int
    uscc: str
    name: str
    city: RegionRef
    county: RegionRef
    zone: RegionRef | None
    industry: IndustryRef
    updated_at: datetime


class EnterprisePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[EnterpriseOut]


class YearOut(Schema):
    year: int
    revenue_10k_yuan: Decimal | None = Field(description="营业收入（万元）, a decimal string")
    employees: int | None


class CategoryOut(Schema):
    code: str
    name: str
    year: int


class ChainMembershipOut(Schema):
    code: str
    name: str
    verified: bool = Field(description="the name was checked against its public source")
    cluster: ClusterRef | None
    how: Literal["industry", "explicit", "both"] = Field(
        description="in the chain by its industry code, added explicitly, or both"
    )


class ContactOut(Schema):
    name: str
    title: str
    phone_masked: str = Field(description="e.g. 138****5678; full numbers are not in the API")


class EnterpriseDetailOut(EnterpriseOut):
    created_at: datetime
    version: int
    years: list[YearOut]
    categories: list[CategoryOut]
    chains: list[ChainMembershipOut]
    contacts: list[ContactOut]


# --- Reference data ------------------------------------------------------------------------------


class RegionQuery(Schema):
    level: Literal["province", "city", "county", "zone"] | None = None
    parent: str | None = Field(None, pattern=REGION_CODE, description="parent region code")


class RegionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent: str | None = Field(description="parent region code")
    province_administered: bool

    @staticmethod
    def resolve_parent(obj: Region) -> str | None:
        return obj.parent_id


class IndustryQuery(Schema):
    level: Literal["section", "division", "group", "class"] | None = None
    parent: str | None = Field(None, max_length=4, pattern=r"^(C|[0-9]{2,3})$")
    q: str | None = Field(None, min_length=1, max_length=100, pattern=PLAIN_TEXT)


class IndustryOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None = Field(description="parent industry code")

    @staticmethod
    def resolve_parent(obj: Industry) -> str | None:
        return obj.parent_id


class ChainOut(Schema):
    code: str
    name: str
    verified: bool = Field(description="the name was checked against its public source")
    cluster: ClusterRef | None
    source_url: str
    source_date: str
    note: str
    industries: list[str] = Field(description="industry codes the chain covers")
    enterprise_count: int = Field(description="enterprises in the chain within your jurisdiction")

    @staticmethod
    def resolve_industries(obj: Chain) -> list[str]:
        return [industry.code for industry in obj.industries.all()]


class ClusterOut(Schema):
    code: str
    name: str
    source_list: str
    verified: bool = Field(description="the name was checked against its public source")
    source_url: str
    source_date: str
    note: str
    industries: list[str] = Field(description="industry codes the cluster covers directly")
    chain_count: int
    enterprise_count: int = Field(description="enterprises in the cluster within your jurisdiction")

    @staticmethod
    def resolve_industries(obj: Cluster) -> list[str]:
        return [industry.code for industry in obj.industries.all()]
