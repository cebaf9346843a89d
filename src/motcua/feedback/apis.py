"""Report endpoints under ``/api/v1/feedback/``: thin views over the services and selectors.

Public (no sign-in): the list and page of a report (no personal data), duplicate suggestions,
submitting (anonymous with a phone or e-mail when allowed) and following a report. Staff and
reporters: the actions, each checked by the service (who may act, in which status).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import empty
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from motcua.api.idempotency import idempotent
from motcua.api.pagination import CursorPage
from motcua.api.schema import error_responses
from motcua.core.errors import DomainError, ErrorKind
from motcua.feedback import selectors, services
from motcua.feedback.models import Category, Report
from motcua.feedback.throttle import SubmitThrottle
from motcua.org.models import AdministrativeUnit, Agency, User
from motcua.workcal import VN_TZ

PUBLIC_ACTIONS = ("list", "retrieve", "create", "duplicates", "follow")


def _user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise DomainError("not_authenticated", _("Log in first."), kind=ErrorKind.FORBIDDEN)
    return user


def _actor(request: Request) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


class ReportPublicOut(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    text = serializers.CharField()
    commune = serializers.CharField()
    address = serializers.CharField()
    agency = serializers.CharField()
    level = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    merged_into = serializers.IntegerField(allow_null=True)
    photos = serializers.ListField(child=serializers.CharField())
    answer = serializers.DictField(allow_null=True)


class SuggestionOut(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="report.pk")
    text = serializers.CharField(source="report.text")
    status = serializers.CharField(source="report.status")
    distance_m = serializers.FloatField(allow_null=True)
    similarity = serializers.FloatField()
    reason = serializers.CharField()


class ReportSubmitJsonInput(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=Category.choices)
    text = serializers.CharField(max_length=5000)
    commune = serializers.CharField(max_length=10)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    # not nullable: a multipart form cannot send null; leave them out instead
    latitude = serializers.FloatField(required=False)
    longitude = serializers.FloatField(required=False)
    contact_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact_email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    dossier_code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    procedure_code = serializers.CharField(max_length=20, required=False, allow_blank=True)


class ReportSubmitInput(ReportSubmitJsonInput):
    """The multipart form: the same fields and the photos (a JSON body carries no files)."""

    # how many is a rule of the service (MOTCUA_FEEDBACK_MAX_PHOTOS, answered 422)
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, allow_empty=True
    )


class ReportReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class LevelInput(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=Report.Level.choices)


class RouteInput(serializers.Serializer[Any]):
    agency = serializers.CharField(max_length=35)


class AnswerJsonInput(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=5000)


class AnswerInput(AnswerJsonInput):
    """The multipart form: the answer and photos of the result."""

    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, allow_empty=True
    )


class RateInput(serializers.Serializer[Any]):
    satisfied = serializers.BooleanField()


class MergeInput(serializers.Serializer[Any]):
    duplicate = serializers.IntegerField()


class FollowInput(serializers.Serializer[Any]):
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact_email = serializers.CharField(max_length=254, required=False, allow_blank=True)


# A query parameter sent empty (``?commune=``) is refused like any bad value, instead of being
# taken as left out (DRF's default for form data): the schema says it is not empty.


class _QueryChar(serializers.CharField):
    def get_value(self, dictionary: Any) -> Any:
        return dictionary.get(self.field_name, empty)


class _QueryFloat(serializers.FloatField):
    def get_value(self, dictionary: Any) -> Any:
        return dictionary.get(self.field_name, empty)


class DuplicatesQuery(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=Category.choices)
    # query parameters: leave one out rather than send it empty
    commune = _QueryChar(max_length=10, required=False)
    # the start of the text is enough to compare; a longer one would not fit in a URL
    text = _QueryChar(max_length=200, required=False)
    latitude = _QueryFloat(required=False)
    longitude = _QueryFloat(required=False)


class MeasuresQuery(serializers.Serializer[Any]):
    since = serializers.DateField()
    until = serializers.DateField()
    agency = _QueryChar(max_length=35, required=False)


class RepeatOut(serializers.Serializer[Any]):
    agency_code = serializers.CharField()
    commune_code = serializers.CharField()
    reports = serializers.IntegerField()
    repeated = serializers.IntegerField()


class MeasuresOut(serializers.Serializer[Any]):
    received = serializers.IntegerField()
    rejected = serializers.IntegerField()
    handled = serializers.IntegerField()
    on_time = serializers.IntegerField()
    rated = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    handling_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    repeated = RepeatOut(many=True)
    computed_at = serializers.DateTimeField()


def _public(
    report: Report, *, status_code: int = 200, extra: dict[str, Any] | None = None
) -> Response:
    data: dict[str, Any] = dict(ReportPublicOut(selectors.report_public_view(report)).data)
    if extra:
        data.update(extra)
    return Response(data, status=status_code)


def _valid(serializer_cls: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    form = serializer_cls(data=data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def _form_or_json(
    request: Request,
    form: type[serializers.Serializer[Any]],
    json: type[serializers.Serializer[Any]],
) -> type[serializers.Serializer[Any]]:
    """The multipart serializer (with photos) or the JSON one (without), by content type."""
    content_type = (request.content_type or "").lower()
    return form if content_type.startswith("multipart/") else json


def _photos(request: Request) -> list[Any]:
    files = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
    return list(files)


#: The error answers every staff or citizen action on a report may give.
_ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


class ReportViewSet(viewsets.GenericViewSet[Report]):
    """Reports and petitions (phản ánh, kiến nghị)."""

    lookup_value_regex = "[^/]+"  # any text: a non-number is answered 404 by ``_get``
    pagination_class = CursorPage
    ordering = ("-submitted_at", "-id")
    serializer_class = ReportPublicOut  # type: ignore[assignment]
    permission_classes = [IsAuthenticated]

    def get_throttles(self) -> list[BaseThrottle]:
        if getattr(self, "action", None) in ("create", "follow"):
            return [SubmitThrottle()]
        return []

    def get_permissions(self) -> list[BasePermission]:
        # The public actions say AllowAny, so the schema marks their authentication optional;
        # a signed-in caller is still recognised (the reporter of a report, a follower).
        if getattr(self, "action", None) in PUBLIC_ACTIONS:
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Report]:
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        q = self.request.query_params
        return selectors.reports_public(
            commune_code=q.get("commune", ""),
            category=q.get("category", ""),
            status=q.get("status", ""),
        )

    def _get(self, pk: str | int) -> Report:
        key = str(pk)
        report = (
            Report.objects.select_related("commune", "agency").filter(pk=int(key)).first()
            if key.isascii() and key.isdigit() and len(key) <= 18
            else None
        )
        if report is None:
            raise DomainError("feedback.not_found", _("No such report."), kind=ErrorKind.NOT_FOUND)
        return report

    @extend_schema(
        summary="Danh sách phản ánh công khai / public list of reports",
        responses={200: ReportPublicOut(many=True), **error_responses(400)},
    )
    def list(self, request: Request) -> Response:
        qs = self.get_queryset()
        page = self.paginate_queryset(qs)
        rows = page if page is not None else list(qs)
        data = [ReportPublicOut(selectors.report_public_view(r)).data for r in rows]
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        summary="Trang công khai của phản ánh / public page of a report",
        responses={200: ReportPublicOut, **error_responses(404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        report = self._get(pk)
        if report.status == Report.Status.REJECTED and not selectors.is_reporter_of(
            request.user, report
        ):
            raise DomainError("feedback.not_found", _("No such report."), kind=ErrorKind.NOT_FOUND)
        return _public(report)

    @extend_schema(
        summary="Gửi phản ánh / file a report",
        request={
            "multipart/form-data": ReportSubmitInput,
            "application/json": ReportSubmitJsonInput,
        },
        responses={201: ReportPublicOut, **error_responses(400, 403, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        form = _form_or_json(request, ReportSubmitInput, ReportSubmitJsonInput)
        data = _valid(form, request.data)
        photos = _photos(request) or data.get("photos", [])
        report = services.report_submit(
            actor=_actor(request),
            category=data["category"],
            text=data["text"],
            commune_code=data["commune"],
            address=data.get("address", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""),
            contact_email=data.get("contact_email", ""),
            dossier_code=data.get("dossier_code", ""),
            procedure_code=data.get("procedure_code", ""),
            photos=photos,
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        suggestions = selectors.duplicate_suggestions(
            category=report.category,
            commune_id=report.commune_id,
            text=report.text,
            latitude=report.latitude,
            longitude=report.longitude,
            exclude_pk=report.pk,
        )
        return _public(
            report,
            status_code=status.HTTP_201_CREATED,
            extra={"duplicates": SuggestionOut(suggestions, many=True).data},
        )

    @extend_schema(
        summary="Gợi ý phản ánh trùng / open reports that may be the same",
        parameters=[DuplicatesQuery],
        responses={200: SuggestionOut(many=True), **error_responses(400)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def duplicates(self, request: Request) -> Response:
        q = _valid(DuplicatesQuery, request.query_params)
        commune_id = None
        if q.get("commune"):
            unit = AdministrativeUnit.objects.filter(code=q["commune"]).first()
            commune_id = unit.pk if unit else None
        found = selectors.duplicate_suggestions(
            category=q["category"],
            commune_id=commune_id,
            text=q.get("text", ""),
            latitude=q.get("latitude"),
            longitude=q.get("longitude"),
        )
        return Response(SuggestionOut(found, many=True).data)

    @extend_schema(
        summary="Hàng đợi xử lý / the caller's queue (agency staff or dispatcher)",
        responses={200: ReportPublicOut(many=True), **error_responses(401, 403)},
    )
    @action(detail=False, methods=["get"])
    def queue(self, request: Request) -> Response:
        user = _user(request)
        if selectors.is_dispatcher(user):
            qs = selectors.reports_for_dispatcher()
        elif user.is_staff_member:
            qs = selectors.reports_for_agency(user=user)
        else:
            raise DomainError(
                "feedback.not_allowed",
                _("You may not do this on this report."),
                kind=ErrorKind.FORBIDDEN,
            )
        page = self.paginate_queryset(qs)
        rows = page if page is not None else list(qs)
        data = [ReportPublicOut(selectors.report_public_view(r)).data for r in rows]
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        summary="Chỉ số xử lý phản ánh / handling, on-time and satisfaction rates",
        parameters=[MeasuresQuery],
        responses={200: MeasuresOut, **error_responses(400, 401, 403)},
    )
    @action(detail=False, methods=["get"])
    def measures(self, request: Request) -> Response:
        user = _user(request)
        if not selectors.is_dispatcher(user):
            raise DomainError(
                "feedback.not_allowed",
                _("You may not do this on this report."),
                kind=ErrorKind.FORBIDDEN,
            )
        q = _valid(MeasuresQuery, request.query_params)
        agency = None
        if q.get("agency"):
            agency = Agency.objects.filter(code=q["agency"]).first()
            if agency is None:
                raise serializers.ValidationError({"agency": [_("unknown agency code")]})
        since = dt.datetime.combine(q["since"], dt.time(0), tzinfo=VN_TZ)
        until = dt.datetime.combine(q["until"], dt.time(0), tzinfo=VN_TZ) + dt.timedelta(days=1)
        m = selectors.feedback_measures(since=since, until=until, agency=agency)
        return Response(
            MeasuresOut(
                {
                    "received": m.received,
                    "rejected": m.rejected,
                    "handled": m.handled,
                    "on_time": m.on_time,
                    "rated": m.rated,
                    "satisfied": m.satisfied,
                    "handling_rate": m.handling_rate,
                    "on_time_rate": m.on_time_rate,
                    "satisfaction_rate": m.satisfaction_rate,
                    "repeated": m.repeat_rows,
                    "computed_at": timezone.now(),
                }
            ).data
        )

    # --- actions on one report ----------------------------------------------------------

    @extend_schema(
        summary="Điều phối cho cơ quan / dispatcher routes to an agency",
        request=RouteInput,
        responses={200: ReportPublicOut, **_ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def route(self, request: Request, pk: str) -> Response:
        data = _valid(RouteInput, request.data)
        report = services.report_route(
            report=self._get(pk), actor=_user(request), agency_code=data["agency"]
        )
        return _public(report)

    @extend_schema(
        summary="Tiếp nhận và phân loại / accept with a level",
        request=LevelInput,
        responses={200: ReportPublicOut, **_ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request: Request, pk: str) -> Response:
        data = _valid(LevelInput, request.data)
        report = services.report_accept(
            report=self._get(pk), actor=_user(request), level=data["level"]
        )
        return _public(report)

    @extend_schema(
        summary="Đổi mức độ / change the level",
        request=LevelInput,
        responses={200: ReportPublicOut, **_ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="set-level", url_name="set-level")
    @idempotent
    def set_level(self, request: Request, pk: str) -> Response:
        data = _valid(LevelInput, request.data)
        report = services.report_set_level(
            report=self._get(pk), actor=_user(request), level=data["level"]
        )
        return _public(report)

    @extend_schema(
        summary="Trả lại điều phối / return to the dispatcher",
        request=ReportReasonInput,
        responses={200: ReportPublicOut, **_ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    @idempotent
    def return_to_dispatcher(self, request: Request, pk: str) -> Response:
        data = _valid(ReportReasonInput, request.data)
        report = services.report_return(
            report=self._get(pk), actor=_user(request), reason=data["reason"]
        )
        return _public(report)

    @extend_schema(
        summary="Từ chối / reject with a reason",
        request=ReportReasonInput,
        responses={200: ReportPublicOut, **_ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request: Request, pk: str) -> Response:
        data = _valid(ReportReasonInput, request.data)
        report = services.report_reject(
            report=self._get(pk), actor=_user(request), reason=data["reason"]
        )
        return Response({"id": report.pk, "status": report.status})

    @extend_schema(
        summary="Trả lời công khai / answer publicly",
        request={"multipart/form-data": AnswerInput, "application/json": AnswerJsonInput},
        responses={200: ReportPublicOut, **_ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def answer(self, request: Request, pk: str) -> Response:
        data = _valid(_form_or_json(request, AnswerInput, AnswerJsonInput), request.data)
        report = self._get(pk)
        services.report_answer(
            report=report,
            actor=_user(request),
            text=data["text"],
            photos=_photos(request) or data.get("photos", []),
        )
        return _public(self._get(pk))

    @extend_schema(
        summary="Đánh giá câu trả lời / rate the answer",
        request=RateInput,
        responses={200: ReportPublicOut, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def rate(self, request: Request, pk: str) -> Response:
        data = _valid(RateInput, request.data)
        report = services.report_rate(
            report=self._get(pk), actor=_user(request), satisfied=data["satisfied"]
        )
        return _public(report, extra={"satisfied": report.satisfied})

    @extend_schema(
        summary="Mở lại (một lần) / reopen once",
        request=None,
        responses={200: ReportPublicOut, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request: Request, pk: str) -> Response:
        root = services.report_reopen(report=self._get(pk), actor=_user(request))
        return _public(root)

    @extend_schema(
        summary="Gộp phản ánh trùng / merge a duplicate into this report",
        request=MergeInput,
        responses={200: ReportPublicOut, **_ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def merge(self, request: Request, pk: str) -> Response:
        data = _valid(MergeInput, request.data)
        duplicate = services.report_merge(
            primary=self._get(pk), duplicate=self._get(data["duplicate"]), actor=_user(request)
        )
        return _public(duplicate)

    @extend_schema(
        summary="Theo dõi phản ánh đã có / add myself to an existing report",
        request=FollowInput,
        responses={201: ReportPublicOut, **error_responses(400, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def follow(self, request: Request, pk: str) -> Response:
        data = _valid(FollowInput, request.data)
        follower = services.report_follow(
            report=self._get(pk),
            actor=_actor(request),
            contact_phone=data.get("contact_phone", ""),
            contact_email=data.get("contact_email", ""),
        )
        return _public(follower.report, status_code=status.HTTP_201_CREATED)
