from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from frameworks.models import FrameworkVersion

MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_TOO_LARGE = _("文件过大（最大 5 MB）。")
SAME_VERSION = _("请选择两个不同的版本。")


class FrameworkImportForm(forms.Form):
    file = forms.FileField(
        label=_("模型文件（YAML、JSON 或 XLSX）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.json,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(FILE_TOO_LARGE)
        return upload


class VersionDiffForm(forms.Form):
    """Two versions of one model; the choices are the versions the user may see."""

    a = forms.ChoiceField(label=_("旧版本"))
    b = forms.ChoiceField(label=_("新版本"))

    def __init__(self, *args: Any, versions: list[FrameworkVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v.version, f"{v.version} · {v.get_status_display()}") for v in versions]
        for name in ("a", "b"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("a") and data.get("a") == data.get("b"):
            raise ValidationError(SAME_VERSION)
        return data
