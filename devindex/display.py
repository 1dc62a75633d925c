"""Labels of index values shown on pages and in exports."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TIER_LABELS = (
    gettext_lazy("第一梯队"),
    gettext_lazy("第二梯队"),
    gettext_lazy("第三梯队"),
    gettext_lazy("第四梯队"),
    gettext_lazy("第五梯队"),
)


def tier_label(tier: int | None) -> str:
    """第一梯队 … in the active language; "—" for a unit without a tier."""
    if tier is None:
        return "—"
    if 1 <= tier <= len(TIER_LABELS):
        return str(TIER_LABELS[tier - 1])
    return _("第%(n)d梯队") % {"n": tier}
