from django.contrib import admin

from core.admin import AuditedModelAdmin
from registry.models import (
    Category,
    Chain,
    Cluster,
    Contact,
    Enterprise,
    EnterpriseCategory,
    EnterpriseYear,
    ImportJob,
    Industry,
    Region,
)


class EnterpriseYearInline(admin.TabularInline):
    model = EnterpriseYear
    extra = 0


class EnterpriseCategoryInline(admin.TabularInline):
    model = EnterpriseCategory
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedModelAdmin):
    list_display = ("name", "uscc", "city", "county", "industry", "updated_at")
    list_filter = ("city",)
    search_fields = ("name", "uscc")
    raw_id_fields = ("industry",)
    readonly_fields = ("city", "version", "created_at", "updated_at")
    inlines = [EnterpriseYearInline, EnterpriseCategoryInline, ContactInline]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.city_id = obj.county.parent_id  # the city always follows the county
        super().save_model(request, obj, form, change)


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "province_administered")
    list_filter = ("level", "kind", "province_administered")
    search_fields = ("code", "name")


@admin.register(Industry)
class IndustryAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Cluster)
class ClusterAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "source_list", "verified")
    list_filter = ("verified", "source_list")
    filter_horizontal = ("industries",)


@admin.register(Chain)
class ChainAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "cluster", "verified")
    list_filter = ("verified",)
    filter_horizontal = ("industries",)


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "kind", "rank")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "created_by", "created_at", "status", "accepted", "rejected")
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
