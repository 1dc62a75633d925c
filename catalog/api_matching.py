"""JSON API of matching: `GET /api/v1/catalog/matches/{assessment_id}`, the same data and access as
the matches page (catalog/match_views.py): the enterprise and officials whose scope holds the
result (others 403, out of scope 404). Registered in config/api.py."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.params.functions import Path

from assessments.results import result_get_for_user
from assessments.selectors import NOT_FOUND
from catalog.match_views import MATCH_READERS
from catalog.matching import GapRow, MatchRow, matches_for_assessment
from core.api_access import api_require_role
from frameworks.schemas import ErrorOut

router = Router(tags=["catalog"])
MAX_ID = 2**63 - 1
FORBIDDEN = "无权查看匹配结果 (Not allowed to see matches)"


class ComponentOut(Schema):
    name: str
    value: float
    weight: float
    contribution: float


class MatchOut(Schema):
    entry_id: int
    title: str
    kind: str
    provider_id: int | None
    provider: str
    score: float
    covers: list[str]
    scenarios: list[str]
    reason: str
    components: list[ComponentOut]


class GapOut(Schema):
    code: str
    title: str
    percent: float
    peer_median: float | None
    failed_rules: list[str]


class GroupOut(Schema):
    dimension: GapOut
    reason: str
    nodes: list[GapOut]
    scenarios: list[str]
    solutions: list[MatchOut]
    examples: list[int]


class MatchesOut(Schema):
    assessment_id: int
    embedder: str
    dimensions: list[GapOut]
    groups: list[GroupOut]
    top: list[MatchOut]


def _gap(gap: GapRow) -> dict[str, Any]:
    return {
        "code": gap.code,
        "title": gap.title,
        "percent": gap.percent,
        "peer_median": gap.peer_median,
        "failed_rules": list(gap.failed_rules),
    }


def _match(row: MatchRow) -> dict[str, Any]:
    return {
        "entry_id": row.entry.pk,
        "title": row.entry.title,
        "kind": row.entry.kind,
        "provider_id": row.entry.provider_id,
        "provider": row.provider.name if row.provider else "",
        "score": row.score,
        "covers": list(row.match.covered),
        "scenarios": [s.code for s in row.scenarios],
        "reason": str(row.reason),
        "components": [
            {"name": c.name, "value": c.value, "weight": c.weight, "contribution": c.contribution}
            for c in row.match.components
        ],
    }


@router.get(
    "/catalog/matches/{assessment_id}",
    response={200: MatchesOut, 403: ErrorOut, 404: ErrorOut},
    url_name="catalog-matches",
    summary="Scenarios, solutions and providers matched to a submitted result's gaps, with reasons",
)
def catalog_matches(request: HttpRequest, assessment_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    user = api_require_role(request, "catalog-matches", MATCH_READERS, FORBIDDEN)
    try:
        assessment = result_get_for_user(user=user, pk=assessment_id)
    except Http404:
        raise HttpError(404, NOT_FOUND) from None
    page = matches_for_assessment(assessment=assessment, user=user)
    return {
        "assessment_id": assessment.pk,
        "embedder": page.embedder,
        "dimensions": [_gap(d) for d in page.dimensions],
        "groups": [
            {
                "dimension": _gap(g.gap),
                "reason": str(g.reason),
                "nodes": [_gap(n) for n in g.nodes],
                "scenarios": [s.code for s in g.scenarios],
                "solutions": [_match(r) for r in g.solutions],
                "examples": [e.pk for e in g.examples],
            }
            for g in page.groups
        ],
        "top": [_match(r) for r in page.top],
    }
