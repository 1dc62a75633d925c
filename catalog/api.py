"""Resource pool JSON API under /api/v1/catalog/: search the published pool, read one entry.

Public: the search needs no authentication and answers the published pool only, as the search
page does (catalog.search). An entry is public once published; a draft, an entry in review or a
rejected one is answered to its provider's members and to province officials only (session or
bearer token; catalog.selectors.entry_get_for_user), others get 404 as if it did not exist.
Parameters out of range (unknown kind, malformed code, page < 1, q over 1,000 characters) answer
422; errors are {"error": "..."}.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from accounts.api_auth import api_auth
from catalog import browse, segment
from catalog import search as pool
from catalog.models import Entry, Scenario, Stage
from catalog.selectors import entry_get_for_user
from frameworks.schemas import ErrorOut

router = Router(tags=["catalog"])

Flag = Literal["first_version", "first_set", "featured"]


def anonymous(request: HttpRequest) -> Any:
    """The last of the entry route's authenticators: no session and no valid token is an
    anonymous caller (who sees published entries), not a 401."""
    return AnonymousUser()


class SearchQuery(Schema):
    q: str = Field("", max_length=1000, description="关键词 (keywords; all must match)")
    kind: Entry.Kind | None = Field(None, description="类别 (entry kind)")
    industry: str | None = Field(
        None, pattern=r"^[0-9]{2,4}$", description="GB/T 4754 code; 3411 also matches 34, 341"
    )
    region: str | None = Field(
        None, pattern=r"^[0-9]{2,12}$", description="region code; a city covers its counties"
    )
    scenario: str | None = Field(None, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    stage: Stage | None = None
    dimension: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,40}:[A-Za-z0-9_.-]{1,120}$",
        description='model node "FRAMEWORK:node" (its sub-nodes included)',
    )  # fmt: skip
    flag: list[Flag] = Field(default_factory=list, description="first_version, first_set, featured")
    software_category: Entry.SoftwareCategory | None = None
    provider: int | None = Field(None, ge=1, le=2**31 - 1)
    page: int = Field(1, ge=1, le=pool.MAX_PAGE)
    per_page: int = Field(20, ge=1, le=pool.MAX_PER_PAGE)


class ProviderRef(Schema):
    id: int
    name: str


class EntryOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    summary: str
    provider: ProviderRef | None
    software_category: str
    first_version: bool
    first_set: bool
    recognised_year: int | None
    featured: bool
    verified: bool = Field(description="false: 未核实 (not verified)")
    industries: list[str]
    regions: list[str] = Field(description="empty: the whole province")
    url: str


class SearchOut(Schema):
    total: int
    page: int
    pages: int
    per_page: int
    kind_counts: dict[str, int] = Field(description="matches per kind, the kind filter left out")
    results: list[EntryOut]


class NamedCode(Schema):
    code: str
    name: str


class EntryDetailOut(EntryOut):
    status: str
    body: str
    industry_names: list[NamedCode]
    region_names: list[NamedCode]
    clusters: list[str]
    chains: list[str]
    scenarios: list[NamedCode]
    attributes: dict[str, Any]
    source: str
    published_at: datetime.datetime | None


def _entry_out(entry: Entry) -> dict[str, Any]:
    provider = entry.provider
    return {
        "id": entry.pk, "kind": entry.kind, "kind_label": str(entry.get_kind_display()),
        "title": entry.title, "summary": entry.summary,
        "provider": {"id": provider.pk, "name": provider.name} if provider else None,
        "software_category": entry.software_category, "first_version": entry.first_version,
        "first_set": entry.first_set, "recognised_year": entry.recognised_year,
        "featured": entry.featured, "verified": entry.verified,
        "industries": entry.industries or [], "regions": entry.regions or [],
        "url": reverse("catalog:entry", args=[entry.pk]),
    }  # fmt: skip


def _value(choice: Any) -> str | None:
    return None if choice is None else str(choice.value)


@router.get(
    "/catalog/search",
    auth=None,
    response={200: SearchOut, 422: ErrorOut},
    url_name="catalog-search",
    summary="Public: search the published resource pool (Chinese full text and filters)",
)
def catalog_search(request: HttpRequest, query: Query[SearchQuery]) -> dict[str, Any]:
    filters = pool.EntryFilters(
        q=segment.normalise(query.q).strip(), kind=_value(query.kind), industry=query.industry,
        region=query.region, scenario=query.scenario, stage=_value(query.stage),
        dimension=query.dimension, flags=tuple(query.flag),
        software_category=_value(query.software_category), provider=query.provider,
    )  # fmt: skip
    result = pool.entry_search_filters(filters=filters, page=query.page, per_page=query.per_page)
    return {
        "total": result.total, "page": result.page, "pages": result.pages,
        "per_page": result.per_page, "kind_counts": result.kind_counts,
        "results": [_entry_out(e) for e in result.rows],
    }  # fmt: skip


def _named(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"code": code, "name": name} for code, name in pairs]


@router.get(
    "/catalog/entries/{entry_id}",
    auth=[*api_auth, anonymous],
    response={200: EntryDetailOut, 404: ErrorOut},
    url_name="catalog-entry",
    summary="One entry: published for everyone; drafts for their provider and the province",
)
def catalog_entry(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    entry = entry_get_for_user(user=request.user, pk=entry_id)
    scenarios: list[Scenario] = list(entry.scenarios.all())
    return _entry_out(entry) | {
        "status": entry.status, "body": entry.body,
        "industry_names": _named(browse.industry_names(entry.industries or [])),
        "region_names": _named(browse.region_names(entry.regions or [])),
        "clusters": entry.clusters or [], "chains": entry.chains or [],
        "scenarios": [{"code": s.code, "name": s.name_zh} for s in scenarios],
        "attributes": entry.attributes or {}, "source": entry.source,
        "published_at": entry.published_at,
    }  # fmt: skip
