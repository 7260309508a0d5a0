"""The audit log in Django's admin: read-only for everybody, superusers included."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditRecord, action_choices


class ActionListFilter(admin.SimpleListFilter):
    title = _("操作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return action_choices()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = (
        "seq",
        "created_at",
        "actor_username",
        "unit_code",
        "ip",
        "channel",
        "action_label",
        "object_type",
        "object_repr",
    )
    list_filter = (ActionListFilter, "channel")
    search_fields = ("=actor_username", "=object_id", "object_repr")
    date_hierarchy = None
    ordering = ("-seq",)
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditRecord._meta.fields]
    fields = readonly_fields

    @admin.display(description=_("操作"))
    def action_label(self, record):
        return record.action_label

    def get_queryset(self, request):
        return AuditRecord.objects.visible_to(request.user).select_related("unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
