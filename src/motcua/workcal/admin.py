from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.workcal.models import CalendarOverride


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
        obj.entered_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
