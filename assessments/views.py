"""Assessment pages: the home (an enterprise's assessments and the start form; officials' submitted
assessments with filters and counts; a provider's assignments), the multi-section edit page with
autosave, conflict display, evidence and the model variant (适用类型), submit, and the provider
diagnosis (assign, start, the enterprise's per-section review). The result page is in
result_views.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role, User
from assessments import uploads
from assessments.access import (
    ASSESSMENT_EDITORS,
    ASSESSMENT_READERS,
    DIAGNOSIS_ASSIGNERS,
    DIAGNOSIS_PROVIDERS,
    DIAGNOSIS_REVIEWERS,
    SELF_ASSESSORS,
)
from assessments.display import (
    ConflictRow,
    conflict_rows,
    diagnosis_state,
    edit_page,
    problem_errors,
    problem_links,
    section_of,
)
from assessments.forms import (
    AssignmentForm,
    BadPost,
    SectionPost,
    SectionReviewForm,
    StartForm,
    SubmittedFilterForm,
    VariantForm,
    revision_of,
    section_post,
)
from assessments.models import Assessment, Evidence, ProviderAssignment
from assessments.selectors import (
    assessment_get_editable_for_user,
    assessment_get_for_user,
    assessment_list_for_user,
    assignment_get_for_user,
    assignment_list_for_user,
    can_edit,
    evidence_get_for_user,
)
from assessments.services import (
    AssessmentConflict,
    ConflictItem,
    SaveOutcome,
    assessment_save,
    assessment_set_variant,
    assessment_start,
    assessment_submit,
    diagnosis_review_section,
    diagnosis_start,
    evidence_add,
    evidence_delete,
    provider_assign,
)
from audit.services import audit_record
from core.types import AuthenticatedRequest
from frameworks.selectors import framework_version_compiled
from registry.models import Region
from registry.selectors import region_list_for_user
from scoring import maturity
from scoring.maturity import AnswerError

PAGE_SIZE = 50
EDIT = "assessments/edit.html"


def _is_htmx(request: AuthenticatedRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


# --- home ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    assessment: Assessment
    state: str
    """A submitted diagnosis's confirmation state (display.DIAGNOSIS_STATES), else ""."""


def _rows(assessments: Any) -> list[Row]:
    return [
        Row(a, diagnosis_state(a) if a.is_diagnosis and a.is_submitted else "") for a in assessments
    ]


# Lists do not need the large JSON columns (answers, the full result, the model definition).
LIST_DEFERRED = ("answers", "result", "carried_from", "site_notes", "framework_version__definition")


def _for_list(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    return (
        queryset.select_related("assignment__provider")
        .prefetch_related("section_reviews")
        .defer(*LIST_DEFERRED)
    )


@role_required(*ASSESSMENT_READERS)
def assessment_list(request: AuthenticatedRequest) -> HttpResponse:
    if request.user.role == Role.ENTERPRISE:
        return _enterprise_home(request)
    if request.user.role == Role.PROVIDER:
        return _provider_home(request)
    return _official_home(request)


def _enterprise_home(request: AuthenticatedRequest) -> HttpResponse:
    assessments = _for_list(assessment_list_for_user(user=request.user))
    context = {
        "rows": _rows(assessments.order_by("status", "-updated_at")),
        "start_form": StartForm(),
    }
    return render(request, "assessments/list.html", context)


def _provider_home(request: AuthenticatedRequest) -> HttpResponse:
    diagnoses = Prefetch(
        "assessments",
        queryset=Assessment.objects.defer(*LIST_DEFERRED[:4]).order_by("-created_at"),
    )
    assignments = (
        assignment_list_for_user(user=request.user)
        .defer("framework_version__definition")
        .prefetch_related(diagnoses)
    )
    return render(request, "assessments/list.html", {"assignments": assignments})


def _filter_form(request: AuthenticatedRequest) -> SubmittedFilterForm:
    form = SubmittedFilterForm(request.GET or None)
    counties = region_list_for_user(user=request.user, level=Region.Level.COUNTY)
    form.fields["county"].queryset = counties  # type: ignore[attr-defined]
    levels = (
        assessment_list_for_user(user=request.user)
        .exclude(level="")
        .values_list("level", "level_name")
        .distinct()
        .order_by("level")
    )
    form.fields["level"].choices = [  # type: ignore[attr-defined]
        ("", "---------"),
        *((code, f"{code} {name}") for code, name in levels),
    ]
    return form


def _filtered(queryset: QuerySet[Assessment], form: SubmittedFilterForm) -> QuerySet[Assessment]:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = {
        "framework": data.get("framework"),
        "year": data.get("year"),
        "enterprise__county": data.get("county"),
        "level": data.get("level") or None,
    }
    return queryset.filter(**{key: value for key, value in filters.items() if value is not None})


def _official_home(request: AuthenticatedRequest) -> HttpResponse:
    form = _filter_form(request)
    submitted = _filtered(assessment_list_for_user(user=request.user), form)
    levels = submitted.values("level", "level_name").annotate(n=Count("id")).order_by("level")
    ordered = _for_list(submitted).order_by("-submitted_at", "-pk")
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": _rows(page),
        "level_counts": list(levels),
        "assignments": assignment_list_for_user(user=request.user).defer(
            "framework_version__definition"
        )[:PAGE_SIZE],
        "can_assign": request.user.role in DIAGNOSIS_ASSIGNERS,
    }
    template = "assessments/list.html"
    if _is_htmx(request):
        template += "#results"
    return render(request, template, context)


