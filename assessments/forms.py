"""Forms of the assessment pages, and the reading of a posted section of answers.

A section form posts, per question it shows: `q:<code>` (the answer; several values for a
multiple choice), `na:<code>` (the 不适用 box of number and text questions) and `base:<code>` (the
stored value the form was loaded with, as JSON). Only questions with a `base:` field count as
shown, and only those whose answer differs from their base are changes, so a save never touches
what the user did not change (assessments.services.assessment_save merges the rest).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from assessments.models import SectionReview
from frameworks.models import Framework as FrameworkRow
from frameworks.models import FrameworkVersion
from registry.models import Enterprise, Region
from registry.selectors import enterprise_list_for_user
from scoring.maturity.answers import NO_TOKENS, YES_TOKENS
from scoring.maturity.types import Framework, Question

NA_VALUE = "N/A"
ENTERPRISE_NOT_FOUND = _("没有这家企业，或它不在您的管辖范围内。")
DISPUTE_NEEDS_COMMENT = _("有异议时请写明理由。")


class BadPost(ValueError):
    """The post is not a section form (no revision, unknown section): answered 400."""


@dataclass(frozen=True)
class SectionPost:
    section: str
    revision: int
    changes: dict[str, Any]
    """Question code → the new answer ("" clears it)."""
    base: dict[str, Any]
    """Question code → the stored value the user's form showed, for the changed questions."""
    shown: dict[str, Any] = field(default_factory=dict)
    """Question code → the answer in the form (changed or not), to show it again."""
    site_notes: dict[str, str] | None = None
    """{section: text} when the provider changed the section's site notes."""
    site_notes_base: dict[str, str] | None = None
    """{section: text} the form showed before the change."""


def revision_of(data: QueryDict) -> int:
    try:
        return int(data.get("revision", ""))
    except ValueError as exc:
        raise BadPost("revision") from exc


def section_post(data: QueryDict, framework: Framework) -> SectionPost:
    """Read a posted section form (see the module docstring). Raises BadPost."""
    revision = revision_of(data)
    section = data.get("section", "")
    if section not in framework.roots:
        raise BadPost("section")
    changes, base, shown = {}, {}, {}
    for key in data:
        code = key.removeprefix("base:")
        node = framework.nodes.get(code)
        if key == code or node is None or node.question is None:
            continue
        stored = _json(data.get(key, ""))
        value = posted_answer(data, node.question)
        shown[code] = value
        if not same_answer(node.question, value, stored):
            changes[code], base[code] = value, stored
    notes = _site_notes(data, section)
    notes_base = {section: data.get("base_site_note", "").strip()} if notes else None
    return SectionPost(section, revision, changes, base, shown, notes, notes_base)


def _site_notes(data: QueryDict, section: str) -> dict[str, str] | None:
    if "site_note" not in data:
        return None
    note = data.get("site_note", "").strip()
    if note == data.get("base_site_note", "").strip():
        return None
    return {section: note}


MAX_BASE_CHARS = 20_000


def _json(text: str) -> Any:
    """A stored value the form echoed back; anything unreadable (or absurdly long or deep) reads
    as unknown, which at worst makes a save a conflict, never a server error."""
    if not text or len(text) > MAX_BASE_CHARS:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def posted_answer(data: QueryDict, question: Question) -> Any:
    """The answer a form posted for `question`, as it is stored: an option code, a list of codes,
    a number, a level, a text, "N/A", or "" (unanswered). Text that is not a number stays text,
    so the engine's parser reports it and the user sees what they typed."""
    name = f"q:{question.code}"
    if data.get(f"na:{question.code}"):
        return NA_VALUE
    if question.type == "multiple_choice":
        codes = [value.strip() for value in data.getlist(name) if value.strip()]
        return NA_VALUE if codes == [NA_VALUE] else codes
    return normalised(question, data.get(name, ""))


def normalised(question: Question, value: Any) -> Any:
    """`value` in the stored form for its question type (numbers as numbers)."""
    if value is None or (isinstance(value, list) and not value):
        return ""
    if isinstance(value, str):
        value = value.strip()
        if not value or value.casefold() in ("n/a", "不适用"):
            return NA_VALUE if value else ""
    if question.type == "number":
        return _number(value)
    if question.type == "scene_rating":
        number = _number(value)
        return int(number) if isinstance(number, float) and number.is_integer() else number
    if question.type == "multiple_choice" and isinstance(value, list):
        return sorted(_code(item) for item in value)
    if question.type in ("text", "evidence") and isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    if question.type == "yes_no":
        return _yes_no(value)
    if question.type == "single_choice":
        return _code(value)
    return value


