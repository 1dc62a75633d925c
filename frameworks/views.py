"""Model pages: the list, a version's detail (tree, rules, crosswalks, downloads), the difference
between two versions, and for province officials the import, publish and delete-draft actions."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from core.types import AuthenticatedRequest
from frameworks.access import FRAMEWORK_EDITORS, FRAMEWORK_READERS
from frameworks.display import framework_groups, model_view
from frameworks.files import DefinitionFileError, dump_yaml, read_definition
from frameworks.forms import FrameworkImportForm, VersionDiffForm
from frameworks.selectors import (
    FRAMEWORK_VERSION_NOT_FOUND,
    framework_version_compiled,
    framework_version_diff,
    framework_version_get_for_user,
    framework_version_list_for_user,
    framework_version_sorted,
)
from frameworks.services import (
    ImportOutcome,
    framework_import,
    framework_version_delete_draft,
    framework_version_publish,
)
from frameworks.workbook import definition_to_xlsx
from scoring import maturity

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@role_required(*FRAMEWORK_READERS)
def framework_list(request: AuthenticatedRequest) -> HttpResponse:
    versions = framework_version_list_for_user(user=request.user)
    context = {
        "groups": framework_groups(versions),
        "can_import": request.user.role in FRAMEWORK_EDITORS,
    }
    return render(request, "frameworks/list.html", context)


@role_required(*FRAMEWORK_READERS)
def version_detail(request: AuthenticatedRequest, code: str, version: str) -> HttpResponse:
    found = framework_version_get_for_user(user=request.user, code=code, version=version)
    try:
        model, problems = model_view(framework_version_compiled(found), found.definition), []
    except maturity.FrameworkError as exc:  # stored before a stricter engine; shown, not hidden
        model, problems = None, exc.problems
    siblings = framework_version_list_for_user(user=request.user).filter(
        framework_id=found.framework_id
    )
    context = {
        "version": found,
        "model": model,
        "problems": problems,
        "siblings": framework_version_sorted(siblings),
        "can_edit": request.user.role in FRAMEWORK_EDITORS and found.is_editable,
    }
    return render(request, "frameworks/detail.html", context)


@role_required(*FRAMEWORK_READERS)
def version_export(request: AuthenticatedRequest, code: str, version: str) -> HttpResponseBase:
    found = framework_version_get_for_user(user=request.user, code=code, version=version)
    fmt = request.GET.get("format", "yaml")
    if fmt == "xlsx":
        content, content_type = definition_to_xlsx(found.definition), XLSX
    elif fmt == "yaml":
        content, content_type = dump_yaml(found.definition).encode(), "application/yaml"
    else:
        raise Http404
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"{code}-{version}.{fmt}",
        content_type=content_type,
    )


@role_required(*FRAMEWORK_READERS)
def version_diff(request: AuthenticatedRequest, code: str) -> HttpResponse:
    versions = framework_version_sorted(
        framework_version_list_for_user(user=request.user).filter(framework__code=code)
    )
    if not versions:
        raise Http404(FRAMEWORK_VERSION_NOT_FOUND)
    # Without a choice, compare the two newest versions.
    newest = {"a": versions[-2].version, "b": versions[-1].version} if len(versions) > 1 else None
    form = VersionDiffForm(request.GET or newest, versions=versions)
    changes = None
    if form.is_valid():
        a, b = (
            framework_version_get_for_user(
                user=request.user, code=code, version=form.cleaned_data[k]
            )
            for k in ("a", "b")
        )
        changes = framework_version_diff(a, b)
    template = "frameworks/diff.html"
    if request.headers.get("HX-Request"):
        template += "#changes"
    return render(request, template, {"code": code, "form": form, "changes": changes})


def _outcome_message(outcome: ImportOutcome) -> str:
    label = outcome.version.label
    if outcome.created:
        return _("已导入为草稿：%(label)s") % {"label": label}
    if outcome.changed:
        return _("草稿已更新：%(label)s") % {"label": label}
    return _("内容与已有版本相同，未作修改：%(label)s") % {"label": label}


@role_required(*FRAMEWORK_EDITORS)
def framework_import_upload(request: AuthenticatedRequest) -> HttpResponse:
    form = FrameworkImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            definition = read_definition(upload.read(), filename=upload.name)
            outcome = framework_import(
                definition=definition, source_name=upload.name, by=request.user
            )
        except DefinitionFileError as exc:
            problems = exc.problems
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(request, _outcome_message(outcome))
            found = outcome.version
            return redirect("frameworks:detail", code=found.framework.code, version=found.version)
    return render(request, "frameworks/import.html", {"form": form, "problems": problems})


@role_required(*FRAMEWORK_EDITORS)
@require_POST
def version_publish(request: AuthenticatedRequest, code: str, version: str) -> HttpResponse:
    found = framework_version_get_for_user(user=request.user, code=code, version=version)
    try:
        framework_version_publish(version=found, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已发布：%(label)s") % {"label": found.label})
    return redirect("frameworks:detail", code=code, version=version)


@role_required(*FRAMEWORK_EDITORS)
@require_POST
def version_delete_draft(request: AuthenticatedRequest, code: str, version: str) -> HttpResponse:
    found = framework_version_get_for_user(user=request.user, code=code, version=version)
    try:
        framework_version_delete_draft(version=found, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("frameworks:detail", code=code, version=version)
    messages.success(request, _("草稿已删除：%(label)s") % {"label": found.label})
    return redirect("frameworks:list")
