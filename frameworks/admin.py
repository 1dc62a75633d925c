"""Read-only admin pages: model versions are imported, published and deleted through the services
(pages and commands), which validate and audit; the admin never edits a definition."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import AuditedModelAdmin
from frameworks.models import Framework, FrameworkVersion


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ("code", "created_at")
    search_fields = ("code",)


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnlyAdmin):
    list_display = (
        "framework",
        "version",
        "status",
        "title_zh",
        "provisional",
        "imported_at",
        "published_at",
    )
    list_filter = ("status", "provisional")
    search_fields = ("framework__code", "title_zh", "title_en")
    list_select_related = ("framework",)
    exclude = ("definition",)  # long; the model's page shows it in full
