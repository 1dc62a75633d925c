"""Pages where providers manage their own profile and entries, and where the province moderates
the resource pool (catalog/policy.yaml lists who may use each route).

Function level: the role first (role_required: others 403, audited as access.denied; anonymous
users go to log in). Object level: catalog.selectors (a draft of someone else answers 404; an
entry or profile the user may see but not change answers 404 to a provider and 403, audited, to
the province). The services (catalog.services) check everything again and write the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role
from audit.models import AuditEvent
from audit.services import audit_record
from catalog import selectors, services
from catalog.forms import (
    KEPT_REASONS,
    EntryForm,
    MemberForm,
    ModerationForm,
    ProviderForm,
    entry_initial,
    form_add_error,
    provider_initial,
)
from catalog.models import Entry, Provider, Status
from core.types import AuthenticatedRequest

EDITORS = (Role.PROVINCE, Role.PROVIDER)
DONE = {
    "publish": gettext_lazy("已发布。"),
    "reject": gettext_lazy("已退回。"),
    "unpublish": gettext_lazy("已撤下。"),
    "feature": gettext_lazy("已设为推荐。"),
    "unfeature": gettext_lazy("已取消推荐。"),
    "rate": gettext_lazy("已评级。"),
}
Action = Callable[[Any, Any, dict[str, Any]], Any]
ENTRY_ACTIONS: dict[str, Action] = {
    "publish": lambda o, by, d: services.entry_publish(
        entry=o, by=by, note=d["reason"], seen=d["seen"]
    ),
    "reject": lambda o, by, d: services.entry_reject(
        entry=o, by=by, reason=d["reason"], seen=d["seen"]
    ),
    "unpublish": lambda o, by, d: services.entry_unpublish(entry=o, by=by, reason=d["reason"]),
    "feature": lambda o, by, d: services.entry_feature(entry=o, by=by, featured=True),
    "unfeature": lambda o, by, d: services.entry_feature(entry=o, by=by, featured=False),
    "rate": lambda o, by, d: services.entry_rate(entry=o, by=by, rating=d["rating"]),
}
PROVIDER_ACTIONS: dict[str, Action] = {
    "publish": lambda o, by, d: services.provider_publish(
        provider=o, by=by, note=d["reason"], seen=d["seen"]
    ),
    "reject": lambda o, by, d: services.provider_reject(
        provider=o, by=by, reason=d["reason"], seen=d["seen"]
    ),
    "unpublish": lambda o, by, d: services.provider_unpublish(
        provider=o, by=by, reason=d["reason"]
    ),
    "feature": lambda o, by, d: services.provider_feature(provider=o, by=by, featured=True),
    "unfeature": lambda o, by, d: services.provider_feature(provider=o, by=by, featured=False),
    "rate": lambda o, by, d: services.provider_rate(provider=o, by=by, rating=d["rating"]),
}


# --- helpers ---------------------------------------------------------------------------------


def _deny(request: AuthenticatedRequest, obj: Model) -> None:
    audit_record(
        action="access.denied",
        obj=obj,
        result=AuditEvent.Result.DENIED,
        note=f"{request.method} {request.path}"[:500],
    )
    raise PermissionDenied


def _bound(request: AuthenticatedRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _next(request: AuthenticatedRequest, default: str) -> str:
    """Where to go after a POST: a same-site `next` or the default page (a URL name)."""
    target = request.POST.get("next", "")
    allowed = {request.get_host()}
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=allowed):
        return target
    return reverse(default)


def _own_providers(request: AuthenticatedRequest) -> list[Provider]:
    ids = selectors.provider_ids_of(request.user)
    rows = selectors.provider_list_for_user(user=request.user).filter(pk__in=ids)
    return list(rows.order_by("name")) if ids else []


def _entry_for_editing(request: AuthenticatedRequest, pk: int) -> Entry:
    """The entry if the user manages it. Seen but not theirs: 403 to the province (it moderates,
    it does not edit), 404 to a provider (another's published entry); both audited."""
    entry = selectors.entry_get_for_user(user=request.user, pk=pk)
    if selectors.may_edit_entry(request.user, entry):
        return entry
    if selectors.is_moderator(request.user):
        _deny(request, entry)
    selectors.out_of_scope_record(user=request.user, model=Entry, pk=entry.pk)
    raise Http404


def _provider_for_editing(request: AuthenticatedRequest, pk: int) -> Provider:
    provider = selectors.provider_get_for_user(user=request.user, pk=pk)
    if not selectors.may_edit_provider(request.user, provider):
        selectors.out_of_scope_record(user=request.user, model=Provider, pk=provider.pk)
        raise Http404
    return provider


def _keep_reason(request: AuthenticatedRequest, obj: Model) -> None:
    """A refused decision keeps the reason the clerk typed: the session holds it until the
    object's moderation form is shown again (catalog_manage.catalog_kept_reason), so the
    redirect to any page showing that form brings it back."""
    reason = (request.POST.get("reason") or "").strip()[:5000]
    action = request.POST.get("action", "")
    if reason and action in ("publish", "reject", "unpublish"):
        kept = dict(request.session.get(KEPT_REASONS) or {})
        kept[f"{obj._meta.label_lower}:{obj.pk}"] = {"action": action, "reason": reason}
        request.session[KEPT_REASONS] = dict(list(kept.items())[-20:])


def _apply(request: AuthenticatedRequest, obj: Model, actions: dict[str, Action]) -> None:
    """Run the moderation action the form names; the outcome becomes a message."""
    form = ModerationForm(request.POST)
    if not form.is_valid():
        _keep_reason(request, obj)
        if "action" in form.errors:
            messages.error(request, _("请选择审核操作 (Choose a moderation action)"))
        for name, errors in form.errors.items():
            if name != "action":
                messages.error(request, f"{form.fields[name].label}：{' '.join(map(str, errors))}")
        return
    data = form.cleaned_data
    try:
        actions[data["action"]](obj, request.user, data)
    except PermissionDenied:
        _deny(request, obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        _keep_reason(request, obj)
    else:
        messages.success(request, DONE[data["action"]])


def _run(request: AuthenticatedRequest, call: Callable[[], Any], done: str) -> None:
    try:
        call()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)


# --- a provider's pages ----------------------------------------------------------------------


@role_required(Role.PROVIDER)
def mine(request: AuthenticatedRequest) -> HttpResponse:
    """The provider's profile with its status and the provider's entries by status."""
    providers = _own_providers(request)
    if not providers:
        return redirect("catalog:provider-new")
    entries = (
        selectors.entry_list_for_user(user=request.user)
        .filter(provider__in=providers)
        .order_by("-updated_at", "-pk")
    )
    sections = []
    for provider in providers:
        own = [e for e in entries if e.provider_id == provider.pk]
        groups = [
            {"status": value, "label": label, "entries": [e for e in own if e.status == value]}
            for value, label in Status.choices
        ]
        sections.append({"provider": provider, "groups": groups, "total": len(own)})
    return render(request, "catalog/mine.html", {"sections": sections})


@role_required(Role.PROVIDER)
def provider_new(request: AuthenticatedRequest) -> HttpResponse:
    """A provider account without a provider creates its profile (a draft)."""
    if selectors.provider_ids_of(request.user):
        return redirect("catalog:mine")
    form = ProviderForm(_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_create(by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form_add_error(form, error)
        else:
            messages.success(request, _("服务商信息已保存为草稿，请提交审核。"))
            return redirect("catalog:mine")
    return render(request, "catalog/provider_form.html", {"form": form, "provider": None})


@role_required(Role.PROVIDER)
def provider_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    provider = _provider_for_editing(request, pk)
    form = ProviderForm(_bound(request), initial=provider_initial(provider))
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(provider=provider, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form_add_error(form, error)
        else:
            messages.success(request, _("已保存。修改后需重新提交审核。"))
            return redirect("catalog:mine")
    return render(request, "catalog/provider_form.html", {"form": form, "provider": provider})


@require_POST
@role_required(Role.PROVIDER)
def provider_submit(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    provider = _provider_for_editing(request, pk)
    call = lambda: services.provider_submit(provider=provider, by=request.user)  # noqa: E731
    _run(request, call, _("已提交审核。"))
    return redirect(_next(request, "catalog:mine"))


@role_required(*EDITORS)
def entry_new(request: AuthenticatedRequest) -> HttpResponse:
    """A provider's new entry (a draft), or one of the province's own lists."""
    province = selectors.is_moderator(request.user)
    provider = None
    if not province:
        providers = _own_providers(request)
        wanted = request.GET.get("provider", "")
        provider = next((p for p in providers if str(p.pk) == wanted), None) or (
            providers[0] if providers else None
        )
        if provider is None:
            return redirect("catalog:provider-new")
    form = EntryForm(_bound(request), province=province)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_create(by=request.user, provider=provider, data=form.cleaned_data)
        except ValidationError as error:
            form_add_error(form, error)
        else:
            messages.success(request, _("已保存为草稿。"))
            return redirect("catalog:moderation" if province else "catalog:mine")
    context = {"form": form, "entry": None, "provider": provider}
    return render(request, "catalog/entry_form.html", context)


@role_required(*EDITORS)
def entry_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    entry = _entry_for_editing(request, pk)
    province = entry.provider_id is None
    form = EntryForm(_bound(request), initial=entry_initial(entry), province=province)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_update(entry=entry, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form_add_error(form, error)
        else:
            messages.success(
                request, _("已保存。") if province else _("已保存为草稿，请提交审核。")
            )
            return redirect("catalog:moderation" if province else "catalog:mine")
    context = {"form": form, "entry": entry, "provider": entry.provider}
    return render(request, "catalog/entry_form.html", context)


@require_POST
@role_required(Role.PROVIDER)
def entry_submit(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    entry = _entry_for_editing(request, pk)
    _run(request, lambda: services.entry_submit(entry=entry, by=request.user), _("已提交审核。"))
    return redirect(_next(request, "catalog:mine"))


CONFIRM = {
    "delete": {
        "title": gettext_lazy("删除资源"),
        "warning": gettext_lazy("删除后无法恢复。只有从未发布过的草稿或已退回的资源可以删除。"),
        "button": gettext_lazy("确认删除"),
        "done": gettext_lazy("已删除。"),
        "url": "catalog:entry-delete",
    },
    "withdraw": {
        "title": gettext_lazy("撤回资源"),
        "warning": gettext_lazy(
            "撤回后资源退回草稿，不再公开（或不再等待审核），推荐标记取消；修改后可重新提交审核。"
        ),
        "button": gettext_lazy("确认撤回"),
        "done": gettext_lazy("已撤回为草稿。"),
        "url": "catalog:entry-withdraw",
    },
}


def _confirmed(request: AuthenticatedRequest, *, allowed: bool) -> bool:
    """The step before an irreversible change: the first POST (from a list's button) shows a
    confirmation page; the page's own POST carries confirm=yes. A state that refuses the change
    goes straight to the service, whose message says why."""
    return request.POST.get("confirm") == "yes" or not allowed


def _confirm_page(request: AuthenticatedRequest, entry: Entry, what: str) -> HttpResponse:
    back = _next(request, "catalog:mine")
    context = {"entry": entry, "what": what, "text": CONFIRM[what], "next": back}
    return render(request, "catalog/entry_confirm.html", context)


@require_POST
@role_required(Role.PROVIDER)
def entry_delete(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """A provider deletes its entry that was never published (a duplicate draft)."""
    entry = _entry_for_editing(request, pk)
    if not _confirmed(request, allowed=selectors.entry_deletable(entry)):
        return _confirm_page(request, entry, "delete")
    call = lambda: services.entry_delete(entry=entry, by=request.user)  # noqa: E731
    _run(request, call, str(CONFIRM["delete"]["done"]))
    return redirect("catalog:mine")  # not `next`: it may be the deleted entry's page


@require_POST
@role_required(Role.PROVIDER)
def entry_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """A provider takes its published or in-review entry back to draft."""
    entry = _entry_for_editing(request, pk)
    if not _confirmed(request, allowed=selectors.entry_withdrawable(entry)):
        return _confirm_page(request, entry, "withdraw")
    call = lambda: services.entry_withdraw(entry=entry, by=request.user)  # noqa: E731
    _run(request, call, str(CONFIRM["withdraw"]["done"]))
    return redirect(_next(request, "catalog:mine"))


# --- the province's moderation ---------------------------------------------------------------


@require_POST
@role_required(Role.PROVINCE)
def entry_moderate(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """Publish, return, unpublish, feature or rate an entry (the province only)."""
    entry = selectors.entry_get_for_user(user=request.user, pk=pk)
    _apply(request, entry, ENTRY_ACTIONS)
    return redirect(_next(request, "catalog:moderation"))


@require_POST
@role_required(Role.PROVINCE)
def provider_moderate(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    provider = selectors.provider_get_for_user(user=request.user, pk=pk)
    _apply(request, provider, PROVIDER_ACTIONS)
    return redirect(_next(request, "catalog:moderation"))


@role_required(Role.PROVINCE)
def moderation(request: AuthenticatedRequest) -> HttpResponse:
    """The queue (oldest first) with what changed since the last decision, the province's own
    unpublished lists and the latest decisions; the kind filter refreshes the entries (htmx)."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Entry.Kind.values else ""
    providers = list(selectors.providers_in_review())
    entries = list(selectors.entries_in_review(kind=kind))
    selectors.review_changes_attach(providers, object_type="catalog.provider")
    selectors.review_changes_attach(entries, object_type="catalog.entry")
    own = selectors.entry_list_for_user(user=request.user).filter(provider__isnull=True)
    context = {
        "kind": kind,
        "kinds": Entry.Kind.choices,
        "providers": providers,
        "entries": entries,
        "own_drafts": list(own.exclude(status=Status.PUBLISHED).order_by("-updated_at")[:50]),
        "decisions": list(selectors.decisions_recent()),
        "moderation_form": ModerationForm(),
    }
    htmx = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    return render(request, "catalog/moderation.html" + ("#entries" if htmx else ""), context)


MEMBER_DONE = {"add": gettext_lazy("已添加管理账号。"), "remove": gettext_lazy("已移除管理账号。")}


@role_required(Role.PROVINCE)
def provider_members(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The province adds (by user name) and removes a provider's member accounts."""
    provider = selectors.provider_get_for_user(user=request.user, pk=pk)
    form = MemberForm(_bound(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = services.provider_member_add
        if data["action"] == "remove":
            change = services.provider_member_remove
        try:
            change(provider=provider, user=data["account"], by=request.user)
        except ValidationError as error:
            form_add_error(form, error)
        else:
            messages.success(request, MEMBER_DONE[data["action"]])
            return redirect("catalog:provider-members", pk=provider.pk)
    context = {
        "provider": provider,
        "form": form,
        "members": selectors.provider_members(provider),
        "candidates": selectors.provider_member_candidates(provider),
    }
    return render(request, "catalog/provider_members.html", context)
