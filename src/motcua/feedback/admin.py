"""Admin: routing rules are edited here; reports are read-only (changes go through services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.feedback.models import Answer, Report, ReportPhoto, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    list_display = ("category", "commune", "agency", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("commune__name", "commune__code", "agency__name", "agency__code")
    autocomplete_fields = ("commune", "agency")


class _ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(_ReadOnly):
    list_display = ("__str__", "category", "commune", "status", "level", "agency", "submitted_at")
    list_filter = ("status", "level", "category")
    search_fields = ("text_folded", "address")
    date_hierarchy = "submitted_at"
    exclude = ("contact_phone", "contact_email", "contact_name")


@admin.register(Answer)
class AnswerAdmin(_ReadOnly):
    list_display = ("report", "agency", "at")


@admin.register(ReportPhoto)
class ReportPhotoAdmin(_ReadOnly):
    list_display = ("report", "content_type", "size", "uploaded_at")
