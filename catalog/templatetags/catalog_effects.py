"""`{% entry_effects entry %}` and `{% provider_effects provider %}`: the measured effect of the
adoptions of a published entry or provider (catalog.adoptions), for their detail pages. The tags
only call the selector and render the partial; groups under the minimum size show 样本不足."""

from __future__ import annotations

from typing import Any

from django import template

from catalog.adoptions import entry_effects as entry_summary
from catalog.adoptions import provider_effects as provider_summary
from catalog.models import Entry, Provider

register = template.Library()


@register.inclusion_tag("catalog/_entry_effects.html")
def entry_effects(entry: Entry) -> dict[str, Any]:
    return {"entry": entry, "effects": entry_summary(entry=entry)}


@register.inclusion_tag("catalog/_provider_effects.html")
def provider_effects(provider: Provider) -> dict[str, Any]:
    return {"provider": provider, "effects": provider_summary(provider=provider)}
