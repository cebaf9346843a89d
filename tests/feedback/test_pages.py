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


# --- the check step, following, rating and reopening -----------------------------------------


def test_check_step_suggests_and_keeps_what_was_typed(fb: FeedbackActors, rules: None) -> None:
    existing = submit(fb.citizen, point=POINT_A, text="Rác thải tập kết trái phép đầu ngõ 12")
    resp = Client(HTTP_ACCEPT_LANGUAGE="vi").post(
        "/feedback/new/",
        _form(
            check="1",
            latitude=POINT_B[0],
            longitude=POINT_B[1],
            photos=[upload(jpeg_bytes())],
        ),
    )
    assert resp.status_code == 200
    html = resp.content.decode()
    assert f'data-suggestion="{existing.pk}"' in html
    assert f'action="/feedback/{existing.pk}/follow/"' in html
    assert "Ngõ 12 Đội Cấn" in html and "suốt ba ngày" in html  # typed text kept
    assert 'id="photos-again"' in html
    assert Report.objects.count() == 1  # nothing was filed
    # nothing near, nothing similar: said so
    resp = Client().post("/feedback/new/", _form(check="1", category="roads"))
    assert resp.status_code == 200 and 'id="no-duplicates"' in resp.content.decode()
    # the check needs the shape of the form
    resp = Client().post("/feedback/new/", _form(check="1", category=""))
    assert resp.status_code == 400 and 'id="id_category_error"' in resp.content.decode()


def test_submitted_page_offers_to_follow_and_anonymous_follows(
    fb: FeedbackActors, rules: None
) -> None:
    existing = submit(fb.citizen, point=POINT_A)
    resp = Client().post("/feedback/new/", _form(latitude=POINT_B[0], longitude=POINT_B[1]))
    assert resp.status_code == 201
    assert f'action="/feedback/{existing.pk}/follow/"' in resp.content.decode()
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="vi")
    resp = anonymous.post(f"/feedback/{existing.pk}/follow/", {"contact_phone": ""})
    assert resp.status_code == 422
    assert f'id="id_follow{existing.pk}_contact_phone_error"' in resp.content.decode()
    assert existing.followers.count() == 0
    resp = anonymous.post(f"/feedback/{existing.pk}/follow/", {"contact_phone": "0911222333"})
    assert resp.status_code == 302 and resp["Location"] == f"/feedback/{existing.pk}/"
    follower = existing.followers.get()
    assert follower.contact_phone == "0911222333" and follower.user is None
    page = anonymous.get(f"/feedback/{existing.pk}/").content.decode()
    assert "0911222333" not in page


def test_logged_in_citizen_follows_once(fb: FeedbackActors, rules: None) -> None:
    existing = submit(fb.citizen)
    other = Client()
    other.force_login(fb.other_citizen)
    html = other.get(f"/feedback/{existing.pk}/").content.decode()
    assert 'id="follow"' in html and 'name="contact_phone"' not in html
    assert other.post(f"/feedback/{existing.pk}/follow/").status_code == 302
    again = other.post(f"/feedback/{existing.pk}/follow/")
    assert again.status_code == 409
    assert existing.followers.filter(user=fb.other_citizen).count() == 1
    # the reporter is not offered to follow their own report
    mine = Client()
    mine.force_login(fb.citizen)
    assert 'id="follow"' not in mine.get(f"/feedback/{existing.pk}/").content.decode()


def test_reporter_rates_then_reopens_once(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    report_accept(report=report, actor=fb.ba_dinh_receiver, level="urgent")
    report_answer(report=report, actor=fb.ba_dinh_processor, text="Đã thu gom toàn bộ rác.")
    url = f"/feedback/{report.pk}/"
    # anonymous: to the login page; another citizen: not the reporter (403)
    anon = Client().post(f"{url}rate/", {"satisfied": "yes"})
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]
    other = Client()
    other.force_login(fb.other_citizen)
    assert 'id="rate-yes"' not in other.get(url).content.decode()
    assert other.post(f"{url}rate/", {"satisfied": "yes"}).status_code == 403
    reporter = Client(HTTP_ACCEPT_LANGUAGE="vi")
    reporter.force_login(fb.citizen)
    html = reporter.get(url).content.decode()
    assert 'id="rate-yes"' in html and 'id="rate-no"' in html and 'id="reopen"' not in html
    assert reporter.post(f"{url}rate/", {"satisfied": "maybe"}).status_code == 400
    assert reporter.post(f"{url}reopen/").status_code == 409  # not rated unsatisfied
    resp = reporter.post(f"{url}rate/", {"satisfied": "no"})
    assert resp.status_code == 302
    report.refresh_from_db()
    assert report.satisfied is False
    html = reporter.get(url).content.decode()
    assert 'id="rate-yes"' not in html and 'id="reopen"' in html
    assert reporter.post(f"{url}reopen/").status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED and report.reopen_count == 1
    # answered again: rated satisfied, no reopening offered any more
    report_answer(report=report, actor=fb.ba_dinh_processor, text="Đã xử lý dứt điểm điểm rác.")
    assert reporter.post(f"{url}rate/", {"satisfied": "yes"}).status_code == 302
    report.refresh_from_db()
    assert report.satisfied is True
    html = reporter.get(url).content.decode()
    assert 'id="my-rating-value"' in html and 'id="reopen"' not in html


def test_citizen_forms_are_csrf_protected(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(fb.other_citizen)
    assert strict.post(f"/feedback/{report.pk}/follow/").status_code == 403
    assert report.followers.count() == 0


def test_public_photo_copies_are_served_and_originals_are_not(
    client: Any, fb: FeedbackActors, rules: None
) -> None:
    report = submit(None, contact_phone="0912345678", photos=[upload(jpeg_bytes(gps=POINT_A))])
    photo = report.photos.get()
    public = client.get(photo.public_file.url)
    assert public.status_code == 200
    assert public["Content-Type"] == "image/jpeg"
    body = b"".join(public.streaming_content)
    with photo.public_file.open("rb") as stored:
        assert body == stored.read()
    assert b"SecretCameraMaker" not in body  # the EXIF of the original is gone
    original = "/media/" + photo.file.name
    assert photo.file.name.startswith("feedback/original/")
    assert client.get(original).status_code == 404
    assert client.get("/media/feedback/public/../original/x.jpg").status_code == 404
