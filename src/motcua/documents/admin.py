from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from motcua.documents.models import GeneratedDocument


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin[GeneratedDocument]):
    """Generated documents are append-only: read-only in the admin, for everyone."""

    list_display = ("created_at", "form", "dossier", "agency", "created_by", "sha256")
    list_filter = ("form", "development_certificate")
    search_fields = ("dossier__code", "sha256")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
