"""Read-side pages of the target tracker (目标跟踪): the plan at a glance (status counts, the six
parts with their tasks and every target's actual, completion against time elapsed, status and
forecast), a task's page and a target's page (trend chart, the cities ranked, the counties of the
city official's own city, revision history), and a city's scorecard. On a target's page the
province adjusts the target and splits it over the cities, a city official splits it over its
counties (targets.services, which check permissions and write the audit trail).

Officials only (province, city, county; others 403); a city scorecard is the province's and the
city's own officials' (others 404, targets.selectors.city_get_for_user). Every figure comes from
targets.selectors; charts read their data from json_script elements (static/js/targets/charts.js).
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import OFFICIAL_ROLES, Role, User
from core.types import AuthenticatedRequest
from monitoring.selectors import snapshot_current
from registry.models import Region
from targets import display
from targets.models import Allocation, Target
from targets.selectors import (
    PLAN_YEARS,
    Breakdown,
    TargetRow,
    above_scale_base,
    cities,
    city_get_for_user,
    county_rows,
    default_year,
    plan_rows,
    province,
    revisions,
    status_counts,
    target_breakdown,
    target_breakdowns,
    target_get,
    task_get,
    task_summaries,
)
from targets.services import allocation_default, allocation_set, target_update
from targets.target_forms import AllocationForm, TargetEditForm

ALLOCATORS = (Role.PROVINCE, Role.CITY)


def _year(request: HttpRequest) -> int:
    """The plan year asked for; anything else (²: a digit int() refuses, 5,000 digits: more than
    int() reads) is the current plan year."""
    years = {str(year): year for year in PLAN_YEARS}
    return years.get(request.GET.get("year", ""), default_year())


def _own_city(user: User) -> Region | None:
    """The city whose scorecard a city or county official sees as its own."""
    region = user.region
    if user.role == Role.CITY:
        return region
    if user.role == Role.COUNTY and region is not None:
        return region.parent
    return None


def _target_url(target: Target, year: int) -> str:
    return f"{reverse('targets:target', kwargs={'code': target.code})}?year={year}"


@role_required(*OFFICIAL_ROLES)
def overview(request: AuthenticatedRequest) -> HttpResponse:
    """The plan at a glance for the province; the year switch refreshes the body (htmx)."""
    year = _year(request)
    rows = plan_rows(year=year)
    tasks = display.task_views(task_summaries(rows))
    context = {
        "year": year,
        "years": PLAN_YEARS,
        "parts": display.parts(tasks),
        "cards": display.status_cards(status_counts(rows)),
        "snapshot": snapshot_current(),
        "own_city": _own_city(request.user),
    }
    template = "targets/overview.html"
    # htmx 2 restores a history entry missing from its cache with HX-Request too, and puts the
    # answer in place of the whole body: that request gets the whole page.
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        template += "#plan-body"
    return render(request, template, context)


def _ranked(rows: list[TargetRow], origins: dict[str, str] | None = None) -> list[display.RowView]:
    """Rows in the selector's ranking order; a rank (ties share one) only for regions with a
    figure for the year, which come first (a per-year figure of an earlier year is not one)."""
    views = [
        display.row_view(r, rank=rank, origin=display.origin_text(r, origins or {}))
        for r, rank in zip(rows, display.ranks(rows), strict=True)
    ]
    return sorted(views, key=lambda view: view.rank is None)


def _block(target: Target, year: int, origins: dict[str, str] | None = None) -> dict[str, Any]:
    """A target's trend and its cities ranked (shared by the task and target pages)."""
    breakdown: Breakdown = target_breakdown(target=target, year=year)
    ranked = _ranked(breakdown.cities, origins)
    return {
        "target": target,
        "breakdown": breakdown,
        "province": display.row_view(breakdown.province),
        "cities": ranked,
        "trend": display.trend_chart(breakdown.province),
        "completion": display.completion_chart(ranked),
    }


