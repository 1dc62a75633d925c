"""Writes of the resource pool: providers managing their own profile and entries, and the
province's moderation (draft → in review → published or rejected).

Who may do what (checked here, so a view, an import or a command cannot skip it):
- a provider account creates its provider profile once (it becomes the first member); the
  province adds and removes member accounts (provider_member_add / provider_member_remove:
  active provider accounts only; an account may manage several providers, e.g. a group's
  subsidiaries, since members is many-to-many; removing the last member is allowed, the
  province adds another);
- members delete their entries that were never published (entry_delete) and take a published
  or in-review entry back to draft (entry_withdraw);
- members of a provider create and edit that provider's entries, of the kinds in
  catalog.selectors.PROVIDER_KINDS, and submit entries and the profile for review;
- province officials create and edit the province's own lists (typical scenarios, the shortfall
  list, the project reserve, cases) without a provider and publish them directly; they publish,
  reject, unpublish, feature and rate providers and their entries. Nobody else does.
A refusal of the person raises PermissionDenied, a refusal of the data or of the state raises
ValidationError; both carry one of the message constants below, and nothing is written.

Only the fields in ENTRY_FIELDS / PROVIDER_FIELDS are ever taken from input: status, featured,
rating, review fields, provider, members, created_by and seg are set by these services alone (a
`data` naming any other field is refused).

Editing by a provider takes a published, in-review or returned entry (or profile) back to draft:
it must be submitted and reviewed again before the public sees the new text. Until then the
published version is not shown (the platform keeps no second copy), and while a provider's
profile is not published none of its entries is public (catalog.selectors.entry_visible_q); the
edit pages say so before saving. The province's own entries stay as they are when it edits them.
An entry or profile that leaves "published" loses its "featured" mark (the province decides again
when it is republished); its rating is kept.

Every change writes an audit row (before/after); every save that changes text or status calls
catalog.search to keep the full-text index in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.models import Role, User
from audit.context import Actor, actor_for_user, current_actor
from audit.services import audit_record
from catalog import search
from catalog.models import Entry, Moderated, Provider, Scenario, Status
from catalog.selectors import (
    PROVIDER_KINDS,
    entry_deletable,
    entry_withdrawable,
    is_moderator,
    provider_ids_of,
)
from registry.models import Chain, Cluster, Industry, Region
from registry.uscc import UsccError, uscc_validate

# Kinds the province lists itself (no provider).
PROVINCE_KINDS = (Entry.Kind.SCENARIO, Entry.Kind.SHORTFALL, Entry.Kind.PROJECT, Entry.Kind.CASE)
FIRST_SET_KINDS = (Entry.Kind.EQUIPMENT, Entry.Kind.NETWORK)
FIRST_VERSION_KINDS = (Entry.Kind.SOFTWARE, Entry.Kind.MODEL)

ENTRY_FIELDS = (
    "kind", "title", "summary", "body", "software_category", "first_version", "first_set",
    "recognised_year", "industries", "regions", "clusters", "chains", "scenarios", "attributes",
    "source",
)  # fmt: skip
PROVIDER_FIELDS = (
    "name", "uscc", "region", "regions_served", "industries", "qualifications", "summary",
    "track_record", "contact_name", "contact_phone", "website",
)  # fmt: skip
CODE_LIST_FIELDS = {"industries", "regions", "clusters", "chains", "scenarios", "regions_served"}

FIELD_NOT_EDITABLE = "以下字段不能在此修改：{fields} (These fields cannot be set here: {fields})"
NOT_YOURS = "只能管理本服务商的信息和资源 (You can only manage your own provider and its entries)"
NOT_MODERATOR = (
    "只有省级管理员可以审核、推荐和评级 (Only the province moderates, features and rates)"
)
NOT_PROVIDER_ACCOUNT = "只有服务商账号可以创建服务商信息 (Only provider accounts create a profile)"
ALREADY_HAS_PROVIDER = "该账号已属于一个服务商 (This account already belongs to a provider)"
ALREADY_MEMBER = "该账号已是该服务商的管理账号 (This account already manages this provider)"
NOT_PROVIDER_ROLE = "只能添加服务商角色的账号 (Only provider accounts can be added)"
KIND_NOT_FOR_PROVIDERS = "服务商不能创建该类别的资源 (Providers cannot list entries of this kind)"
KIND_NOT_FOR_PROVINCE = (
    "省级自建清单只能是典型场景、短板技术和装备、重大装备项目储备或优秀案例 "
    "(The province's own lists are scenarios, shortfalls, projects and cases)"
)
NOT_SUBMITTABLE = "只有草稿或已退回的才能提交审核 (Only drafts and returned items can be submitted)"
NO_PROVIDER_TO_REVIEW = "省级自建清单无需提交审核 (The province's own entries are not submitted)"
NOT_IN_REVIEW = "只能审核待审核的内容 (Only items waiting for review can be decided)"
NOT_PUBLISHED = (
    "只能对已发布的内容进行此操作 (Only published items can be featured, rated or unpublished)"
)
ALREADY_PUBLISHED = "已经发布 (Already published)"
PROVIDER_NOT_PUBLISHED = (
    "服务商信息尚未发布，其资源暂不能发布 "
    "(The provider's profile is not published, so its entries cannot be published)"
)
REASON_REQUIRED = "退回或撤下须说明理由 (Returning or unpublishing needs a reason)"
BAD_RATING = "评级须为 1–5 的整数 (A rating is a whole number from 1 to 5)"
TITLE_REQUIRED = "请填写名称 (A name is required)"
NAME_TAKEN = "该服务商名称已被使用 (A provider with this name exists)"
USCC_TAKEN = "该统一社会信用代码已登记为其他服务商 (Another provider has this USCC)"
UNKNOWN_KIND = "未知的资源类别 (Unknown entry kind)"
UNKNOWN_INDUSTRIES = "行业代码不存在：{codes} (Unknown GB/T 4754 industry codes: {codes})"
UNKNOWN_REGIONS = "地区代码不存在：{codes} (Unknown region codes: {codes})"
UNKNOWN_SCENARIOS = "场景不存在：{codes} (Unknown scenarios: {codes})"
UNKNOWN_CLUSTERS = "产业集群不存在：{codes} (Unknown clusters: {codes})"
UNKNOWN_CHAINS = "产业链不存在：{codes} (Unknown industry chains: {codes})"
NOT_A_LIST = "应为代码列表 (Expected a list of codes)"
SOFTWARE_CATEGORY_ONLY_SOFTWARE = "只有工业软件填写软件类别 (Only software has a software category)"
FIRST_SET_ONLY_EQUIPMENT = (
    "只有智能装备和网络设备可标注首台套 (Only equipment and network entries can be 首台套)"
)
FIRST_VERSION_ONLY_SOFTWARE = (
    "只有工业软件和知识模型可标注首版次 (Only software and model entries can be 首版次)"
)
BAD_ATTRIBUTES = "其他信息格式错误 (Other information must be a mapping)"
NOT_DELETABLE = (
    "只能删除从未发布过的草稿或已退回的资源 "
    "(Only drafts and returned entries that were never published can be deleted)"
)
HAS_ADOPTIONS = (
    "已有企业采用该资源，不能删除 (Enterprises adopted this entry; it cannot be deleted)"
)
NOT_WITHDRAWABLE = (
    "只能撤回已发布或待审核的资源 (Only published entries and entries in review can be withdrawn)"
)
NOT_ACTIVE = "该账号已停用 (This account is disabled)"
NOT_MEMBER = "该账号不是该服务商的管理账号 (This account does not manage this provider)"
CHANGED_SINCE_SEEN = (
    "服务商在您打开后修改并重新提交了该内容，请查看新内容后再审核 "
    "(The provider changed and resubmitted this item after you opened it; review it again)"
)

_M = TypeVar("_M", bound=Moderated)
_CODE_MODELS: dict[str, tuple[type[models.Model], str]] = {
    "industries": (Industry, UNKNOWN_INDUSTRIES),
    "regions": (Region, UNKNOWN_REGIONS),
    "regions_served": (Region, UNKNOWN_REGIONS),
    "scenarios": (Scenario, UNKNOWN_SCENARIOS),
    "clusters": (Cluster, UNKNOWN_CLUSTERS),
    "chains": (Chain, UNKNOWN_CHAINS),
}


# --- shared ----------------------------------------------------------------------------------


def _actor(by: User) -> Actor:
    """`by`, keeping the request's IP and id when the request is theirs."""
    current = current_actor()
    if current.user_id == by.pk:
        return current
    return actor_for_user(by, ip=current.ip, request_id=current.request_id)


