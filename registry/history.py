"""An enterprise's change history in words: each audit event as (field label, before, after) rows,
for the detail page. Presentation only; the events themselves come from the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent

FIELD_LABELS = {
    "uscc": _("统一社会信用代码"),
    "name": _("企业名称"),
    "county": _("区县"),
    "city": _("设区市"),
    "zone": _("开发区/园区"),
    "industry": _("行业"),
    "revenue_10k_yuan": _("营业收入（万元）"),
    "employees": _("从业人员（人）"),
    "categories": _("企业类别"),
}
ACTION_LABELS = {
    "enterprise.create": _("新增"),
    "enterprise.update": _("更新"),
    "admin.create": _("后台新增"),
    "admin.update": _("后台修改"),
    "admin.delete": _("后台删除"),
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryEntry:
    event: AuditEvent
    action: str
    changes: list[FieldChange]


def field_label(key: str) -> str:
    """ "name" → 企业名称; yearly keys such as "2024.revenue_10k_yuan" → "2024 营业收入（万元）"."""
    year, _dot, field = key.rpartition(".")
    label = str(FIELD_LABELS.get(field, field))
    return f"{year} {label}" if year else label


def _shown(value: Any) -> Any:
    if isinstance(value, list):
        return "、".join(str(item) for item in value) or "—"
    return "—" if value in (None, "") else value


def history_entries(events: Iterable[AuditEvent]) -> list[HistoryEntry]:
    entries = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        changes = [
            FieldChange(field_label(key), _shown(before.get(key)), _shown(after.get(key)))
            for key in keys
        ]
        action = str(ACTION_LABELS.get(event.action, event.action))
        entries.append(HistoryEntry(event=event, action=action, changes=changes))
    return entries