@role_required(*OFFICIAL_ROLES)
def task(request: AuthenticatedRequest, number: int) -> HttpResponse:
    plan_task = task_get(number=number)
    year = _year(request)
    targets = plan_task.targets.select_related("task").order_by("position", "code")
    context = {
        "task": plan_task,
        "part_title": display.PART_TITLES.get(plan_task.part, ""),
        "year": year,
        "years": PLAN_YEARS,
        "entries": [_block(t, year) for t in targets],
    }
    return render(request, "targets/task.html", context)


def _allocation_regions(user: User) -> list[Region]:
    """The regions `user` splits targets over: the province's cities, a city's counties."""
    if user.role == Role.PROVINCE:
        return cities()
    counties = Region.objects.filter(parent_id=user.region_id, level=Region.Level.COUNTY)
    return list(counties.order_by("code"))


def _origin_words(allocation: Allocation) -> str:
    """按规上企业数分解（规上企业 135 家） or 人工设定（the reason）."""
    label = str(display.ORIGIN_LABELS[allocation.method])
    if allocation.basis is not None:
        detail = _("规上企业 %(n)s 家") % {"n": allocation.basis}
    else:
        detail = allocation.reason
    return f"{label}（{detail}）" if detail else label


def _origins(target: Target, year: int) -> dict[str, str]:
    """Region code → how its share of `target` was set."""
    key = year if target.kind == Target.Kind.PER_YEAR else 0
    return {a.region_id: _origin_words(a) for a in target.allocations.filter(year=key)}


def _controls(
    user: User,
    target: Target,
    edit_form: TargetEditForm | None,
    allocation_form: AllocationForm | None = None,
) -> dict[str, Any]:
    """The edit form (province) and the allocation controls (province: cities; city: counties);
    a form sent back with errors is shown as it was filled in."""
    context: dict[str, Any] = {"edit_form": None, "allocation_form": None}
    if user.role == Role.PROVINCE:
        initial = TargetEditForm.initial_for(target)
        context["edit_form"] = edit_form or TargetEditForm(initial=initial)
    if user.role in ALLOCATORS and target.scope != Target.Scope.EACH_CITY:
        regions = _allocation_regions(user)
        form = allocation_form or AllocationForm(target=target, regions=regions)
        context["allocation_form"] = form
    return context


def _allocated(breakdown: Breakdown) -> dict[str, Any] | None:
    """The cities' split summed against the province value (None when nothing is split)."""
    total, goal = breakdown.allocated, breakdown.province.value
    if total is None:
        return None
    unit = breakdown.province.target.unit
    return {
        "sum": display.number(total, unit),
        "goal": display.number(goal, unit),
        "differs": goal is None or not math.isclose(total, goal, rel_tol=1e-9, abs_tol=1e-9),
    }


def _target_context(
    request: AuthenticatedRequest,
    target: Target,
    edit_form: TargetEditForm | None = None,
    allocation_form: AllocationForm | None = None,
) -> dict[str, Any]:
    year, user = _year(request), request.user
    own_city = user.region if user.role == Role.CITY else None
    counties = county_rows(target=target, city=own_city, year=year) if own_city else []
    origins = _origins(target, year)
    entry = _block(target, year, origins)
    return {
        "year": year,
        "years": PLAN_YEARS,
        "entry": entry,
        "allocated": _allocated(entry["breakdown"]),
        "standalone": True,
        "own_city": own_city,
        "counties": _ranked(counties, origins),
        "revisions": list(revisions(target=target)),
        # the year switch leads to the target page, also from a form sent back with errors
        "page_path": reverse("targets:target", kwargs={"code": target.code}),
        "part_title": display.PART_TITLES.get(target.task.part, ""),
    } | _controls(user, target, edit_form, allocation_form)


@role_required(*OFFICIAL_ROLES)
def target(request: AuthenticatedRequest, code: str) -> HttpResponse:
    plan_target = target_get(code=code)
    return render(request, "targets/target.html", _target_context(request, plan_target))


