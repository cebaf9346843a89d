"""One dossier through the REST API: online submission → result returned, with a supplement,
a financial pause, an inter-agency step and an apology; due instants checked against workcal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from motcua.catalog.models import Process
from motcua.dossiers.clock import apology_latest_timely
from motcua.dossiers.models import Dossier, Pause
from motcua.org.models import ServicePoint, User
from motcua.workcal import Pause as ClockPause
from motcua.workcal import PauseKind as ClockPauseKind
from motcua.workcal import TimeLimit, compute_deadline
from motcua.workcal.selectors import calendar_current, office_hours_of
from tests.dossiers.conftest import PROCEDURE, Actors

pytestmark = pytest.mark.django_db


def client_for(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def post(user: User, url: str, data: dict[str, Any] | None = None, status: int = 200) -> Any:
    response = client_for(user).post(url, data or {}, format="json")
    assert response.status_code == status, response.content
    return response.json()


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_online_submission_to_result_returned(
    actors: Actors, inter_agency_process: Process
) -> None:
    # 1. online submission by the citizen: status 1, no code yet
    body = post(actors.citizen, "/api/v1/dossiers/", {"procedure": PROCEDURE}, status=201)
    assert body["national_status"] == 1 and body["code"] is None
    assert body["receiving_agency"] == "H26.30" and body["competent_agency"] == "H26.05"
    ref = body["reference"]

    # 2. reception at branch H26.30.01: code, clock, appointment = workcal's due
    body = post(actors.receiver, f"/api/v1/dossiers/{ref}/receive/")
    code = body["code"]
    assert code.startswith("H26.30-") and body["national_status"] == 2
    received = _when(body["received_at"])
    point = ServicePoint.objects.get(code="H26.30.01")
    cal, oh = calendar_current(), office_hours_of(point)
    limit = TimeLimit.working_days(5)
    assert _when(body["due_at"]) == compute_deadline(received, limit, cal, office_hours=oh).due
    assert body["appointment_at"] == body["due_at"]
    assert [s["agency"]["code"] for s in body["steps"]] == ["H26.05", "H26.07", "H26.05"]

    # 3. to the competent agency; supplement requested and given: the limit restarts
    post(actors.receiver, f"/api/v1/dossiers/{code}/forward/")
    body = post(
        actors.processor,
        f"/api/v1/dossiers/{code}/request-supplement/",
        {"items": ["Bản sao giấy chứng nhận"], "reason": "Thiếu bản sao"},
    )
    assert body["national_status"] == 5
    body = post(actors.citizen, f"/api/v1/dossiers/{code}/supplement/", {"note": "Đã bổ sung"})
    assert body["state"] == "processing"
    supplemented = _when(body["supplement_requests"][0]["fulfilled_at"])
    d = Dossier.objects.get(code=code)
    pauses = [
        ClockPause(p.started_at, p.ended_at, ClockPauseKind(p.kind))
        for p in Pause.objects.filter(dossier=d)
    ]
    expected = compute_deadline(received, limit, cal, office_hours=oh, pauses=pauses)
    assert _when(body["due_at"]) == expected.due
    assert expected.counted_from == supplemented

    # 4. inter-agency step at the police, keeping the one code
    body = post(actors.processor, f"/api/v1/dossiers/{code}/forward/")
    assert body["current_agency"] == "H26.07" and body["code"] == code

    # 5. financial obligation pause (status 6) and resume: due moves by the office time
    body = post(
        actors.police_processor,
        f"/api/v1/dossiers/{code}/pause/",
        {"kind": "financial_obligation", "reason": "Nộp lệ phí"},
    )
    assert body["national_status"] == 6
    body = post(actors.police_processor, f"/api/v1/dossiers/{code}/resume/")
    pauses = [
        ClockPause(p.started_at, p.ended_at, ClockPauseKind(p.kind))
        for p in Pause.objects.filter(dossier=d)
    ]
    expected = compute_deadline(received, limit, cal, office_hours=oh, pauses=pauses)
    assert _when(body["due_at"]) == expected.due
    post(actors.police_processor, f"/api/v1/dossiers/{code}/forward/")

    # 6. apology with a new appointment (form 04), timely or marked late
    d.refresh_from_db()
    new_appointment = (d.appointment_at or d.due_at) + dt.timedelta(days=3)  # type: ignore[operator]
    body = post(
        actors.approver,
        f"/api/v1/dossiers/{code}/apologize/",
        {"reason": "Chờ kết quả xác minh", "new_appointment_at": new_appointment.isoformat()},
    )
    assert _when(body["appointment_at"]) == new_appointment
    issued = _when(body["apology"]["issued_at"])
    assert body["apology"]["is_late"] == (issued > apology_latest_timely(d))

    # 7. approve, finish (status 9), return electronically (status 10)
    post(actors.approver, f"/api/v1/dossiers/{code}/approve/")
    body = post(actors.processor, f"/api/v1/dossiers/{code}/finish/")
    assert body["national_status"] == 9 and body["outcome"] in ("early", "on_time", "late")
    body = post(
        actors.receiver, f"/api/v1/dossiers/{code}/return-result/", {"method": "electronic"}
    )
    assert body["national_status"] == 10

    # the control sheet (form 05) has one row per act, in order, ending in the final state
    actions = [h["action"] for h in body["handovers"]]
    assert actions == [
        "submit",
        "receive",
        "forward",
        "request-supplement",
        "supplement",
        "forward",
        "pause",
        "resume",
        "forward",
        "apologize",
        "approve",
        "finish",
        "return-result",
    ]
    assert body["handovers"][-1]["state_after"] == "returned"
    assert [h["seq"] for h in body["handovers"]] == list(range(1, len(actions) + 1))
    # staff see the audit trail; the applicant's number is masked
    assert any(e["action"] == "dossier.receive" for e in body["audit"])
    assert body["applicant"]["identity_number"].startswith("••••")

    # the public lookup shows progress and nothing personal
    last4 = actors.profile.personal_id[-4:]  # type: ignore[index]
    public = APIClient().get(f"/api/v1/lookup/{code}/", {"id_last4": last4})
    assert public.status_code == 200
    assert public.json()["national_status"] == 10 and "applicant" not in public.json()
    wrong = APIClient().get(
        f"/api/v1/lookup/{code}/", {"id_last4": "0000" if last4 != "0000" else "1111"}
    )
    assert wrong.status_code == 404 and wrong.json()["code"] == "lookup.not_found"


def test_idempotent_receive_replays_and_changes_nothing(actors: Actors) -> None:
    body = post(actors.citizen, "/api/v1/dossiers/", {"procedure": PROCEDURE}, status=201)
    ref = body["reference"]
    client = client_for(actors.receiver)
    first = client.post(
        f"/api/v1/dossiers/{ref}/receive/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        f"/api/v1/dossiers/{ref}/receive/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    d = Dossier.objects.get(reference=ref)
    assert d.handovers.count() == 2  # submit + one receive


def test_errors_are_json_in_the_request_language(actors: Actors) -> None:
    body = post(actors.citizen, "/api/v1/dossiers/", {"procedure": PROCEDURE}, status=201)
    ref = body["reference"]
    for lang, word in (("vi", "hồ sơ"), ("en", "dossier")):
        client = client_for(actors.processor)
        response = client.post(
            f"/api/v1/dossiers/{ref}/finish/", {}, format="json", HTTP_ACCEPT_LANGUAGE=lang
        )
        # the processor cannot see a dossier not yet at their agency? it is: competent agency
        assert response.status_code == 409, response.content
        payload = response.json()
        assert payload["code"] == "dossier.illegal_transition"
        assert word in payload["message"].lower()
        assert payload["fields"] == {}
    bad = client_for(actors.citizen).post(
        "/api/v1/dossiers/", {"procedure": "12345"}, format="json"
    )
    assert bad.status_code == 400 and "procedure" in bad.json()["fields"]
