"""Public REST endpoints of the procedure catalogue: no sign-in needed (public data)."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.api.filters import ChoiceFilter
from motcua.api.schema import error_responses
from motcua.catalog import selectors
from motcua.catalog.models import PROCEDURE_CODE_RE, Level, OnlineLevel, ProcedureVersion
from motcua.catalog.serializers import ProcedureDetailSerializer, ProcedureSerializer

__all__ = ["ProcedureDetailApi", "ProcedureFilter", "ProcedureListApi"]

Q_MAX_LENGTH = 200


def _versions() -> QuerySet[ProcedureVersion]:
    """Versions in force today with what the serializers read, in one query plus two."""
    return (
        selectors.versions_in_force()
        .annotate(procedure_code=F("procedure__code"))
        .prefetch_related("fees", "required_documents")
    )


class ProcedureFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=Q_MAX_LENGTH,
        label=(
            "Tìm theo tên hoặc mã, không phân biệt dấu; mọi từ phải có mặt / search the name or "
            "the code, accents ignored; every word must appear (`dang ky khai sinh`)."
        ),
    )
    sector = django_filters.CharFilter(
        field_name="sector__code",
        max_length=100,
        label="Mã lĩnh vực / sector code (`ho-tich`).",
    )
    level = ChoiceFilter(
        choices=Level.choices,
        method="filter_level",
        label="Cấp thực hiện / a level that carries out the procedure.",
    )
    online_level = ChoiceFilter(
        choices=OnlineLevel.choices,
        label="Mức độ dịch vụ công trực tuyến / online service level.",
    )

    class Meta:
        model = ProcedureVersion
        fields: list[str] = []

    def filter_q(
        self, queryset: QuerySet[ProcedureVersion], name: str, value: str
    ) -> QuerySet[ProcedureVersion]:
        found = selectors.versions_search(query=value).values("pk")
        return queryset.filter(pk__in=found)

    def filter_level(
        self, queryset: QuerySet[ProcedureVersion], name: str, value: str
    ) -> QuerySet[ProcedureVersion]:
        # ``levels`` holds the levels separated by ';' ("ministry;city").
        return queryset.filter(
            Q(levels=value)
            | Q(levels__startswith=f"{value};")
            | Q(levels__endswith=f";{value}")
            | Q(levels__contains=f";{value};")
        )


_EXAMPLE_BIRTH = {
    "code": "1.001193",
    "name": "Thủ tục đăng ký khai sinh",
    "sector": {"code": "ho-tich", "name": "Hộ tịch"},
    "levels": ["commune"],
    "competent_agency": None,
    "competent_agency_text": "Ủy ban nhân dân cấp xã",
    "time_limit": {"value": None, "unit": "same_day", "text": "trong ngày"},
    "online_level": "full",
    "effective_from": "2025-07-01",
    "effective_to": None,
    "fees": [{"description": "Miễn lệ phí (đăng ký đúng hạn)", "amount": None}],
    "required_documents": [
        {
            "order": 1,
            "name": "Tờ khai đăng ký khai sinh",
            "copy_kind": "original",
            "count": 1,
            "is_optional": False,
            "note": "",
        }
    ],
}
_EXAMPLE_RECORD = {
    "code": "3.000333",
    "name": "Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam",
    "sector": {"code": "ly-lich-tu-phap", "name": "Lý lịch tư pháp"},
    "levels": ["city"],
    "competent_agency": {"code": "H26.02", "name": "Sở Tư pháp"},
    "competent_agency_text": "Công an tỉnh",
    "time_limit": {"value": 10, "unit": "days", "text": "10 calendar days"},
    "online_level": "partial",
    "effective_from": "2025-07-01",
    "effective_to": None,
    "fees": [{"description": "Lệ phí cấp Phiếu lý lịch tư pháp", "amount": 200000}],
    "required_documents": [],
}
_LIST_EXAMPLES = [
    OpenApiExample(
        "procedure-vi",
        summary="Đăng ký khai sinh (nhãn tiếng Việt: Accept-Language: vi)",
        value=_EXAMPLE_BIRTH,
        response_only=True,
    ),
    OpenApiExample(
        "procedure-en",
        summary="Judicial record certificate (English labels: Accept-Language: en)",
        value=_EXAMPLE_RECORD,
        response_only=True,
    ),
]


@extend_schema(
    tags=["procedures"],
    summary="Danh sách thủ tục đang có hiệu lực / procedures in force",
    description=(
        "Các thủ tục hành chính với phiên bản có hiệu lực hôm nay: lĩnh vực, cấp thực hiện, cơ "
        "quan có thẩm quyền, thời hạn, mức độ trực tuyến, phí và thành phần hồ sơ. Không cần "
        "đăng nhập. Sắp xếp theo mã; phân trang bằng con trỏ. / The administrative procedures "
        "with the version in force today: sector, levels, competent agency, time limit, online "
        "level, fees and required documents. No sign-in needed. Ordered by code; cursor pages."
    ),
    parameters=[
        OpenApiParameter(
            "q",
            {"type": "string", "maxLength": Q_MAX_LENGTH},
            description=(
                "Tìm theo tên hoặc mã, không phân biệt dấu / search the name or code, accents "
                "ignored (`dang ky khai sinh` finds `Đăng ký khai sinh`)."
            ),
            examples=[OpenApiExample("q", value="dang ky khai sinh")],
        ),
    ],
    examples=_LIST_EXAMPLES,
)
class ProcedureListApi(generics.ListAPIView[ProcedureVersion]):
    """``GET /api/v1/procedures/``."""

    permission_classes = [permissions.AllowAny]
    serializer_class = ProcedureSerializer
    filterset_class = ProcedureFilter
    ordering = ("procedure_code",)

    def get_queryset(self) -> QuerySet[ProcedureVersion]:
        return _versions()


@extend_schema(
    tags=["procedures"],
    summary="Một thủ tục / one procedure",
    description=(
        "Thủ tục với phiên bản có hiệu lực hôm nay, kèm căn cứ pháp lý và mô tả. Mã không có "
        "hoặc sai dạng: 404. Không cần đăng nhập. / The procedure with the version in force "
        "today, with its legal basis and description. Unknown or malformed code: 404. No "
        "sign-in needed."
    ),
    parameters=[
        OpenApiParameter(
            "code",
            str,
            OpenApiParameter.PATH,
            description="Mã TTHC trên CSDL quốc gia / national procedure code (`d.dddddd`).",
            pattern=PROCEDURE_CODE_RE,
            examples=[OpenApiExample("code", value="1.001193")],
        )
    ],
    responses={200: ProcedureDetailSerializer, **error_responses(404)},
    examples=_LIST_EXAMPLES,
)
class ProcedureDetailApi(APIView):
    """``GET /api/v1/procedures/{code}/``."""

    permission_classes = [permissions.AllowAny]

    def get(self, request: Request, code: str) -> Response:
        version = None
        if re.fullmatch(PROCEDURE_CODE_RE, code):
            version = _versions().filter(procedure__code=code).first()
        if version is None:
            raise NotFound(_("There is no procedure with this code in force today."))
        return Response(ProcedureDetailSerializer(version).data)

    def get_serializer(self, *args: Any, **kwargs: Any) -> ProcedureDetailSerializer:
        # For the browsable renderers and schema tools that ask a view for its serializer.
        return ProcedureDetailSerializer(*args, **kwargs)
