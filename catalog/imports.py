"""XLSX import and export of the resource pool (the layout is catalog/workbook.py).

Who imports what
    The province imports entries of any kind and providers (sheet 服务商). Its new rows are
    drafts, or published when it ticks "publish" (a provider's entry then needs its provider
    published, or published by the same file). A provider account imports entries of its own
    provider only (the 服务商 column empty or its own name), of the kinds providers list, and
    they are always drafts: a changed entry that was in review or published goes back to draft,
    as an edit on the web does (catalog/services.py).
Natural keys
    An entry is (provider, kind, name); a provider is its name. Re-importing a file updates the
    rows it names and duplicates nothing; a row that changes nothing writes nothing.
All or nothing
    Every row is checked first; every bad row is listed (sheet, Excel row, column, a message in
    Chinese with the English in parentheses) and nothing is written when any row is bad. Files
    are checked like evidence uploads (assessments.uploads.validate_upload: by content, size,
    zip bombs) and must be XLSX.
Writes
    Bulk inserts and updates in one transaction, an audit row per created or updated entry and
    provider (audit_record_many) and one for the file; the search text (`seg`,
    catalog.search.entry_seg) is computed for the bulk write, providers are reindexed one by one.
Export
    Published entries and providers for everyone (the public pool, anonymous included, through
    catalog.selectors); the province gets every status, with a 状态 column that the import
    ignores. An export imports back unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.uploads import UploadRejected, validate_upload
from audit.context import actor_for_user, current_actor
from audit.services import Change, audit_record, audit_record_many
from catalog import search
from catalog import workbook as wb
from catalog.import_rows import (
    EntryInput,
    Lookups,
    ProviderInput,
    RowProblem,
    check_rows,
)
from catalog.models import Entry, Provider, Scenario, Status
from catalog.selectors import entry_list_for_user, is_moderator, provider_list_for_user
from registry.models import Chain, Cluster, Industry, Region

NOT_XLSX = "请上传 XLSX 格式的文件 (Upload an XLSX file)"
UNREADABLE = "文件无法读取，请使用下载的模板 (The file cannot be read: use the downloaded template)"
NO_ROWS = "文件中没有数据 (The file has no data rows)"
MORE_PROBLEMS = "另有 {count} 个问题未列出 ({count} more problems not listed)"
IMPORT_CONFLICT = (
    "导入时发生冲突，未导入任何数据 (A conflict arose while importing: nothing was imported)"
)
MAX_PROBLEMS = 500


@dataclass
class ImportOutcome:
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0
    entries_created: int = 0
    entries_updated: int = 0
    entries_unchanged: int = 0
    providers_created: int = 0
    providers_updated: int = 0
    providers_unchanged: int = 0
    published: bool = False


def _refused(message: str) -> ImportOutcome:
    return ImportOutcome(problems=[RowProblem("", 0, "", message)])


# --- import ----------------------------------------------------------------------------------


def catalog_import(
    *, file: IO[bytes], original_name: str, by: User, publish: bool = False
) -> ImportOutcome:
    """Check an uploaded workbook and, when no row has a problem, apply every row (see the
    module docstring); otherwise apply nothing and return the problems."""
    try:
        checked = validate_upload(file, original_name=original_name)
    except UploadRejected as exc:
        return _refused(exc.message)
    if checked.kind != "xlsx":
        return _refused(NOT_XLSX)
    try:
        sheets = wb.sheets_read(file)
    except Exception:  # openpyxl raises many unrelated types for a malformed workbook
        return _refused(UNREADABLE)
    finally:
        file.seek(0)
    if sheets.problems:
        return ImportOutcome(problems=[RowProblem.of(p) for p in sheets.problems])
    rows = len(sheets.entries) + len(sheets.providers)
    if not rows:
        return _refused(NO_ROWS)
    publish = publish and is_moderator(by)
    checked_rows = check_rows(sheets, by=by, publish=publish)
    if checked_rows.problems:
        problems = checked_rows.problems
        if len(problems) > MAX_PROBLEMS:
            rest = len(problems) - MAX_PROBLEMS
            problems = [
                *problems[:MAX_PROBLEMS],
                RowProblem("", 0, "", MORE_PROBLEMS.format(count=rest)),
            ]
        return ImportOutcome(problems=problems, rows=rows)
    outcome = ImportOutcome(rows=rows, published=publish)
    assert checked_rows.lookups is not None  # set whenever rows were checked
    try:
        with transaction.atomic():
            _apply(
                checked_rows.providers,
                checked_rows.entries,
                checked_rows.lookups,
                by,
                publish,
                outcome,
            )
            audit_record(
                action="catalog.import",
                object_type="catalog.entry",
                object_id=checked.sha256[:12],
                after={
                    "file": checked.safe_display_name,
                    "sha256": checked.sha256,
                    "rows": rows,
                    "publish": publish,
                    "entries_created": outcome.entries_created,
                    "entries_updated": outcome.entries_updated,
                    "providers_created": outcome.providers_created,
                    "providers_updated": outcome.providers_updated,
                },
                note=f"catalogue import {checked.safe_display_name}",
                actor=_actor(by),
            )
    except ValidationError as exc:
        problems = [RowProblem("", 0, "", IMPORT_CONFLICT)]
        problems += [RowProblem("", 0, "", message) for message in exc.messages]
        return ImportOutcome(problems=problems, rows=rows)
    return outcome


def _actor(by: User) -> Any:
    current = current_actor()
    if current.user_id == by.pk:
        return current
    return actor_for_user(by, ip=current.ip, request_id=current.request_id)


def _published(obj: Entry | Provider, by: User, now: dt.datetime) -> None:
    obj.status = Status.PUBLISHED
    obj.published_at = obj.reviewed_at = now
    obj.reviewed_by = by
    obj.review_note = ""


def _apply(
    providers: list[ProviderInput],
    entries: list[EntryInput],
    lookups: Lookups,
    by: User,
    publish: bool,
    outcome: ImportOutcome,
) -> None:
    now = timezone.now()
    changes: list[Change] = []
    touched = _apply_providers(providers, lookups, by, publish, now, outcome, changes)
    _apply_entries(entries, lookups, by, publish, now, outcome, changes)
    audit_record_many(changes, actor=_actor(by))
    for provider in touched:
        search.provider_reindex(provider)


def _provider_values(item: ProviderInput) -> dict[str, Any]:
    return {
        "uscc": item.uscc, "region_id": item.region, "industries": item.industries,
        "qualifications": item.qualifications, "summary": item.summary,
        "track_record": item.track_record, "contact_name": item.contact_name,
        "contact_phone": item.contact_phone, "website": item.website,
    }  # fmt: skip


def _provider_snapshot(provider: Provider, served: list[str]) -> dict[str, Any]:
    values = {name: getattr(provider, name) for name in _PROVIDER_ATTRS}
    return {**values, "regions_served": sorted(served), "status": provider.status}


_PROVIDER_ATTRS = (
    "name", "uscc", "region_id", "industries", "qualifications", "summary", "track_record",
    "contact_name", "contact_phone", "website",
)  # fmt: skip


def _apply_providers(
    items: list[ProviderInput],
    lookups: Lookups,
    by: User,
    publish: bool,
    now: dt.datetime,
    outcome: ImportOutcome,
    changes: list[Change],
) -> list[Provider]:
    touched: list[Provider] = []
    for item in items:
        provider = lookups.providers.get(item.name)
        served_before = sorted(lookups.served.get(provider.pk, [])) if provider else []
        before = _provider_snapshot(provider, served_before) if provider else None
        if provider is None:
            provider = Provider(name=item.name, created_by=by, status=Status.DRAFT)
        for name, value in _provider_values(item).items():
            setattr(provider, name, value)
        if publish and provider.status != Status.PUBLISHED:
            _published(provider, by, now)
        after = _provider_snapshot(provider, item.regions_served)
        if before == after:
            outcome.providers_unchanged += 1
            continue
        provider.full_clean(exclude=["created_by", "reviewed_by", "region", "members"])
        provider.save()
        if before is None or before["regions_served"] != after["regions_served"]:
            provider.regions_served.set(Region.objects.filter(pk__in=item.regions_served))
        lookups.providers[item.name] = provider
        created = before is None
        if created:
            outcome.providers_created += 1
        else:
            outcome.providers_updated += 1
        old = before or {}
        changed = after if created else {k: v for k, v in after.items() if old.get(k) != v}
        changes.append(
            Change(
                action="catalog.provider_import_create"
                if created
                else "catalog.provider_import_update",
                object_type="catalog.provider",
                object_id=str(provider.pk),
                object_repr=provider.name,
                before=None if created else {k: old.get(k) for k in changed},
                after=changed,
            )
        )
        touched.append(provider)
    return touched


_ENTRY_ATTRS = (
    "summary", "body", "software_category", "first_version", "first_set", "recognised_year",
    "industries", "regions", "clusters", "chains", "source", "attributes",
)  # fmt: skip


def _entry_snapshot(entry: Entry, scenarios: Iterable[str]) -> dict[str, Any]:
    values = {name: getattr(entry, name) for name in _ENTRY_ATTRS}
    return {
        "kind": entry.kind, "title": entry.title, "provider": entry.provider_id, **values,
        "scenarios": sorted(scenarios), "status": entry.status, "featured": entry.featured,
    }  # fmt: skip


def _apply_entries(
    items: list[EntryInput],
    lookups: Lookups,
    by: User,
    publish: bool,
    now: dt.datetime,
    outcome: ImportOutcome,
    changes: list[Change],
) -> None:
    new: list[tuple[Entry, EntryInput]] = []
    updated: list[tuple[Entry, EntryInput, dict[str, Any]]] = []
    province = is_moderator(by)
    for item in items:
        provider = lookups.providers.get(item.provider_name) if item.provider_name else None
        entry = lookups.entries.get(item.key)
        before = (
            _entry_snapshot(entry, lookups.entry_scenarios.get(entry.pk, [])) if entry else None
        )
        if entry is None:
            entry = Entry(kind=item.kind, title=item.title, created_by=by, status=Status.DRAFT)
        entry.provider = provider
        for name in _ENTRY_ATTRS:
            setattr(entry, name, getattr(item, name))
        content_changed = before is not None and _content(before) != _content(
            _entry_snapshot(entry, item.scenarios)
        )
        if province and publish and entry.status != Status.PUBLISHED:
            _published(entry, by, now)
        elif not province and content_changed and entry.status != Status.DRAFT:
            entry.status, entry.featured = Status.DRAFT, False
        if before is None or content_changed:
            # The search text, computed here for the bulk write (catalog.search.entry_reindex
            # does the same one entry at a time, with two queries each).
            entry.seg = search.entry_seg(
                entry,
                scenarios=[lookups.scenario_rows[code] for code in item.scenarios],
                provider_name=provider.name if provider else "",
            )
        if before is None:
            new.append((entry, item))
        elif content_changed or before["status"] != entry.status:
            updated.append((entry, item, before))
        else:
            outcome.entries_unchanged += 1
    Entry.objects.bulk_create([entry for entry, _ in new], batch_size=500)
    fields = [*_ENTRY_ATTRS, "provider", "status", "featured", "published_at", "reviewed_at"]
    fields += ["reviewed_by", "review_note", "updated_at", "seg"]
    for entry, _, _ in updated:
        entry.updated_at = now
    Entry.objects.bulk_update([entry for entry, _, _ in updated], fields, batch_size=500)
    _set_scenarios(new, updated, lookups)
    outcome.entries_created, outcome.entries_updated = len(new), len(updated)
    changes += _entry_changes(new, updated)


def _content(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k not in ("status", "featured")}


def _set_scenarios(
    new: list[tuple[Entry, EntryInput]],
    updated: list[tuple[Entry, EntryInput, dict[str, Any]]],
    lookups: Lookups,
) -> None:
    through = Entry.scenarios.through
    redo = [
        (entry, item)
        for entry, item, before in updated
        if sorted(item.scenarios) != before["scenarios"]
    ]
    through.objects.filter(entry_id__in=[entry.pk for entry, _ in redo]).delete()
    links = [
        through(entry_id=entry.pk, scenario_id=code)
        for entry, item in [*new, *redo]
        for code in item.scenarios
    ]
    through.objects.bulk_create(links, batch_size=1000)


def _entry_changes(
    new: list[tuple[Entry, EntryInput]],
    updated: list[tuple[Entry, EntryInput, dict[str, Any]]],
) -> list[Change]:
    changes = [
        Change(
            action="catalog.entry_import_create",
            object_type="catalog.entry",
            object_id=str(entry.pk),
            object_repr=entry.title,
            after=_entry_snapshot(entry, item.scenarios),
        )
        for entry, item in new
    ]
    for entry, item, before in updated:
        after = _entry_snapshot(entry, item.scenarios)
        keys = [k for k in after if after[k] != before[k]]
        changes.append(
            Change(
                action="catalog.entry_import_update",
                object_type="catalog.entry",
                object_id=str(entry.pk),
                object_repr=entry.title,
                before={k: before[k] for k in keys},
                after={k: after[k] for k in keys},
            )
        )
    return changes


# --- template and export ---------------------------------------------------------------------


def _code_lists() -> dict[str, list[tuple[str, str]]]:
    regions = Region.objects.exclude(level=Region.Level.PROVINCE).order_by("code")
    industries = Industry.objects.exclude(level=Industry.Level.CLASS).order_by("code")
    return {
        "场景 (scenario)": list(Scenario.objects.values_list("code", "name_zh")),
        "地区 (region)": list(regions.values_list("code", "name")),
        "产业集群 (cluster)": list(Cluster.objects.order_by("code").values_list("code", "name")),
        "产业链 (chain)": list(Chain.objects.order_by("code").values_list("code", "name")),
        "行业 (industry)": list(industries.values_list("code", "name")),
    }


def catalog_template(*, user: User) -> bytes:
    """The empty workbook: the entries sheet for everyone, the providers sheet for the
    province, the explanations, the code lists and the drop-downs."""
    providers: list[list[Any]] | None = [] if is_moderator(user) else None
    return wb.workbook_write(
        entries=[], providers=providers, with_status=False, codes=_code_lists()
    )


def catalog_export(*, user: Any) -> tuple[bytes, int]:
    """The workbook of what `user` may export: the public pool, or every status for the
    province. Returns the bytes and the number of entries (the caller audits the export)."""
    full = is_moderator(user)
    viewer = user if full else AnonymousUser()
    entries = (
        entry_list_for_user(user=viewer)
        .select_related("provider")
        .prefetch_related("scenarios")
        .order_by("kind", "provider__name", "title", "pk")
    )
    providers = provider_list_for_user(user=viewer).prefetch_related("regions_served")
    entry_rows = [_entry_row(entry, full) for entry in entries]
    provider_rows = [_provider_row(p, full) for p in providers.order_by("name")]
    data = wb.workbook_write(
        entries=entry_rows, providers=provider_rows, with_status=full, codes=_code_lists()
    )
    return data, len(entry_rows)


def _flag(value: bool) -> str:
    return wb.YES if value else wb.NO


def _entry_row(entry: Entry, with_status: bool) -> list[Any]:
    row = [
        entry.get_kind_display(), entry.title, entry.provider.name if entry.provider else "",
        entry.summary, entry.body,
        entry.get_software_category_display() if entry.software_category else "",
        _flag(entry.first_version), _flag(entry.first_set), entry.recognised_year,
        wb.join_list(entry.industries), wb.join_list(entry.regions),
        wb.join_list(entry.clusters), wb.join_list(entry.chains),
        wb.join_list(sorted(s.code for s in entry.scenarios.all())), entry.source,
        wb.attributes_text(entry.attributes),
    ]  # fmt: skip
    return [*row, entry.get_status_display()] if with_status else row


def _provider_row(provider: Provider, with_status: bool) -> list[Any]:
    row = [
        provider.name, provider.uscc, provider.region_id or "",
        wb.join_list(sorted(r.code for r in provider.regions_served.all())),
        wb.join_list(provider.industries), wb.join_list(provider.qualifications),
        provider.summary, provider.track_record, provider.contact_name, provider.contact_phone,
        provider.website,
    ]  # fmt: skip
    return [*row, provider.get_status_display()] if with_status else row
