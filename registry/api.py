"""Registry JSON API under /api/v1/: enterprises (list, detail) and reference data (regions,
industries, chains, clusters). Authentication (session or bearer token) is set on the NinjaAPI in
config/api.py; every answer is scoped by the same selectors the pages use.

Enterprise endpoints are for officials and enterprise users (registry.access.ENTERPRISE_READERS);
other roles get 403 (audited). Reference endpoints are for every authenticated user.
Errors are {"error": "..."}; out of scope and missing both answer 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.params.functions import Path

from audit.models import AuditEvent
from audit.services import audit_record
from registry.access import ENTERPRISE_READERS
from registry.models import Chain, Cluster, Enterprise, Industry, Region
from registry.schemas import (
    ChainOut,
    ClusterOut,
    EnterpriseDetailOut,
    EnterpriseOut,
    EnterprisePage,
    EnterpriseQuery,
    ErrorOut,
    IndustryOut,
    IndustryQuery,
    RegionOut,
    RegionQuery,
)
from registry.selectors import (
    ENTERPRISE_NOT_FOUND,
    EnterpriseFilters,
    chain_list_for_user,
    cluster_list_for_user,
    enterprise_categories,
    enterprise_chains,
    enterprise_get_for_user,
    enterprise_list_for_user,
    enterprise_years,
    industry_list,
    region_list_for_user,
)

FORBIDDEN = "您的角色无权访问企业数据 (Your role may not read enterprise data)"
MAX_ID = 2**63 - 1

router = Router(tags=["registry"])


def _caller(request: HttpRequest) -> Any:
    """The authenticated user (session or token), as set by the API's authentication."""
    return getattr(request, "auth", None)


def _may_read_enterprises(request: HttpRequest, operation: str) -> bool:
    """Function-level check; when it fails, an access.denied row is written."""
    if getattr(_caller(request), "role", None) in ENTERPRISE_READERS:
        return True
    audit_record(
        action="access.denied",
        object_type="route",
        object_id=f"api:{operation}",
        result=AuditEvent.Result.DENIED,
        note=f"{request.method} {request.path}"[:500],
    )
    return False


@router.get(
    "/enterprises",
    response={200: EnterprisePage, 403: ErrorOut},
    url_name="enterprise-list",
    summary="Enterprises in your jurisdiction",
)
def enterprise_list(request: HttpRequest, query: Query[EnterpriseQuery]) -> Any:
    if not _may_read_enterprises(request, "enterprise-list"):
        return 403, {"error": FORBIDDEN}
    filters = EnterpriseFilters(**query.model_dump(exclude={"page", "page_size"}))
    enterprises = enterprise_list_for_user(user=_caller(request), filters=filters)
    start = (query.page - 1) * query.page_size
    return {
        "count": enterprises.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": list(enterprises[start : start + query.page_size]),
    }


def _detail(enterprise: Enterprise) -> dict[str, Any]:
    return {
        **{field: getattr(enterprise, field) for field in EnterpriseOut.model_fields},
        "created_at": enterprise.created_at,
        "version": enterprise.version,
        "years": list(enterprise_years(enterprise)),
        "categories": [
            {"code": row.category.code, "name": row.category.name, "year": row.year}
            for row in enterprise_categories(enterprise)
        ],
        "chains": [
            {
                "code": item.chain.code,
                "name": item.chain.name,
                "verified": item.chain.verified,
                "cluster": item.chain.cluster,
                "how": item.how,
            }
            for item in enterprise_chains(enterprise)
        ],
        "contacts": [
            {"name": c.name, "title": c.title, "phone_masked": c.masked_phone}
            for c in enterprise.contacts.order_by("pk")
        ],
    }


@router.get(
    "/enterprises/{enterprise_id}",
    response={200: EnterpriseDetailOut, 403: ErrorOut, 404: ErrorOut},
    url_name="enterprise-detail",
    summary="One enterprise with its years, categories, chains and (masked) contacts",
)
def enterprise_detail(request: HttpRequest, enterprise_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    if not _may_read_enterprises(request, "enterprise-detail"):
        return 403, {"error": FORBIDDEN}
    try:
        enterprise = enterprise_get_for_user(user=_caller(request), pk=enterprise_id)
    except Http404:
        return 404, {"error": ENTERPRISE_NOT_FOUND}
    return _detail(enterprise)


@router.get(
    "/regions",
    response=list[RegionOut],
    url_name="region-list",
    summary="Administrative divisions and zones (officials below the province: their own subtree)",
)
def region_list(request: HttpRequest, query: Query[RegionQuery]) -> list[Region]:
    return list(region_list_for_user(user=_caller(request), level=query.level, parent=query.parent))


@router.get(
    "/industries",
    response=list[IndustryOut],
    url_name="industry-list",
    summary="GB/T 4754-2017 manufacturing codes",
)
def industry_list_view(request: HttpRequest, query: Query[IndustryQuery]) -> list[Industry]:
    return list(industry_list(level=query.level, parent=query.parent, q=query.q))


@router.get(
    "/chains",
    response=list[ChainOut],
    url_name="chain-list",
    summary="Key industry chains, with enterprise counts in your jurisdiction",
)
def chain_list(request: HttpRequest) -> list[Chain]:
    return list(chain_list_for_user(user=_caller(request)))


@router.get(
    "/clusters",
    response=list[ClusterOut],
    url_name="cluster-list",
    summary="Advanced-manufacturing clusters, with enterprise counts in your jurisdiction",
)
def cluster_list(request: HttpRequest) -> list[Cluster]:
    return list(cluster_list_for_user(user=_caller(request)))
