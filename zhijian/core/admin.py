"""Django admin for the bootstrap superuser; day-to-day administration uses the platform pages.

Changes made here are audited by the same model signals as everywhere else.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, Role, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    readonly_fields = ("path",)
    filter_horizontal = ("streets",)

    def save_model(self, request, obj, form, change):
        from .services import save_unit

        save_unit(obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "unit", "is_active", "must_change_password")
    list_filter = ("is_active", "groups", "unit__kind")
    search_fields = ("username", "full_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "unit", "mobile", "id_number", "badge_number")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("密码"), {"fields": ("must_change_password", "password_changed_at")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "unit", "password1", "password2")}),
    )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True
        super().save_model(request, obj, form, change)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "description")
    readonly_fields = ("code",)
    filter_horizontal = ("permissions",)
