"""Forms of the recognition pages. They parse input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from recognition.application_types import ApplicationType
from recognition.models import Application
from recognition.selectors import QueueFilters, type_choices
from recognition.services import CONTENT_FIELDS, application_years
from recognition.workflow import PAGE_ACTIONS
from registry.models import Region

S = Application.Status


class ApplicationNewForm(forms.Form):
    type = forms.ChoiceField(label=_("申报类型"))
    year = forms.TypedChoiceField(label=_("申报年度"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = type_choices()  # type: ignore[attr-defined]
        years = application_years()
        self.fields["year"].choices = [(y, y) for y in years]  # type: ignore[attr-defined]
        self.fields["year"].initial = years[1]


class ApplicationContentForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Application
        fields = CONTENT_FIELDS
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "achievements": forms.Textarea(attrs={"rows": 6}),
        }


class ActionForm(forms.Form):
    """One workflow step from the application page: which step, on which revision, why, and
    what the step needs (experts, site-check result, notice start)."""

    action = forms.ChoiceField(choices=[(a, a) for a in PAGE_ACTIONS])
    revision = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("意见/理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    experts = forms.ModelMultipleChoiceField(
        label=_("评审专家"),
        required=False,
        queryset=User.objects.filter(role=Role.EXPERT, is_active=True).order_by("username"),
    )
    passed = forms.ChoiceField(
        label=_("核查结论"),
        required=False,
        choices=[("", "—"), ("yes", _("通过")), ("no", _("不通过"))],
    )
    note = forms.CharField(
        label=_("核查记录"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notice_start = forms.DateField(
        label=_("公示开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def step_data(self) -> dict[str, Any]:
        """The step's extra data for recognition.services.application_transition."""
        data = self.cleaned_data
        extra = {
            "experts": list(data.get("experts") or ()),
            "passed": data.get("passed"),
            "note": data.get("note"),
            "notice_start": data.get("notice_start"),
        }
        return {key: value for key, value in extra.items() if value}


class ExpertSheetForm(forms.Form):
    """An expert's score sheet: one number per criterion of the type, the opinion, a comment."""

    opinion = forms.ChoiceField(
        label=_("评审结论"), choices=[("pass", _("通过")), ("fail", _("不通过"))]
    )
    comment = forms.CharField(
        label=_("评审意见"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, kind: ApplicationType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = kind.score_sheet.criteria
        for criterion in self.criteria:
            self.fields[f"score_{criterion.code}"] = forms.DecimalField(
                label=criterion.name.zh,
                min_value=0,
                max_value=criterion.max,
                decimal_places=1,
                help_text=_("满分 %(max)s") % {"max": f"{criterion.max:g}"},
            )
        self.order_fields([f"score_{c.code}" for c in self.criteria] + ["opinion", "comment"])

    def scores(self) -> dict[str, float]:
        return {c.code: float(self.cleaned_data[f"score_{c.code}"]) for c in self.criteria}


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("企业名称或信用代码"), required=False)
    type = forms.ChoiceField(label=_("申报类型"), required=False)
    year = forms.TypedChoiceField(label=_("申报年度"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("状态"), required=False)
    city = forms.ModelChoiceField(label=_("设区市"), required=False, queryset=Region.objects.none())
    county = forms.ModelChoiceField(label=_("区县"), required=False, queryset=Region.objects.none())
    overdue = forms.BooleanField(label=_("仅看逾期"), required=False)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "—"), *type_choices()]  # type: ignore[attr-defined]
        years = application_years()
        self.fields["year"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(y, y) for y in range(years[0] - 2, years[-1] + 1)],
        ]
        statuses = [(s, label) for s, label in S.choices if s != S.DRAFT]
        self.fields["status"].choices = [("", _("待办")), *statuses]  # type: ignore[attr-defined]
        self.fields["city"].queryset = regions.filter(level=Region.Level.CITY)  # type: ignore[attr-defined]
        self.fields["county"].queryset = regions.filter(level=Region.Level.COUNTY)  # type: ignore[attr-defined]

    def filters(self) -> QueueFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        city, county = data.get("city"), data.get("county")
        return QueueFilters(
            type=data.get("type") or None,
            year=data.get("year") or None,
            status=data.get("status") or None,
            city=city.pk if city else None,
            county=county.pk if county else None,
            overdue=bool(data.get("overdue")),
            q=(data.get("q") or "").strip() or None,
        )


class SampleForm(forms.Form):
    year = forms.IntegerField(label=_("申报年度"), min_value=2000, max_value=2100)
    share = forms.FloatField(label=_("随机抽取比例"), min_value=0, max_value=1)
    seed = forms.IntegerField(label=_("随机种子"), min_value=0)
