"""A test URLconf: the real API plus tiny DRF views that fail in each way the API can fail.

Used with ``@pytest.mark.urls("tests.api.urls")``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import Group
from django.http import Http404
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.api.idempotency import idempotent
from motcua.core.errors import DomainError, ErrorKind

EFFECT_PREFIX = "effect-"


class AddressInput(serializers.Serializer[Any]):
    street = serializers.CharField(max_length=10)


class ItemInput(serializers.Serializer[Any]):
    name = serializers.CharField()


class EchoInput(serializers.Serializer[Any]):
    name = serializers.CharField()
    age = serializers.IntegerField(min_value=0)
    address = AddressInput()
    items = ItemInput(many=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["name"] == "nobody":
            raise serializers.ValidationError(_("Some fields are not valid."))
        return attrs


class EchoView(APIView):
    """Validates a nested body; GET only otherwise (405 for the rest)."""

    permission_classes = [permissions.AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        form = EchoInput(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(form.validated_data)


class PrivateView(APIView):
    def get(self, request: Request) -> Response:
        return Response({"user": request.user.get_username()})


class NobodyMay(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return False


class ForbiddenView(APIView):
    permission_classes = [NobodyMay]

    def get(self, request: Request) -> Response:  # pragma: no cover - never reached
        return Response({})


class DomainErrorView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request, kind: str) -> Response:
        raise DomainError(
            "dossier.illegal_transition" if kind == "conflict" else f"test.{kind}",
            _("Some fields are not valid."),
            kind=ErrorKind(kind),
            fields={"status": _("Some fields are not valid.")} if kind == "invalid" else None,
        )


class Http404View(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request) -> Response:
        raise Http404("no such thing")


class BoomView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError("boom")


def _effect(request: Request, status_code: int = 201) -> Response:
    """One visible effect per run: a group with a fresh name; the body says which."""
    outcome = request.data.get("outcome", "ok") if hasattr(request.data, "get") else "ok"
    if outcome == "conflict":
        raise DomainError("test.conflict", _("Some fields are not valid."), kind=ErrorKind.CONFLICT)
    name = f"{EFFECT_PREFIX}{uuid.uuid4()}"
    Group.objects.create(name=name)
    if outcome == "crash":
        raise RuntimeError("crash after the effect")
    return Response({"group": name}, status=status_code, headers={"Location": f"/g/{name}"})


class EffectView(APIView):
    """An authenticated idempotent write."""

    @idempotent
    def post(self, request: Request) -> Response:
        return _effect(request)


class AnonymousEffectView(APIView):
    permission_classes = [permissions.AllowAny]

    @idempotent
    def post(self, request: Request) -> Response:
        return _effect(request)


urlpatterns = [
    path("t/echo/", EchoView.as_view()),
    path("t/private/", PrivateView.as_view()),
    path("t/forbidden/", ForbiddenView.as_view()),
    path("t/domain/<str:kind>/", DomainErrorView.as_view()),
    path("t/http404/", Http404View.as_view()),
    path("t/boom/", BoomView.as_view()),
    path("t/effects/", EffectView.as_view()),
    path("t/anonymous-effects/", AnonymousEffectView.as_view()),
    path("api/", include("motcua.api.urls")),
]
