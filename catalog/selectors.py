"""Reads of the resource pool, with who may see what.

Published providers and entries are public (anonymous included). Drafts, entries in review and
rejected ones are seen by the members of their provider and by province officials (who moderate);
entries without a provider (typical scenarios, the shortfall list, the project reserve) are the
province's. Anyone else gets 404 for them, never 403: their existence is not disclosed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Role
from catalog.models import Entry, Provider, Scenario, Status

# Kinds a provider may list; the others are the province's own lists.
PROVIDER_KINDS = (
    Entry.Kind.SOLUTION,
    Entry.Kind.SOFTWARE,
    Entry.Kind.EQUIPMENT,
    Entry.Kind.NETWORK,
    Entry.Kind.MODEL,
    Entry.Kind.TRAINING,
    Entry.Kind.CASE,
)


def is_moderator(user: Any) -> bool:
    """Province officials moderate the resource pool."""
    return bool(getattr(user, "is_authenticated", False)) and user.role == Role.PROVINCE


def provider_ids_of(user: Any) -> set[int]:
    """The providers this account manages (none unless it is a provider account)."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.PROVIDER:
        return set()
    cached = getattr(user, "_catalog_provider_ids", None)
    if cached is None:
        cached = set(user.catalog_providers.values_list("pk", flat=True))
        user._catalog_provider_ids = cached
    return cached


def entry_visible_q(user: Any) -> Q:
    if is_moderator(user):
        return Q()
    # Public entries have a public provider (or none: the province's own lists); a provider
    # taken down or editing its profile takes its entries out of view until republished.
    published = Q(status=Status.PUBLISHED) & (
        Q(provider__isnull=True) | Q(provider__status=Status.PUBLISHED)
    )
    own = provider_ids_of(user)
    return published | Q(provider_id__in=own) if own else published


def provider_visible_q(user: Any) -> Q:
    if is_moderator(user):
        return Q()
    own = provider_ids_of(user)
    return Q(status=Status.PUBLISHED) | Q(pk__in=own) if own else Q(status=Status.PUBLISHED)


def entry_list_for_user(*, user: Any) -> QuerySet[Entry]:
    return Entry.objects.filter(entry_visible_q(user))


def provider_list_for_user(*, user: Any) -> QuerySet[Provider]:
    return Provider.objects.filter(provider_visible_q(user))


def entry_get_for_user(*, user: Any, pk: int) -> Entry:
    entry = (
        Entry.objects.filter(entry_visible_q(user), pk=pk)
        .select_related("provider")
        .prefetch_related("scenarios")
        .first()
    )
    if entry is None:
        if Entry.objects.filter(pk=pk).exists():
            out_of_scope_record(user=user, model=Entry, pk=pk)
        raise Http404
    return entry


def provider_get_for_user(*, user: Any, pk: int) -> Provider:
    provider = Provider.objects.filter(provider_visible_q(user), pk=pk).first()
    if provider is None:
        if Provider.objects.filter(pk=pk).exists():
            out_of_scope_record(user=user, model=Provider, pk=pk)
        raise Http404
    return provider


def out_of_scope_record(*, user: Any, model: type[Entry] | type[Provider], pk: int) -> None:
    """A logged-in user reached an existing row it may not see (or change): 404, written to the
    audit trail as access.out_of_scope like the other apps (registry.selectors). Anonymous
    visitors are not recorded (anyone can probe public ids; nothing to attribute)."""
    if not getattr(user, "is_authenticated", False):
        return
    from audit.models import AuditEvent
    from audit.services import audit_record
    from registry.selectors import ACTION_OUT_OF_SCOPE

    audit_record(
        action=ACTION_OUT_OF_SCOPE,
        object_type=model._meta.label_lower,
        object_id=str(pk),
        result=AuditEvent.Result.DENIED,
    )


def may_edit_entry(user: Any, entry: Entry) -> bool:
    """Members of the entry's provider edit it; the province edits its own lists (no provider)."""
    if entry.provider_id is None:
        return is_moderator(user)
    return entry.provider_id in provider_ids_of(user)


def may_edit_provider(user: Any, provider: Provider) -> bool:
    return provider.pk in provider_ids_of(user)


def entry_deletable(entry: Entry) -> bool:
    """A provider's entry that was never published (draft or returned) may be deleted by its
    members (catalog.services.entry_delete also refuses one that enterprises adopted)."""
    return (
        entry.provider_id is not None
        and entry.status in (Status.DRAFT, Status.REJECTED)
        and entry.published_at is None
    )


def entry_withdrawable(entry: Entry) -> bool:
    """A provider's published or in-review entry may be taken back to draft by its members."""
    return entry.provider_id is not None and entry.status in (Status.PUBLISHED, Status.IN_REVIEW)


def provider_members(provider: Provider) -> list[Any]:
    """The provider's member accounts by user name, each with `other_providers` (the names of
    the other providers it manages: membership is many-to-many)."""
    rows = list(provider.members.order_by("username").prefetch_related("catalog_providers"))
    for user in rows:
        user.other_providers = sorted(  # type: ignore[attr-defined]
            p.name for p in user.catalog_providers.all() if p.pk != provider.pk
        )
    return rows


