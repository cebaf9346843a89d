from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from motcua.core.services import audit_record
from motcua.people.models import CitizenProfile, Mandate, ServiceAgent


@admin.register(CitizenProfile)
class CitizenProfileAdmin(admin.ModelAdmin[CitizenProfile]):
    """The list shows no identity numbers; opening a profile (which shows them) is audited."""

    list_display = ("full_name", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("full_name", "=personal_id", "=tax_code")
    raw_id_fields = ("user", "administrative_unit")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                action="people.profile_viewed",
                actor=request.user,
                obj=self.get_object(request, object_id),
                purpose="admin",
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        return response


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin[Mandate]):
    list_display = ("grantor", "grantee", "scope", "valid_from", "valid_to", "revoked_at")
    raw_id_fields = ("grantor", "grantee")


@admin.register(ServiceAgent)
class ServiceAgentAdmin(admin.ModelAdmin[ServiceAgent]):
    list_display = ("name", "tax_code", "is_active")
    filter_horizontal = ("accounts",)