def _check_keys(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    extra = sorted(set(data) - set(allowed))
    if extra:
        fields = ", ".join(extra)
        raise ValidationError(FIELD_NOT_EDITABLE.format(fields=fields))


def _codes(data: Mapping[str, Any], field: str) -> list[str]:
    """A list of existing codes (in input order, without repeats) or a field error."""
    value = data.get(field) or []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValidationError({field: NOT_A_LIST})
    codes = list(dict.fromkeys(str(code).strip() for code in value if str(code).strip()))
    model, message = _CODE_MODELS[field]
    found = {
        str(pk) for pk in model._default_manager.filter(pk__in=codes).values_list("pk", flat=True)
    }
    missing = [code for code in codes if code not in found]
    if missing:
        raise ValidationError({field: message.format(codes="、".join(missing))})
    return codes


def _require_moderator(by: User) -> None:
    if not is_moderator(by):
        raise PermissionDenied(NOT_MODERATOR)


def _reload(obj: _M) -> _M:
    """The row as it is now, locked until the transaction ends (two moderators, one decision)."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def _state(obj: Moderated) -> dict[str, Any]:
    return {
        "status": obj.status,
        "featured": obj.featured,
        "rating": obj.rating,
        "review_note": obj.review_note,
    }


def _move(obj: Moderated, *, to: str, by: User, note: str = "") -> None:
    """Set the new status and the fields that go with it (not saved)."""
    now = timezone.now()
    if to == Status.IN_REVIEW:
        obj.submitted_at = now
    else:
        obj.reviewed_at, obj.reviewed_by, obj.review_note = now, by, note
    if to == Status.PUBLISHED:
        obj.published_at = now
    else:
        obj.featured = False
    obj.status = to


def _check_seen(obj: Moderated, seen: datetime | None) -> None:
    """The moderator decides on the submission it saw: `seen` is the submission time shown on
    its page (None: not checked); a resubmission since then is refused."""
    if seen is not None and obj.submitted_at != seen:
        raise ValidationError(CHANGED_SINCE_SEEN)


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": REASON_REQUIRED})
    return text


def _rating(rating: int | None) -> int | None:
    if rating is None:
        return None
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": BAD_RATING})
    return rating


def _seg_ensure(entry: Entry) -> None:
    """A status move leaves the search tokens as they are (the full-text index follows the status
    by itself, migration 0002_search_index); only an entry that never had them gets them."""
    if not entry.seg:
        search.entry_reindex(entry)


@transaction.atomic
def _mark_published(obj: _M, *, by: User, action: str, **marks: Any) -> _M:
    """The province's marks (featured, rating) on a published entry or provider profile."""
    obj = _reload(obj)
    if obj.status != Status.PUBLISHED:
        raise ValidationError(NOT_PUBLISHED)
    before = _state(obj)
    for name, value in marks.items():
        setattr(obj, name, value)
    return _save_state(obj, by=by, action=action, before=before)


def _audit_update(
    obj: Moderated,
    *,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    changed: list[str],
    by: User,
) -> None:
    """One audit row for an edit: the changed fields and the state (an edit may send it back to
    draft)."""
    after = after | _state(obj)
    keys = [*changed, "status", "featured"]
    audit_record(
        action=action,
        obj=obj,
        before={k: before[k] for k in keys},
        after={k: after[k] for k in keys},
        actor=_actor(by),
    )


def _save_state(obj: _M, *, by: User, action: str, before: dict[str, Any], note: str = "") -> _M:
    obj.full_clean()
    obj.save()
    audit_record(
        action=action, obj=obj, before=before, after=_state(obj), note=note, actor=_actor(by)
    )
    return obj


# --- entries ---------------------------------------------------------------------------------


def _entry_snapshot(entry: Entry, scenarios: list[str] | None = None) -> dict[str, Any]:
    fields = {name: getattr(entry, name) for name in ENTRY_FIELDS if name != "scenarios"}
    if scenarios is None:
        scenarios = sorted(entry.scenarios.values_list("code", flat=True)) if entry.pk else []
    return {**fields, "scenarios": sorted(scenarios), "provider": entry.provider_id}


def _entry_assign(entry: Entry, data: Mapping[str, Any]) -> list[str] | None:
    """Copy the allowed fields of `data` onto `entry` (validated); the scenario codes, or None
    when `data` does not name them."""
    for name in ENTRY_FIELDS:
        if name not in data or name == "scenarios":
            continue
        value: Any = _codes(data, name) if name in CODE_LIST_FIELDS else data[name]
        if name in ("title", "summary", "body", "source", "software_category"):
            value = (value or "").strip()
        if name in ("first_version", "first_set"):
            value = bool(value)
        if name == "attributes" and not isinstance(value or {}, dict):
            raise ValidationError({"attributes": BAD_ATTRIBUTES})
        setattr(entry, name, value if name != "attributes" else (value or {}))
    return _codes(data, "scenarios") if "scenarios" in data else None


def _entry_validate(entry: Entry) -> None:
    if entry.kind not in Entry.Kind.values:
        raise ValidationError({"kind": UNKNOWN_KIND})
    if entry.provider_id is None and entry.kind not in PROVINCE_KINDS:
        raise ValidationError({"kind": KIND_NOT_FOR_PROVINCE})
    if entry.provider_id is not None and entry.kind not in PROVIDER_KINDS:
        raise ValidationError({"kind": KIND_NOT_FOR_PROVIDERS})
    if not entry.title:
        raise ValidationError({"title": TITLE_REQUIRED})
    if entry.software_category and entry.kind != Entry.Kind.SOFTWARE:
        raise ValidationError({"software_category": SOFTWARE_CATEGORY_ONLY_SOFTWARE})
    if entry.first_set and entry.kind not in FIRST_SET_KINDS:
        raise ValidationError({"first_set": FIRST_SET_ONLY_EQUIPMENT})
    if entry.first_version and entry.kind not in FIRST_VERSION_KINDS:
        raise ValidationError({"first_version": FIRST_VERSION_ONLY_SOFTWARE})
    entry.full_clean()


def _may_edit_entry(by: User, entry: Entry) -> bool:
    if entry.provider_id is None:
        return is_moderator(by)
    return entry.provider_id in provider_ids_of(by)


@transaction.atomic
def entry_create(*, by: User, provider: Provider | None = None, data: Mapping[str, Any]) -> Entry:
    """A new draft: of the member's own provider, or (provider None) one of the province's own
    lists by a province official."""
    _check_keys(data, ENTRY_FIELDS)
    allowed = is_moderator(by) if provider is None else provider.pk in provider_ids_of(by)
    if not allowed:
        raise PermissionDenied(NOT_YOURS)
    entry = Entry(provider=provider, created_by=by, status=Status.DRAFT)
    scenarios = _entry_assign(entry, data) or []
    _entry_validate(entry)
    entry.save()
    entry.scenarios.set(Scenario.objects.filter(code__in=scenarios))
    after = _entry_snapshot(entry, scenarios) | _state(entry)
    audit_record(action="catalog.entry_create", obj=entry, after=after, actor=_actor(by))
    search.entry_reindex(entry)
    return entry


@transaction.atomic
def entry_update(*, entry: Entry, by: User, data: Mapping[str, Any]) -> Entry:
    """Change the text and facts; a provider's edit takes the entry back to draft. Saving with
    no change writes nothing."""
    _check_keys(data, ENTRY_FIELDS)
    if not _may_edit_entry(by, entry):
        raise PermissionDenied(NOT_YOURS)
    entry = _reload(entry)
    before = _entry_snapshot(entry) | _state(entry)
    scenarios = _entry_assign(entry, data)
    _entry_validate(entry)
    after = _entry_snapshot(entry, scenarios if scenarios is not None else before["scenarios"])
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        return entry
    if entry.provider_id is not None and entry.status != Status.DRAFT:
        entry.status, entry.featured = Status.DRAFT, False
    entry.save()
    if scenarios is not None:
        entry.scenarios.set(Scenario.objects.filter(code__in=scenarios))
    _audit_update(
        entry, action="catalog.entry_update", before=before, after=after, changed=changed, by=by
    )
    search.entry_reindex(entry)
    return entry


@transaction.atomic
def entry_submit(*, entry: Entry, by: User) -> Entry:
    """A member sends a draft or returned entry to the province's review."""
    if entry.provider_id is None:
        raise ValidationError(NO_PROVIDER_TO_REVIEW)
    if entry.provider_id not in provider_ids_of(by):
        raise PermissionDenied(NOT_YOURS)
    entry = _reload(entry)
    if entry.status not in (Status.DRAFT, Status.REJECTED):
        raise ValidationError(NOT_SUBMITTABLE)
    before = _state(entry)
    _move(entry, to=Status.IN_REVIEW, by=by)
    _save_state(entry, by=by, action="catalog.entry_submit", before=before)
    _seg_ensure(entry)
    return entry


@transaction.atomic
def entry_delete(*, entry: Entry, by: User) -> None:
    """A member deletes an entry of its provider that was never published and that no
    enterprise adopted (a draft made twice, an idea dropped); the audit row keeps its fields."""
    if entry.provider_id is None or entry.provider_id not in provider_ids_of(by):
        raise PermissionDenied(NOT_YOURS)
    entry = _reload(entry)
    if not entry_deletable(entry):
        raise ValidationError(NOT_DELETABLE)
    if entry.adoptions.exists():
        raise ValidationError(HAS_ADOPTIONS)
    before = _entry_snapshot(entry) | _state(entry)
    audit_record(action="catalog.entry_delete", obj=entry, before=before, actor=_actor(by))
    entry.delete()


@transaction.atomic
def entry_withdraw(*, entry: Entry, by: User) -> Entry:
    """A member takes its published or in-review entry out of the pool, back to draft (it must be
    submitted and reviewed again); the featured mark goes, as when the province unpublishes."""
    if entry.provider_id is None or entry.provider_id not in provider_ids_of(by):
        raise PermissionDenied(NOT_YOURS)
    entry = _reload(entry)
    if not entry_withdrawable(entry):
        raise ValidationError(NOT_WITHDRAWABLE)
    before = _state(entry)
    entry.status, entry.featured = Status.DRAFT, False
    _save_state(entry, by=by, action="catalog.entry_withdraw", before=before)
    _seg_ensure(entry)
    return entry


@transaction.atomic
def entry_publish(*, entry: Entry, by: User, note: str = "", seen: datetime | None = None) -> Entry:
    """The province publishes an entry in review (its own lists: straight from draft). A
    provider's entry is published only while the provider's profile is published, and only as
    submitted at `seen` when given."""
    _require_moderator(by)
    entry = _reload(entry)
    if entry.status == Status.PUBLISHED:
        raise ValidationError(ALREADY_PUBLISHED)
    own_list = entry.provider_id is None
    if not own_list and entry.status != Status.IN_REVIEW:
        raise ValidationError(NOT_IN_REVIEW)
    _check_seen(entry, seen)
    if entry.provider is not None and entry.provider.status != Status.PUBLISHED:
        raise ValidationError(PROVIDER_NOT_PUBLISHED)
    before = _state(entry)
    _move(entry, to=Status.PUBLISHED, by=by, note=(note or "").strip())
    _save_state(entry, by=by, action="catalog.entry_publish", before=before)
    _seg_ensure(entry)
    return entry


@transaction.atomic
def entry_reject(*, entry: Entry, by: User, reason: str, seen: datetime | None = None) -> Entry:
    """The province returns an entry in review to its provider, saying why."""
    _require_moderator(by)
    text = _reason(reason)
    entry = _reload(entry)
    if entry.status != Status.IN_REVIEW:
        raise ValidationError(NOT_IN_REVIEW)
    _check_seen(entry, seen)
    before = _state(entry)
    _move(entry, to=Status.REJECTED, by=by, note=text)
    _save_state(entry, by=by, action="catalog.entry_reject", before=before, note=text)
    _seg_ensure(entry)
    return entry


@transaction.atomic
def entry_unpublish(*, entry: Entry, by: User, reason: str) -> Entry:
    """The province takes a published entry down (a complaint, outdated facts), saying why; the
    provider sees the reason and may correct and resubmit it."""
    _require_moderator(by)
    text = _reason(reason)
    entry = _reload(entry)
    if entry.status != Status.PUBLISHED:
        raise ValidationError(NOT_PUBLISHED)
    before = _state(entry)
    _move(entry, to=Status.REJECTED, by=by, note=text)
    _save_state(entry, by=by, action="catalog.entry_unpublish", before=before, note=text)
    _seg_ensure(entry)
    return entry


def entry_feature(*, entry: Entry, by: User, featured: bool) -> Entry:
    _require_moderator(by)
    return _mark_published(entry, by=by, action="catalog.entry_feature", featured=bool(featured))


def entry_rate(*, entry: Entry, by: User, rating: int | None) -> Entry:
    _require_moderator(by)
    return _mark_published(entry, by=by, action="catalog.entry_rate", rating=_rating(rating))


# --- providers -------------------------------------------------------------------------------


def _provider_snapshot(provider: Provider, served: list[str] | None = None) -> dict[str, Any]:
    fields = {
        name: getattr(provider, name)
        for name in PROVIDER_FIELDS
        if name not in ("region", "regions_served")
    }
    if served is None:
        served = list(provider.regions_served.values_list("code", flat=True)) if provider.pk else []
    return {**fields, "region": provider.region_id, "regions_served": sorted(served)}


def _provider_assign(provider: Provider, data: Mapping[str, Any]) -> list[str] | None:
    """Copy the allowed fields of `data` onto `provider` (validated); the served region codes,
    or None when `data` does not name them."""
    for name in PROVIDER_FIELDS:
        if name not in data or name == "regions_served":
            continue
        value = data[name]
        if name == "industries":
            value = _codes(data, name)
        elif name == "region":
            value = _codes({"regions": [value] if value else []}, "regions")
            provider.region_id = value[0] if value else None
            continue
        elif name == "qualifications":
            if isinstance(value, str) or not isinstance(value or [], list | tuple):
                raise ValidationError({name: NOT_A_LIST})
            value = [str(item).strip() for item in value or [] if str(item).strip()]
        else:
            value = (value or "").strip()
        setattr(provider, name, value)
    return _codes(data, "regions_served") if "regions_served" in data else None


def _provider_validate(provider: Provider) -> None:
    if not provider.name:
        raise ValidationError({"name": TITLE_REQUIRED})
    others = Provider.objects.exclude(pk=provider.pk)
    if others.filter(name=provider.name).exists():
        raise ValidationError({"name": NAME_TAKEN})
    if provider.uscc:
        try:
            provider.uscc = uscc_validate(provider.uscc)
        except UsccError as error:
            raise ValidationError({"uscc": str(error)}) from error
        if others.filter(uscc=provider.uscc).exists():
            raise ValidationError({"uscc": USCC_TAKEN})
    provider.full_clean()


def _provider_save(provider: Provider) -> None:
    """Save; a name taken by a concurrent request at the same moment is a form error, not a
    500 (the unique index decides)."""
    try:
        with transaction.atomic():
            provider.save()
    except IntegrityError as error:
        if Provider.objects.exclude(pk=provider.pk).filter(name=provider.name).exists():
            raise ValidationError({"name": NAME_TAKEN}) from error
        raise


def _forget_provider_ids(user: User) -> None:
    """catalog.selectors.provider_ids_of caches on the user object."""
    user.__dict__.pop("_catalog_provider_ids", None)


@transaction.atomic
def provider_create(*, by: User, data: Mapping[str, Any]) -> Provider:
    """A provider account without a provider creates its profile: a draft, the account its first
    member."""
    _check_keys(data, PROVIDER_FIELDS)
    if by.role != Role.PROVIDER:
        raise PermissionDenied(NOT_PROVIDER_ACCOUNT)
    # One request at a time per account (a double-clicked form): the second sees the first's.
    User.objects.select_for_update().filter(pk=by.pk).first()
    _forget_provider_ids(by)
    if provider_ids_of(by):
        raise ValidationError(ALREADY_HAS_PROVIDER)
    provider = Provider(created_by=by, status=Status.DRAFT)
    served = _provider_assign(provider, data) or []
    _provider_validate(provider)
    _provider_save(provider)
    provider.regions_served.set(Region.objects.filter(code__in=served))
    provider.members.add(by)
    _forget_provider_ids(by)
    after = _provider_snapshot(provider, served) | _state(provider) | {"members": [by.username]}
    audit_record(action="catalog.provider_create", obj=provider, after=after, actor=_actor(by))
    search.provider_reindex(provider)
    return provider


@transaction.atomic
def provider_update(*, provider: Provider, by: User, data: Mapping[str, Any]) -> Provider:
    """A member changes the profile; a profile that was published, in review or returned goes
    back to draft and must be reviewed again. Saving with no change writes nothing."""
    _check_keys(data, PROVIDER_FIELDS)
    if provider.pk not in provider_ids_of(by):
        raise PermissionDenied(NOT_YOURS)
    provider = _reload(provider)
    before = _provider_snapshot(provider) | _state(provider)
    served = _provider_assign(provider, data)
    _provider_validate(provider)
    after = _provider_snapshot(provider, served if served is not None else before["regions_served"])
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        return provider
    provider.status, provider.featured = Status.DRAFT, False
    _provider_save(provider)
    if served is not None:
        provider.regions_served.set(Region.objects.filter(code__in=served))
    if "name" in changed:  # the entries' search text holds the provider's name
        for entry in provider.entries.all():
            search.entry_reindex(entry)
    _audit_update(
        provider,
        action="catalog.provider_update",
        before=before,
        after=after,
        changed=changed,
        by=by,
    )
    search.provider_reindex(provider)
    return provider


@transaction.atomic
def provider_submit(*, provider: Provider, by: User) -> Provider:
    if provider.pk not in provider_ids_of(by):
        raise PermissionDenied(NOT_YOURS)
    provider = _reload(provider)
    if provider.status not in (Status.DRAFT, Status.REJECTED):
        raise ValidationError(NOT_SUBMITTABLE)
    before = _state(provider)
    _move(provider, to=Status.IN_REVIEW, by=by)
    _save_state(provider, by=by, action="catalog.provider_submit", before=before)
    search.provider_reindex(provider)
    return provider


@transaction.atomic
def provider_publish(
    *, provider: Provider, by: User, note: str = "", seen: datetime | None = None
) -> Provider:
    _require_moderator(by)
    provider = _reload(provider)
    if provider.status != Status.IN_REVIEW:
        raise ValidationError(NOT_IN_REVIEW)
    _check_seen(provider, seen)
    before = _state(provider)
    _move(provider, to=Status.PUBLISHED, by=by, note=(note or "").strip())
    _save_state(provider, by=by, action="catalog.provider_publish", before=before)
    search.provider_reindex(provider)
    return provider


@transaction.atomic
def provider_reject(
    *, provider: Provider, by: User, reason: str, seen: datetime | None = None
) -> Provider:
    _require_moderator(by)
    text = _reason(reason)
    provider = _reload(provider)
    if provider.status != Status.IN_REVIEW:
        raise ValidationError(NOT_IN_REVIEW)
    _check_seen(provider, seen)
    before = _state(provider)
    _move(provider, to=Status.REJECTED, by=by, note=text)
    _save_state(provider, by=by, action="catalog.provider_reject", before=before, note=text)
    search.provider_reindex(provider)
    return provider


@transaction.atomic
def provider_unpublish(*, provider: Provider, by: User, reason: str) -> Provider:
    """The province takes a provider down; its entries stop being public with it."""
    _require_moderator(by)
    text = _reason(reason)
    provider = _reload(provider)
    if provider.status != Status.PUBLISHED:
        raise ValidationError(NOT_PUBLISHED)
    before = _state(provider)
    _move(provider, to=Status.REJECTED, by=by, note=text)
    _save_state(provider, by=by, action="catalog.provider_unpublish", before=before, note=text)
    search.provider_reindex(provider)
    return provider


def provider_feature(*, provider: Provider, by: User, featured: bool) -> Provider:
    _require_moderator(by)
    action = "catalog.provider_feature"
    return _mark_published(provider, by=by, action=action, featured=bool(featured))


def provider_rate(*, provider: Provider, by: User, rating: int | None) -> Provider:
    _require_moderator(by)
    action = "catalog.provider_rate"
    return _mark_published(provider, by=by, action=action, rating=_rating(rating))


@transaction.atomic
def provider_member_add(*, provider: Provider, user: User, by: User) -> None:
    """The province gives an active provider account the right to manage `provider` (also when
    it manages another provider already)."""
    _require_moderator(by)
    if user.role != Role.PROVIDER:
        raise ValidationError(NOT_PROVIDER_ROLE)
    if not user.is_active:
        raise ValidationError(NOT_ACTIVE)
    if provider.members.filter(pk=user.pk).exists():
        raise ValidationError(ALREADY_MEMBER)
    provider.members.add(user)
    _forget_provider_ids(user)
    audit_record(
        action="catalog.provider_member_add",
        obj=provider,
        after={"member": user.username},
        actor=_actor(by),
    )


@transaction.atomic
def provider_member_remove(*, provider: Provider, user: User, by: User) -> None:
    """The province takes away an account's right to manage `provider` (a person who left).
    The last member may go too: the profile and entries stay, and the province adds another."""
    _require_moderator(by)
    if not provider.members.filter(pk=user.pk).exists():
        raise ValidationError(NOT_MEMBER)
    provider.members.remove(user)
    _forget_provider_ids(user)
    audit_record(
        action="catalog.provider_member_remove",
        obj=provider,
        before={"member": user.username},
        note="" if provider.members.exists() else "last member",
        actor=_actor(by),
    )
