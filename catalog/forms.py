"""Forms of the providers' pages and the province's moderation. They only parse input: the
fields a form has are the only fields it can hand to catalog.services (status, featured, rating,
provider and the review fields are not among them), and the services check everything again."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import Entry, Provider, Scenario
from catalog.selectors import PROVIDER_KINDS
from catalog.services import PROVINCE_KINDS
from registry.models import Chain, Cluster, Region

TEXT_MAX = 5000
BAD_INDUSTRY_CODE = (
    "行业代码应为 GB/T 4754 门类字母或 2–4 位数字：{codes} "
    "(Industry codes are a GB/T 4754 section letter or 2 to 4 digits: {codes})"
)
_CODE = re.compile(r"^(?:[A-T]|\d{2,4})$")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _region_choices() -> list[tuple[str, str]]:
    return [(r.code, f"{r.code} {r.name}") for r in Region.objects.order_by("code")]


def _scenario_choices() -> list[tuple[str, str]]:
    return [(s.code, s.name_zh) for s in Scenario.objects.all()]


def _cluster_choices() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in Cluster.objects.all()]


def _chain_choices() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in Chain.objects.all()]


class CodeListField(forms.CharField):
    """GB/T 4754 codes typed as a list ("3911 34, C"); existence is checked by the service."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        codes = [code.upper() for code in _SEPARATORS.split(text) if code]
        bad = [code for code in codes if not _CODE.match(code)]
        if bad:
            raise ValidationError(BAD_INDUSTRY_CODE.format(codes="、".join(bad)))
        return list(dict.fromkeys(codes))

    def prepare_value(self, value: Any) -> Any:
        return " ".join(value) if isinstance(value, list | tuple) else value


class LinesField(forms.CharField):
    """One item per line (qualifications)."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list | tuple) else value


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"))
    title = forms.CharField(label=_("名称"), max_length=120)
    summary = forms.CharField(label=_("摘要"), max_length=300, required=False)
    body = forms.CharField(
        label=_("详细介绍"), max_length=TEXT_MAX, required=False, widget=forms.Textarea({"rows": 6})
    )
    software_category = forms.ChoiceField(
        label=_("软件类别（仅工业软件）"),
        required=False,
        choices=[("", "—"), *Entry.SoftwareCategory.choices],
    )
    first_version = forms.BooleanField(label=_("首版次（工业软件、知识模型）"), required=False)
    first_set = forms.BooleanField(label=_("首台套（智能装备、网络设备）"), required=False)
    recognised_year = forms.IntegerField(
        label=_("认定年度"), required=False, min_value=2000, max_value=2100
    )
    industries = CodeListField(
        label=_("适用行业（GB/T 4754 代码，空格分隔）"), required=False, max_length=500
    )
    regions = forms.MultipleChoiceField(label=_("适用区域（不选为全省）"), required=False)
    scenarios = forms.MultipleChoiceField(label=_("场景"), required=False)
    clusters = forms.MultipleChoiceField(label=_("产业集群"), required=False)
    chains = forms.MultipleChoiceField(label=_("产业链"), required=False)
    source = forms.CharField(label=_("来源"), max_length=200, required=False)

    def __init__(self, *args: Any, province: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = PROVINCE_KINDS if province else PROVIDER_KINDS
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]  # type: ignore[attr-defined]
        self.fields["regions"].choices = _region_choices()  # type: ignore[attr-defined]
        self.fields["scenarios"].choices = _scenario_choices()  # type: ignore[attr-defined]
        self.fields["clusters"].choices = _cluster_choices()  # type: ignore[attr-defined]
        self.fields["chains"].choices = _chain_choices()  # type: ignore[attr-defined]


def entry_initial(entry: Entry) -> dict[str, Any]:
    names = [name for name in EntryForm.base_fields if name != "scenarios"]
    initial = {name: getattr(entry, name) for name in names}
    return initial | {"scenarios": [s.code for s in entry.scenarios.all()]}


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    region = forms.ChoiceField(label=_("注册地"), required=False)
    regions_served = forms.MultipleChoiceField(label=_("服务区域"), required=False)
    industries = CodeListField(
        label=_("服务行业（GB/T 4754 代码，空格分隔）"), required=False, max_length=500
    )
    qualifications = LinesField(
        label=_("资质（每行一项）"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 3}),
    )
    summary = forms.CharField(
        label=_("简介"), max_length=TEXT_MAX, required=False, widget=forms.Textarea({"rows": 4})
    )
    track_record = forms.CharField(
        label=_("服务业绩"), max_length=TEXT_MAX, required=False, widget=forms.Textarea({"rows": 4})
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    website = forms.URLField(label=_("网址"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = _region_choices()
        self.fields["region"].choices = [("", "—"), *regions]  # type: ignore[attr-defined]
        self.fields["regions_served"].choices = regions  # type: ignore[attr-defined]


def provider_initial(provider: Provider) -> dict[str, Any]:
    names = [name for name in ProviderForm.base_fields if name not in ("region", "regions_served")]
    initial = {name: getattr(provider, name) for name in names}
    served = [r.code for r in provider.regions_served.all()]
    return initial | {"region": provider.region_id or "", "regions_served": served}


# The session key under which a refused decision keeps the reason typed (manage_views._keep_reason,
# shown again by the catalog_kept_reason template tag).
KEPT_REASONS = "catalog_kept_reasons"


class ModerationForm(forms.Form):
    ACTIONS = (
        ("publish", _("审核通过并发布")),
        ("reject", _("退回")),
        ("unpublish", _("撤下")),
        ("feature", _("设为推荐")),
        ("unfeature", _("取消推荐")),
        ("rate", _("评级")),
    )
    action = forms.ChoiceField(label=_("操作"), choices=ACTIONS)
    reason = forms.CharField(label=_("理由"), max_length=TEXT_MAX, required=False)
    rating = forms.TypedChoiceField(
        label=_("评级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *((n, "★" * n) for n in range(1, 6))],
    )
    # The submission time the moderator's page showed (publish and reject check it).
    seen = forms.DateTimeField(required=False, widget=forms.HiddenInput)


def form_add_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named field when the form has it,
    otherwise at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


ACCOUNT_NOT_FOUND = "没有该账号 (No such account)"
USERNAME_REQUIRED = "请填写要添加的账号 (Enter the account to add)"
MEMBER_REQUIRED = "请选择要移除的账号 (Choose the account to remove)"


class MemberForm(forms.Form):
    """The province adds (by user name) or removes (by id) a provider's member account; the
    account is looked up here, catalog.services checks its role, state and membership."""

    action = forms.ChoiceField(label=_("操作"), choices=(("add", _("添加")), ("remove", _("移除"))))
    username = forms.CharField(label=_("账号"), max_length=150, required=False)
    user = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        from accounts.models import User

        data = super().clean() or {}
        if data.get("action") == "add":
            username = (data.get("username") or "").strip()
            if not username:
                raise ValidationError({"username": USERNAME_REQUIRED})
            data["account"] = User.objects.filter(username=username).first()
        elif data.get("action") == "remove":
            if data.get("user") is None:
                raise ValidationError(MEMBER_REQUIRED)
            data["account"] = User.objects.filter(pk=data["user"]).first()
        else:
            return data
        if data["account"] is None:
            field = "username" if data["action"] == "add" else "__all__"
            raise ValidationError({field: ACCOUNT_NOT_FOUND})
        return data
