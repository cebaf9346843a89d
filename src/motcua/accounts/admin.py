"""Citizen accounts in the admin: read-only (changes go through the account pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.accounts.models import AccountIdentity, CitizenAccount


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CitizenAccount)
class CitizenAccountAdmin(_ReadOnly):
    list_display = ("user", "consent_at", "verified_at", "created_at")
    search_fields = ("user__username", "user__full_name")


@admin.register(AccountIdentity)
class AccountIdentityAdmin(_ReadOnly):
    list_display = ("user", "provider", "assurance_level", "first_login_at", "last_login_at")
    list_filter = ("provider", "assurance_level")
    search_fields = ("user__username",)
