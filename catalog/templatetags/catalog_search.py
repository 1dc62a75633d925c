"""Template filters of the resource pool's public pages: `highlight` marks the query's words."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlight(text: object, terms: list[str] | None) -> SafeString:
    """`text` escaped, each of `terms` (catalog.search highlight terms) wrapped in <mark>. The
    text is split before escaping, so a term never matches inside an entity (&amp;)."""
    raw = str(text or "")
    words = [t for t in terms or [] if t]
    if not words:
        return escape(raw)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    parts, last = [], 0
    for found in pattern.finditer(raw):
        parts += [escape(raw[last : found.start()]), f"<mark>{escape(found.group(0))}</mark>"]
        last = found.end()
    parts.append(escape(raw[last:]))
    return mark_safe("".join(parts))
