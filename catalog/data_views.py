"""XLSX import and export of the resource pool (catalog/imports.py).

Function level (catalog/policy.yaml): the province and provider accounts import and download the
template; everyone, anonymous included, exports (the public pool; the province every status).
What a provider may import is checked again by catalog.imports (its own entries, as drafts)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import role_required
from accounts.models import Role
from audit.services import audit_record
from catalog import imports
from catalog.import_rows import RowProblem, own_provider_name
from catalog.selectors import is_moderator
from core.types import AuthenticatedRequest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORTERS = (Role.PROVINCE, Role.PROVIDER)
NO_FILE = "请选择要上传的 XLSX 文件 (Choose an XLSX file to upload)"
NOTHING_APPLIED = "文件有问题，未导入任何数据 (The file has problems: nothing was imported)"


@role_required(*IMPORTERS)
def import_upload(request: AuthenticatedRequest) -> HttpResponse:
    """The upload form (GET); apply a filled-in workbook, every row or none (POST)."""
    outcome = None
    if request.method == "POST":
        file = request.FILES.get("file")
        if file is None:
            outcome = imports.ImportOutcome(problems=[RowProblem("", 0, "", NO_FILE)])
        else:
            publish = request.POST.get("publish") == "on"
            outcome = imports.catalog_import(
                file=file, original_name=file.name or "", by=request.user, publish=publish
            )
        if not outcome.problems:
            messages.success(request, _summary(outcome))
            return redirect("catalog:import")
    context = {
        "outcome": outcome,
        "nothing_applied": NOTHING_APPLIED,
        "is_province": is_moderator(request.user),
        "own_provider": "" if is_moderator(request.user) else own_provider_name(request.user),
    }
    return render(request, "catalog/import.html", context)


def _summary(outcome: imports.ImportOutcome) -> str:
    return _(
        "已导入：新增条目 %(ec)s 条、更新 %(eu)s 条、未变 %(en)s 条；"
        "新增服务商 %(pc)s 家、更新 %(pu)s 家。"
    ) % {
        "ec": outcome.entries_created,
        "eu": outcome.entries_updated,
        "en": outcome.entries_unchanged,
        "pc": outcome.providers_created,
        "pu": outcome.providers_updated,
    }


@role_required(*IMPORTERS)
def import_template(request: AuthenticatedRequest) -> HttpResponse:
    """The empty workbook with explanations, code lists and drop-downs."""
    response = HttpResponse(imports.catalog_template(user=request.user), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="catalog-import-template.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


def export(request: HttpRequest) -> HttpResponse:
    """The public pool as XLSX (the province: every status, with a status column)."""
    data, count = imports.catalog_export(user=request.user)
    if request.user.is_authenticated:
        audit_record(
            action="catalog.export",
            object_type="catalog.entry",
            after={"entries": count, "all_statuses": is_moderator(request.user)},
        )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="catalog.xlsx"'
    response["Cache-Control"] = "no-store" if is_moderator(request.user) else "no-cache"
    return response
