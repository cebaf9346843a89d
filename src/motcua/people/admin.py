from __future__ import annotations

from django.contrib import admin

from motcua.people.models import CitizenProfile, Mandate, ServiceAgent


@admin.register(CitizenProfile)
class CitizenProfileAdmin(admin.ModelAdmin[CitizenProfile]):
    list_display = ("full_name", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("full_name", "=personal_id", "=tax_code")
    raw_id_fields = ("user", "administrative_unit")


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin[Mandate]):
    list_display = ("grantor", "grantee", "scope", "valid_from", "valid_to", "revoked_at")
    raw_id_fields = ("grantor", "grantee")


@admin.register(ServiceAgent)
class ServiceAgentAdmin(admin.ModelAdmin[ServiceAgent]):
    list_display = ("name", "tax_code", "is_active")
    filter_horizontal = ("accounts",)
