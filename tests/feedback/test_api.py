"""The feedback API under /api/v1/feedback/: public reads, anonymous submission, actions."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from motcua.feedback.models import Report
from tests.feedback.conftest import POINT_A, POINT_B, FeedbackActors, jpeg_bytes, upload

pytestmark = pytest.mark.django_db

BASE = "/api/v1/feedback/reports/"


def _client(user: Any = None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    if user is not None:
        client.force_authenticate(user)
    return client


def _form(**over: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "category": "waste",
        "text": "Rác thải tập kết trái phép ở đầu ngõ 12 suốt ba ngày",
        "commune": "00004",
        "address": "Ngõ 12 Đội Cấn",
        "latitude": POINT_A[0],
        "longitude": POINT_A[1],
        "contact_phone": "0912345678",
    }
    form.update(over)
    return form


def test_anonymous_submission_with_photo_and_duplicate(fb: FeedbackActors, rules: None) -> None:
    first = _client().post(BASE, _form(photos=[upload(jpeg_bytes())]), format="multipart")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "routed"
    assert len(body["photos"]) == 1
    assert "0912345678" not in first.content.decode()
    second = _client().post(
        BASE, _form(latitude=POINT_B[0], longitude=POINT_B[1]), format="multipart"
    )
    assert second.status_code == 201
    assert [d["id"] for d in second.json()["duplicates"]] == [body["id"]]
    near = _client().get(
        BASE + "duplicates/",
        {"category": "waste", "latitude": POINT_B[0], "longitude": POINT_B[1]},
    )
    assert near.status_code == 200
    assert {d["id"] for d in near.json()} == {body["id"], second.json()["id"]}


def test_bad_input_names_the_field_in_vietnamese(fb: FeedbackActors) -> None:
    resp = _client().post(BASE, _form(latitude=10.77, longitude=106.70), format="json")
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "feedback.outside_city"
    assert "Hà Nội" in body["fields"]["latitude"][0]
    resp = _client().post(BASE, _form(category="ufo"), format="json")
    assert resp.status_code == 400
    assert "category" in resp.json()["fields"]
    resp = _client().post(
        BASE,
        _form(photos=[upload(b"not an image", "x.jpg")]),
        format="multipart",
    )
    assert resp.status_code == 422
    assert "photos[0]" in resp.json()["fields"]
    assert Report.objects.count() == 0


def test_staff_flow_and_permissions(fb: FeedbackActors, rules: None) -> None:
    created = _client(fb.citizen).post(BASE, _form(), format="json").json()
    url = f"{BASE}{created['id']}/"
    assert _client().post(url + "accept/", {"level": "urgent"}).status_code in (401, 403)
    assert (
        _client(fb.ngoc_ha_receiver).post(url + "accept/", {"level": "urgent"}).status_code == 403
    )
    bad = _client(fb.ba_dinh_receiver).post(url + "accept/", {"level": "x"}, format="json")
    assert bad.status_code == 400 and "level" in bad.json()["fields"]
    ok = _client(fb.ba_dinh_receiver).post(url + "accept/", {"level": "urgent"}, format="json")
    assert ok.status_code == 200 and ok.json()["level"] == "urgent"
    queue = _client(fb.ba_dinh_receiver).get(BASE + "queue/")
    assert [r["id"] for r in queue.json()["results"]] == [created["id"]]
    assert _client(fb.citizen).get(BASE + "queue/").status_code == 403
    answered = _client(fb.ba_dinh_processor).post(
        url + "answer/",
        {"text": "Đã thu gom toàn bộ rác tại điểm này.", "photos": [upload(jpeg_bytes())]},
        format="multipart",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["answer"]["text"].startswith("Đã thu gom")
    assert _client(fb.other_citizen).post(url + "rate/", {"satisfied": True}).status_code == 403
    rated = _client(fb.citizen).post(url + "rate/", {"satisfied": True}, format="json")
    assert rated.status_code == 200 and rated.json()["satisfied"] is True
    public = _client().get(url)
    assert public.status_code == 200
    assert public.json()["status"] == "answered"
    assert fb.citizen.username not in public.content.decode()
    listing = _client().get(BASE, {"commune": "00004", "status": "answered"})
    assert [r["id"] for r in listing.json()["results"]] == [created["id"]]
    measures = _client(fb.dispatcher).get(
        BASE + "measures/", {"since": "2026-01-01", "until": "2030-12-31"}
    )
    assert measures.status_code == 200
    assert measures.json()["handling_rate"] == 1.0
    assert (
        _client(fb.ba_dinh_receiver)
        .get(BASE + "measures/", {"since": "2026-01-01", "until": "2030-12-31"})
        .status_code
        == 403
    )


def test_unknown_report_is_404(fb: FeedbackActors) -> None:
    resp = _client().get(f"{BASE}999999/")
    assert resp.status_code == 404
    assert resp.json()["code"] == "feedback.not_found"


def test_anonymous_filing_is_rate_limited_per_address(
    fb: FeedbackActors, rules: None, settings: Any
) -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "feedback-anon": "2/hour", "feedback-user": "3/hour"},
    }
    for _ in range(2):
        assert _client().post(BASE, _form(), format="json").status_code == 201
    refused = _client().post(BASE, _form(), format="json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    # the refusal wrote nothing; following an existing report draws on the same budget
    assert Report.objects.count() == 2
    first = Report.objects.order_by("pk").first()
    assert first is not None
    follow = _client().post(f"{BASE}{first.pk}/follow/", {"contact_phone": "0987654321"})
    assert follow.status_code == 429
    # a signed-in citizen has a budget of their own, per account
    for _ in range(3):
        assert _client(fb.citizen).post(BASE, _form(), format="json").status_code == 201
    assert _client(fb.citizen).post(BASE, _form(), format="json").status_code == 429
    # staff actions are not counted against anyone
    assert _client(fb.ba_dinh_receiver).get(BASE + "queue/").status_code == 200


def test_duplicates_is_a_plain_list_and_queue_is_paged(fb: FeedbackActors, rules: None) -> None:
    for _ in range(3):
        assert _client(fb.citizen).post(BASE, _form(), format="json").status_code == 201
    near = _client().get(BASE + "duplicates/", {"category": "waste", "commune": "00004"})
    assert isinstance(near.json(), list)
    first = _client(fb.ba_dinh_receiver).get(BASE + "queue/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = _client(fb.ba_dinh_receiver).get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 3


def test_too_many_photos_is_a_rule_answered_422(fb: FeedbackActors, rules: None) -> None:
    photos = [upload(jpeg_bytes(), f"anh{i}.jpg") for i in range(6)]
    resp = _client().post(BASE, _form(photos=photos), format="multipart")
    assert resp.status_code == 422
    assert "photos" in resp.json()["fields"]
    # a JSON body has no photos field at all: an unknown "photos" key is ignored, not a file
    resp = _client().post(BASE, _form(photos=["x"]), format="json")
    assert resp.status_code == 201
    assert resp.json()["photos"] == []
    assert Report.objects.count() == 1


def test_an_empty_query_parameter_is_refused_not_ignored(fb: FeedbackActors) -> None:
    for params in ({"commune": ""}, {"text": ""}, {"latitude": ""}):
        resp = _client().get(BASE + "duplicates/", {"category": "waste", **params})
        assert resp.status_code == 400, params
        assert set(resp.json()["fields"]) == set(params)
    ok = _client().get(BASE + "duplicates/", {"category": "waste", "commune": "00004"})
    assert ok.status_code == 200
