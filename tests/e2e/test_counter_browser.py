"""The counter in a real Chromium: a walk-in dossier taken in and its receipt printed, an
online dossier returned for a supplement, a result handed back.

Each test saves screenshots in its output folder (``test-results/<test>/``) and copies the
ones used by the receiver's guide to ``docs/user-guide/img/``, so the guide's pictures are
regenerated with the tests.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from motcua.catalog.demo import demo_required_documents_ensure
from motcua.core.models import AuditEvent
from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier
from motcua.dossiers.states import State
from motcua.org.models import User
from motcua.people.models import CitizenProfile
from tests.backoffice.conftest import drive
from tests.dossiers.conftest import (  # noqa: F401 - fixtures used by these tests
    PROCEDURE,
    Actors,
    _fresh_calendar,
    actors,
)
from tests.e2e.conftest import guide_copy
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_APPLICANT_ID = "001190004321"  # Hà Nội, male, born 1990
TABLET = {"width": 820, "height": 1180}


def _guide(shot: Path) -> None:
    """Copy a screenshot into the user guide's pictures (MOTCUA_DOCS_SCREENSHOTS=1)."""
    guide_copy(shot)


def _snap(page: Any, shots: Path, name: str, *, guide: bool = False, full: bool = True) -> Path:
    path = shots / name
    page.screenshot(path=str(path), full_page=full)
    if guide:
        _guide(path)
    return path


def _log_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/?next=/staff/counter/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/staff/counter/")


def _form_url(identifier: str, form: str) -> str | None:
    try:
        return reverse("documents:dossier_form", args=[identifier, form])
    except NoReverseMatch:
        return None


def _check_pdf(page: Any, base: str, identifier: str, form: str, phrase: str) -> None:
    """The printed form is a PDF holding the dossier code and the form's title (when the
    documents app serves forms; until then the page says printing is not available)."""
    if _form_url(identifier, form) is None:
        assert page.get_by_text("chưa in được", exact=False).count() >= 0
        return
    link = page.locator(".done a[target=_blank]")
    href = link.get_attribute("href")
    assert href == _form_url(identifier, form)
    response = page.context.request.get(f"{base}{href}")
    assert response.status == 200
    body = response.body()
    assert body.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert identifier in text and phrase.upper() in text.upper()


