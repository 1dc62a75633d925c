"""Forms of the reporting pages (a reported value with evidence, a review) and of a city's
annual work plan. Choices are narrowed to what the user may do (targets.access); the services
check everything again (targets.services.report_submit, work_plan_save)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from registry.models import Region
from targets import access
from targets.models import Report, Target
from targets.selectors import PLAN_YEARS, default_year
from targets.services import (
    NOT_REPORTER,
    PERIOD_NOT_ENDED,
    SHARE_OVER_100,
    ReportInput,
    last_ended_quarter,
)

MAX_FILES = 10
TEXT_MAX = 2000
QUARTERS = [(q, f"Q{q}") for q in (1, 2, 3, 4)]
MEASURES_NEED_VALUE = "填写工作举措时请填写承诺值 (Measures need a committed value)"
TOO_MANY_FILES = "一次最多上传 %(n)s 个文件 (At most %(n)s files at a time)"


def reportable(user: User) -> tuple[list[Target], list[Region]]:
    """The reported targets `user` may report for some region, and those regions (the province
    for a province official of a task's department, the user's city for a city official)."""
    regions = list(Region.objects.filter(level=Region.Level.PROVINCE))
    if user.role == Role.CITY and user.region_id:
        regions += list(Region.objects.filter(code=user.region_id, level=Region.Level.CITY))
    targets = Target.objects.filter(actual=Target.Actual.REPORTED).select_related("task")
    pairs = [(t, r) for t in targets for r in regions if access.may_report(user, t, r)]
    target_list = list({t.code: t for t, _ in pairs}.values())
    region_list = list({r.code: r for _, r in pairs}.values())
    return target_list, region_list


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern): a list of uploaded files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    target = forms.ChoiceField(label=_("目标"))
    region = forms.ChoiceField(label=_("地区"))
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    quarter = forms.TypedChoiceField(label=_("季度"), coerce=int, choices=QUARTERS)
    value = forms.FloatField(
        label=_("实绩值"), min_value=0, widget=forms.NumberInput({"step": "any"})
    )
    note = forms.CharField(
        label=_("说明"), required=False, max_length=TEXT_MAX, widget=forms.Textarea({"rows": 2})
    )
    evidence = MultipleFileField(label=_("佐证材料（可多选）"), required=False)
    evidence_text = forms.CharField(
        label=_("佐证说明（文件名称、文号或链接）"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        targets, regions = reportable(user)
        self.targets = {t.code: t for t in targets}
        self.regions = {r.code: r for r in regions}
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            (t.code, f"{t.task_id}. {t.name_zh}（{t.unit}）") for t in targets
        ]
        self.fields["region"].choices = [(r.code, r.name) for r in regions]  # type: ignore[attr-defined]
        self.fields["year"].choices = [(y, str(y)) for y in PLAN_YEARS]  # type: ignore[attr-defined]
        year, quarter = last_ended_quarter()
        self.fields["year"].initial = default_year(datetime.date(year, 12, 31))
        self.fields["quarter"].initial = quarter if year in PLAN_YEARS else 1

    @property
    def may_report(self) -> bool:
        return bool(self.targets)

    def clean_evidence(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("evidence") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(TOO_MANY_FILES % {"n": MAX_FILES})
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = self.targets.get(data.get("target", ""))
        region = self.regions.get(data.get("region", ""))
        if target and region and not access.may_report(self.user, target, region):
            raise forms.ValidationError(NOT_REPORTER)
        period = (data.get("year"), data.get("quarter"))
        if None not in period and period > last_ended_quarter():
            self.add_error("quarter", PERIOD_NOT_ENDED)
        return data

    def item(self) -> ReportInput:
        data = self.cleaned_data
        return ReportInput(
            target=self.targets[data["target"]],
            region=self.regions[data["region"]],
            year=data["year"],
            quarter=data["quarter"],
            value=data["value"],
            note=data.get("note", ""),
            evidence_text=data.get("evidence_text", ""),
        )

    def evidence_files(self) -> list[tuple[UploadedFile, str]]:
        return [(f, f.name or "") for f in self.cleaned_data.get("evidence", [])]


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("通过")), ("reject", _("退回"))]
    )
    note = forms.CharField(
        label=_("审核意见（退回时必填）"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 2}),
    )


class ReportFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Report.Status.choices]
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class WorkPlanForm(forms.Form):
    """The summary and, per target, a committed value and measures (value_<code>,
    measures_<code>); a blank value leaves the target out of the plan."""

    summary = forms.CharField(
        label=_("主要举措"), required=False, max_length=5000, widget=forms.Textarea({"rows": 4})
    )

    def __init__(self, *args: Any, targets: list[Target], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = targets
        for target in targets:
            self.fields[f"value_{target.code}"] = forms.FloatField(
                label=target.name_zh,
                required=False,
                min_value=0,
                widget=forms.NumberInput({"step": "any"}),
            )
            self.fields[f"measures_{target.code}"] = forms.CharField(
                label=_("工作举措"),
                required=False,
                max_length=TEXT_MAX,
                widget=forms.Textarea({"rows": 1}),
            )

    def clean(self) -> dict[str, Any]:
        """Measures need a committed value (a blank value leaves the target out of the plan, and
        its measures with it); a share cannot exceed 100."""
        data = super().clean() or {}
        for target in self.targets:
            value = data.get(f"value_{target.code}")
            if value is None and (data.get(f"measures_{target.code}") or "").strip():
                self.add_error(f"value_{target.code}", MEASURES_NEED_VALUE)
            elif value is not None and target.is_share and value > 100:
                self.add_error(f"value_{target.code}", SHARE_OVER_100)
        return data

    def rows(self) -> list[tuple[Target, forms.BoundField, forms.BoundField]]:
        return [(t, self[f"value_{t.code}"], self[f"measures_{t.code}"]) for t in self.targets]

    def commitments(self) -> dict[str, tuple[Any, str]]:
        data = self.cleaned_data
        return {
            t.code: (data.get(f"value_{t.code}"), data.get(f"measures_{t.code}") or "")
            for t in self.targets
        }
