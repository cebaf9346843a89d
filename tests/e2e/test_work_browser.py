"""The processing pages in Debian's Chromium: processors and approvers at 1366×768.

Each test saves screenshots in its output folder (``test-results/<test>/``). The ones used
by the user guide (docs/user-guide/processing.md) are also written to ``docs/user-guide/img/``
when ``MOTCUA_DOCS_SCREENSHOTS=1`` is set, so that ordinary runs do not rewrite the committed
images:

    MOTCUA_DOCS_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_work_browser.py

Selectors use ids and data attributes, not labels, so the tests hold whatever the
translation of a label.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from motcua.core.models import AuditEvent
from motcua.dossiers import clock
from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier, Handover
from motcua.dossiers.states import Action, State
from motcua.org.models import User
from motcua.org.roles import Role
from tests.backoffice.work_fixtures import (
    MINUTE,
    processing,
    recent_start,
    to_approval,
)
from tests.backoffice.work_fixtures import inter_agency_process as _inter_agency_process
from tests.dossiers import conftest as dossier_fixtures
from tests.dossiers.conftest import Actors, vn
from tests.e2e.conftest import guide_copy
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# fixtures of the dossier tests, usable here
actors = dossier_fixtures.actors
_fresh_calendar = dossier_fixtures._fresh_calendar
inter_agency_process = _inter_agency_process

VIEWPORT = {"width": 1366, "height": 768}

Shot = Callable[..., None]
NewPage = Callable[[User], Any]


@pytest.fixture
def shot(shots: Path) -> Shot:
    """``shot(page_or_element, name, docs=True, full_page=False)``: save a screenshot in the
    test's folder (and, for the user guide, in docs/user-guide/img/ when asked to)."""

    def _shot(target: Any, name: str, *, docs: bool = True, full_page: bool = False) -> None:
        path = shots / name
        if full_page:
            target.screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        assert path.stat().st_size > 1000  # a real picture, not an empty file
        if docs:
            guide_copy(path)

    return _shot


def log_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/?next=/staff/work/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


@pytest.fixture
def as_user(browser: Any, live_server: Any) -> Iterator[NewPage]:
    """``as_user(user)`` → a new logged-in page in its own browser context."""
    contexts: list[Any] = []

    def _open(user: User) -> Any:
        context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
        contexts.append(context)
        new = context.new_page()
        log_in(new, live_server.url, user)
        return new

    yield _open
    for context in contexts:
        context.close()


def dossier_url(base: str, d: Dossier) -> str:
    return f"{base}/staff/work/dossiers/{d.identifier}/"


def open_action(page: Any, action: str) -> None:
    page.locator(f"#action-{action} > summary").click()
    expect(page.locator(f"#action-{action}")).to_have_attribute("open", "")


def appointment_in_page(page: Any) -> str:
    return str(page.locator("#appointment-at strong").inner_text()).strip()


