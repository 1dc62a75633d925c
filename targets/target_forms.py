"""Forms of the target page: the province's adjustment of a target (目标调整) and a hand-set split
of a target for one city or county (目标分解). The services check values, reasons and permissions
(targets.services.target_update / allocation_set); the forms only read the fields."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Region
from targets.models import Target
from targets.selectors import PLAN_YEARS


def _number(label: Any) -> forms.FloatField:
    return forms.FloatField(label=label, required=False, widget=forms.NumberInput({"step": "any"}))


class TargetEditForm(forms.Form):
    """Values per year, the 2027 value, the range's upper end, bound, baseline, note; the reason
    is required by the service (an adjustment without one changes nothing)."""

    year_2025 = _number(_("2025年目标值"))
    year_2026 = _number(_("2026年目标值"))
    year_2027 = _number(_("2027年目标值"))
    value_2027 = _number(_("期末（2027年底）目标值"))
    value_max = _number(_("区间上限"))
    bound = forms.ChoiceField(label=_("约束"), choices=Target.Bound.choices)
    baseline = _number(_("基期值"))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea({"rows": 2}))
    reason = forms.CharField(
        label=_("调整理由（必填）"), required=False, widget=forms.Textarea({"rows": 2})
    )

    @classmethod
    def initial_for(cls, target: Target) -> dict[str, Any]:
        years = {f"year_{y}": target.values.get(str(y)) for y in PLAN_YEARS}
        fields = ("value_2027", "value_max", "bound", "baseline", "note")
        return years | {name: getattr(target, name) for name in fields}

    def changes(self) -> dict[str, Any]:
        """The fields as targets.services.target_update takes them (unchanged ones included: the
        service keeps only what differs)."""
        data = self.cleaned_data
        values = {
            str(y): data[f"year_{y}"] for y in PLAN_YEARS if data.get(f"year_{y}") is not None
        }
        fields = ("value_2027", "value_max", "bound", "baseline", "note")
        return {"values": values} | {name: data.get(name) for name in fields}


def allocation_years(target: Target) -> list[tuple[int, str]]:
    """The years a split is set for: each year with a value for a per-year target, else 0 (the
    end-of-plan value)."""
    if target.kind == Target.Kind.PER_YEAR:
        return [(y, f"{y}") for y in PLAN_YEARS if target.value_for(y) is not None]
    return [(0, str(_("期末（2027年底）")))]


class AllocationForm(forms.Form):
    """One region's share of a target, set by hand with a reason."""

    region = forms.ChoiceField(label=_("地区"))
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    value = forms.FloatField(label=_("分解目标值"), min_value=0)
    reason = forms.CharField(label=_("设定理由"), max_length=500)

    def __init__(self, *args: Any, target: Target, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [(r.code, r.name) for r in regions]
        cast(forms.ChoiceField, self.fields["year"]).choices = allocation_years(target)

    def problems(self) -> str:
        """Every error in one line, each after its field's label (for a message)."""
        parts = []
        for name, errors in self.errors.as_data().items():
            label = self.fields[name].label if name in self.fields else ""
            text = " ".join(str(m) for error in errors for m in error.messages)
            parts.append(f"{label} {text}".strip())
        return "；".join(parts)
