"""Registry reads, shared by the pages (registry.views) and the JSON API (registry.api).

Every function that returns enterprises, or numbers computed from enterprises, is scoped to the
user's jurisdiction through accounts.scoping. Reference data (regions, industries, chains,
clusters) is public within the platform, except that regions are narrowed as
accounts.scoping.scope_regions says and enterprise counts on chains and clusters only count
enterprises the user may see.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.scoping import jurisdiction_of, scope_regions, scope_to_enterprises
from audit.models import AuditEvent
from audit.services import audit_record
from registry.models import (
    Category,
    Chain,
    Cluster,
    Enterprise,
    EnterpriseCategory,
    EnterpriseChain,
    EnterpriseYear,
    Industry,
    Region,
    in_chain_q,
    in_cluster_q,
)

ENTERPRISE_OBJECT_TYPE = "registry.enterprise"
ACTION_OUT_OF_SCOPE = "access.out_of_scope"

ENTERPRISE_NOT_FOUND = (
    "企业不存在或不在您的管辖范围内 (Enterprise not found or outside your jurisdiction)"
)
BAD_ORDERING = "不支持的排序方式 (Unsupported ordering)"

# Ordering keys accepted by EnterpriseFilters (and the API's `ordering` parameter); each ends with a
# unique column so pages are stable.
ENTERPRISE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "uscc": ("uscc",),
    "-uscc": ("-uscc",),
    "name": ("name", "uscc"),
    "-name": ("-name", "-uscc"),
    "county": ("county_id", "uscc"),
    "-county": ("-county_id", "-uscc"),
    "industry": ("industry_id", "uscc"),
    "-industry": ("-industry_id", "-uscc"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}

_INDUSTRY_CODE = re.compile(r"^[Cc]?([0-9]{0,4})$")

ChainIndustry = Chain.industries.through
ClusterIndustry = Cluster.industries.through


def industry_prefix(code: str) -> str | None:
    """The digits of a GB/T 4754 manufacturing code, with or without its leading "C" ("C3911",
    "3911", "39"); "" for the whole section C; None when `code` is not such a code."""
    match = _INDUSTRY_CODE.match(code.strip())
    return match.group(1) if match else None


@dataclass(frozen=True)
class EnterpriseFilters:
    """Filters for the enterprise list. Empty values ("" or None) mean "no filter".

    q          name contains q, or the USCC starts with q (case-insensitive)
    region     any region code: the enterprise's city, county or zone is that region (the
               province's code matches every enterprise)
    city, county, zone   the enterprise's city / county / zone code
    industry   an industry code at any level (with or without the leading "C"): that code and all
               codes below it
    category   a category code; with category_year, only that year's recognitions
    chain      a chain code: by industry or explicit membership (Enterprise.objects.in_chain)
    cluster    a cluster code (Enterprise.objects.in_cluster)
    ordering   a key of ENTERPRISE_ORDERINGS
    """

    q: str | None = None
    region: str | None = None
    city: str | None = None
    county: str | None = None
    zone: str | None = None
    industry: str | None = None
    category: str | None = None
    category_year: int | None = None
    chain: str | None = None
    cluster: str | None = None
    ordering: str = "uscc"

    def __post_init__(self) -> None:
        if self.ordering not in ENTERPRISE_ORDERINGS:
            raise ValueError(BAD_ORDERING)


def _filter_q(filters: EnterpriseFilters) -> Q:
    q = Q()
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        q &= Q(name__icontains=text) | Q(uscc__startswith=text.upper())
    if filters.region:
        code = filters.region
        q &= Q(city_id=code) | Q(county_id=code) | Q(zone_id=code) | Q(city__parent_id=code)
    if filters.city:
        q &= Q(city_id=filters.city)
    if filters.county:
        q &= Q(county_id=filters.county)
    if filters.zone:
        q &= Q(zone_id=filters.zone)
    if filters.industry:
        prefix = industry_prefix(filters.industry)
        if prefix is None:
            q &= Q(pk__in=[])
        elif prefix:
            q &= Q(industry__code__startswith=prefix)
    if filters.category:
        held = EnterpriseCategory.objects.filter(category_id=filters.category)
        if filters.category_year is not None:
            held = held.filter(year=filters.category_year)
        q &= Q(id__in=held.values("enterprise_id"))
    if filters.chain:
        q &= in_chain_q(filters.chain)
    if filters.cluster:
        q &= in_cluster_q(filters.cluster)
    return q


def enterprise_list_for_user(
    *, user: Any, filters: EnterpriseFilters | None = None
) -> QuerySet[Enterprise]:
    """The enterprises `user` may see that match `filters`, with their regions and industry."""
    filters = filters or EnterpriseFilters()
    queryset = scope_to_enterprises(Enterprise.objects.all(), user)
    return (
        queryset.filter(_filter_q(filters))
        .select_related("city", "county", "zone", "industry")
        .order_by(*ENTERPRISE_ORDERINGS[filters.ordering])
    )


def enterprise_get_for_user(*, user: Any, pk: Any) -> Enterprise:
    """The enterprise `pk` if `user` may see it. Missing and out of scope both raise Http404, so
    the answer does not reveal that it exists; out of scope is written to the audit trail."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404(ENTERPRISE_NOT_FOUND) from exc
    queryset = Enterprise.objects.select_related("city", "county", "zone", "industry")
    enterprise = scope_to_enterprises(queryset, user).filter(pk=pk).first()
    if enterprise is not None:
        return enterprise
    if Enterprise.objects.filter(pk=pk).exists():
        audit_record(
            action=ACTION_OUT_OF_SCOPE,
            object_type=ENTERPRISE_OBJECT_TYPE,
            object_id=str(pk),
            result=AuditEvent.Result.DENIED,
        )
    raise Http404(ENTERPRISE_NOT_FOUND)