@require_POST
@role_required(*SELF_ASSESSORS)
def assessment_start_view(request: AuthenticatedRequest) -> HttpResponseBase:
    """Start a self-assessment of a published model, or resume the open draft of it."""
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择一个已发布的评估模型。"))
        return redirect("assessments:list")
    enterprise = request.user.enterprise
    assert enterprise is not None  # an enterprise user always has one (database constraint)
    try:
        assessment = assessment_start(
            enterprise=enterprise,
            version=form.cleaned_data["version"],
            by=request.user,
            year=form.cleaned_data["year"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assessments:list")
    return redirect("assessments:edit", pk=assessment.pk)


# --- edit page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    rows: list[ConflictRow]
    by: User | None


def _edit_response(
    request: AuthenticatedRequest,
    assessment: Assessment,
    *,
    section: str | None = None,
    fragment: bool = False,
    **extra: Any,
) -> HttpResponse:
    """The edit page (or, for htmx, the section with the progress list) of `section`.
    extra: shown, errors (per question), conflict, problems (submit), saved_at, variant_form,
    variant_conflict, variant_saved."""
    framework = framework_version_compiled(assessment.framework_version)
    extra.setdefault("variant_form", _variant_form(framework, assessment))
    page = edit_page(
        framework,
        assessment.answers,
        section=section,
        shown=extra.pop("shown", None),
        errors=extra.pop("errors", None),
        evidence=assessment.evidence.select_related("uploaded_by"),
    )
    context = {
        "assessment": assessment,
        "page": page,
        "editable": can_edit(request.user, assessment),
        "site_note": assessment.site_notes.get(page.current.code, ""),
        "variant_section": page.current.code,
        **extra,
    }
    template = EDIT + ("#section-response" if fragment else "")
    return render(request, template, context)


def _variant_form(framework: maturity.Framework, assessment: Assessment) -> VariantForm | None:
    """The 适用类型 form of a model with several variants (None: nothing to choose)."""
    if len(framework.variants) < 2:
        return None
    return VariantForm(framework=framework, current=assessment.variant)


@role_required(*ASSESSMENT_EDITORS)
def assessment_edit(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """Edit a draft; a draft the user may see but not change (an enterprise looking at the
    provider's diagnosis in progress) is shown read-only; a submitted one goes to its result."""
    assessment = assessment_get_for_user(user=request.user, pk=pk)
    if assessment.is_submitted:
        return redirect("assessments:result", pk=assessment.pk)
    section = request.GET.get("section")
    return _edit_response(request, assessment, section=section, fragment=_is_htmx(request))


@dataclass(frozen=True)
class Saved:
    outcome: SaveOutcome | None
    """None when nothing was saved (no changes, or only conflicting ones)."""
    clashes: list[ConflictItem]
    clashed_with: User | None
    """Who saved the conflicting answers."""
    current: Assessment

    @property
    def complete(self) -> bool:
        return not self.clashes and not (self.outcome and self.outcome.problems)


def _save(assessment: Assessment, post: SectionPost, by: User) -> Saved:
    """Save the post's changes. On a conflict, the changes nobody else touched are saved
    anyway and the conflicting ones are returned, unsaved, for the user to decide."""
    if not post.changes and not post.site_notes:
        fresh = Assessment.objects.select_related("framework_version").get(pk=assessment.pk)
        return Saved(None, [], None, fresh)
    try:
        outcome = assessment_save(
            assessment=assessment,
            changes=post.changes,
            revision=post.revision,
            by=by,
            base=post.base,
            site_notes=post.site_notes,
            site_notes_base=post.site_notes_base,
        )
    except AssessmentConflict as conflict:
        clashing = {item.question for item in conflict.items}
        rest = {code: value for code, value in post.changes.items() if code not in clashing}
        retry = SectionPost(
            post.section,
            post.revision,
            rest,
            post.base,
            {},
            post.site_notes,
            post.site_notes_base,
        )
        author = conflict.current.updated_by
        saved = _save(conflict.current, retry, by)
        return Saved(saved.outcome, [*conflict.items, *saved.clashes], author, saved.current)
    return Saved(outcome, [], None, outcome.assessment)


def _saved_response(
    request: AuthenticatedRequest, saved: Saved, post: SectionPost, *, fragment: bool
) -> HttpResponse:
    """The section after a save: unsaved input kept with its message, conflicts in a panel."""
    framework = framework_version_compiled(saved.current.framework_version)
    problems = saved.outcome.problems if saved.outcome else ()
    unsaved = {p.question for p in problems if p.question}
    conflict = None
    if saved.clashes:
        conflict = Conflict(conflict_rows(framework, saved.clashes), saved.clashed_with)
    return _edit_response(
        request,
        saved.current,
        section=post.section,
        fragment=fragment,
        shown={code: post.shown[code] for code in unsaved if code in post.shown},
        errors=problem_errors(problems),
        conflict=conflict,
        saved_at=timezone.now() if saved.outcome is not None and saved.outcome.saved else None,
    )


@require_POST
@role_required(*ASSESSMENT_EDITORS)
def assessment_save_view(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """Autosave (htmx: answers with the section fragment) or the plain Save button (redirects
    back when everything was saved; otherwise shows the page with messages and conflicts)."""
    assessment = assessment_get_for_user(user=request.user, pk=pk)
    if assessment.is_submitted:  # by a colleague, meanwhile
        messages.info(request, _("该评估已提交，答案已冻结。"))
        return _redirect_to(request, "assessments:result", pk=assessment.pk)
    if not can_edit(request.user, assessment):
        raise PermissionDenied
    framework = framework_version_compiled(assessment.framework_version)
    try:
        post = section_post(request.POST, framework)
    except BadPost:
        return HttpResponseBadRequest(_("表单已过期，请刷新页面。"))
    try:
        saved = _save(assessment, post, request.user)
    except ValidationError as error:  # submitted between the two reads
        messages.error(request, " ".join(error.messages))
        return _redirect_to(request, "assessments:result", pk=assessment.pk)
    if not _is_htmx(request) and saved.complete:
        messages.success(request, _("已保存。"))
        return redirect(f"{reverse('assessments:edit', args=[pk])}?section={post.section}")
    return _saved_response(request, saved, post, fragment=_is_htmx(request))


def _redirect_to(request: AuthenticatedRequest, name: str, **kwargs: Any) -> HttpResponse:
    """A redirect that htmx follows with a full page load."""
    url = reverse(name, kwargs=kwargs)
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


SUBMIT_STALE = gettext_lazy("答案刚刚有更新（自动保存或其他用户的修改），请检查后再次提交。")


@require_POST
@role_required(*ASSESSMENT_EDITORS)
def assessment_submit_view(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """Submit. The submit button posts the section form: its pending changes are saved first.
    Missing or invalid answers are listed with links to their sections; a second submit (double
    click, another user) goes to the result."""
    assessment = assessment_get_for_user(user=request.user, pk=pk)
    if assessment.is_submitted:
        return redirect("assessments:result", pk=assessment.pk)
    if not can_edit(request.user, assessment):
        raise PermissionDenied
    framework = framework_version_compiled(assessment.framework_version)
    try:
        post = section_post(request.POST, framework) if "section" in request.POST else None
        revision = revision_of(request.POST)
    except BadPost:
        return HttpResponseBadRequest(_("表单已过期，请刷新页面。"))
    if post is not None and (post.changes or post.site_notes):
        stale = post.revision != assessment.revision
        saved = _save(assessment, post, request.user)
        if not saved.complete:
            return _saved_response(request, saved, post, fragment=False)
        if stale:  # saved, but the user may not have seen the latest answers: not submitted
            messages.error(request, SUBMIT_STALE)
            return _edit_response(request, saved.current, section=post.section)
        assessment, revision = saved.current, saved.current.revision
    section = post.section if post else None
    try:
        done = assessment_submit(assessment=assessment, by=request.user, revision=revision)
    except AnswerError as error:
        problems = problem_links(framework, error)
        return _edit_response(request, assessment, section=section, problems=problems)
    except AssessmentConflict:
        messages.error(request, _("评估已被他人修改，请检查最新答案后再提交。"))
        fresh = assessment_get_for_user(user=request.user, pk=pk)
        return _edit_response(request, fresh, section=section)
    return redirect("assessments:result", pk=done.pk)


# --- model variant ---------------------------------------------------------------------------


@require_POST
@role_required(*ASSESSMENT_EDITORS)
def assessment_variant_view(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """Choose the model variant (适用类型) of a draft: htmx answers with the variant form (and,
    after a change, the section form's new revision), a plain post goes back to the edit page.
    A stale revision shows a conflict and changes nothing; choosing the current one is no-op."""
    assessment = assessment_get_for_user(user=request.user, pk=pk)
    if assessment.is_submitted:  # by a colleague, meanwhile
        messages.info(request, _("该评估已提交，答案已冻结。"))
        return _redirect_to(request, "assessments:result", pk=assessment.pk)
    if not can_edit(request.user, assessment):
        raise PermissionDenied
    framework = framework_version_compiled(assessment.framework_version)
    section = request.POST.get("section", "")
    section = section if section in framework.roots else framework.roots[0]
    form = VariantForm(request.POST, framework=framework, current=assessment.variant)
    if not form.is_valid():
        if "revision" in form.errors:
            return HttpResponseBadRequest(_("表单已过期，请刷新页面。"))
        error = _("请选择一个适用类型。")
        return _variant_response(request, assessment, section, variant_error=error)
    chosen = form.cleaned_data["variant"]
    if chosen == form.current:  # nothing to change (a double click)
        return _variant_response(request, assessment, section, variant_saved=True)
    try:
        assessment = assessment_set_variant(
            assessment=assessment, variant=chosen, revision=form.cleaned_data["revision"],
            by=request.user,
        )  # fmt: skip
    except AssessmentConflict as conflict:
        clash = Conflict([], conflict.current.updated_by)
        return _variant_response(request, conflict.current, section, variant_conflict=clash)
    except ValidationError as error:  # submitted between the two reads
        messages.error(request, " ".join(error.messages))
        return _redirect_to(request, "assessments:result", pk=assessment.pk)
    return _variant_response(request, assessment, section, variant_saved=True, new_revision=True)


def _variant_response(
    request: AuthenticatedRequest, assessment: Assessment, section: str, **extra: Any
) -> HttpResponseBase:
    """htmx: the variant form with its message (after a change, also the section form's new
    revision, out of band). Otherwise: back to the edit page after a change, else the page with
    the message. extra: variant_saved, new_revision, variant_conflict, variant_error."""
    if not _is_htmx(request):
        if extra.get("variant_saved"):
            messages.success(request, _("已更改适用类型。"))
            url = reverse("assessments:edit", args=[assessment.pk])
            return redirect(f"{url}?section={section}")
        return _edit_response(request, assessment, section=section, **extra)
    framework = framework_version_compiled(assessment.framework_version)
    context = {
        "assessment": assessment,
        "editable": can_edit(request.user, assessment),
        "variant_form": _variant_form(framework, assessment),
        "variant_section": section,
        **extra,
    }
    return render(request, EDIT + "#variant-response", context)


# --- evidence --------------------------------------------------------------------------------


def _evidence_response(
    request: AuthenticatedRequest,
    assessment: Assessment,
    question: str,
    *,
    error: str = "",
    message: str = "",
) -> HttpResponseBase:
    """htmx: the question's evidence block; otherwise back to the question on the edit page."""
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        elif message:
            messages.success(request, message)
        framework = framework_version_compiled(assessment.framework_version)
        section = section_of(framework, question) if question in framework.nodes else ""
        url = reverse("assessments:edit", args=[assessment.pk])
        return redirect(f"{url}?section={section}#q-{question}")
    files = assessment.evidence.filter(question=question).select_related("uploaded_by")
    context = {
        "assessment": assessment,
        "editable": can_edit(request.user, assessment),
        "item": {"code": question, "evidence": files, "applicable": True},
        "evidence_error": error,
        "evidence_message": message,
    }
    return render(request, EDIT + "#evidence", context)


@require_POST
@role_required(*ASSESSMENT_EDITORS)
def evidence_upload(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """Attach a file to a question. A rejected file (uploads.UploadRejected: wrong content,
    too large…) is reported with its bilingual message and nothing is written."""
    assessment = assessment_get_editable_for_user(user=request.user, pk=pk)
    question = request.POST.get("question", "")
    file = request.FILES.get(f"file:{question}") or request.FILES.get("file")
    if file is None:
        return _evidence_response(request, assessment, question, error=_("请选择要上传的文件。"))
    try:
        evidence = evidence_add(
            assessment=assessment,
            question=question,
            file=file,
            original_name=file.name or "",
            by=request.user,
        )
    except uploads.UploadRejected as rejected:
        return _evidence_response(request, assessment, question, error=rejected.message)
    except ValidationError as error:
        return _evidence_response(request, assessment, question, error=" ".join(error.messages))
    message = _("已上传：%(name)s") % {"name": evidence.original_name}
    return _evidence_response(request, assessment, question, message=message)


@role_required(*ASSESSMENT_READERS)
def evidence_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """Whoever may see the assessment may download its evidence; every download is audited."""
    evidence = evidence_get_for_user(user=request.user, pk=pk)
    audit_record(
        action="evidence.download",
        obj=evidence,
        after={"assessment": evidence.assessment_id, "question": evidence.question},
    )
    return uploads.download_response(
        stored_name=evidence.stored_name,
        display_name=evidence.original_name,
        content_type=evidence.content_type,
    )


@require_POST
@role_required(*ASSESSMENT_EDITORS)
def evidence_delete_view(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    evidence: Evidence = evidence_get_for_user(user=request.user, pk=pk)
    assessment = evidence.assessment
    if not can_edit(request.user, assessment):
        raise PermissionDenied
    question, name = evidence.question, evidence.original_name
    try:
        evidence_delete(evidence=evidence, by=request.user)
    except ValidationError as error:
        return _evidence_response(request, assessment, question, error=" ".join(error.messages))
    message = _("已删除：%(name)s") % {"name": name}
    return _evidence_response(request, assessment, question, message=message)


# --- provider diagnosis ----------------------------------------------------------------------


@role_required(*DIAGNOSIS_ASSIGNERS)
def assignment_create(request: AuthenticatedRequest) -> HttpResponseBase:
    """A city (or the province) assigns a service provider to diagnose an enterprise in its
    jurisdiction against a published model."""
    form = AssignmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            provider_assign(
                enterprise=data["uscc"],
                provider=data["provider"],
                version=data["version"],
                by=request.user,
                note=data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已指派服务商：%(name)s") % {"name": data["uscc"].name})
            return redirect("assessments:list")
    return render(request, "assessments/assign.html", {"form": form})


@require_POST
@role_required(*DIAGNOSIS_PROVIDERS)
def diagnosis_start_view(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The assigned provider starts (or continues) the diagnosis of its assignment."""
    assignment: ProviderAssignment = assignment_get_for_user(user=request.user, pk=pk)
    try:
        assessment = diagnosis_start(assignment=assignment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assessments:list")
    return redirect("assessments:edit", pk=assessment.pk)


@role_required(*DIAGNOSIS_REVIEWERS)
def diagnosis_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The enterprise confirms or disputes each section of a submitted provider diagnosis."""
    assessment = assessment_get_for_user(user=request.user, pk=pk)
    if not (assessment.is_diagnosis and assessment.is_submitted):
        raise Http404
    framework = framework_version_compiled(assessment.framework_version)
    titles = {code: framework.nodes[code].title.zh for code in framework.roots}
    form = SectionReviewForm(request.POST or None, sections=titles)
    if request.method == "POST" and form.is_valid():
        try:
            diagnosis_review_section(
                assessment=assessment,
                section=form.cleaned_data["section"],
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已记录您的意见。"))
            return redirect("assessments:diagnosis-review", pk=assessment.pk)
    return render(request, "assessments/diagnosis_review.html", _review_context(assessment, form))


@dataclass(frozen=True)
class ReviewSection:
    code: str
    title: str
    points: float | None
    max_points: float | None
    site_note: str
    review: Any
    form: SectionReviewForm | None
    """The posted form when it was this section's and had errors, else None (a fresh form)."""


def _review_context(assessment: Assessment, form: SectionReviewForm) -> dict[str, Any]:
    reviews = {review.section: review for review in assessment.section_reviews.all()}
    nodes = (assessment.result or {}).get("nodes", {})
    posted = form.data.get("section") if form.is_bound else None
    framework = framework_version_compiled(assessment.framework_version)
    sections = [
        ReviewSection(
            code,
            framework.nodes[code].title.zh,
            assessment.dimension_scores.get(code),
            nodes.get(code, {}).get("max_points"),
            assessment.site_notes.get(code, ""),
            reviews.get(code),
            form if posted == code else None,
        )
        for code in framework.roots
    ]
    return {
        "assessment": assessment,
        "sections": sections,
        "state": diagnosis_state(assessment),
        "form": form,
    }