@pytest.mark.usefixtures("inter_agency_process")
def test_processor_forwards_across_two_agencies(
    live_server: Any, page: Any, as_user: NewPage, actors: Actors, shot: Shot
) -> None:
    base = live_server.url
    start = recent_start()
    d = processing(actors, start=start)
    following = processing(actors, start=start + 20 * MINUTE)

    log_in(page, base, actors.processor)
    page.goto(f"{base}/staff/work/")
    row = page.locator(f'tr[data-code="{d.code}"]')
    expect(row).to_be_visible()
    expect(page.locator(f'tr[data-code="{following.code}"]')).to_be_visible()
    shot(page, "work-inbox-processor.png")

    # keyboard: "/" focuses the search, Tab reaches the dossiers
    page.keyboard.press("/")
    expect(page.locator("#inbox-q")).to_be_focused()

    row.locator("a.code").click()
    expect(page.locator("#dossier-code")).to_have_text(d.code or "")
    expect(page.locator("#steps tr.current")).to_contain_text("Thẩm định hồ sơ")
    shot(page, "work-dossier-processor.png")
    shot(page, "work-dossier-processor-full.png", full_page=True, docs=False)

    open_action(page, "forward")
    page.locator("#id_forward-note").fill("Hồ sơ đủ điều kiện, chuyển Công an xác minh")
    shot(page, "work-forward-form.png")
    page.locator('[data-submit="forward"]').click()
    # after the act: the next dossier of my queue, with a message naming the one done
    page.wait_for_url(re.compile(re.escape(f"/staff/work/dossiers/{following.code}/")))
    expect(page.locator(".messages")).to_contain_text(d.code or "")

    police = as_user(actors.police_processor)
    police.goto(f"{base}/staff/work/")
    police_row = police.locator(f'tr[data-code="{d.code}"]')
    expect(police_row).to_be_visible()
    expect(police.locator(f'tr[data-code="{following.code}"]')).to_have_count(0)
    police_row.locator("a.code").click()
    expect(police.locator("#steps tr.current")).to_contain_text("Xác minh của Công an")
    expect(police.locator("#action-forward")).to_be_visible()
    expect(police.locator("#action-approve")).to_have_count(0)
    shot(police, "work-dossier-police.png")
    open_action(police, "forward")
    police.locator("#id_forward-note").fill("Đã xác minh, không có tranh chấp")
    police.locator('[data-submit="forward"]').click()
    police.wait_for_url(f"{base}/staff/work/")
    expect(police.locator("#inbox-empty")).to_be_visible()

    d.refresh_from_db()
    assert d.current_agency.code == "H26.05"
    assert d.current_step is not None and d.current_step.role == Role.APPROVER
    rows = list(Handover.objects.filter(dossier=d, action="forward").order_by("seq"))
    assert [(r.from_agency.code if r.from_agency else None) for r in rows][-2:] == [
        "H26.05",
        "H26.07",
    ]
    page.goto(dossier_url(base, d))
    expect(page.locator("#steps tr.current")).to_contain_text("Ký duyệt")
    expect(page.locator('#handover-rows tr[data-action="forward"]')).to_have_count(3)
    page.locator("#process").scroll_into_view_if_needed()
    shot(page.locator("#process"), "work-process-inter-agency.png")


def test_inbox_colours_and_counts_follow_the_time_left(
    live_server: Any, page: Any, actors: Actors, shot: Shot
) -> None:
    from motcua.backoffice.work_selectors import inbox_for

    start = recent_start()
    processing(actors, start=vn(2026, 11, 2, 9))  # long overdue
    processing(actors, start=start)
    processing(actors, start=start + 30 * MINUTE)
    paused = processing(actors, start=start + 60 * MINUTE)
    s.dossier_pause(
        dossier=paused,
        actor=actors.processor,
        kind="financial_obligation",
        reason="Chờ nộp lệ phí trước bạ",
        at=start + 70 * MINUTE,
    )
    log_in(page, live_server.url, actors.processor)
    page.goto(f"{live_server.url}/staff/work/")
    expected = inbox_for(user=actors.processor)
    rows = page.locator("#inbox-table tbody tr")
    shown = rows.evaluate_all("rs => rs.map(r => [r.dataset.code, r.dataset.urgency])")
    assert shown == [[r.dossier.code, r.left.urgency] for r in expected.rows]
    assert shown[0][1] == "overdue" and shown[-1] == [paused.code, "stopped"]
    for value, count in expected.counts.items():
        expect(page.locator(f"#filter-{value} .n")).to_have_text(str(count))
    # the colour bar of an overdue row is the "late" red of the design tokens
    colour = rows.first.locator("td").first.evaluate("e => getComputedStyle(e).borderLeftColor")
    assert colour == "rgb(164, 22, 26)"
    shot(page, "work-inbox-colours.png")
    # filtering by a colour keeps only those rows, without reloading the page (htmx)
    page.locator("#filter-stopped").click()
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"show=stopped"))