def enterprise_years(enterprise: Enterprise) -> QuerySet[EnterpriseYear]:
    """The enterprise's yearly figures, latest year first."""
    return EnterpriseYear.objects.filter(enterprise=enterprise).order_by("-year")


def enterprise_categories(enterprise: Enterprise) -> QuerySet[EnterpriseCategory]:
    """The enterprise's categories, one row per (category, year): `.category`, `.year`; in the
    categories' rank order, latest year first."""
    return (
        EnterpriseCategory.objects.filter(enterprise=enterprise)
        .select_related("category")
        .order_by("category__rank", "category_id", "-year")
    )


@dataclass(frozen=True)
class ChainMembership:
    """A chain an enterprise is in, and why: its industry code is covered by the chain
    (`by_industry`), it was added explicitly (`explicit`), or both."""

    chain: Chain
    by_industry: bool
    explicit: bool

    @property
    def how(self) -> str:
        if self.by_industry and self.explicit:
            return "both"
        return "industry" if self.by_industry else "explicit"


def enterprise_chains(enterprise: Enterprise) -> list[ChainMembership]:
    """The chains the enterprise is in (with their cluster), each marked how; one query."""
    chains = (
        Chain.objects.annotate(
            by_industry=Exists(
                ChainIndustry.objects.filter(
                    chain_id=OuterRef("pk"), industry_id=enterprise.industry_id
                )
            ),
            explicit=Exists(
                EnterpriseChain.objects.filter(chain_id=OuterRef("pk"), enterprise_id=enterprise.pk)
            ),
        )
        .filter(Q(by_industry=True) | Q(explicit=True))
        .select_related("cluster")
        .order_by("code")
    )
    return [ChainMembership(c, c.by_industry, c.explicit) for c in chains]


def enterprise_history(
    *, enterprise: Enterprise, include_access: bool = False
) -> QuerySet[AuditEvent]:
    """The audit events about the enterprise itself, newest first. Access events ("access.*", e.g.
    denied out-of-scope attempts by other officials) are left out unless `include_access`."""
    events = AuditEvent.objects.filter(
        object_type=ENTERPRISE_OBJECT_TYPE, object_id=str(enterprise.pk)
    )
    if not include_access:
        events = events.exclude(action__startswith="access.")
    return events.order_by("-at", "-id")


def region_list_for_user(
    *, user: Any, level: str | None = None, parent: str | None = None
) -> QuerySet[Region]:
    """Regions as accounts.scoping.scope_regions allows, optionally of one level or under one
    parent code, in code order."""
    regions = scope_regions(Region.objects.all(), user)
    if level:
        regions = regions.filter(level=level)
    if parent:
        regions = regions.filter(parent_id=parent)
    return regions.order_by("code")


def industry_list(
    *, level: str | None = None, parent: str | None = None, q: str | None = None
) -> QuerySet[Industry]:
    """Industry codes, optionally of one level, directly under one parent code, or matching `q`
    (a code prefix, with or without "C", or part of the name)."""
    industries = Industry.objects.all()
    if level:
        industries = industries.filter(level=level)
    if parent:
        industries = industries.filter(parent_id=parent)
    if q and q.strip():
        text = q.strip()
        prefix = industry_prefix(text)
        match = Q(name__icontains=text)
        if prefix:
            match |= Q(code__startswith=prefix)
        elif prefix == "":
            match |= Q(code="C")
        industries = industries.filter(match)
    return industries.order_by("code")


def _count(queryset: QuerySet[Any]) -> Subquery:
    """COUNT(*) of `queryset` as a correlated scalar subquery."""
    return Subquery(
        queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")[:1],
        output_field=IntegerField(),
    )