def provider_member_candidates(provider: Provider, *, limit: int = 500) -> list[str]:
    """User names of active provider accounts that do not manage `provider` yet (the add
    form's suggestions)."""
    from accounts.models import User

    rows = User.objects.filter(role=Role.PROVIDER, is_active=True).exclude(
        catalog_providers=provider
    )
    return list(rows.order_by("username").values_list("username", flat=True)[:limit])


# --- moderation (the province's queue; catalog/manage_views.py) ---------------------------------

DECISIONS = tuple(
    f"catalog.{kind}_{verb}"
    for kind in ("entry", "provider")
    for verb in ("publish", "reject", "unpublish")
)


def providers_in_review() -> QuerySet[Provider]:
    """Profiles waiting for the province, oldest submission first."""
    rows = Provider.objects.filter(status=Status.IN_REVIEW).select_related("region")
    return rows.order_by("submitted_at", "pk")


def entries_in_review(*, kind: str = "") -> QuerySet[Entry]:
    """Entries waiting for the province, oldest submission first, optionally of one kind."""
    rows = Entry.objects.filter(status=Status.IN_REVIEW)
    if kind:
        rows = rows.filter(kind=kind)
    return (
        rows.select_related("provider").prefetch_related("scenarios").order_by("submitted_at", "pk")
    )


def decisions_recent(*, limit: int = 30) -> QuerySet[Any]:
    """The province's latest decisions (audit rows: who, what, when, why)."""
    from audit.models import AuditEvent

    return AuditEvent.objects.filter(action__in=DECISIONS).order_by("-at", "-pk")[:limit]


def review_changes_attach(rows: list[Any], *, object_type: str) -> None:
    """Set `row.changes` on each entry or profile: the fields its members changed since the
    province last decided on it, [(field, before, after)], from the audit trail (one query);
    empty for a first submission."""
    from audit.models import AuditEvent

    reviewed = {row.pk: row.reviewed_at for row in rows if row.reviewed_at}
    events = AuditEvent.objects.filter(
        object_type=object_type,
        object_id__in=[str(pk) for pk in reviewed],
        action=f"catalog.{object_type.split('.')[-1]}_update",
    ).order_by("at", "pk")
    changes: dict[int, dict[str, Any]] = {pk: {} for pk in reviewed}
    for event in events:
        pk = int(event.object_id)
        if event.at <= reviewed[pk]:
            continue
        for field, after in (event.after or {}).items():
            if field in ("status", "featured"):
                continue
            before = changes[pk].get(field, ((event.before or {}).get(field), None))[0]
            changes[pk][field] = (before, after)
    names = _change_names(changes.values())
    for row in rows:
        found = changes.get(row.pk, {})
        row.changes = [
            (_field_label(row, field), _shown(field, old, names), _shown(field, new, names))
            for field, (old, new) in found.items()
            if old != new
        ]


# Fields holding codes, and the table that names them (the provider's `region` is one code).
_NAMED_FIELDS = {
    "industries": "industry",
    "regions": "region",
    "regions_served": "region",
    "region": "region",
    "scenarios": "scenario",
    "clusters": "cluster",
    "chains": "chain",
}


def _change_names(found: Any) -> dict[str, dict[str, str]]:
    """The names of every code the changes mention, one query per table that has any."""
    from registry.models import Chain, Cluster, Industry, Region

    wanted: dict[str, set[str]] = {table: set() for table in set(_NAMED_FIELDS.values())}
    for fields in found:
        for field, pair in fields.items():
            if field in _NAMED_FIELDS:
                for value in pair:
                    wanted[_NAMED_FIELDS[field]].update(_as_codes(value))
    tables: dict[str, Any] = {
        "industry": Industry,
        "region": Region,
        "cluster": Cluster,
        "chain": Chain,
        "scenario": Scenario,
    }
    names: dict[str, dict[str, str]] = {table: {} for table in wanted}
    for table, codes in wanted.items():
        if not codes:  # no query for a table nothing mentions
            continue
        name = "name_zh" if table == "scenario" else "name"
        rows = tables[table]._default_manager.filter(pk__in=codes).values_list("pk", name)
        names[table] = {str(pk): name for pk, name in rows}
    return names


def _as_codes(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    values = value if isinstance(value, list | tuple) else [value]
    return [str(code) for code in values]


def _shown(field: str, value: Any, names: dict[str, dict[str, str]]) -> str:
    """A changed value as a reader expects it: names for codes (a code whose row is gone shows
    as the code), lists joined with 、, yes/no for flags, key：value lines for a mapping."""
    from django.utils.translation import gettext as _

    if field in _NAMED_FIELDS:
        table = names[_NAMED_FIELDS[field]]
        return "、".join(table.get(code) or code for code in _as_codes(value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value)
    if isinstance(value, dict):
        return "\n".join(f"{key}：{item}" for key, item in value.items())
    return "" if value is None else str(value)


def _field_label(row: Any, field: str) -> str:
    from django.core.exceptions import FieldDoesNotExist

    try:
        return str(row._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:  # a field since removed from the model: its name
        return field
