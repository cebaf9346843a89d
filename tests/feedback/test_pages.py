"""Public pages: the form with the commune + address fallback, the list and a report's page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from motcua.feedback.models import Report
from motcua.feedback.services import report_accept, report_answer
from tests.feedback.conftest import POINT_A, POINT_B, FeedbackActors, jpeg_bytes, submit, upload

pytestmark = pytest.mark.django_db


def _form(**over: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "category": "waste",
        "text": "Rác thải tập kết trái phép ở đầu ngõ 12 suốt ba ngày",
        "commune": "00004",
        "address": "Ngõ 12 Đội Cấn",
        "contact_phone": "0912345678",
    }
    form.update(over)
    return form


def test_form_lists_the_communes_of_hanoi(fb: FeedbackActors) -> None:
    page = Client().get("/feedback/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="00004"' in html and "Phường Ba Đình" in html
    assert 'type="file" name="photos"' in html


def test_anonymous_submits_without_a_map_and_sees_a_duplicate(
    fb: FeedbackActors, rules: None
) -> None:
    existing = submit(fb.citizen, point=POINT_A, text="Rác thải tập kết trái phép đầu ngõ 12")
    resp = Client().post(
        "/feedback/new/",
        _form(photos=[upload(jpeg_bytes())], latitude=POINT_B[0], longitude=POINT_B[1]),
    )
    assert resp.status_code == 201, resp.content.decode()[:2000]
    html = resp.content.decode()
    assert f"PA-{existing.pk}" in html
    assert Report.objects.count() == 2
    created = Report.objects.exclude(pk=existing.pk).get()
    assert created.photos.count() == 1
    assert created.contact_phone == "0912345678"
    assert "0912345678" not in html


def test_field_errors_shown_next_to_the_fields(fb: FeedbackActors) -> None:
    resp = Client(HTTP_ACCEPT_LANGUAGE="vi").post(
        "/feedback/new/", _form(contact_phone="", latitude=10.77, longitude=106.70)
    )
    assert resp.status_code == 422
    html = resp.content.decode()
    assert 'id="id_latitude_error"' in html
    assert 'id="id_contact_phone_error"' in html
    resp = Client().post("/feedback/new/", _form(photos=[upload(b"not an image", "a.jpg")]))
    assert resp.status_code == 422
    assert Report.objects.count() == 0
    resp = Client().post("/feedback/new/", _form(commune=""))
    assert resp.status_code == 400
    assert 'id="id_commune_error"' in resp.content.decode()


def test_public_page_and_list_hide_personal_data(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen, contact_phone="0987654321", contact_name="Nguyễn Văn An")
    report_accept(report=report, actor=fb.ba_dinh_receiver, level="urgent")
    report_answer(
        report=report,
        actor=fb.ba_dinh_processor,
        text="Đã thu gom toàn bộ rác tại điểm này.",
        photos=[upload(jpeg_bytes())],
    )
    page = Client().get(f"/feedback/{report.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đã thu gom toàn bộ rác" in html
    assert "0987654321" not in html and "Nguyễn Văn An" not in html
    assert "/original/" not in html and "/public/" in html
    listing = Client().get("/feedback/", {"commune": "00004", "status": "answered"})
    assert f"PA-{report.pk}" in listing.content.decode()
    other = Client().get("/feedback/", {"status": "routed"})
    assert f"PA-{report.pk}" not in other.content.decode()
    assert Client().get("/feedback/999999/").status_code == 404
