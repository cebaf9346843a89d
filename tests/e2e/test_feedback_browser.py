"""Citizen reports in a real Chromium: a citizen files a report with a photo and a location and
is shown an open report nearby; the dispatcher routes it, the commune's receiver accepts it as
urgent and answers with a photo; the citizen marks the answer satisfying; the public page shows
the answer and no personal data. Screenshots go to test-results/ and the user guide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from motcua.feedback.models import Report
from motcua.feedback.services import _in_city
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.workcal.selectors import calendar_cache_clear
from tests.e2e.conftest import guide_copy
from tests.factories import PASSWORD, UserFactory, staff
from tests.feedback.conftest import submit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

HOAN_KIEM = "00070"
HOAN_KIEM_AGENCY = "H26.00070"
HERE = (21.03, 105.85)  # Phường Hoàn Kiếm
NEARBY = (21.0303, 105.8502)  # about 40 m away
NAME = "Trần Thị Hoa"
PHONE = "0903456789"
EMAIL = "hoa.tran@example.vn"
TEXT = "Ổ gà sâu giữa đường trước số 15 phố Hàng Bông, xe máy dễ ngã khi trời mưa"
ANSWER = "UBND phường đã cho vá ổ gà và hoàn trả mặt đường trước số 15 Hàng Bông."


def _jpeg(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = folder / name
    Image.new("RGB", (320, 240), colour).save(path, "JPEG", quality=80)
    return path


def _login(page: Any, base: str, user: User, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}{next_url}")


def _shot(page: Any, shots: Path, name: str, *, full: bool = True) -> None:
    page.screenshot(path=str(shots / name), full_page=full)
    guide_copy(shots / name)


def test_report_from_photo_to_public_answer(
    live_server: Any,
    browser: Any,
    page: Any,
    shots: Path,
    settings: Any,
    tmp_path: Path,
    reference: None,
) -> None:
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    calendar_cache_clear()
    assert _in_city(*HERE)
    base = live_server.url
    citizen = UserFactory(roles=[Role.CITIZEN], username="congdan_pa", full_name=NAME)
    neighbour = UserFactory(roles=[Role.CITIZEN], username="hangxom_pa")
    dispatcher = staff(
        Role.SUPERVISOR, agency_code="H26.01", username="dieuphoi_pa", full_name="Lê Văn Điều"
    )
    receiver = staff(
        Role.RECEIVER,
        agency_code=HOAN_KIEM_AGENCY,
        username="tiepnhan_hk",
        full_name="Phạm Thu Hà",
    )
    existing = submit(
        neighbour,
        category="roads",
        text="Mặt đường phố Hàng Bông bị lún, có ổ gà lớn",
        commune=HOAN_KIEM,
        point=NEARBY,
        address="Phố Hàng Bông",
        at=None,
    )
    assert existing.status == Report.Status.SUBMITTED  # no rule for roads: the dispatcher
    photo = _jpeg(tmp_path, "o-ga.jpg", (120, 110, 100))
    result_photo = _jpeg(tmp_path, "da-va.jpg", (60, 60, 60))

    # 1. the citizen fills the form and checks for similar reports first
    _login(page, base, citizen, "/feedback/new/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.locator("#id_category").select_option("roads")
    page.locator("#id_text").fill(TEXT)
    page.locator("#id_commune").select_option(HOAN_KIEM)
    page.locator("#id_address").fill("Trước số 15 phố Hàng Bông")
    page.locator("#id_latitude").fill(str(HERE[0]))
    page.locator("#id_longitude").fill(str(HERE[1]))
    page.locator("#id_contact_name").fill(NAME)
    page.locator("#id_contact_phone").fill(PHONE)
    page.locator("#id_contact_email").fill(EMAIL)
    page.locator("#id_photos").set_input_files(str(photo))
    page.locator("#check-duplicates").click()
    suggestion = page.locator(f'[data-suggestion="{existing.pk}"]')
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text(f"PA-{existing.pk}")
    expect(page.locator("#photos-again")).to_be_visible()
    expect(page.locator("#id_text")).to_have_value(TEXT)
    assert Report.objects.count() == 1
    _shot(page, shots, "feedback-check.png")

    # not the same pothole: send it, with the photo chosen again
    page.locator("#id_photos").set_input_files(str(photo))
    page.locator("#send-report").click()
    expect(page.locator("h1")).to_contain_text("PA-")
    report = Report.objects.exclude(pk=existing.pk).get()
    assert report.status == Report.Status.SUBMITTED
    assert report.photos.count() == 1
    assert (report.latitude, report.longitude) == HERE
    expect(page.locator(f'[data-suggestion="{existing.pk}"]')).to_be_visible()
    _shot(page, shots, "feedback-submitted.png")

    # 2. the dispatcher routes it to the commune's People's Committee
    staff_ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    desk = staff_ctx.new_page()
    _login(desk, base, dispatcher, "/staff/feedback/")
    row = desk.locator(f'#section-dispatch tr[data-report="{report.pk}"]')
    expect(row).to_be_visible()
    expect(row).not_to_contain_text(PHONE)
    expect(row).to_contain_text("•••")
    _shot(desk, shots, "feedback-dispatch-queue.png")
    row.locator("a.code").click()
    desk.wait_for_url(f"{base}/staff/feedback/{report.pk}/")
    expect(desk.locator("#contact-phone")).to_have_text(PHONE)
    desk.locator("#action-route summary").click()
    desk.locator("#id_route_agency_code").select_option(HOAN_KIEM_AGENCY)
    _shot(desk, shots, "feedback-route.png")
    desk.locator('[data-submit="route"]').click()
    expect(desk.locator("#report-status")).to_have_attribute("data-status", "routed")
    expect(desk.locator("ul.messages")).to_contain_text(f"PA-{report.pk}")
    staff_ctx.close()

    # 3. the commune's receiver accepts it as urgent and answers with a photo
    staff_ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    desk = staff_ctx.new_page()
    _login(desk, base, receiver, "/staff/feedback/")
    row = desk.locator(f'#section-accept tr[data-report="{report.pk}"]')
    expect(row).to_be_visible()
    _shot(desk, shots, "feedback-agency-queue.png")
    row.locator("a.code").click()
    desk.wait_for_url(f"{base}/staff/feedback/{report.pk}/")
    desk.locator("#action-accept summary").click()
    desk.locator("#id_accept_level").select_option("urgent")
    desk.locator('[data-submit="accept"]').click()
    expect(desk.locator("#report-status")).to_have_attribute("data-status", "accepted")
    expect(desk.locator("#report-level")).to_have_attribute("data-level", "urgent")
    report.refresh_from_db()
    assert report.level == "urgent" and report.due_at is not None
    desk.locator("#action-answer summary").click()
    desk.locator("#id_answer_text").fill(ANSWER)
    desk.locator("#id_answer_photos").set_input_files(str(result_photo))
    _shot(desk, shots, "feedback-answer-form.png")
    desk.locator('[data-submit="answer"]').click()
    expect(desk.locator("#report-status")).to_have_attribute("data-status", "answered")
    expect(desk.locator("#answers")).to_contain_text(ANSWER)
    _shot(desk, shots, "feedback-staff-answered.png")
    staff_ctx.close()

    # 4. the citizen marks the answer satisfying
    page.goto(f"{base}/feedback/{report.pk}/")
    expect(page.locator("#answer")).to_contain_text(ANSWER)
    expect(page.locator("#answer img")).to_have_count(1)
    _shot(page, shots, "feedback-rate.png")
    page.locator("#rate-yes").click()
    expect(page.locator("#my-rating-value")).to_be_visible()
    report.refresh_from_db()
    assert report.satisfied is True
    _shot(page, shots, "feedback-rated.png")

    # 5. anyone sees the answer, and no personal data
    public_ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    public = public_ctx.new_page()
    public.goto(f"{base}/feedback/{report.pk}/")
    expect(public.locator("#answer")).to_contain_text(ANSWER)
    html = public.content()
    for secret in (NAME, PHONE, EMAIL, citizen.username, "/original/"):
        assert secret not in html, secret
    assert "/public/" in html
    # the answer's photo is the public copy and loads
    loaded = public.locator("#answer img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert loaded
    _shot(public, shots, "feedback-public.png")
    public_ctx.close()
