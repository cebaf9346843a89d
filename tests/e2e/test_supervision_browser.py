"""A supervisor opens the supervision page in Chromium, follows a number to its dossiers and
a step time to its steps (by keyboard). Screenshots go to test-results/ and the user guide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from motcua.org.models import User
from motcua.org.roles import Role
from tests.backoffice.conftest import commune_receiver  # noqa: F401 - fixture
from tests.backoffice.supervision_fixtures import build_city, frozen_now  # noqa: F401
from tests.dossiers.conftest import Actors, _fresh_calendar, actors  # noqa: F401
from tests.e2e.conftest import guide_copy
from tests.factories import PASSWORD, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_follows_a_number_to_its_dossiers(
    live_server: Any,
    page: Any,
    shots: Path,
    actors: Actors,  # noqa: F811
    commune_receiver: User,  # noqa: F811
    frozen_now: object,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    build_city(actors, commune_receiver)
    user = staff(Role.SUPERVISOR, agency_code="H26.30", username="giamsat_e2e")

    page.goto(f"{live_server.url}/accounts/login/?next=/staff/supervision/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/staff/supervision/")
    assert page.locator("html").get_attribute("lang") == "vi"

    # fits 1366 px: no horizontal scrolling
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 1366, width
    page.screenshot(path=str(shots / "supervision-viewport.png"), full_page=False)
    page.screenshot(path=str(shots / "supervision-summary.png"), full_page=True)
    guide_copy(shots / "supervision-summary.png")

    # the printed page: filters and buttons hidden
    page.emulate_media(media="print")
    assert not page.locator("form.sv-filters").is_visible()
    page.screenshot(path=str(shots / "supervision-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # click the overdue count of Sở Nông nghiệp và Môi trường
    link = page.locator('#table-agency tr[data-key="H26.05"] td[data-col="overdue"] a')
    number = int(link.inner_text())
    assert number == 2
    link.click()
    page.wait_for_url("**/staff/supervision/dossiers/?agency=H26.05&due=overdue")
    expect(page.locator("#rows tbody tr")).to_have_count(number)
    assert str(number) in page.locator("#result-count").inner_text()
    page.screenshot(path=str(shots / "supervision-list-full.png"), full_page=True)
    page.screenshot(path=str(shots / "supervision-list.png"), full_page=False)
    guide_copy(shots / "supervision-list.png")

    # back, then by keyboard: the count of finished appraisal steps
    page.go_back()
    steps = page.locator("#table-step-times tbody tr").first.locator('td[data-col="count"] a')
    count = int(steps.inner_text())
    steps.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/supervision/dossiers/?*done_step=*")
    expect(page.locator("#rows tbody tr")).to_have_count(count)
    page.screenshot(path=str(shots / "supervision-steps.png"), full_page=True)
