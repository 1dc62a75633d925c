"""Development-index pages: the public overview of the latest published run (ranking of cities,
counties, clusters and chains with rank bands and tiers), a run's page (method stamp, coherence,
sensitivity), the methodology page generated from a definition, open-data downloads (CSV, XLSX,
Parquet), and the province's run management (start, progress, publish).

Published runs are public; unpublished runs answer 404 to everyone but province officials
(devindex.selectors). Pages read stored values and never compute on request.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from audit.services import audit_record
from core.types import AuthenticatedRequest
from devindex.access import INDEX_MANAGERS
from devindex.display import tier_label
from devindex.exports import CONTENT_TYPES, FORMATS, run_export
from devindex.forms import RunStartForm
from devindex.models import IndexRun, IndexValue
from devindex.selectors import (
    UNIT_LEVELS,
    RankingRow,
    base_year_series,
    can_see_unpublished,
    definition_get,
    methodology,
    ranking,
    run_get_for_user,
    run_latest_published,
    run_list_for_user,
)
from devindex.services import index_run_publish, index_run_start
from monitoring.selectors import snapshot_current

LEVEL_LABELS = dict(IndexValue.UnitLevel.choices)


def _level(request: HttpRequest) -> str:
    level = request.GET.get("level", "city")
    return level if level in UNIT_LEVELS else "city"


def _chart(rows: list[RankingRow]) -> dict[str, Any]:
    """ECharts-ready ranking: names, scores, nominal ranks and 5–95 % rank bands."""
    ranked = [r for r in rows if r.score is not None]
    return {
        "categories": [r.unit_name for r in ranked],
        "scores": [round(r.score, 2) for r in ranked if r.score is not None],
        "ranks": [r.rank for r in ranked],
        "bands": [[r.rank_p05, r.rank_p95] for r in ranked],
        "labels": {"score": _("指数得分"), "rank": _("名次"), "band": _("名次 5%–95% 区间")},
    }


def _ranking_context(run: IndexRun, level: str) -> dict[str, Any]:
    content = run.definition.content
    rows = ranking(run=run, unit_level=level)
    dimensions = content["dimensions"]
    series = base_year_series(run=run, unit_level=level)
    table = [
        {
            "row": row,
            "tier_name": tier_label(row.tier),
            "rebased": None if series is None else series.at(row.unit_code, run.year),
            "dimensions": [row.dimensions.get(d["code"]) for d in dimensions],
        }
        for row in rows
    ]
    return {
        "run": run,
        "level": level,
        "level_label": LEVEL_LABELS[level],
        "levels": [(code, LEVEL_LABELS[code]) for code in UNIT_LEVELS],
        "table": table,
        "base_year": None if series is None else series.base_year,
        "dimensions": dimensions,
        "chart": _chart(rows),
        "level_summary": (run.summary.get("levels") or {}).get(level, {}),
    }


def _render_ranking(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    if request.headers.get("HX-Request"):
        template += "#ranking"
    return render(request, template, context)


def overview(request: HttpRequest) -> HttpResponse:
    """Public: the latest published run's rankings."""
    run = run_latest_published()
    if run is None:
        return render(request, "devindex/overview.html", {"run": None})
    return _render_ranking(
        request, "devindex/overview.html", _ranking_context(run, _level(request))
    )


def _labelled(run: IndexRun, summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """A level's summary with the Chinese names of its dimensions and uncertain inputs."""
    if not summary:
        return summary
    content = run.definition.content
    dims = {d["code"]: d["name"]["zh"] for d in content["dimensions"]}
    inputs = {i["name"]: i.get("name_zh", i["name"]) for i in content["uncertainty"]["inputs"]}
    coherence = summary.get("coherence") or {}
    return summary | {
        "sobol": [
            r | {"label": inputs.get(r["input"], r["input"])} for r in summary.get("sobol", [])
        ],
        "coherence": coherence
        | {
            "dimensions": [
                d | {"label": dims.get(d["code"], d["code"])}
                for d in coherence.get("dimensions", [])
            ]
        },
    }


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = run_get_for_user(user=request.user, pk=pk)
    context = _ranking_context(run, _level(request))
    levels = run.summary.get("levels") or {}
    context |= {
        "formats": FORMATS,
        "can_publish": can_see_unpublished(request.user)
        and run.status == IndexRun.Status.DONE
        and not run.published,
        "summary_levels": [
            (code, LEVEL_LABELS[code], _labelled(run, levels.get(code))) for code in UNIT_LEVELS
        ],
    }
    return _render_ranking(request, "devindex/run_detail.html", context)


def methodology_page(request: HttpRequest, code: str, version: str) -> HttpResponse:
    """Public: the methodology of one definition version, generated from its content."""
    definition = definition_get(code=code, version=version)
    runs = run_list_for_user(user=request.user).filter(definition=definition)[:20]
    context = {"page": methodology(definition), "runs": runs}
    return render(request, "devindex/methodology.html", context)


def run_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """Open data: the run's values with its metadata, as CSV, XLSX or Parquet. A published run's
    files are public and not audited; an unpublished run's (the province's) leave the platform
    before publication, so each such download is written to the audit trail."""
    run = run_get_for_user(user=request.user, pk=pk)
    if fmt not in FORMATS or run.status != IndexRun.Status.DONE:
        raise Http404
    buffer = io.BytesIO()
    rows = run_export(run=run, fmt=fmt, stream=buffer)
    if not run.published:
        audit_record(
            action="index_run.export",
            obj=run,
            after={"format": fmt, "rows": rows, "published": False},
            note=f"unpublished run as {fmt}",
        )
    buffer.seek(0)
    name = f"{run.definition.code}-{run.definition.version}-{run.year}-run{run.pk}.{fmt}"
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])


def _start_form(request: AuthenticatedRequest) -> RunStartForm:
    snapshot = snapshot_current()
    years = list(snapshot.years or []) if snapshot else []
    return RunStartForm(request.POST or None, years=years)


@role_required(*INDEX_MANAGERS)
def manage(request: AuthenticatedRequest) -> HttpResponse:
    """The province's runs: the list with progress, and a form to start a run."""
    form = _start_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            run = index_run_start(
                definition=form.cleaned_data["definition"],
                year=form.cleaned_data["year"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已开始计算，完成后可在此发布。"))
            return redirect("devindex:run-detail", pk=run.pk)
    context = {"form": form, "runs": run_list_for_user(user=request.user)[:50]}
    return render(request, "devindex/manage.html", context)


@role_required(*INDEX_MANAGERS)
def run_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The progress of one run (polled by htmx while it is queued or running); a plain request
    is sent to the run's page."""
    run = run_get_for_user(user=request.user, pk=pk)
    if not request.headers.get("HX-Request"):
        return redirect("devindex:run-detail", pk=run.pk)
    return render(request, "devindex/manage.html#run-status", {"run": run})


@require_POST
@role_required(*INDEX_MANAGERS)
def run_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    run = run_get_for_user(user=request.user, pk=pk)
    try:
        index_run_publish(run=run, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已发布：该结果及其数据今后不可修改。"))
    return redirect("devindex:run-detail", pk=run.pk)
