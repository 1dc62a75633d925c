"""The yearly evaluation pack (年度评估) on the web: the XLSX workbook (targets.exports) and a
printable HTML report of the same figures, which the browser prints to PDF.

Province officials only (targets/policy.yaml): the pack lists the evidence of every approved
report (file names and descriptions), which targets.selectors.reports_for_user shows to the
province alone; city and county officials see the plan overview and their scorecards instead.
Both are audited as targets.export. A year outside 2025–2027 (or not a number) answers 400."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import role_required
from accounts.models import Role
from audit.services import audit_record
from core.types import AuthenticatedRequest
from targets import display
from targets.exports import (
    XLSX,
    evaluation_pack,
    progress_workbook,
    source_text,
    status_label,
)
from targets.selectors import PLAN_YEARS, STATUS_ORDER, default_year

EXPORTERS = (Role.PROVINCE,)
BAD_YEAR = "年度须在 2025–2027 之间 (The year must be 2025 to 2027)"


def _year(request: AuthenticatedRequest) -> int | None:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return default_year()
    year = int(raw) if raw.isascii() and raw.isdigit() else None
    return year if year in PLAN_YEARS else None


def _audit(year: int, fmt: str, size: int | None = None) -> None:
    after: dict[str, object] = {"year": year, "format": fmt}
    if size is not None:
        after["bytes"] = size
    audit_record(
        action="targets.export",
        object_type="targets.plan",
        object_id=str(year),
        after=after,
        note=f"evaluation pack {year} as {fmt}",
    )


@role_required(*EXPORTERS)
def export(request: AuthenticatedRequest) -> HttpResponse:
    year = _year(request)
    if year is None:
        return HttpResponseBadRequest(BAD_YEAR, content_type="text/plain; charset=utf-8")
    content = progress_workbook(year=year)
    _audit(year, "xlsx", len(content))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="targets-{year}-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(*EXPORTERS)
def print_report(request: AuthenticatedRequest) -> HttpResponse:
    year = _year(request)
    if year is None:
        return HttpResponseBadRequest(BAD_YEAR, content_type="text/plain; charset=utf-8")
    pack = evaluation_pack(year=year)
    _audit(year, "print")
    tasks = [
        (
            task,
            status_label(task.status) if task.rows else "",
            [
                (
                    row,
                    status_label(row.status),
                    source_text(row),
                    pack.evidence[row.target.code],
                    display.percent(row.progress.completion),
                    display.percent(row.progress.time_elapsed),
                    display.current(row),
                    display.goal(row.target, row.value),
                )
                for row in task.rows
            ],
        )
        for task in pack.tasks
    ]
    context = {
        "pack": pack,
        "tasks": tasks,
        "statuses": [(s, status_label(s)) for s in STATUS_ORDER],
        "counts": [(s, status_label(s), n) for s, n in pack.counts.items()],
        "cities": [(c.region, [c.counts[s] for s in STATUS_ORDER]) for c in pack.cities],
        "years": PLAN_YEARS,
    }
    return render(request, "targets/print.html", context)
