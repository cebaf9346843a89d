"""The public catalogue API: procedures in force, search, filters, detail, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from motcua.catalog.models import (
    Fee,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
)
from motcua.catalog.selectors import versions_in_force

pytestmark = pytest.mark.usefixtures("reference")

LIST = "/api/v1/procedures/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _get(path: str, **params: Any) -> Any:
    return APIClient().get(path, params, **EN)


def _codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["results"]]


def _all_pages(**params: Any) -> list[str]:
    codes: list[str] = []
    response = _get(LIST, **params)
    while True:
        codes += _codes(response)
        next_url = response.json()["next"]
        if not next_url:
            return codes
        response = APIClient().get(next_url, **EN)


def test_anonymous_visitors_list_every_procedure_in_force_in_code_order() -> None:
    expected = sorted(versions_in_force().values_list("procedure__code", flat=True))
    assert len(expected) > 50
    first = _get(LIST)
    assert len(first.json()["results"]) == 50
    assert first.json()["previous"] is None
    assert _all_pages(page_size=7) == expected
    assert _all_pages() == expected


def test_an_item_carries_sector_levels_time_limit_fees_and_documents() -> None:
    version = versions_in_force().get(procedure__code="1.001193")
    RequiredDocument.objects.create(
        version=version, order=1, name="Tờ khai đăng ký khai sinh", count=1
    )
    RequiredDocument.objects.create(
        version=version,
        order=2,
        name="Giấy chứng sinh",
        copy_kind=RequiredDocument.CopyKind.CERTIFIED_COPY,
        is_optional=True,
    )
    item = _get(LIST, q="1.001193").json()["results"][0]
    assert item["code"] == "1.001193"
    assert item["name"] == "Thủ tục đăng ký khai sinh"
    assert item["sector"] == {"code": "ho-tich", "name": "Hộ tịch"}
    assert item["levels"] == ["commune"]
    assert item["time_limit"] == {"value": None, "unit": "same_day", "text": "same day"}
    assert item["fees"] == [{"description": "Miễn lệ phí (đăng ký đúng hạn)", "amount": None}]
    assert [(d["order"], d["name"], d["copy_kind"]) for d in item["required_documents"]] == [
        (1, "Tờ khai đăng ký khai sinh", "original"),
        (2, "Giấy chứng sinh", "certified_copy"),
    ]
    assert item["effective_to"] is None


def test_labels_follow_the_request_language() -> None:
    vi = APIClient().get(LIST, {"q": "3.000333"}).json()["results"][0]
    en = _get(LIST, q="3.000333").json()["results"][0]
    assert en["time_limit"] == {"value": 10, "unit": "days", "text": "10 calendar days"}
    assert vi["time_limit"]["unit"] == "days"
    assert vi["time_limit"]["text"] != en["time_limit"]["text"]


@pytest.mark.parametrize("query", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "khai  sinh dang"])
def test_search_ignores_accents_case_and_word_order(query: str) -> None:
    assert "1.001193" in _codes(_get(LIST, q=query))


def test_search_needs_every_word() -> None:
    assert _codes(_get(LIST, q="khai sinh xyzzy")) == []


def test_filters_by_sector_level_and_online_level() -> None:
    civil = _codes(_get(LIST, sector="ho-tich", page_size=200))
    assert civil
    assert set(civil) == set(
        versions_in_force().filter(sector__code="ho-tich").values_list("procedure__code", flat=True)
    )
    city = _get(LIST, level="city", page_size=200).json()["results"]
    assert city
    assert all("city" in item["levels"] for item in city)
    assert "2.000908" in [item["code"] for item in city]  # "ministry;city;commune;other"
    version = versions_in_force().get(procedure__code="1.001193")
    version.online_level = OnlineLevel.FULL
    version.save(update_fields=["online_level"])
    assert _codes(_get(LIST, online_level="full", page_size=200)) == ["1.001193"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "galaxy"}, "level"),
        ({"level": ""}, "level"),
        ({"online_level": ""}, "online_level"),
        ({"online_level": "maybe"}, "online_level"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_parameters_are_400_on_their_field(params: dict[str, str], field: str) -> None:
    response = _get(LIST, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


def test_an_unknown_cursor_is_a_json_404() -> None:
    response = _get(LIST, cursor="not-a-cursor")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "This page cursor is not valid; start again from the first page.",
        "fields": {},
    }


def test_only_the_version_in_force_today_is_listed() -> None:
    today = timezone.localdate()
    procedure = Procedure.objects.create(code="9.000001")
    old = ProcedureVersion.objects.create(
        procedure=procedure,
        name="Phiên bản cũ",
        sector=versions_in_force().first().sector,  # type: ignore[union-attr]
        effective_from=today - dt.timedelta(days=100),
        effective_to=today,
    )
    ProcedureVersion.objects.create(
        procedure=procedure,
        name="Phiên bản hiện hành",
        sector=old.sector,
        effective_from=today,
    )
    ProcedureVersion.objects.create(
        procedure=procedure,
        name="Phiên bản tương lai",
        sector=old.sector,
        effective_from=today + dt.timedelta(days=30),
    )
    items = _get(LIST, q="9.000001").json()["results"]
    assert [item["name"] for item in items] == ["Phiên bản hiện hành"]
    assert _get(f"{LIST}9.000001/").json()["name"] == "Phiên bản hiện hành"


def test_the_list_takes_a_fixed_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    for version in versions_in_force()[:20]:
        Fee.objects.create(version=version, description="Phí thử", amount=10_000)
        RequiredDocument.objects.create(version=version, name="Đơn")
    with django_assert_max_num_queries(3):
        assert len(_codes(_get(LIST, page_size=200))) > 50


def test_detail_of_a_procedure() -> None:
    version = versions_in_force().get(procedure__code="3.000333")
    Fee.objects.create(version=version, description="Lệ phí", amount=200_000)
    body = _get(f"{LIST}3.000333/").json()
    assert body["code"] == "3.000333"
    assert body["levels"] == ["city"]
    assert body["competent_agency"]["code"] == version.competent_agency.code  # type: ignore[union-attr]
    assert {"description": "Lệ phí", "amount": 200_000} in body["fees"]
    for field in ("legal_basis", "description", "note", "source", "cutoff_applies"):
        assert field in body


@pytest.mark.parametrize("code", ["9.999999", "abc", "1.0011930", "1.00119x", "%00"])
def test_unknown_or_malformed_codes_are_json_404_in_both_languages(code: str) -> None:
    en = _get(f"{LIST}{code}/")
    assert en.status_code == 404
    assert en.json() == {
        "code": "not_found",
        "message": "There is no procedure with this code in force today.",
        "fields": {},
    }
    vi = APIClient().get(f"{LIST}{code}/")
    assert vi.json()["message"] == "Không có thủ tục nào mang mã này đang có hiệu lực hôm nay."


def test_a_bad_token_is_refused_even_on_public_data() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert client.get(LIST).status_code == 401