@require_POST
@role_required(Role.PROVINCE)
def target_edit(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The province adjusts a target (with a reason); errors are shown in the form."""
    plan_target = target_get(code=code)
    form = TargetEditForm(request.POST)
    if form.is_valid():
        try:
            updated = target_update(
                target=plan_target,
                changes=form.changes(),
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("目标已调整，当前版本 %(v)s。") % {"v": updated.version})
            return redirect(_target_url(updated, _year(request)))
    context = _target_context(request, plan_target, edit_form=form)
    return render(request, "targets/target.html", context)


def _allocation_parent(user: User) -> tuple[Region, dict[str, int]]:
    """Where `user` splits from and the weights: the province over its cities, a city over its
    counties (above-scale enterprises of the current snapshot)."""
    if user.role == Role.PROVINCE:
        return province(), above_scale_base()
    city = Region.objects.get(code=user.region_id)
    return city, above_scale_base(level="county", parent=city.code)


def _report_split(request: HttpRequest, written: list[Allocation], parent: Region) -> None:
    if written:
        n = len({a.region_id for a in written})
        messages.success(request, _("已按规上企业数分解到 %(n)s 个地区。") % {"n": n})
    else:
        text = _("%(parent)s尚无该目标的分解值，未写入。") % {"parent": parent.name}
        messages.warning(request, text)


@require_POST
@role_required(*ALLOCATORS)
def allocate_default(request: AuthenticatedRequest, code: str) -> HttpResponseRedirect:
    """Split the target by above-scale enterprise counts (the province: cities; a city: its
    counties), replacing the regions' earlier splits."""
    plan_target = target_get(code=code)
    parent, base = _allocation_parent(request.user)
    try:
        written = allocation_default(target=plan_target, parent=parent, base=base, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _report_split(request, written, parent)
    return redirect(_target_url(plan_target, _year(request)))


@require_POST
@role_required(*ALLOCATORS)
def allocate(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """Set one region's share by hand, with a reason; errors are shown in the form, which keeps
    what was typed."""
    plan_target = target_get(code=code)
    regions = _allocation_regions(request.user)
    form = AllocationForm(request.POST, target=plan_target, regions=regions)
    if form.is_valid():
        data = form.cleaned_data
        region = next(r for r in regions if r.code == data["region"])
        try:
            allocation_set(
                target=plan_target,
                region=region,
                year=data["year"],
                value=data["value"],
                reason=data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("已设定%(region)s的分解目标。") % {"region": region.name})
            return redirect(_target_url(plan_target, _year(request)))
    messages.error(request, form.problems())
    context = _target_context(request, plan_target, allocation_form=form)
    return render(request, "targets/target.html", context)


def _scorecard(city: Region, year: int) -> tuple[list[display.RowView], int]:
    """Every target's row for `city` with its rank among the cities, and the number of cities:
    one breakdown per target (the city's row is one of the breakdown's rows, so the page needs
    no other read of actuals)."""
    allocations = {(a.target_id, a.year): a for a in Allocation.objects.filter(region=city)}
    rows, total = [], 0
    for breakdown in target_breakdowns(year=year):
        plan_target, ranked = breakdown.province.target, breakdown.cities
        index = next(i for i, r in enumerate(ranked) if r.region.code == city.code)
        row, rank = ranked[index], display.ranks(ranked)[index]
        key = year if plan_target.kind == Target.Kind.PER_YEAR else 0
        allocation = allocations.get((plan_target.code, key))
        origins = {city.code: _origin_words(allocation)} if allocation else {}
        rows.append(display.row_view(row, rank=rank, origin=display.origin_text(row, origins)))
        total = len(ranked)
    return rows, total


@role_required(*OFFICIAL_ROLES)
def city(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """A city's scorecard: every target for the city, its rank, a summary by status and part."""
    region = city_get_for_user(user=request.user, code=code)
    year = _year(request)
    rows, total = _scorecard(region, year)
    progress = display.part_progress(rows)
    context = {
        "city": region,
        "year": year,
        "years": PLAN_YEARS,
        "cards": display.status_cards(status_counts([r.row for r in rows])),
        "groups": display.groups(rows),
        "progress": progress,
        "parts_chart": display.parts_chart(progress),
        "cities_total": total,
    }
    return render(request, "targets/city.html", context)