def _membership_counts(
    user: Any, covered: dict[str, set[str]], linked: dict[str, set[tuple[int, str]]]
) -> dict[str, int]:
    """Distinct enterprises `user` may see per group (chain or cluster): those whose industry the
    group covers (`covered`: group → industry codes) plus those linked explicitly (`linked`:
    group → {(enterprise id, its industry)}) whose industry it does not cover.

    Counting per industry once and adding the few explicit links is one pass over the
    jurisdiction's enterprises, where a correlated subquery per group is not (SQLite plans those
    badly once the jurisdiction is filtered by city or county)."""
    per_industry = dict(
        scope_to_enterprises(Enterprise.objects.all(), user)
        .order_by()
        .values_list("industry_id")
        .annotate(n=Count("pk"))
    )
    return {
        group: sum(per_industry.get(code, 0) for code in industries)
        + sum(1 for _id, industry in linked.get(group, ()) if industry not in industries)
        for group, industries in covered.items()
    }


def _explicit_links(user: Any) -> QuerySet[EnterpriseChain]:
    return scope_to_enterprises(EnterpriseChain.objects.all(), user, path="enterprise")


def _annotated_count(counts: dict[str, int]) -> Case:
    whens = [When(pk=code, then=Value(n)) for code, n in counts.items() if n]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def chain_list_for_user(*, user: Any) -> QuerySet[Chain]:
    """All chains with their cluster and industries, each annotated with `enterprise_count`: the
    distinct enterprises in the chain (Enterprise.objects.in_chain) that `user` may see. The
    counts are computed when this is called (three grouped queries)."""
    counts: dict[str, int] = {}
    if not jurisdiction_of(user).is_empty:
        covered: dict[str, set[str]] = defaultdict(set)
        for chain, industry in ChainIndustry.objects.values_list("chain_id", "industry_id"):
            covered[chain].add(industry)
        linked: dict[str, set[tuple[int, str]]] = defaultdict(set)
        links = _explicit_links(user).values_list(
            "chain_id", "enterprise_id", "enterprise__industry_id"
        )
        for chain, enterprise, industry in links:
            linked[chain].add((enterprise, industry))
            covered.setdefault(chain, set())
        counts = _membership_counts(user, covered, linked)
    return (
        Chain.objects.annotate(enterprise_count=_annotated_count(counts))
        .select_related("cluster")
        .prefetch_related("industries")
        .order_by("code")
    )


def cluster_list_for_user(*, user: Any) -> QuerySet[Cluster]:
    """All clusters with their industries, each annotated with `enterprise_count` (the distinct
    enterprises in the cluster, Enterprise.objects.in_cluster, that `user` may see; computed when
    this is called) and `chain_count`."""
    counts: dict[str, int] = {}
    if not jurisdiction_of(user).is_empty:
        covered: dict[str, set[str]] = defaultdict(set)
        for cluster, industry in ClusterIndustry.objects.values_list("cluster_id", "industry_id"):
            covered[cluster].add(industry)
        through_chains = ChainIndustry.objects.filter(chain__cluster__isnull=False)
        for cluster, industry in through_chains.values_list("chain__cluster_id", "industry_id"):
            covered[cluster].add(industry)
        linked: dict[str, set[tuple[int, str]]] = defaultdict(set)
        links = _explicit_links(user).filter(chain__cluster__isnull=False)
        for cluster, enterprise, industry in links.values_list(
            "chain__cluster_id", "enterprise_id", "enterprise__industry_id"
        ):
            linked[cluster].add((enterprise, industry))
            covered.setdefault(cluster, set())
        counts = _membership_counts(user, covered, linked)
    chains = _count(Chain.objects.filter(cluster_id=OuterRef("pk")))
    return (
        Cluster.objects.annotate(
            enterprise_count=_annotated_count(counts),
            chain_count=Coalesce(chains, Value(0), output_field=IntegerField()),
        )
        .prefetch_related("industries")
        .order_by("code")
    )


def category_list() -> QuerySet[Category]:
    """Enterprise categories in rank order (official categories and free tags)."""
    return Category.objects.order_by("rank", "code")


def enterprise_counts_by_region_for_user(*, user: Any) -> list[tuple[str, str, int]]:
    """(region code, name, enterprises) one level below the user's jurisdiction, in code order:
    per city for the province, per county for a city or county official, with a zero row for
    each unit that has no enterprise. Others (an enterprise user) get their own city's row."""
    jurisdiction = jurisdiction_of(user)
    by_county = bool(jurisdiction.city_code or jurisdiction.county_code)
    code_field, name_field = (
        ("county_id", "county__name") if by_county else ("city_id", "city__name")
    )
    rows = (
        scope_to_enterprises(Enterprise.objects.all(), user)
        .order_by()
        .values_list(code_field, name_field)
        .annotate(n=Count("pk"))
    )
    counts = {code: (name, n) for code, name, n in rows}
    if jurisdiction.everything or by_county:
        level = Region.Level.COUNTY if by_county else Region.Level.CITY
        units = scope_regions(Region.objects.filter(level=level), user)
        for code, name in units.values_list("code", "name"):
            counts.setdefault(code, (name, 0))
    return [(code, name, n) for code, (name, n) in sorted(counts.items())]
