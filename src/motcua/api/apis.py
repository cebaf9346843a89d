"""Endpoints of the API platform itself: the version root and token sign-in."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, URLPattern, URLResolver, reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import parsers, permissions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from motcua.api.schema import error_responses

__all__ = ["ApiRootView", "SchemaView", "SwaggerView", "TokenObtainView"]


class JsonErrorsMixin:
    """Errors of a view that renders something else (YAML, HTML) still come as JSON."""

    def handle_exception(self, exc: Exception) -> Response:
        response: Response = super().handle_exception(exc)  # type: ignore[misc]
        request = self.request  # type: ignore[attr-defined]
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JsonErrorsMixin, SpectacularAPIView):
    """``/api/schema/``: the OpenAPI schema (YAML, or JSON with ``?format=json``)."""


class SwaggerView(JsonErrorsMixin, SpectacularSwaggerView):
    """``/api/docs/``: Swagger UI from drf-spectacular-sidecar's files (no CDN)."""


def _list_endpoints(
    patterns: list[URLPattern | URLResolver], namespaces: tuple[str, ...]
) -> list[str]:
    """The names of every route without parameters (the lists, mostly), with namespaces."""
    found: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            found += _list_endpoints(pattern.url_patterns, inner)
        elif pattern.name and not pattern.pattern.regex.groups:
            found.append(":".join((*namespaces, pattern.name)))
    return found


@extend_schema(exclude=True)
class ApiRootView(APIView):
    """``/api/v1/``: links to the lists of this version of the API, its schema and docs."""

    permission_classes = [permissions.AllowAny]
    version_patterns: list[URLPattern | URLResolver] = []

    def get(self, request: Request) -> Response:
        root = reverse("api:root")
        links: dict[str, str] = {}
        for name in _list_endpoints(self.version_patterns, ("api",)):
            try:
                path = reverse(name)
            except NoReverseMatch:
                continue
            # Keyed like DRF's router root: "procedures", "dossiers", "auth/token".
            links[path.removeprefix(root).strip("/")] = request.build_absolute_uri(path)
        links["schema"] = request.build_absolute_uri(reverse("api:schema"))
        links["docs"] = request.build_absolute_uri(reverse("api:docs"))
        return Response(dict(sorted(links.items())))


class TokenResponseSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(
        help_text="Gửi trong tiêu đề `Authorization: Token <token>` / send it as the header "
        "`Authorization: Token <token>`."
    )


class TokenObtainView(APIView):
    """``POST /api/v1/auth/token/``: the API token of a user, for username and password."""

    # No authentication: a stale token or session must not stand in the way of signing in.
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth-token"

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="Lấy token API / obtain an API token",
        description=(
            "Đổi tên đăng nhập và mật khẩu lấy token API (mỗi người dùng một token, giữ đến khi bị "
            "thu hồi). Gửi token trong tiêu đề `Authorization: Token <token>`. Sai thông tin: 400; "
            "thử quá nhiều lần: 429. / Exchange a username and password for the user's API token "
            "(one per user, valid until revoked). Send it as `Authorization: Token <token>`. Wrong "
            "credentials: 400; too many attempts: 429."
        ),
        request=AuthTokenSerializer,
        responses={200: TokenResponseSerializer, **error_responses(400, 415, 429)},
        examples=[
            OpenApiExample(
                "token-request",
                summary="Tên đăng nhập và mật khẩu / username and password",
                value={"username": "tiepnhan", "password": "motcua-demo-2026"},
                request_only=True,
            ),
            OpenApiExample(
                "token-response",
                summary="Token",
                value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
