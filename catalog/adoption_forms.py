"""The "采用此方案" form on the matches page (catalog/match_views.py). It parses the input only;
catalog.adoptions.adoption_record validates it against the baseline and the catalogue."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.adoptions import BAD_DIMENSIONS, NOTE_MAX

INVALID = {
    "invalid": "请求无效 (Invalid request)",
    "min_value": "请求无效 (Invalid request)",
    "max_value": "请求无效 (Invalid request)",
}
MAX_ID = 2**63 - 1


class AdoptForm(forms.Form):
    baseline = forms.IntegerField(
        min_value=1, max_value=MAX_ID, widget=forms.HiddenInput, error_messages=INVALID
    )
    entry = forms.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, widget=forms.HiddenInput,
        error_messages=INVALID,
    )  # fmt: skip
    provider = forms.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, widget=forms.HiddenInput,
        error_messages=INVALID,
    )  # fmt: skip
    dimensions = forms.MultipleChoiceField(
        label=_("针对的维度"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": BAD_DIMENSIONS, "invalid_choice": BAD_DIMENSIONS},
    )
    adopted_on = forms.DateField(
        label=_("采用日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请输入有效日期 (Enter a valid date)")},
    )
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, dimensions: dict[str, str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["dimensions"].choices = list((dimensions or {}).items())  # type: ignore[attr-defined]
