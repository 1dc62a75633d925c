"""A ModelAdmin base that writes the audit trail for every change made in the admin."""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.forms.models import model_to_dict
from django.http import HttpRequest

from audit.services import audit_record


def _snapshot(obj: Model) -> dict[str, Any]:
    return {key: str(value) for key, value in model_to_dict(obj).items()}


class AuditedModelAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        before = _snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        action = "update" if change else "create"
        audit_record(
            action=f"admin.{action}",
            obj=obj,
            before=before,
            after=_snapshot(obj),
            note=", ".join(form.changed_data),
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        before = _snapshot(obj)
        audit_record(action="admin.delete", obj=obj, before=before)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            audit_record(action="admin.delete", obj=obj, before=_snapshot(obj))
        super().delete_queryset(request, queryset)
