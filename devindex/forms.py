"""The province's form to start an index run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from devindex.models import IndexDefinition


class RunStartForm(forms.Form):
    definition = forms.ModelChoiceField(
        queryset=IndexDefinition.objects.order_by("code", "-loaded_at"),
        label=_("指数定义"),
        empty_label=None,
    )
    year = forms.TypedChoiceField(label=_("年份"), coerce=int, choices=())

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in sorted(years, reverse=True)]  # type: ignore[attr-defined]
