"""Who may do what on a catalogue entry or provider, for the shared moderation fragments
(templates/catalog/_entry_moderation.html, _provider_moderation.html). Display only: the views
and services check again."""

from __future__ import annotations

from typing import Any

from django import template

from catalog import selectors
from catalog.forms import KEPT_REASONS
from catalog.models import Entry, Provider

register = template.Library()


@register.filter
def catalog_moderator(user: Any) -> bool:
    """A province official (moderates the resource pool)."""
    return selectors.is_moderator(user)


@register.filter
def catalog_may_edit(user: Any, obj: Entry | Provider) -> bool:
    """The user manages this entry or profile (a member of its provider; the province for its
    own lists)."""
    if isinstance(obj, Provider):
        return selectors.may_edit_provider(user, obj)
    return selectors.may_edit_entry(user, obj)


@register.simple_tag(takes_context=True)
def catalog_kept_reason(context: Any, obj: Entry | Provider) -> dict[str, str]:
    """The reason the clerk typed for `obj` when the decision was refused (kept by
    catalog.manage_views._keep_reason), {"action": ..., "reason": ...} or {}; shown once, like a
    message: reading it takes it out of the session."""
    request = context.get("request")
    session = getattr(request, "session", None)
    if session is None:
        return {}
    kept = session.get(KEPT_REASONS)
    key = f"{obj._meta.label_lower}:{obj.pk}"
    if not kept or key not in kept:
        return {}
    kept = dict(kept)
    found = kept.pop(key)
    session[KEPT_REASONS] = kept
    return dict(found)
