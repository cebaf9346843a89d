from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from motcua.org.models import AdministrativeUnit, Agency, ServicePoint, User


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin[AdministrativeUnit]):
    list_display = ("code", "name", "kind", "parent", "valid_from")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ("code", "name", "kind", "level", "code_source", "is_active")
    list_filter = ("kind", "level", "code_source", "is_active")
    search_fields = ("code", "name", "short_name")
    raw_id_fields = ("parent", "administrative_unit")


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin[ServicePoint]):
    list_display = ("code", "name", "kind", "agency", "saturday_reception", "is_active")
    list_filter = ("kind", "saturday_reception", "is_active")
    search_fields = ("code", "name", "address")
    list_select_related = ("agency",)
    raw_id_fields = ("agency", "parent", "administrative_unit")


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ("username", "full_name", "agency", "service_point", "is_demo", "is_active")
    list_filter = ("groups", "is_demo", "is_active", "is_staff")
    search_fields = ("username", "full_name", "email")
    list_select_related = ("agency", "service_point")
    raw_id_fields = ("agency", "service_point")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Work"), {"fields": ("full_name", "phone", "agency", "service_point", "is_demo")}),
    )
