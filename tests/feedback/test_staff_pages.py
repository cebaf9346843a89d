"""Staff report pages: the queue, a report's page and each act through its form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from motcua.core.models import AuditEvent
from motcua.feedback.models import Report
from motcua.feedback.services import report_accept, report_answer, report_route
from motcua.org.models import User
from tests.feedback.conftest import (
    BA_DINH_AGENCY,
    POINT_A,
    POINT_B,
    FeedbackActors,
    jpeg_bytes,
    submit,
    upload,
)

pytestmark = pytest.mark.django_db

QUEUE = "/staff/feedback/"


def page(pk: int) -> str:
    return f"/staff/feedback/{pk}/"


def act(pk: int, action: str) -> str:
    return f"/staff/feedback/{pk}/act/{action}/"


def client(user: User | None) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="vi")
    if user is not None:
        c.force_login(user)
    return c


def waiting(fb: FeedbackActors, **kwargs: Any) -> Report:
    """A report with no routing rule: it waits for the dispatcher."""
    kwargs.setdefault("contact_phone", "0987654321")
    kwargs.setdefault("contact_email", "an.nguyen@example.vn")
    kwargs.setdefault("contact_name", "Nguyễn Văn An")
    return submit(fb.citizen, category="roads", text="Ổ gà lớn giữa đường Đội Cấn", **kwargs)


# ----------------------------------------------------------------------------- permissions
def test_anonymous_goes_to_login_and_citizen_gets_403(fb: FeedbackActors) -> None:
    report = waiting(fb)
    resp = Client().get(QUEUE)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    resp = Client().get(page(report.pk))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert client(fb.citizen).get(QUEUE).status_code == 403
    assert client(fb.citizen).get(page(report.pk)).status_code == 403
    resp = client(fb.citizen).post(act(report.pk, "route"), {"agency_code": BA_DINH_AGENCY})
    assert resp.status_code == 403
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED


def test_staff_of_another_agency_cannot_see_or_act(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)  # waste in Ba Đình: routed to UBND Ba Đình
    assert report.status == Report.Status.ROUTED
    other = client(fb.ngoc_ha_receiver)
    assert other.get(page(report.pk)).status_code == 403
    assert other.post(act(report.pk, "accept"), {"level": "urgent"}).status_code == 403
    assert other.get(page(999999)).status_code == 404
    # a supervisor who is not at a city-level agency is not the dispatcher
    assert client(fb.city_supervisor_elsewhere).get(QUEUE).status_code == 403
    # not in the other agency's queue either
    assert f"PA-{report.pk}" not in other.get(QUEUE).content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.ROUTED
    assert client(fb.ba_dinh_receiver).post(act(report.pk, "nonsense"), {}).status_code == 404


def test_get_is_not_allowed_on_acts_and_csrf_is_checked(fb: FeedbackActors) -> None:
    report = waiting(fb)
    assert client(fb.dispatcher).get(act(report.pk, "route")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(fb.dispatcher)
    assert strict.post(act(report.pk, "route"), {"agency_code": BA_DINH_AGENCY}).status_code == 403
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED


# ----------------------------------------------------------------------------- the queue
def test_dispatcher_queue_masks_contacts(fb: FeedbackActors) -> None:
    report = waiting(fb)
    resp = client(fb.dispatcher).get(QUEUE)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'id="section-dispatch"' in html and f"PA-{report.pk}" in html
    assert "0987654321" not in html and "•••••••321" in html
    assert "an.nguyen@example.vn" not in html and "a•••@example.vn" in html
    assert "Nguyễn Văn An" not in html and "N. V. A." in html
    assert not AuditEvent.objects.filter(action="feedback.personal_data_viewed").exists()


def test_agency_queue_groups_by_state_and_filters(fb: FeedbackActors, rules: None) -> None:
    to_accept = submit(fb.citizen)
    handling = submit(fb.citizen, point=POINT_B, text="Rác ở cổng chợ Ngọc Hà chưa được thu gom")
    report_accept(report=handling, actor=fb.ba_dinh_receiver, level="urgent")
    lighting = submit(fb.citizen, category="lighting", text="Đèn đường hỏng cả dãy phố")
    c = client(fb.ba_dinh_processor)
    html = c.get(QUEUE).content.decode()
    accept_part = html.split('id="section-accept"')[1].split('id="section-handling"')[0]
    handling_part = html.split('id="section-handling"')[1].split('id="section-answered"')[0]
    assert f"PA-{to_accept.pk}" in accept_part and f"PA-{handling.pk}" not in accept_part
    assert f"PA-{handling.pk}" in handling_part
    assert "Khẩn" in handling_part  # the level, in Vietnamese
    assert f"PA-{lighting.pk}" not in html  # routed to Sở Xây dựng
    assert 'id="section-dispatch"' not in html
    only = c.get(QUEUE, {"status": "accepted"}).content.decode()
    assert f"PA-{handling.pk}" in only and f"PA-{to_accept.pk}" not in only
    bad = c.get(QUEUE, {"status": "nope"})
    assert bad.status_code == 400
    assert 'id="id_status_error"' in bad.content.decode()


# ----------------------------------------------------------------------------- the page
def test_report_page_shows_contact_and_records_the_read(fb: FeedbackActors) -> None:
    report = waiting(fb, photos=[upload(jpeg_bytes())])
    resp = client(fb.dispatcher).get(page(report.pk))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "0987654321" in html and "an.nguyen@example.vn" in html and "Nguyễn Văn An" in html
    assert "/public/" in html and "/original/" not in html
    assert 'id="action-route"' in html and 'id="action-reject"' in html
    assert 'id="action-accept"' not in html
    event = AuditEvent.objects.get(action="feedback.personal_data_viewed")
    assert event.actor == fb.dispatcher
    assert event.object_id == str(report.pk) and event.purpose == "report handling"


# ----------------------------------------------------------------------------- acts
def test_route_accept_level_answer_through_the_pages(fb: FeedbackActors) -> None:
    report = waiting(fb)
    resp = client(fb.dispatcher).post(act(report.pk, "route"), {"agency_code": BA_DINH_AGENCY})
    assert resp.status_code == 302 and resp["Location"] == page(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.ROUTED
    assert report.agency is not None and report.agency.code == BA_DINH_AGENCY
    receiver = client(fb.ba_dinh_receiver)
    html = receiver.get(page(report.pk)).content.decode()
    assert 'id="action-accept"' in html and 'id="action-return"' in html
    resp = receiver.post(act(report.pk, "accept"), {"level": "urgent"}, follow=True)
    assert resp.status_code == 200
    assert f"PA-{report.pk}" in resp.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED and report.level == "urgent"
    resp = receiver.post(act(report.pk, "level"), {"level": "complex"})
    assert resp.status_code == 302
    report.refresh_from_db()
    assert report.level == "complex"
    resp = client(fb.ba_dinh_processor).post(
        act(report.pk, "answer"),
        {"text": "Đã vá ổ gà và hoàn trả mặt đường.", "photos": [upload(jpeg_bytes())]},
    )
    assert resp.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.ANSWERED
    assert report.photos.filter(answer__isnull=False).count() == 1
    html = client(fb.ba_dinh_processor).get(page(report.pk)).content.decode()
    assert "Đã vá ổ gà" in html
    assert 'id="action-answer"' not in html and 'id="action-level"' not in html
    assert 'data-event="feedback.route"' in html and 'data-event="feedback.answer"' in html


def test_return_and_reject(fb: FeedbackActors) -> None:
    report = waiting(fb)
    report_route(report=report, actor=fb.dispatcher, agency_code=BA_DINH_AGENCY)
    resp = client(fb.ba_dinh_receiver).post(
        act(report.pk, "return"), {"reason": "Không thuộc thẩm quyền của phường"}
    )
    # the report left the agency: back to the queue
    assert resp.status_code == 302 and resp["Location"] == QUEUE
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED and report.agency is None
    resp = client(fb.dispatcher).post(
        act(report.pk, "reject"), {"reason": "Nội dung không rõ ràng, không xác minh được"}
    )
    assert resp.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.REJECTED


def test_bad_input_shows_a_vietnamese_field_error_and_changes_nothing(
    fb: FeedbackActors,
) -> None:
    report = waiting(fb)
    dispatcher = client(fb.dispatcher)
    resp = dispatcher.post(act(report.pk, "route"), {"agency_code": ""})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'id="id_route_agency_code"' in html and "Hãy chọn cơ quan." in html
    resp = dispatcher.post(act(report.pk, "reject"), {"reason": "abc"})
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "ít nhất 5 ký tự" in html
    assert "abc</textarea>" in html  # what was typed is kept
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    report_route(report=report, actor=fb.dispatcher, agency_code=BA_DINH_AGENCY)
    receiver = client(fb.ba_dinh_receiver)
    resp = receiver.post(act(report.pk, "accept"), {"level": "very"})
    assert resp.status_code == 400
    report_accept(report=report, actor=fb.ba_dinh_receiver, level="normal")
    resp = receiver.post(act(report.pk, "answer"), {"text": "ok"})
    assert resp.status_code == 422
    assert "ít nhất 10 ký tự" in resp.content.decode()
    resp = receiver.post(
        act(report.pk, "answer"),
        {"text": "Đã xử lý xong ổ gà.", "photos": [upload(b"not an image", "a.jpg")]},
    )
    assert resp.status_code == 422
    assert "Đã xử lý xong ổ gà." in resp.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED
    assert report.answers.count() == 0


def test_conflict_is_409_with_a_message(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    report_accept(report=report, actor=fb.ba_dinh_receiver, level="normal")
    resp = client(fb.ba_dinh_receiver).post(act(report.pk, "return"), {"reason": "Không phải"})
    assert resp.status_code == 409
    assert 'id="action-error"' in resp.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED


def test_merge_a_suggested_duplicate(fb: FeedbackActors, rules: None) -> None:
    primary = submit(fb.citizen, point=POINT_A)
    duplicate = submit(fb.other_citizen, point=POINT_B, text="Rác đổ trộm ở ngõ 12 Đội Cấn")
    receiver = client(fb.ba_dinh_receiver)
    html = receiver.get(page(primary.pk)).content.decode()
    assert f'data-merge="{duplicate.pk}"' in html
    resp = receiver.post(act(primary.pk, "merge"), {"duplicate": "999999"})
    assert resp.status_code == 422
    html = resp.content.decode()
    assert 'id="action-merge" data-action="merge" open' in html
    assert 'class="errorlist' in html.split('id="action-merge"')[1]
    resp = receiver.post(act(primary.pk, "merge"), {"duplicate": "abc"})
    assert resp.status_code == 400
    resp = receiver.post(act(primary.pk, "merge"), {"duplicate": str(duplicate.pk)})
    assert resp.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Report.Status.MERGED and duplicate.merged_into_id == primary.pk


def test_answered_section_and_the_answer_are_shown(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    report_accept(report=report, actor=fb.ba_dinh_receiver, level="urgent")
    report_answer(report=report, actor=fb.ba_dinh_processor, text="Đã thu gom toàn bộ rác.")
    html = client(fb.ba_dinh_receiver).get(QUEUE).content.decode()
    answered = html.split('id="section-answered"')[1]
    assert f"PA-{report.pk}" in answered
