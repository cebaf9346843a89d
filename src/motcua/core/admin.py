from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from motcua.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """The audit trail is read-only, for everyone."""

    list_display = ("at", "action", "actor", "object_type", "object_id", "purpose")
    list_filter = ("action",)
    search_fields = ("action", "object_id", "actor__username")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
