from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from motcua.org.models import User
from motcua.workcal.models import CalendarOverride
from motcua.workcal.services import calendar_override_delete, calendar_override_save


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin[CalendarOverride]):
    list_display = (
        "day",
        "is_working_day",
        "reason",
        "decision_number",
        "decision_date",
        "entered_by",
    )
    list_filter = ("is_working_day",)
    search_fields = ("reason", "decision_number")
    readonly_fields = ("entered_by", "entered_at")
    date_hierarchy = "day"

    def save_model(
        self, request: HttpRequest, obj: CalendarOverride, form: Any, change: bool
    ) -> None:
        calendar_override_save(actor=_user(request), override=obj)

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        calendar_override_delete(actor=_user(request), override=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarOverride]) -> None:
        for obj in queryset:
            calendar_override_delete(actor=_user(request), override=obj)


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
