from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import (
    Delegation,
    Fee,
    LifeEvent,
    Procedure,
    ProcedureVersion,
    Process,
    ProcessStep,
    RequiredDocument,
    Sector,
)

MISSING = _("not published")


def _missing() -> str:
    return format_html('<span style="color:#8a5a00;font-style:italic">— {} —</span>', MISSING)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin[Sector]):
    list_display = ("name", "code", "owner_agency")
    search_fields = ("name", "code")
    list_select_related = ("owner_agency",)


class VersionInline(admin.TabularInline[ProcedureVersion, Procedure]):
    model = ProcedureVersion
    fields = ("effective_from", "effective_to", "name")
    extra = 0
    show_change_link = True


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin[Procedure]):
    list_display = ("code", "created_at")
    search_fields = ("code", "versions__name")
    inlines = [VersionInline]


class RequiredDocumentInline(admin.TabularInline[RequiredDocument, ProcedureVersion]):
    model = RequiredDocument
    extra = 0


class FeeInline(admin.TabularInline[Fee, ProcedureVersion]):
    model = Fee
    extra = 0


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin[ProcedureVersion]):
    list_display = (
        "procedure",
        "name",
        "sector",
        "levels",
        "time_limit",
        "online_level_shown",
        "effective_from",
    )
    list_filter = ("sector", "time_limit_unit", "online_level", "cutoff_applies")
    search_fields = ("procedure__code", "name", "search_text")
    list_select_related = ("procedure", "sector")
    raw_id_fields = ("procedure", "owner_agency", "competent_agency")
    inlines = [RequiredDocumentInline, FeeInline]

    @admin.display(description=_("time limit"))
    def time_limit(self, obj: ProcedureVersion) -> str:
        if obj.time_limit_unit == "same_day":
            return str(obj.get_time_limit_unit_display())
        if obj.time_limit_value is None:
            return _missing()
        if not obj.time_limit_unit:
            return format_html(
                '{} <span style="color:#8a5a00;font-style:italic">({})</span>',
                obj.time_limit_value,
                _("unit not published"),
            )
        return f"{obj.time_limit_value} {obj.get_time_limit_unit_display()}"

    @admin.display(description=_("online service level"))
    def online_level_shown(self, obj: ProcedureVersion) -> str:
        return str(obj.get_online_level_display()) if obj.online_level else _missing()


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin[Delegation]):
    list_display = ("procedure", "from_agency", "to_agency", "decision_number", "effective_from")
    raw_id_fields = ("procedure", "from_agency", "to_agency")


class ProcessStepInline(admin.TabularInline[ProcessStep, Process]):
    model = ProcessStep
    extra = 0
    raw_id_fields = ("agency",)


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin[Process]):
    list_display = ("name", "version", "agency")
    raw_id_fields = ("version", "agency")
    inlines = [ProcessStepInline]


@admin.register(LifeEvent)
class LifeEventAdmin(admin.ModelAdmin[LifeEvent]):
    list_display = ("name", "slug", "order")
    filter_horizontal = ("procedures",)
    prepopulated_fields = {"slug": ("name",)}
