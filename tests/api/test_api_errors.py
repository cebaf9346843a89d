"""Every failure under the API has the body {code, message, fields}, in the request's language."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert all(isinstance(v, list) for v in body["fields"].values())
    return body


def test_validation_errors_are_flattened_to_dotted_fields_in_english() -> None:
    body = _error(
        APIClient().post(
            "/t/echo/",
            {"age": -1, "address": {"street": "x" * 11}, "items": [{"name": "a"}, {}]},
            format="json",
            **EN,
        ),
        400,
        "invalid",
    )
    assert body["message"] == "Some fields are not valid."
    assert body["fields"] == {
        "name": ["This field is required."],
        "age": ["Ensure this value is greater than or equal to 0."],
        "address.street": ["Ensure this field has no more than 10 characters."],
        "items.1.name": ["This field is required."],
    }


def test_validation_errors_in_vietnamese_by_default() -> None:
    body = _error(
        APIClient().post("/t/echo/", {"name": ""}, format="json"),
        400,
        "invalid",
    )
    assert body["message"] == "Một số trường không hợp lệ."
    # Django's and DRF's own Vietnamese catalogues.
    assert body["fields"]["name"] == ["Trường này không được bỏ trống."]
    assert body["fields"]["age"] == ["Trường này là bắt buộc."]


def test_errors_about_the_whole_input_are_under_non_field_errors() -> None:
    payload = {"name": "nobody", "age": 1, "address": {"street": "a"}, "items": []}
    body = _error(APIClient().post("/t/echo/", payload, format="json", **EN), 400, "invalid")
    assert body["fields"] == {"non_field_errors": ["Some fields are not valid."]}


def test_malformed_json_is_a_parse_error() -> None:
    response = APIClient().post("/t/echo/", data="{not json", content_type="application/json", **EN)
    body = _error(response, 400, "parse_error")
    assert body["fields"] == {}


def test_unsupported_media_type_and_not_acceptable() -> None:
    client = APIClient()
    body = _error(
        client.post("/t/echo/", data="a=1", content_type="text/plain", **EN),
        415,
        "unsupported_media_type",
    )
    assert "text/plain" in body["message"]
    _error(client.get("/t/echo/", HTTP_ACCEPT="application/xml", **EN), 406, "not_acceptable")


def test_missing_credentials_are_401_with_the_token_challenge() -> None:
    response = APIClient().get("/t/private/", **EN)
    body = _error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    assert body["message"] == "Authentication is required: sign in or send a valid token."
    vi = _error(APIClient().get("/t/private/", **VI), 401, "not_authenticated")
    assert vi["message"] == "Cần xác thực: hãy đăng nhập hoặc gửi token hợp lệ."


def test_a_wrong_token_is_401() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    body = _error(client.get("/t/private/", **EN), 401, "not_authenticated")
    assert body["message"] == "The authentication credentials are not valid."


def test_permission_denied_is_403() -> None:
    client = APIClient()
    client.force_authenticate(UserFactory())
    body = _error(client.get("/t/forbidden/", **EN), 403, "permission_denied")
    assert body["message"] == "You do not have permission to do this."
    vi = _error(client.get("/t/forbidden/", **VI), 403, "permission_denied")
    assert vi["message"] == "Bạn không có quyền thực hiện thao tác này."


def test_not_found_in_a_view_and_for_unknown_api_paths() -> None:
    client = APIClient()
    body = _error(client.get("/t/http404/", **EN), 404, "not_found")
    assert body["message"] == "The requested object was not found."
    for path in ("/api/v1/no-such-thing/", "/api/nothing", "/api/v1/procedures"):
        vi = _error(client.get(path), 404, "not_found")
        assert vi["message"] == "Không tìm thấy đối tượng được yêu cầu."


def test_unknown_api_paths_are_json_404_for_every_method_even_without_csrf() -> None:
    client = APIClient(enforce_csrf_checks=True)
    for method in ("post", "put", "delete"):
        _error(getattr(client, method)("/api/v1/no-such-thing/", **EN), 404, "not_found")


def test_method_not_allowed_is_405() -> None:
    response = APIClient().delete("/t/echo/", **EN)
    body = _error(response, 405, "method_not_allowed")
    assert body["message"] == "Method DELETE is not allowed here."
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("malformed", 400, "test.malformed"),
        ("invalid", 422, "test.invalid"),
        ("forbidden", 403, "test.forbidden"),
        ("not_found", 404, "test.not_found"),
        ("conflict", 409, "dossier.illegal_transition"),
    ],
)
def test_domain_errors_keep_their_code_and_status(kind: str, status: int, code: str) -> None:
    en = _error(APIClient().get(f"/t/domain/{kind}/", **EN), status, code)
    vi = _error(APIClient().get(f"/t/domain/{kind}/", **VI), status, code)
    assert en["message"] == "Some fields are not valid."
    assert vi["message"] == "Một số trường không hợp lệ."
    if kind == "invalid":
        assert en["fields"] == {"status": ["Some fields are not valid."]}
        assert vi["fields"] == {"status": ["Một số trường không hợp lệ."]}


def test_an_unexpected_error_is_a_logged_json_500(caplog: pytest.LogCaptureFixture) -> None:
    client = APIClient(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="motcua.api"):
        body = _error(client.get("/t/boom/", **EN), 500, "server_error")
    assert body["message"] == "An unexpected error occurred on the server; it has been logged."
    assert any("boom" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_the_test_client_still_sees_the_bug() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        APIClient().get("/t/boom/")
