"""A receiver logs in through a real Chromium and sees the Vietnamese staff home page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from motcua.org.roles import Role
from tests.factories import PASSWORD, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receiver_logs_in_and_sees_the_staff_home(
    live_server: Any, page: Any, shots: Path, reference: None
) -> None:
    user = staff(
        Role.RECEIVER, agency_code="H26.30", point_code="H26.30.01", username="tiepnhan_e2e"
    )

    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", name="Thủ tục hành chính").is_visible()
    page.screenshot(path=str(shots / "home.png"), full_page=False)

    page.get_by_role("link", name="Đăng nhập").click()
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.wait_for_url(f"{live_server.url}/staff/")
    assert page.get_by_role("heading", name="Trang cán bộ").is_visible()
    assert page.locator("#panel-receiver").is_visible()
    assert "Chi nhánh số 1" in page.locator("#panel-receiver").inner_text()
    # the stylesheet really loaded (brand colour on the header)
    colour = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(179, 38, 30)"
    page.screenshot(path=str(shots / "staff-home-receiver.png"), full_page=True)


def test_live_search_without_accents_in_the_browser(
    live_server: Any, page: Any, shots: Path, reference: None
) -> None:
    page.goto(f"{live_server.url}/")
    from playwright.sync_api import expect

    results = page.locator("#results")
    expect(results.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True)).to_have_count(
        1
    )
    page.get_by_label("Tìm kiếm thủ tục").fill("dang ky ket hon")
    # htmx replaces only the results, without reloading the page
    expect(results.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True)).to_have_count(
        0
    )
    expect(results.get_by_role("link", name="Thủ tục đăng ký kết hôn")).to_be_visible()
    assert "q=dang" in page.url  # the address bar follows, so the search can be shared
    page.screenshot(path=str(shots / "live-search.png"), full_page=False)
