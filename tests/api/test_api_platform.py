"""The API platform: version root, token sign-in, OpenAPI schema and Swagger UI without a CDN."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    cache.clear()


def test_the_version_root_links_the_lists_schema_and_docs() -> None:
    body = APIClient().get("/api/v1/").json()
    assert body["procedures"] == "http://testserver/api/v1/procedures/"
    assert body["auth/token"] == "http://testserver" + TOKEN
    assert body["schema"] == "http://testserver/api/schema/"
    assert body["docs"] == "http://testserver/api/docs/"


def test_a_token_for_username_and_password_opens_the_api() -> None:
    user = UserFactory()
    response = APIClient().post(
        TOKEN, {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=user).key == token
    # The same token again, also from a form post.
    again = Client().post(TOKEN, {"username": user.username, "password": PASSWORD})
    assert again.json() == {"token": token}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/procedures/", {"page_size": 1}).status_code == 200


def test_wrong_credentials_are_400_in_the_request_language() -> None:
    user = UserFactory()
    response = APIClient().post(
        TOKEN,
        {"username": user.username, "password": "wrong"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Some fields are not valid.",
        "fields": {"non_field_errors": ["Unable to log in with provided credentials."]},
    }
    vi = APIClient().post(TOKEN, {"username": user.username, "password": "wrong"}, format="json")
    assert vi.json()["fields"] == {
        "non_field_errors": ["Không thể đăng nhập với thông tin đã nhập."]
    }


def test_a_stale_token_does_not_block_signing_in() -> None:
    user = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token stale")
    response = client.post(TOKEN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200


def test_password_guessing_is_throttled(settings: Any) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "auth-token": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        client = APIClient()
        statuses = [
            client.post(TOKEN, {"username": "x", "password": "y"}, format="json").status_code
            for _ in range(4)
        ]
        last = client.post(TOKEN, {"username": "x", "password": "y"}, format="json")
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert statuses == [400, 400, 400, 429]
    assert last.json()["code"] == "throttled"
    assert int(last["Retry-After"]) > 0


def test_swagger_ui_is_served_without_any_external_url() -> None:
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://", html), re.findall(r"https?://[^\s\"'<>]+", html)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/")
        asset_response = client.get(asset)
        assert asset_response.status_code == 200
        getattr(asset_response, "close", lambda: None)()


def test_the_served_schema_is_valid_openapi_in_either_language() -> None:
    for language in ("vi", "en"):
        response = Client().get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        schema = response.json()
        validate_schema(schema)
        assert "/api/v1/procedures/" in schema["paths"]
        assert "/api/v1/auth/token/" in schema["paths"]
        assert "Error" in schema["components"]["schemas"]


@pytest.mark.urls("tests.api.urls")
def test_idempotent_operations_document_the_header_and_their_errors() -> None:
    schema = SchemaGenerator(urlconf="tests.api.urls").get_schema(request=None, public=True)
    validate_schema(schema)
    operation = schema["paths"]["/t/effects/"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header"
    assert header.get("required", False) is False
    assert {"400", "401", "403", "409"} <= set(operation["responses"])
    error = operation["responses"]["409"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/Error"}
    messages = {example["value"]["message"] for example in error["examples"].values()}
    assert messages >= {
        "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác.",
        "This Idempotency-Key was already used for a different request.",
    }
    public = schema["paths"]["/t/anonymous-effects/"]["post"]
    assert "403" not in public["responses"]
    assert {} in public["security"]


def test_schema_and_docs_answer_errors_in_json() -> None:
    for path in ("/api/schema/", "/api/docs/"):
        response = APIClient().post(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"


def test_error_responses_refuses_an_undocumented_status() -> None:
    from motcua.api.schema import error_responses

    assert set(error_responses(400, 404)) == {400, 404}
    with pytest.raises(ValueError, match="418"):
        error_responses(418)
