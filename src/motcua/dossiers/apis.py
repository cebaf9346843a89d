"""Dossier endpoints under ``/api/v1/``: thin views over the services and selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import django_filters
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from motcua.api.filters import ChoiceFilter, DateFilter
from motcua.api.idempotency import idempotent
from motcua.api.pagination import CursorPage
from motcua.api.schema import error_responses
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.models import AuditEvent
from motcua.core.services import audit_record
from motcua.dossiers import selectors, services
from motcua.dossiers.models import (
    Channel,
    Dossier,
    DossierStep,
    Handover,
    ReturnMethod,
    SubmitterKind,
)
from motcua.dossiers.serializers import (
    ACTION_INPUTS,
    DossierDetail,
    DossierSummary,
    LookupOut,
    SubmitInput,
    lookup_row_data,
    summary_data,
)
from motcua.dossiers.states import Action, NationalStatus, State
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from motcua.people.services import citizen_profile_register, profile_by_identifier


class DossierFilter(django_filters.FilterSet):
    status = ChoiceFilter(
        choices=[(str(v), label) for v, label in NationalStatus.choices],
        method="filter_status",
        label=_("national status 1–10"),
    )
    state = ChoiceFilter(field_name="state", choices=State.choices, label=_("internal state"))
    procedure = django_filters.CharFilter(
        field_name="procedure_version__procedure__code", label=_("procedure code")
    )
    agency = django_filters.CharFilter(method="filter_agency", label=_("agency code"))
    service_point = django_filters.CharFilter(
        field_name="reception_point__code", label=_("service point code")
    )
    overdue = ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_overdue",
        label=_("overdue"),
    )
    # Hà Nội days as instant ranges (selectors.local_day_start)
    received_from = DateFilter(method="filter_received_from", label=_("received on or after"))
    received_to = DateFilter(method="filter_received_to", label=_("received on or before"))

    class Meta:
        model = Dossier
        fields: list[str] = []

    def filter_status(self, qs: QuerySet[Dossier], name: str, value: str) -> QuerySet[Dossier]:
        return qs.filter(national_status=int(value))

    def filter_agency(self, qs: QuerySet[Dossier], name: str, value: str) -> QuerySet[Dossier]:
        return qs.filter(
            Q(receiving_agency__code=value)
            | Q(competent_agency__code=value)
            | Q(current_agency__code=value)
        )

    def filter_received_from(
        self, qs: QuerySet[Dossier], name: str, value: dt.date
    ) -> QuerySet[Dossier]:
        return qs.filter(received_at__gte=selectors.local_day_start(value))

    def filter_received_to(
        self, qs: QuerySet[Dossier], name: str, value: dt.date
    ) -> QuerySet[Dossier]:
        end = selectors.local_day_start(value + dt.timedelta(days=1))
        # a dossier is received at or after its submission (a transition's instant is never
        # before the last event): the bound on submitted_at says nothing new, but it lets the
        # list's index (newest submission first) start at the period's end, not at today
        return qs.filter(received_at__lt=end, submitted_at__lt=end)

    def filter_overdue(self, qs: QuerySet[Dossier], name: str, value: str) -> QuerySet[Dossier]:
        return selectors.overdue_filter(qs, overdue=value == "true")


def _user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise DomainError("not_authenticated", _("Log in first."), kind=ErrorKind.FORBIDDEN)
    return user


def _agency(code: str | None, field: str) -> Agency | None:
    if not code:
        return None
    agency = Agency.objects.filter(code=code, is_active=True).first()
    if agency is None:
        raise DomainError(
            "agency.unknown",
            _("No active agency has this code."),
            kind=ErrorKind.INVALID,
            fields={field: _("unknown agency code")},
        )
    return agency


def _detail_queryset() -> QuerySet[Dossier]:
    return Dossier.objects.prefetch_related(
        Prefetch("steps", queryset=DossierStep.objects.select_related("agency")),
        Prefetch(
            "handovers",
            queryset=Handover.objects.select_related("from_user", "from_agency", "to_agency"),
        ),
        "pauses",
        "supplement_requests",
        "appointment_changes",
        "refusals",
    )


def _detail(request: Request, dossier: Dossier, *, status_code: int = 200) -> Response:
    user = _user(request)
    dossier = (
        _detail_queryset()
        .select_related(
            "procedure_version__procedure",
            "applicant",
            "receiving_agency",
            "competent_agency",
            "current_agency",
            "reception_point",
            "current_step",
        )
        .get(pk=dossier.pk)
    )
    context: dict[str, Any] = {"request": request}
    if user.is_staff_member:
        context["audit"] = list(
            AuditEvent.objects.filter(object_type="dossiers.dossier", object_id=str(dossier.pk))
            .select_related("actor")
            .order_by("at", "id")
        )
    return Response(DossierDetail(dossier, context=context).data, status=status_code)


_SUBMIT_EXAMPLES = [
    OpenApiExample(
        "Nộp trực tuyến / online submission",
        value={
            "procedure": "1.001193",
            "competent_agency": "H26.00004",
            "subject": "Đăng ký khai sinh cho con",
        },
        request_only=True,
        description=_("A citizen submits for themself. / Công dân tự nộp."),
    ),
    OpenApiExample(
        "Tiếp nhận tại quầy / counter intake",
        value={
            "procedure": "2.000635",
            "applicant_id": "001090123456",
            "channel": 1,
            "return_method": "counter",
        },
        request_only=True,
    ),
]


class DossierViewSet(viewsets.GenericViewSet[Dossier]):
    """Dossiers (hồ sơ): list, read, create and move through the lifecycle."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    pagination_class = CursorPage
    filterset_class = DossierFilter
    ordering = ("-submitted_at", "-id")
    serializer_class = DossierSummary

    def get_queryset(self) -> QuerySet[Dossier]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Dossier.objects.none()
        return selectors.dossier_list(user=_user(self.request)).order_by("-submitted_at", "-id")

    @extend_schema(
        summary="Danh sách hồ sơ / list dossiers",
        responses={200: DossierSummary(many=True), **error_responses(400, 401, 403)},
    )
    def list(self, request: Request) -> Response:
        # rows, not model instances: the same items as DossierSummary, several times faster
        qs = self.get_queryset()
        # the filter set is built (a deep copy of its filters) only when a filter is asked for:
        # it ignores every other parameter anyway
        if any(name in request.query_params for name in DossierFilter.base_filters):
            qs = self.filter_queryset(qs)
        rows = selectors.dossier_summary_rows(qs)
        page = self.paginate_queryset(rows)
        if page is None:  # pragma: no cover - the view always paginates (CursorPage)
            return Response(summary_data(selectors.summary_codes_add(rows)))
        return self.get_paginated_response(summary_data(selectors.summary_codes_add(page)))

    @extend_schema(
        summary="Chi tiết hồ sơ / one dossier",
        description=_(
            "With the process, hand-overs (form 05), pauses, appointment history; the audit "
            "trail for staff."
        ),
        responses={200: DossierDetail, **error_responses(401, 403, 404)},
    )
    def retrieve(self, request: Request, code: str) -> Response:
        user = _user(request)
        dossier = selectors.dossier_get(user=user, identifier=code)
        if user.is_staff_member:
            with transaction.atomic():
                audit_record(
                    action="dossier.viewed",
                    actor=user,
                    obj=dossier,
                    purpose="dossier handling",
                    ip_address=request.META.get("REMOTE_ADDR"),
                )
        return _detail(request, dossier)

    @extend_schema(
        summary=(
            "Nộp hồ sơ trực tuyến hoặc tiếp nhận tại quầy / submit online or take in at the counter"
        ),
        request=SubmitInput,
        examples=_SUBMIT_EXAMPLES,
        responses={201: DossierDetail, **error_responses(400, 401, 403, 409, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        user = _user(request)
        form = SubmitInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if user.has_role(Role.RECEIVER) and user.service_point_id is not None:
            applicant = (
                profile_by_identifier(data["applicant_id"]) if data.get("applicant_id") else None
            )
            with transaction.atomic():
                if applicant is None:
                    if not data.get("applicant_id"):
                        raise DomainError(
                            "dossier.applicant_required",
                            _("Say who the applicant is."),
                            kind=ErrorKind.INVALID,
                            fields={"applicant_id": _("required")},
                        )
                    applicant = citizen_profile_register(
                        actor=user,
                        identifier=data["applicant_id"],
                        full_name=data.get("submitter_name", ""),
                    )
                dossier = services.dossier_intake(
                    actor=user,
                    procedure_code=data["procedure"],
                    applicant=applicant,
                    competent_agency=_agency(data.get("competent_agency"), "competent_agency"),
                    subject=data.get("subject", ""),
                    channel=data.get("channel", Channel.DIRECT),
                    submitter_kind=data.get("submitter_kind", SubmitterKind.SELF),
                    submitter_name=data.get("submitter_name", ""),
                    return_method=data.get("return_method", ReturnMethod.COUNTER),
                )
        else:
            # the service resolves the number after checking the actor's right to use it, so
            # the answer never tells whether a number is registered
            dossier = services.dossier_submit(
                actor=user,
                procedure_code=data["procedure"],
                applicant_identifier=data.get("applicant_id") or None,
                competent_agency=_agency(data.get("competent_agency"), "competent_agency"),
                receiving_agency=_agency(data.get("receiving_agency"), "receiving_agency"),
                subject=data.get("subject", ""),
                return_method=data.get("return_method", ReturnMethod.ELECTRONIC),
                applicant_consent=data.get("applicant_consent", False),
            )
        return _detail(request, dossier, status_code=status.HTTP_201_CREATED)


_ACTION_DOCS: dict[Action, str] = {
    Action.RECEIVE: "Tiếp nhận (cấp mã, tính ngày hẹn) / receive: code, clock, appointment",
    Action.REQUEST_SUPPLEMENT: "Yêu cầu bổ sung (mẫu 02) / request a supplement (form 02)",
    Action.SUPPLEMENT: "Nộp bổ sung / the supplement arrives",
    Action.REFUSE: "Từ chối (mẫu 03) / refuse (form 03)",
    Action.FORWARD: "Chuyển bước tiếp theo / forward to the next step",
    Action.RETURN_STEP: "Trả về bước trước / return to the previous step",
    Action.APPROVE: "Phê duyệt / approve",
    Action.PAUSE: "Tạm dừng (nghĩa vụ tài chính...) / pause the clock",
    Action.RESUME: "Tiếp tục / resume",
    Action.APOLOGIZE: "Xin lỗi, hẹn lại (mẫu 04) / apology with a new appointment (form 04)",
    Action.WITHDRAW: "Rút hồ sơ / withdraw (citizen asks, staff confirm)",
    Action.STOP: "Dừng xử lý / stop processing",
    Action.FINISH: "Đã có kết quả / result ready",
    Action.RETURN_RESULT: "Trả kết quả / return the result",
}


def _make_transition(act: Action) -> Callable[..., Response]:
    input_cls = ACTION_INPUTS[act]
    service = services.TRANSITION_FUNCTIONS[act]

    def handler(self: DossierViewSet, request: Request, code: str) -> Response:
        user = _user(request)
        form = input_cls(data=request.data)
        form.is_valid(raise_exception=True)
        dossier = selectors.dossier_get(user=user, identifier=code)
        kwargs = {k: v for k, v in form.validated_data.items() if v is not None or k == "confirm"}
        dossier = service(dossier=dossier, actor=user, **kwargs)
        return _detail(request, dossier)

    handler.__name__ = act.value.replace("-", "_")
    handler.__doc__ = _ACTION_DOCS[act]
    wrapped = idempotent(handler)
    routed = action(detail=True, methods=["post"], url_path=act.value, url_name=act.value)(wrapped)
    return extend_schema(
        summary=_ACTION_DOCS[act],
        request=input_cls,
        responses={200: DossierDetail, **error_responses(400, 401, 403, 404, 409, 422)},
        operation_id=f"dossiers_{act.value.replace('-', '_')}",
    )(routed)


for _act in services.TRANSITION_FUNCTIONS:
    setattr(DossierViewSet, _act.value.replace("-", "_"), _make_transition(_act))


class LookupView(APIView):
    """Public progress lookup: code + last 4 digits of the applicant's identity number."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "lookup"

    @extend_schema(
        summary="Tra cứu tiến độ hồ sơ / progress lookup",
        parameters=[
            OpenApiParameter(
                "id_last4",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                pattern=r"^\d{4}$",
                description=_("Last 4 digits of the applicant's identity number or tax code."),
            )
        ],
        responses={200: LookupOut, **error_responses(400, 404, 429)},
        examples=[
            OpenApiExample(
                "Đang xử lý / being processed",
                value={
                    "code": "H26.30-261121-0001",
                    "procedure": "2.000635",
                    "procedure_name": "Cấp bản sao trích lục hộ tịch",
                    "national_status": 4,
                    "state": "processing",
                    "state_label": "đang xử lý",
                    "received_at": "2026-11-21T02:00:00Z",
                    "appointment_at": "2026-11-21T10:00:00Z",
                    "current_agency": "Sở Tư pháp thành phố Hà Nội",
                    "finished_at": None,
                    "returned_at": None,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, code: str) -> Response:
        last4 = request.query_params.get("id_last4", "")
        if len(last4) != 4 or not last4.isdigit():
            raise serializers.ValidationError(
                {"id_last4": [_("Give the last 4 digits of the identity number.")]}
            )
        row = selectors.lookup_public_row(code=code, id_last4=last4)
        return Response(lookup_row_data(row))
