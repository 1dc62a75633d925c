"""Development-index JSON API under /api/v1/: the runs a caller may see and the values of one run.

Published runs are public, as the pages are (no authentication needed; a session or a token is
still read, so a province official also sees unpublished runs). An unpublished run answers 404 to
everyone else, like a missing one. Errors are {"error": "..."} (bilingual).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from accounts.api_auth import api_auth
from devindex.models import IndexRun
from devindex.selectors import NOT_FOUND, index_values, run_get_for_user, run_list_for_user
from frameworks.schemas import ErrorOut

router = Router(tags=["devindex"])
MAX_ID = 2**63 - 1
UnitLevel = Literal["city", "county", "cluster", "chain"]
NODE_CODE = r"^[A-Za-z0-9_.\-]{1,40}$"


def _anonymous(request: HttpRequest) -> Any:
    """No credentials: read as an anonymous user (published runs only)."""
    return AnonymousUser()


# Session or token when given (province officials see unpublished runs), anonymous otherwise.
PUBLIC_AUTH = [*api_auth, _anonymous]


class DefinitionRef(Schema):
    code: str
    version: str
    title: str
    provisional: bool
    sha256: str


class RunOut(Schema):
    id: int
    definition: DefinitionRef
    year: int
    status: str
    progress_percent: int
    published: bool
    published_at: datetime | None
    values_sha256: str
    snapshot_id: int
    created_at: datetime
    finished_at: datetime | None
    method_stamp: dict[str, Any]
    summary: dict[str, Any]


class ValueOut(Schema):
    unit_level: str
    unit_code: str
    node: str
    raw: float | None
    score: float | None
    rank: int | None
    rank_median: float | None
    rank_p05: float | None
    rank_p95: float | None
    tier: int | None
    imputed: bool


class ValueQuery(Schema):
    unit_level: UnitLevel | None = Field(None, description="city / county / cluster / chain")
    node: str | None = Field(None, pattern=NODE_CODE, description="指标代码 (node code)")


def _run(run: IndexRun) -> dict[str, Any]:
    definition = run.definition
    return {
        "id": run.pk,
        "definition": {
            "code": definition.code,
            "version": definition.version,
            "title": definition.title,
            "provisional": definition.provisional,
            "sha256": definition.sha256,
        },
        "year": run.year,
        "status": run.status,
        "progress_percent": run.percent,
        "published": run.published,
        "published_at": run.published_at,
        "values_sha256": run.values_sha256,
        "snapshot_id": run.snapshot_id,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "method_stamp": run.method_stamp,
        "summary": run.summary,
    }


@router.get(
    "/index/runs",
    auth=PUBLIC_AUTH,
    response=list[RunOut],
    url_name="index-run-list",
    summary="Development-index runs: published ones for everyone (no authentication needed); "
    "every run for province officials",
)
def run_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_run(run) for run in run_list_for_user(user=request.auth)]  # type: ignore[attr-defined]


@router.get(
    "/index/runs/{run_id}/values",
    auth=PUBLIC_AUTH,
    response={200: list[ValueOut], 404: ErrorOut},
    url_name="index-run-values",
    summary="The values of one run (every node of every unit), filtered by unit_level and node",
)
def run_values(request: HttpRequest, run_id: int, query: Query[ValueQuery]) -> tuple[int, Any]:
    if not 0 < run_id <= MAX_ID:
        raise HttpError(404, NOT_FOUND)
    try:
        run = run_get_for_user(user=request.auth, pk=run_id)  # type: ignore[attr-defined]
    except Http404:
        return 404, {"error": NOT_FOUND}
    levels = [query.unit_level] if query.unit_level else ["city", "county", "cluster", "chain"]
    rows = [
        value
        for level in levels
        for value in index_values(run=run, unit_level=level, node=query.node).values(
            *ValueOut.model_fields
        )
    ]
    return 200, rows