def _code(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if isinstance(value, str | int) else value


def _yes_no(value: Any) -> Any:
    token = str(value).strip().casefold()
    if value is True or (not isinstance(value, bool) and token in YES_TOKENS):
        return "yes"
    if value is False or (not isinstance(value, bool) and token in NO_TOKENS):
        return "no"
    return value


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        return value
    return number if math.isfinite(number) else value


def same_answer(question: Question, a: Any, b: Any) -> bool:
    return normalised(question, a) == normalised(question, b)


class StartForm(forms.Form):
    version = forms.ModelChoiceField(
        label=_("评估模型"), queryset=FrameworkVersion.objects.none(), empty_label=None
    )
    year = forms.IntegerField(label=_("评估年度"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = published_versions()  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year


def published_versions() -> Any:
    return (
        FrameworkVersion.objects.filter(status=FrameworkVersion.Status.PUBLISHED)
        .select_related("framework")
        .defer("definition")
        .order_by("framework__code")
    )


class VariantForm(forms.Form):
    """The model variant (适用类型) of a draft, for models that have several (CMMM 离散型 / 流程型):
    each variant weighs the same questions differently. The default variant is marked."""

    variant = forms.ChoiceField(label=_("适用类型"))
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, framework: Framework, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current or framework.default_variant
        self.current_name = variant_name(framework, self.current)
        self.fields["variant"].choices = [  # type: ignore[attr-defined]
            (code, variant_label(framework, code)) for code in framework.variants
        ]
        self.fields["variant"].widget.attrs.update({"data-autosubmit": ""})
        self.fields["variant"].initial = self.current


def variant_name(framework: Framework, code: str) -> str:
    """The Chinese name of a variant (its code when the model names none)."""
    name = framework.variant_names.get(code)
    return (name.zh or name.en or code) if name is not None else code


def variant_label(framework: Framework, code: str) -> str:
    name = variant_name(framework, code)
    if code == framework.default_variant:
        return str(_("%(name)s（默认）") % {"name": name})
    return name


class SubmittedFilterForm(forms.Form):
    """Officials' list of submitted assessments. Choices are narrowed by the view."""

    framework = forms.ModelChoiceField(
        label=_("评估模型"), queryset=FrameworkRow.objects.order_by("code"), required=False
    )
    year = forms.IntegerField(label=_("评估年度"), min_value=2000, max_value=2100, required=False)
    county = forms.ModelChoiceField(label=_("区县"), queryset=Region.objects.none(), required=False)
    level = forms.ChoiceField(label=_("等级"), choices=[("", "---------")], required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class AssignmentForm(forms.Form):
    uscc = forms.CharField(
        label=_("企业统一社会信用代码"),
        max_length=18,
        min_length=18,
        help_text=_("只能指派您管辖范围内的企业。"),
    )
    provider = forms.ModelChoiceField(label=_("服务商"), queryset=User.objects.none())
    version = forms.ModelChoiceField(
        label=_("评估模型"), queryset=FrameworkVersion.objects.none(), empty_label=None
    )
    note = forms.CharField(
        label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["provider"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=Role.PROVIDER, is_active=True
        ).order_by("organisation", "username")
        self.fields["provider"].label_from_instance = _provider_label  # type: ignore[attr-defined]
        self.fields["version"].queryset = published_versions()  # type: ignore[attr-defined]

    def clean_uscc(self) -> Enterprise:
        uscc = self.cleaned_data["uscc"].strip().upper()
        found = enterprise_list_for_user(user=self.user).filter(uscc=uscc).first()
        if found is None:
            raise ValidationError(ENTERPRISE_NOT_FOUND)
        return found


def _provider_label(user: User) -> str:
    name = user.organisation or user.get_full_name() or user.username
    return f"{name} ({user.username})"


class SectionReviewForm(forms.Form):
    section = forms.ChoiceField(choices=())
    decision = forms.ChoiceField(
        label=_("意见"), choices=SectionReview.Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, sections: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = list(sections.items())  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        disputed = data.get("decision") == SectionReview.Decision.DISPUTED
        if disputed and not data.get("comment", "").strip():
            self.add_error("comment", DISPUTE_NEEDS_COMMENT)
        return data
