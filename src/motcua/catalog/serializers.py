"""Output serializers of the public procedure catalogue (``/api/v1/procedures/``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from motcua.catalog.models import (
    Fee,
    Level,
    OnlineLevel,
    ProcedureVersion,
    RequiredDocument,
    Sector,
    TimeLimitUnit,
)
from motcua.org.models import Agency

__all__ = ["ProcedureDetailSerializer", "ProcedureSerializer"]


class SectorSerializer(serializers.ModelSerializer[Sector]):
    class Meta:
        model = Sector
        fields = ["code", "name"]
        ref_name = "ProcedureSector"


class AgencySerializer(serializers.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["code", "name"]
        ref_name = "ProcedureAgency"


class TimeLimitSerializer(serializers.Serializer[Any]):
    value = serializers.IntegerField(
        allow_null=True,
        help_text="Số lượng; trống khi đơn vị là trong ngày / the amount; null for same day.",
    )
    unit = serializers.ChoiceField(choices=TimeLimitUnit.choices)
    text = serializers.CharField(
        help_text="Diễn đạt cho người đọc / for people, e.g. 3 working days."
    )


class FeeSerializer(serializers.ModelSerializer[Fee]):
    class Meta:
        model = Fee
        fields = ["description", "amount"]
        extra_kwargs = {"amount": {"help_text": "Số tiền (đồng); trống khi không cố định."}}
        ref_name = "ProcedureFee"


class RequiredDocumentSerializer(serializers.ModelSerializer[RequiredDocument]):
    class Meta:
        model = RequiredDocument
        fields = ["order", "name", "copy_kind", "count", "is_optional", "note"]
        ref_name = "ProcedureRequiredDocument"


class ProcedureSerializer(serializers.ModelSerializer[ProcedureVersion]):
    """A procedure with the version in force on the day asked for (today by default)."""

    code = serializers.CharField(source="procedure.code", help_text="Mã TTHC / code d.dddddd")
    sector = SectorSerializer()
    levels = serializers.SerializerMethodField()
    competent_agency = AgencySerializer(allow_null=True)
    time_limit = serializers.SerializerMethodField()
    online_level = serializers.SerializerMethodField()
    fees = FeeSerializer(many=True)
    required_documents = RequiredDocumentSerializer(many=True)

    class Meta:
        model = ProcedureVersion
        fields = [
            "code",
            "name",
            "sector",
            "levels",
            "competent_agency",
            "competent_agency_text",
            "time_limit",
            "online_level",
            "effective_from",
            "effective_to",
            "fees",
            "required_documents",
        ]
        ref_name = "Procedure"

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Level.choices)))
    def get_levels(self, version: ProcedureVersion) -> list[str]:
        return version.level_list

    @extend_schema_field(TimeLimitSerializer(allow_null=True))
    def get_time_limit(self, version: ProcedureVersion) -> dict[str, Any] | None:
        if not version.has_time_limit:
            return None
        unit = TimeLimitUnit(version.time_limit_unit)
        value = None if unit == TimeLimitUnit.SAME_DAY else version.time_limit_value
        text = str(unit.label) if value is None else f"{value} {unit.label}"
        return {"value": value, "unit": unit.value, "text": text}

    @extend_schema_field(serializers.ChoiceField(OnlineLevel.choices, allow_null=True))
    def get_online_level(self, version: ProcedureVersion) -> str | None:
        return version.online_level or None


class ProcedureDetailSerializer(ProcedureSerializer):
    """The list's fields plus the texts of the procedure."""

    owner_agency = AgencySerializer(allow_null=True)
    result_type = serializers.SerializerMethodField()

    class Meta(ProcedureSerializer.Meta):
        fields = [
            *ProcedureSerializer.Meta.fields,
            "owner_agency",
            "cutoff_applies",
            "result_type",
            "legal_basis",
            "description",
            "note",
            "source",
        ]
        ref_name = "ProcedureDetail"

    @extend_schema_field(
        serializers.ChoiceField(ProcedureVersion.ResultType.choices, allow_null=True)
    )
    def get_result_type(self, version: ProcedureVersion) -> str | None:
        return version.result_type or None