def test_approver_approves_then_finishes(
    live_server: Any, page: Any, actors: Actors, shot: Shot, shots: Path
) -> None:
    base = live_server.url
    d = to_approval(actors)
    log_in(page, base, actors.approver)
    page.goto(f"{base}/staff/work/")
    row = page.locator(f'tr[data-code="{d.code}"]')
    expect(row).to_be_visible()
    shot(page, "work-inbox-approver.png")
    row.locator("a.code").click()
    actions = page.locator("#actions details.action")
    assert actions.evaluate_all("els => els.map(e => e.dataset.action)")[:2] == [
        "approve",
        "return-step",
    ]
    open_action(page, "approve")
    # the box must be ticked: the browser refuses to send the form without it
    page.locator('[data-submit="approve"]').click()
    expect(page.locator("#id_approve-confirmed")).to_have_js_property("validity.valid", False)
    assert Dossier.objects.get(pk=d.pk).approved_at is None
    page.locator("#id_approve-note").fill("Đồng ý cấp đổi")
    page.locator("#id_approve-confirmed").check()
    shot(page, "work-approve-form.png")
    page.locator('[data-submit="approve"]').click()
    # the approved dossier comes back to the agency: every step done, to be finished
    page.wait_for_url(re.compile(r"/staff/work/"))
    page.goto(f"{base}/staff/work/")
    expect(page.locator(f'tr[data-code="{d.code}"]')).to_be_visible()
    page.goto(dossier_url(base, d))
    open_action(page, "finish")
    page.locator("#id_finish-confirmed").check()
    page.locator('[data-submit="finish"]').click()
    page.wait_for_load_state()
    page.goto(dossier_url(base, d))
    expect(page.locator("#dossier-state")).to_have_attribute("data-state", State.FINISHED)
    # what is left to the approver of the competent agency: the electronic result only
    # (issue it, or return the result electronically); no other act
    shown = page.locator("#actions details.action").evaluate_all(
        "els => els.map(e => e.dataset.action)"
    )
    assert sorted(shown) == sorted(["issue-result", Action.RETURN_RESULT.value])
    shot(page, "work-finished.png")

    # personal data: masked until asked for, then shown in place (htmx) and audited
    number = d.applicant.personal_id or ""
    expect(page.locator("#applicant-id")).to_have_text("••••••••" + number[-4:])
    assert not AuditEvent.objects.filter(action="people.personal_data_viewed").exists()
    page.locator("#reveal-applicant").click()
    expect(page.locator("#applicant-id")).to_have_text(number)
    expect(page.locator("#applicant-revealed")).to_be_visible()
    assert page.url.endswith(f"/dossiers/{d.code}/")  # no reload
    event = AuditEvent.objects.get(action="people.personal_data_viewed")
    assert event.actor == actors.approver and event.data["dossier"] == d.code

    # printable: the print stylesheet hides the actions and keeps the history
    page.emulate_media(media="print")
    expect(page.locator("#actions")).to_be_hidden()
    expect(page.locator("#handovers")).to_be_visible()
    page.pdf(path=str(shots / "dossier-print.pdf"))
    assert (shots / "dossier-print.pdf").stat().st_size > 10_000
    d.refresh_from_db()
    assert d.state == State.FINISHED and d.approved_at is not None and d.national_status == 9


def test_supplement_moves_the_appointment(
    live_server: Any, page: Any, actors: Actors, shot: Shot
) -> None:
    base = live_server.url
    d = processing(actors)
    before = d.appointment_at
    assert before is not None
    log_in(page, base, actors.processor)
    page.goto(dossier_url(base, d))
    shown_before = appointment_in_page(page)
    assert shown_before == clock.local(before).strftime("%H:%M %d/%m/%Y")
    open_action(page, "request-supplement")
    page.locator("#id_request-supplement-items").fill(
        "Bản sao Giấy chứng nhận quyền sử dụng đất\nTrích lục bản đồ địa chính"
    )
    page.locator("#id_request-supplement-reason").fill("Thiếu giấy tờ theo quy định")
    page.locator("#id_request-supplement-confirmed").check()
    shot(page.locator("#actions"), "work-supplement-form.png")
    page.locator('[data-submit="request-supplement"]').click()
    page.wait_for_load_state()
    page.goto(dossier_url(base, d))
    expect(page.locator("#dossier-state")).to_have_attribute(
        "data-state", State.SUPPLEMENT_REQUESTED
    )
    expect(page.locator(".supplement-request")).to_contain_text("Trích lục bản đồ địa chính")
    expect(page.locator("#action-request-supplement")).to_have_count(0)

    # the citizen supplements (the portal comes later: through the service)
    s.dossier_supplement(
        dossier=Dossier.objects.get(pk=d.pk), actor=actors.citizen, note="Đã bổ sung đủ"
    )
    page.reload()
    expect(page.locator("#dossier-state")).to_have_attribute("data-state", State.PROCESSING)
    moved = Dossier.objects.get(pk=d.pk)
    assert moved.appointment_at is not None and moved.appointment_at > before
    assert appointment_in_page(page) == clock.local(moved.appointment_at).strftime("%H:%M %d/%m/%Y")
    expect(page.locator('#appointment-rows tr[data-cause="supplement"]')).to_be_visible()
    page.locator("#appointments").scroll_into_view_if_needed()
    shot(page, "work-supplement-moved.png")


