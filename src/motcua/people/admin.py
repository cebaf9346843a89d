from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from motcua.core.services import audit_record
from motcua.people.models import AgentConsent, CitizenProfile, Mandate, ServiceAgent


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
    """Read-only: a citizen gives and revokes mandates on the portal (audited there)."""

    list_display = ("grantor", "grantee", "scope", "valid_from", "valid_to", "revoked_at")
    list_filter = ("scope",)
    raw_id_fields = ("grantor", "grantee")
    filter_horizontal = ("procedures", "sectors")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Mandate | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Mandate | None = None) -> bool:
        return False


@admin.register(ServiceAgent)
class ServiceAgentAdmin(admin.ModelAdmin[ServiceAgent]):
    list_display = ("name", "tax_code", "is_active")
    filter_horizontal = ("accounts",)


@admin.register(AgentConsent)
class AgentConsentAdmin(admin.ModelAdmin[AgentConsent]):
    """Read-only record of applicants' consents to agents; the code's hash is never shown."""

    list_display = ("agent", "procedure", "created_at", "confirmed_at", "used_by")
    list_filter = ("agent",)
    fields = (
        "agent",
        "requested_by",
        "applicant",
        "procedure",
        "sent_to",
        "created_at",
        "expires_at",
        "attempts",
        "confirmed_at",
        "used_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AgentConsent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AgentConsent | None = None) -> bool:
        return False
