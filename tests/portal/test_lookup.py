"""The public lookup page: code + last 4 digits, nothing personal, same answer for every
mismatch, rate-limited per client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import Actors, _fresh_calendar, actors, take_in, vn

__all__ = ["_fresh_calendar", "actors"]

URL = "/lookup/"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    cache.clear()  # the lookup throttle counts per client address in the default cache


@pytest.fixture
def dossier(actors: Actors) -> Dossier:
    submitted = take_in(actors, vn(2026, 11, 18, 9))
    return services.dossier_receive(
        dossier=submitted, actor=actors.receiver, at=vn(2026, 11, 18, 9, 5)
    )


def _last4(actors: Actors) -> str:
    return actors.profile.personal_id[-4:]


def _wrong4(actors: Actors) -> str:
    right = _last4(actors)
    return f"{(int(right) + 1) % 10000:04d}"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_form_is_prefilled_from_the_receipt_qr_code(client: Client) -> None:
    response = client.get(URL, {"code": "H26.30-261118-0001"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="H26.30-261118-0001"' in html
    assert 'name="id_last4"' in html
    assert 'method="post"' in html  # the digits never travel in the address


def test_right_code_and_digits_show_progress_in_the_national_wording(
    client: Client, actors: Actors, dossier: Dossier
) -> None:
    response = client.post(URL, {"code": dossier.code, "id_last4": _last4(actors)})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="lookup-result"' in html
    assert dossier.code in html
    assert "2 – Được tiếp nhận" in html  # TrangThaiHoSo 2
    assert dossier.appointment_at is not None
    local = dossier.appointment_at.astimezone(vn(2026, 1, 1).tzinfo)
    assert local.strftime("%d/%m/%Y") in html
    assert dossier.current_agency.name in html
    assert dossier.procedure_version.name in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_no_personal_data_in_the_page(client: Client, actors: Actors, dossier: Dossier) -> None:
    last4 = _last4(actors)
    html = client.post(URL, {"code": dossier.code, "id_last4": last4}).content.decode()
    assert 'id="lookup-result"' in html
    profile = actors.profile
    assert profile.full_name not in html
    assert profile.personal_id not in html
    assert profile.personal_id[:8] not in html
    # the typed digits are not written back into the page
    assert f'value="{last4}"' not in html
    assert last4 not in _text(html)


def test_wrong_digits_and_unknown_code_get_the_same_answer(
    client: Client, actors: Actors, dossier: Dossier
) -> None:
    wrong = client.post(URL, {"code": dossier.code, "id_last4": _wrong4(actors)})
    unknown = client.post(URL, {"code": "H26.30-261118-9999", "id_last4": _last4(actors)})
    assert wrong.status_code == unknown.status_code == 404
    wrong_html, unknown_html = wrong.content.decode(), unknown.content.decode()
    message = "Không có hồ sơ nào khớp với mã hồ sơ và các chữ số đã nhập."
    assert message in wrong_html and message in unknown_html
    for html in (wrong_html, unknown_html):
        assert 'id="lookup-result"' not in html
        assert dossier.procedure_version.name not in html
        assert dossier.current_agency.name not in html
        assert actors.profile.full_name not in html


def test_bad_input_names_the_field_and_keeps_the_code(client: Client) -> None:
    response = client.post(URL, {"code": "H26.30-261118-0001", "id_last4": "12a"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Hãy nhập 4 chữ số cuối của số định danh cá nhân." in html
    assert 'id="id_id_last4_error"' in html
    assert 'value="H26.30-261118-0001"' in html
    assert 'aria-invalid="true"' in html
    empty = client.post(URL, {"code": "", "id_last4": ""})
    assert empty.status_code == 400
    assert 'id="id_code_error"' in empty.content.decode()


def test_a_code_with_strange_characters_is_refused_without_a_query(client: Client) -> None:
    response = client.post(URL, {"code": "x' OR 1=1 --", "id_last4": "1234"})
    assert response.status_code == 400
    assert 'id="id_code_error"' in response.content.decode()


def test_lookups_are_rate_limited_per_client(
    client: Client, settings: Any, actors: Actors, dossier: Dossier
) -> None:
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "lookup": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    data = {"code": dossier.code, "id_last4": _wrong4(actors)}
    statuses = [client.post(URL, data, REMOTE_ADDR="203.0.113.7").status_code for _ in range(3)]
    refused = client.post(
        URL, {"code": dossier.code, "id_last4": _last4(actors)}, REMOTE_ADDR="203.0.113.7"
    )
    assert statuses == [404, 404, 404]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    html = refused.content.decode()
    assert 'id="lookup-result"' not in html  # even the right digits get nothing now
    assert "lookup-error" in html
    # another client still may look up
    other = client.post(
        URL, {"code": dossier.code, "id_last4": _last4(actors)}, REMOTE_ADDR="198.51.100.2"
    )
    assert other.status_code == 200


def test_the_page_and_the_api_share_one_budget(
    client: Client, settings: Any, actors: Actors, dossier: Dossier
) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "lookup": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        api = f"/api/v1/lookup/{dossier.code}/"
        first = client.get(api, {"id_last4": _last4(actors)})
        second = client.get(api, {"id_last4": _last4(actors)})
        page = client.post(URL, {"code": dossier.code, "id_last4": _last4(actors)})
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert [first.status_code, second.status_code] == [200, 200]
    assert page.status_code == 429


def test_showing_the_form_does_not_count(client: Client, settings: Any) -> None:
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "lookup": "1/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    assert client.post(URL, {"code": "H26.30-261118-0001", "id_last4": "1234"}).status_code == 404