def test_apology_new_appointment_on_the_receipt_reprint(
    live_server: Any, page: Any, actors: Actors, shot: Shot
) -> None:
    from pypdf import PdfReader

    base = live_server.url
    d = processing(actors)
    log_in(page, base, actors.approver)
    page.goto(dossier_url(base, d))
    open_action(page, "apologize")
    suggested = page.locator("#id_apologize-new_appointment_at").input_value()
    assert re.fullmatch(r"17:00 \d\d/\d\d/\d{4}", suggested), suggested
    expect(page.locator("#apology-hint")).to_be_visible()
    page.locator("#id_apologize-reason").fill("Cần xác minh thực địa với UBND phường")
    page.locator("#id_apologize-confirmed").check()
    page.locator("#action-apologize").scroll_into_view_if_needed()
    shot(page.locator("#actions"), "work-apology-form.png")
    page.locator('[data-submit="apologize"]').click()
    page.wait_for_load_state()

    d.refresh_from_db()
    assert d.appointment_at is not None and d.apology.new_appointment_at == d.appointment_at
    new_day = clock.local(d.appointment_at).strftime("%d/%m/%Y")
    assert suggested == clock.local(d.appointment_at).strftime("%H:%M %d/%m/%Y")
    page.goto(dossier_url(base, d))
    expect(page.locator("#apology")).to_contain_text(new_day)
    expect(page.locator("#appointment-at")).to_contain_text(new_day)
    expect(page.locator("#action-apologize")).to_have_count(0)  # only once
    page.locator("#appointments").scroll_into_view_if_needed()
    shot(page, "work-apology-done.png")

    # the receipt (form 01) reprinted from the dossier page shows the new appointment
    link = page.locator('#form-links a[data-form="01"]')
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href == f"/documents/dossiers/{d.code}/forms/01/"
    response = page.request.get(f"{base}{href}")
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(response.body())).pages)
    assert new_day in text, text[:800]
    page.reload()
    expect(page.locator('#generated-documents tr[data-form="01"]')).to_have_count(1)


def test_processor_cannot_see_or_act_on_another_agencys_dossier(
    live_server: Any, page: Any, actors: Actors, shot: Shot
) -> None:
    base = live_server.url
    d = processing(actors)
    before = Handover.objects.filter(dossier=d).count()
    log_in(page, base, actors.police_processor)
    page.goto(f"{base}/staff/work/")
    expect(page.locator(f'tr[data-code="{d.code}"]')).to_have_count(0)
    response = page.goto(dossier_url(base, d))
    assert response is not None and response.status == 403
    expect(page.locator("body")).not_to_contain_text(d.applicant.full_name)
    shot(page, "work-forbidden.png", docs=False)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for action, form in [
        ("forward", {"forward-note": "x"}),
        ("pause", {"pause-kind": "other", "pause-reason": "x"}),
    ]:
        answer = page.request.post(
            f"{dossier_url(base, d)}act/{action}/",
            form={"csrfmiddlewaretoken": token, **form},
            headers={"Referer": dossier_url(base, d)},
        )
        assert answer.status == 403
    assert Handover.objects.filter(dossier=d).count() == before
    assert Dossier.objects.get(pk=d.pk).state == State.PROCESSING


def test_tablet_layout_puts_the_actions_first(
    live_server: Any, browser: Any, actors: Actors, shots: Path
) -> None:
    d = processing(actors)
    context = browser.new_context(viewport={"width": 820, "height": 1180}, locale="vi-VN")
    tablet = context.new_page()
    try:
        log_in(tablet, live_server.url, actors.processor)
        tablet.goto(dossier_url(live_server.url, d))
        actions_box = tablet.locator("#actions").bounding_box()
        summary_box = tablet.locator("#summary").bounding_box()
        assert actions_box is not None and summary_box is not None
        assert actions_box["y"] < summary_box["y"]  # one column, actions on top
        tablet.screenshot(path=str(shots / "tablet-dossier.png"), full_page=True)
        # the page never scrolls sideways (wide tables scroll inside their own box)
        assert tablet.evaluate("document.documentElement.scrollWidth") <= 820
        tablet.goto(f"{live_server.url}/staff/work/")
        tablet.screenshot(path=str(shots / "tablet-inbox.png"), full_page=True)
        assert tablet.evaluate("document.documentElement.scrollWidth") <= 820
    finally:
        context.close()
