"""Cities' annual work plans (年度工作计划): the list (the province: every city's submitted plans
and a city × year grid of which were submitted; a city: its own), a city's plan for a year to
edit while it is a draft (one commitment per target, the city's own target value shown as a
hint), submitting it to the province, and a plan's read-only page.

Function level (targets/policy.yaml): province and city officials see plans, only city officials
write them (targets.access.may_plan, checked again by the services). Object level:
targets.selectors.work_plans_for_user (the province sees submitted plans, a city its own; others
answer 404)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role
from core.types import AuthenticatedRequest
from registry.models import Region
from targets import access, selectors
from targets.models import Target, WorkPlan
from targets.report_forms import WorkPlanForm
from targets.selectors import PLAN_YEARS, TargetRow, plan_rows, work_plans_for_user
from targets.services import work_plan_save, work_plan_submit

PLAN_READERS = (Role.PROVINCE, Role.CITY)
PLANNERS = (Role.CITY,)


@role_required(*PLAN_READERS)
def work_plans(request: AuthenticatedRequest) -> HttpResponse:
    plans = list(work_plans_for_user(user=request.user).order_by("region", "year"))
    found = {(p.region_id, p.year): p for p in plans}
    if request.user.role == Role.PROVINCE:
        regions = selectors.cities()
    else:
        regions = list(Region.objects.filter(code=request.user.region_id))
    grid = [(city, [(y, found.get((city.code, y))) for y in PLAN_YEARS]) for city in regions]
    submitted = sum(1 for p in plans if p.status == WorkPlan.Status.SUBMITTED)
    context = {
        "plans": plans,
        "grid": grid,
        "years": PLAN_YEARS,
        "submitted": submitted,
        "expected": len(regions) * len(PLAN_YEARS),
        "is_planner": request.user.role in PLANNERS,
    }
    return render(request, "targets/work_plans.html", context)


def _own_city(request: AuthenticatedRequest, year: int) -> Region:
    """The city official's city, when they may write its plan for `year` (a year outside the
    plan answers 404)."""
    if year not in PLAN_YEARS:
        raise Http404
    city = Region.objects.filter(code=request.user.region_id, level=Region.Level.CITY).first()
    if city is None or not access.may_plan(request.user, city):
        raise PermissionDenied
    return city


def _hints(rows: list[TargetRow]) -> dict[str, TargetRow]:
    return {row.target.code: row for row in rows}


@role_required(*PLANNERS)
def work_plan(request: AuthenticatedRequest, year: int) -> HttpResponseBase:
    """Edit the city's plan for `year` while it is a draft; a submitted plan is read-only."""
    city = _own_city(request, year)
    plan = WorkPlan.objects.filter(region=city, year=year).first()
    if plan is not None and plan.status != WorkPlan.Status.DRAFT:
        return redirect("targets:work-plan-detail", pk=plan.pk)
    targets = list(Target.objects.select_related("task").order_by("task", "position"))
    form = WorkPlanForm(request.POST or None, targets=targets, initial=_initial(plan))
    if request.method == "POST" and form.is_valid():
        try:
            work_plan_save(
                region=city,
                year=year,
                summary=form.cleaned_data["summary"],
                commitments=form.commitments(),
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("工作计划已保存（草稿）。"))
            return redirect("targets:work-plan", year=year)
    hints = _hints(plan_rows(year=year, region=city))
    context = {
        "city": city,
        "year": year,
        "plan": plan,
        "form": form,
        "rows": [(*row, hints.get(row[0].code)) for row in form.rows()],
    }
    return render(request, "targets/work_plan.html", context)


def _initial(plan: WorkPlan | None) -> dict[str, object]:
    if plan is None:
        return {}
    initial: dict[str, object] = {"summary": plan.summary}
    for commitment in plan.commitments.all():
        initial[f"value_{commitment.target_id}"] = commitment.value
        initial[f"measures_{commitment.target_id}"] = commitment.measures
    return initial


@require_POST
@role_required(*PLANNERS)
def work_plan_submit_view(request: AuthenticatedRequest, year: int) -> HttpResponseBase:
    city = _own_city(request, year)
    plan = WorkPlan.objects.filter(region=city, year=year).first()
    if plan is None:
        messages.error(request, _("请先保存工作计划，再报送。"))
        return redirect("targets:work-plan", year=year)
    try:
        plan = work_plan_submit(plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("工作计划已报送省级主管部门。"))
    return redirect("targets:work-plan-detail", pk=plan.pk)


@role_required(*PLAN_READERS)
def work_plan_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = work_plans_for_user(user=request.user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    hints = _hints(plan_rows(year=plan.year, region=plan.region))
    rows = [(c, hints.get(c.target_id)) for c in plan.commitments.all()]
    rows.sort(key=lambda pair: (pair[0].target.task_id, pair[0].target.position))
    context = {
        "plan": plan,
        "rows": rows,
        "editable": plan.status == WorkPlan.Status.DRAFT
        and access.may_plan(request.user, plan.region),
    }
    return render(request, "targets/work_plan.html", context)
