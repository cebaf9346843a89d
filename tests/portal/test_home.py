"""The public home page lists the sectors and every procedure, and searches without accents."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.usefixtures("reference")


def test_home_lists_the_62_procedures_in_vietnamese(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert "Thủ tục hành chính" in html
    codes = set(re.findall(r'href="/procedures/(\d\.\d{6})/"', html))
    assert len(codes) == 62
    assert "Hộ tịch" in html
    assert "62 thủ tục" in html


def test_search_ignores_accents(client: Client) -> None:
    html = client.get("/", {"q": "dang ky khai sinh"}).content.decode()
    codes = set(re.findall(r'href="/procedures/(\d\.\d{6})/"', html))
    assert "1.001193" in codes  # Thủ tục đăng ký khai sinh
    assert "1.004222" not in codes  # Đăng ký thường trú


def test_procedure_page_shows_missing_values_as_missing(client: Client) -> None:
    html = client.get("/procedures/1.000894/").content.decode()  # marriage: "1", no unit
    assert "Thủ tục đăng ký kết hôn" in html
    assert "chưa công bố đơn vị tính" in html


def test_same_day_procedure_states_the_cut_off(client: Client) -> None:
    html = client.get("/procedures/1.001193/").content.decode()
    assert "15" in html and "ngày làm việc tiếp theo" in html


def test_unknown_procedure_is_a_vietnamese_404(client: Client) -> None:
    response = client.get("/procedures/9.999999/")
    assert response.status_code == 404
    assert "Trang này không tồn tại" in response.content.decode()


def test_english_is_available(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Administrative procedures" in html


def test_static_files_are_served_without_a_cdn(client: Client) -> None:
    html = client.get("/").content.decode()
    assert "cdn" not in html.lower()
    assert "/static/motcua/css/motcua.css" in html


def test_stylesheet_is_served_by_the_application(client: Client) -> None:
    response = client.get("/static/motcua/css/motcua.css")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert b"--brand" in body


def test_live_search_returns_only_the_results_for_htmx(client: Client) -> None:
    response = client.get("/", {"q": "ket hon"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="results"' in html
    assert "Thủ tục đăng ký kết hôn" in html
    assert "Thủ tục đăng ký khai sinh" not in html
