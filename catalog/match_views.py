"""Matching and adoption pages: the recommended scenarios, solutions and providers for a result's
gaps (the enterprise and officials in scope: assessments.results.result_get_for_user, 404
otherwise); the enterprise records an adoption, lists its adoptions with the change measured at
the next result, and withdraws one (catalog/adoptions.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import role_required
from accounts.models import Role
from assessments.results import result_get_for_user
from catalog.adoption_forms import MAX_ID, AdoptForm
from catalog.adoptions import (
    ENTRY_NOT_PUBLISHED,
    PROVIDER_NOT_PUBLISHED,
    adoption_effects,
    adoption_get_for_user,
    adoption_list_for_user,
    adoption_record,
    published_entry,
    published_provider,
    result_dimensions,
)
from catalog.adoptions import adoption_withdraw as adoption_withdraw_service
from catalog.matching import matches_for_assessment
from core.types import AuthenticatedRequest

MATCH_READERS = (Role.PROVINCE, Role.CITY, Role.COUNTY, Role.ENTERPRISE)
BAD_REQUEST = "请求无效 (Invalid request)"


@role_required(*MATCH_READERS)
@require_safe
def matches(request: AuthenticatedRequest, assessment_id: int) -> HttpResponse:
    assessment = result_get_for_user(user=request.user, pk=assessment_id)
    context = {
        "assessment": assessment,
        "page": matches_for_assessment(assessment=assessment, user=request.user),
        "may_adopt": request.user.role == Role.ENTERPRISE,
        "dimension_choices": result_dimensions(assessment),
        "today": timezone.localdate(),
    }
    return render(request, "catalog/matches.html", context)


@role_required(Role.ENTERPRISE)
@require_safe
def adoption_list(request: AuthenticatedRequest) -> HttpResponse:
    adoptions = adoption_list_for_user(user=request.user)
    context = {"effects": adoption_effects(adoptions), "today": timezone.localdate()}
    return render(request, "catalog/adoptions.html", context)


@role_required(Role.ENTERPRISE)
@require_POST
def adopt(request: AuthenticatedRequest) -> HttpResponse:
    try:
        pk = int(request.POST.get("baseline", ""))
        if not 1 <= pk <= MAX_ID:
            raise ValueError(pk)
        baseline = result_get_for_user(user=request.user, pk=pk)
    except (ValueError, Http404):
        messages.error(request, _(BAD_REQUEST))
        return redirect("catalog:adoptions")
    form = AdoptForm(request.POST, dimensions=result_dimensions(baseline))
    back = redirect("catalog:matches", assessment_id=baseline.pk)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return back
    try:
        adoption_record(
            **_adoption_input(form),
            enterprise=baseline.enterprise,
            baseline=baseline,
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    messages.success(request, _("已记录采用情况。下次评估后，这里将显示针对维度的得分变化。"))
    return redirect("catalog:adoptions")


def _adoption_input(form: AdoptForm) -> dict[str, Any]:
    """The form's values as adoption_record's arguments (ids resolved to published rows)."""
    data = form.cleaned_data
    entry = published_entry(data["entry"]) if data["entry"] else None
    provider = published_provider(data["provider"]) if data["provider"] else None
    if data["entry"] and entry is None:
        raise ValidationError(ENTRY_NOT_PUBLISHED)
    if data["provider"] and provider is None:
        raise ValidationError(PROVIDER_NOT_PUBLISHED)
    return {
        "entry": entry,
        "provider": provider,
        "dimensions": list(data["dimensions"]),
        "adopted_on": data["adopted_on"],
        "note": data["note"],
    }


@role_required(Role.ENTERPRISE)
@require_POST
def adoption_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    adoption = adoption_get_for_user(user=request.user, pk=pk)
    try:
        adoption_withdraw_service(adoption=adoption, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤回采用记录。"))
    return redirect("catalog:adoptions")