def test_receiver_takes_a_counter_dossier_and_prints_the_receipt(
    live_server: Any,
    page: Any,
    shots: Path,
    actors: Actors,  # noqa: F811 - the fixture
) -> None:
    from playwright.sync_api import expect

    demo_required_documents_ensure()
    base = live_server.url
    _log_in(page, base, actors.receiver)

    # 1. find the procedure without accents
    page.get_by_label("Tên hoặc mã thủ tục").fill("dang ky khai sinh")
    results = page.locator("#results")
    first = results.locator("tbody tr").first
    first.get_by_text("Thủ tục đăng ký khai sinh", exact=True).wait_for()
    assert "q=dang" in page.url
    _snap(page, shots, "counter-search.png", guide=True, full=False)
    first.get_by_role("link", name="Tiếp nhận").click()
    page.wait_for_url(f"{base}/staff/counter/intake/1.001193/")

    # 2. applicant: not registered yet → registered with the dossier
    # a known applicant is reused: nothing to retype
    number = page.get_by_label("Số định danh cá nhân hoặc mã số thuế", exact=False)
    number.fill(actors.profile.personal_id or "")
    page.get_by_role("button", name="Tra cứu").click()
    page.get_by_text("Đã có trong hệ thống", exact=False).wait_for()
    # the name fields go once the lookup's answer is swapped in (auto-waiting assertion)
    expect(page.get_by_label("Họ và tên")).to_be_hidden()
    # (keyboard: Enter in the number looks it up and does not submit the form)
    number.fill(NEW_APPLICANT_ID)
    number.press("Enter")
    page.get_by_text("Chưa có trong hệ thống", exact=False).wait_for()
    assert page.url.endswith("/staff/counter/intake/1.001193/")
    assert not Dossier.objects.exists()
    page.get_by_label("Họ và tên").fill("Lê Thị Hoa")
    page.get_by_label("điện thoại").fill("0987654321")
    page.get_by_label("Địa chỉ").fill("Số 5 phố Hàng Bài, Phường Hoàn Kiếm")
    page.get_by_label("Cơ quan có thẩm quyền", exact=True).select_option(
        label="Ủy ban nhân dân Phường Ba Đình"
    )
    # 3. the checklist: the two documents that are always required
    page.get_by_label("Tờ khai đăng ký khai sinh theo mẫu").check()
    page.get_by_label("Giấy chứng sinh", exact=False).check()
    _snap(page, shots, "counter-intake.png", guide=True)

    # 4. one click to receive, after a confirmation
    messages: list[str] = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Tiếp nhận và in giấy hẹn").click()
    page.locator(".done").wait_for()
    assert messages and "không thể hoàn tác" in messages[0]

    dossier = Dossier.objects.select_related("applicant").get(
        applicant__personal_id=NEW_APPLICANT_ID
    )
    assert dossier.state == State.RECEIVED and dossier.code
    assert dossier.reception_point is not None and dossier.reception_point.code == "H26.30.01"
    assert dossier.competent_agency.name == "Ủy ban nhân dân Phường Ba Đình"
    assert dossier.documents.count() == 2
    assert dossier.applicant.full_name == "Lê Thị Hoa"
    done = page.locator(".done")
    assert dossier.code in done.inner_text()
    assert "Hẹn trả" in done.inner_text() or "Ngày hẹn" in done.inner_text()
    _snap(page, shots, "counter-received.png", guide=True, full=False)
    _check_pdf(page, base, dossier.code, "01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả")

    # the same form on a tablet stays usable (one column)
    page.set_viewport_size(TABLET)
    page.goto(f"{base}/staff/counter/intake/1.001193/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], "no horizontal scrolling on a tablet"
    _snap(page, shots, "counter-intake-tablet.png", full=False)


def test_receiver_requests_a_supplement_for_an_online_dossier(
    live_server: Any,
    page: Any,
    shots: Path,
    actors: Actors,  # noqa: F811 - the fixture
) -> None:
    base = live_server.url
    online = s.dossier_submit(actor=actors.citizen, procedure_code=PROCEDURE)
    assert online.reception_point is None and online.receiving_agency.code == "H26.30"
    _log_in(page, base, actors.receiver)

    page.get_by_role("link", name="Chờ tiếp nhận").click()
    row = page.locator("tbody tr", has_text=online.reference)
    row.get_by_text("Trực tuyến", exact=False).wait_for()
    _snap(page, shots, "counter-queue.png", guide=True, full=False)
    row.get_by_role("link", name="Kiểm tra và quyết định").click()

    # a supplement needs its reason: without one, an error names the field, nothing changes
    page.get_by_label("Nội dung cần bổ sung", exact=False).fill(
        "Giấy chứng nhận đã cấp (bản gốc)\nĐơn đăng ký biến động theo Mẫu số 11/ĐK"
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Yêu cầu bổ sung").click()
    page.locator(".error-text").first.wait_for()
    assert Dossier.objects.get(pk=online.pk).state == State.SUBMITTED
    _snap(page, shots, "counter-supplement-error.png", full=False)

    # a dismissed confirmation writes nothing either
    page.get_by_label("Lý do", exact=True).fill("Hồ sơ trực tuyến chưa đính kèm giấy tờ bắt buộc.")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Yêu cầu bổ sung").click()
    assert Dossier.objects.get(pk=online.pk).state == State.SUBMITTED

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Yêu cầu bổ sung").click()
    page.locator(".done").wait_for()
    online.refresh_from_db()
    assert online.state == State.INTAKE_SUPPLEMENT
    request = online.supplement_requests.get()
    assert request.items == [
        "Giấy chứng nhận đã cấp (bản gốc)",
        "Đơn đăng ký biến động theo Mẫu số 11/ĐK",
    ]
    _snap(page, shots, "counter-supplement-done.png", guide=True, full=False)
    _check_pdf(page, base, online.identifier, "02", "Phiếu yêu cầu bổ sung")


def test_receiver_returns_the_result(
    live_server: Any,
    page: Any,
    shots: Path,
    actors: Actors,  # noqa: F811 - the fixture
) -> None:
    finished = drive(actors, State.FINISHED)
    other = drive(actors, State.FINISHED)
    base = live_server.url
    _log_in(page, base, actors.receiver)

    page.get_by_role("link", name="Kết quả chờ trả").click()
    rows = page.locator("tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    _snap(page, shots, "counter-results.png", guide=True, full=False)
    page.locator("tbody tr", has_text=finished.code).get_by_role("link", name="Trả kết quả").click()

    # the identity number is masked; showing it to check the papers is audited
    profile: CitizenProfile = finished.applicant
    assert profile.personal_id and profile.personal_id not in page.content()
    page.get_by_role("button", name="Hiện để đối chiếu").click()
    page.locator("#applicant-revealed").get_by_text(profile.personal_id).wait_for()
    assert AuditEvent.objects.filter(
        action="people.profile_viewed", object_id=str(profile.pk), actor=actors.receiver
    ).exists()

    page.get_by_label("Người nhận kết quả", exact=False).fill("Trần Văn Cường")
    _snap(page, shots, "counter-return.png", guide=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Ghi nhận đã trả kết quả").click()
    page.locator(".done").wait_for()

    finished.refresh_from_db()
    assert finished.state == State.RETURNED and finished.returned_by_method == "counter"
    assert "Trần Văn Cường" in finished.handovers.order_by("-seq").first().note
    # after the act: the next result waiting, with the confirmation on top
    assert other.code in page.url
    assert finished.code in page.locator(".done").inner_text()
    _snap(page, shots, "counter-returned.png", full=False)
