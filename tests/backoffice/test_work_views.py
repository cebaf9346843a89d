"""The processing pages through Django's test client: each action by POST, who may see and do
what, bad input, personal data, and the page after an act (the next dossier in my queue)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from motcua.core.models import AuditEvent
from motcua.dossiers import services as s
from motcua.dossiers.models import Apology, Dossier, Handover
from motcua.dossiers.states import State
from motcua.org.roles import Role
from motcua.workcal.types import VN_TZ
from tests.backoffice.conftest import Login, drive
from tests.backoffice.work_fixtures import (  # noqa: F401 - fixture
    MINUTE,
    inter_agency_process,
    processing,
    recent_start,
    to_approval,
)
from tests.dossiers.conftest import Actors, vn
from tests.factories import staff

pytestmark = pytest.mark.django_db

REQUIRED_VI = "Trường này là bắt buộc."


def page_url(d: Dossier) -> str:
    return f"/staff/work/dossiers/{d.identifier}/"


def act_url(d: Dossier, action: str) -> str:
    return f"/staff/work/dossiers/{d.identifier}/act/{action}/"


def offered(html: str) -> list[str]:
    return re.findall(r'<details class="action[^"]*" id="action-([a-z-]+)"', html)


def fresh(d: Dossier) -> Dossier:
    return Dossier.objects.get(pk=d.pk)


def handovers(d: Dossier) -> int:
    return Handover.objects.filter(dossier=d).count()


# ----------------------------------------------------------------------------- access
def test_anonymous_goes_to_login_and_citizen_is_forbidden(actors: Actors, login: Login) -> None:
    d = processing(actors)
    response = Client().get(page_url(d))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert login(actors.citizen).get(page_url(d)).status_code == 403
    assert login(actors.citizen).get("/staff/work/").status_code == 403


def test_receiver_has_no_inbox_but_sees_the_dossier_page(actors: Actors, login: Login) -> None:
    d = processing(actors)
    client = login(actors.receiver)
    assert client.get("/staff/work/").status_code == 403
    response = client.get(page_url(d))
    assert response.status_code == 200
    assert offered(response.content.decode()) == ["request-supplement"]


def test_other_agency_gets_403_on_page_and_actions_and_nothing_changes(
    actors: Actors, login: Login
) -> None:
    d = processing(actors)
    before = (handovers(d), fresh(d).state, AuditEvent.objects.count())
    police = login(actors.police_processor)
    assert police.get(page_url(d)).status_code == 403
    for action, data in [
        ("forward", {}),
        ("pause", {"pause-kind": "other", "pause-reason": "x"}),
        ("return-step", {"return-step-reason": "x"}),
    ]:
        assert police.post(act_url(d, action), data).status_code == 403
    assert police.post(f"/staff/work/dossiers/{d.code}/applicant/").status_code == 403
    assert (handovers(d), fresh(d).state, AuditEvent.objects.count()) == before
    assert str(d.code) not in police.get("/staff/work/").content.decode()


def test_unknown_dossier_and_unknown_action_are_404(actors: Actors, login: Login) -> None:
    d = processing(actors)
    client = login(actors.processor)
    assert client.get("/staff/work/dossiers/H26.30-991231-9999/").status_code == 404
    assert client.post(act_url(d, "explode")).status_code == 404
    assert client.post(act_url(d, "receive")).status_code == 404  # a counter act, not here
    assert client.get(act_url(d, "forward")).status_code == 405


def test_a_dossier_not_yet_received_opens_by_its_submission_number(
    actors: Actors, login: Login
) -> None:
    d = drive(actors, State.SUBMITTED)
    assert d.code is None
    response = login(actors.receiver).get(f"/staff/work/dossiers/{d.reference}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert d.reference in html and offered(html) == [] and 'id="form-links"' not in html


def test_supervisor_reads_without_actions(actors: Actors, login: Login) -> None:
    d = processing(actors)
    supervisor = staff(Role.SUPERVISOR, agency_code="H26.30")
    response = login(supervisor).get(page_url(d))
    assert response.status_code == 200 and offered(response.content.decode()) == []
    assert login(supervisor).get("/staff/work/").status_code == 403


# ----------------------------------------------------------------------------- offers
def test_actions_offered_match_the_role_and_step(actors: Actors, login: Login) -> None:
    d = processing(actors)
    proc = offered(login(actors.processor).get(page_url(d)).content.decode())
    assert proc == ["forward", "return-step", "request-supplement", "pause"]
    lead = offered(login(actors.approver).get(page_url(d)).content.decode())
    # the leader is not at the processor's step, but signs apologies, refusals, stops
    assert lead == ["request-supplement", "pause", "apologize", "refuse", "stop"]

    d = to_approval(actors)
    proc = offered(login(actors.processor).get(page_url(d)).content.decode())
    assert "approve" not in proc and "forward" not in proc
    lead = offered(login(actors.approver).get(page_url(d)).content.decode())
    assert lead[:2] == ["approve", "return-step"]


def test_old_dossier_offers_no_supplement_and_no_refusal(actors: Actors, login: Login) -> None:
    # received on 2 Nov 2026: the 3-working-day supplement window and the appointment passed
    d = processing(actors, start=vn(2026, 11, 2, 9))
    html = login(actors.approver).get(page_url(d)).content.decode()
    assert "request-supplement" not in offered(html) and "refuse" not in offered(html)
    assert "apologize" in offered(html)
    assert 'id="apology-hint"' in html


# ----------------------------------------------------------------------------- actions
def test_forward_goes_to_the_next_dossier_in_my_queue(actors: Actors, login: Login) -> None:
    start = recent_start()
    first = processing(actors, start=start)
    second = processing(actors, start=start + 20 * MINUTE)
    client = login(actors.processor)
    response = client.post(act_url(first, "forward"), {"forward-note": "Đủ điều kiện"})
    assert response.status_code == 302
    assert response["Location"] == page_url(second)
    d = fresh(first)
    assert d.current_step is not None and d.current_step.role == Role.APPROVER
    last = Handover.objects.filter(dossier=d).order_by("-seq").first()
    assert last is not None and last.action == "forward" and last.note == "Đủ điều kiện"
    assert last.from_user == actors.processor
    follow = client.get(response["Location"])
    assert str(second.code) in follow.content.decode()
    assert str(first.code) in follow.content.decode()  # the message names the dossier just done


def test_last_dossier_done_goes_back_to_the_inbox(actors: Actors, login: Login) -> None:
    d = processing(actors)
    response = login(actors.processor).post(act_url(d, "forward"), {})
    assert response.status_code == 302 and response["Location"] == "/staff/work/"


def test_approve_then_finish_with_confirmation(actors: Actors, login: Login) -> None:
    d = to_approval(actors)
    client = login(actors.approver)
    response = client.post(act_url(d, "approve"), {"approve-note": ""})
    assert response.status_code == 422  # not confirmed
    assert fresh(d).approved_at is None
    assert 'id="id_approve-confirmed_error"' in response.content.decode()
    response = client.post(act_url(d, "approve"), {"approve-confirmed": "on"})
    assert response.status_code == 302
    d = fresh(d)
    assert d.approved_at is not None and d.current_step is None and d.state == State.PROCESSING
    assert offered(client.get(page_url(d)).content.decode())[0] == "finish"
    response = client.post(act_url(d, "finish"), {"finish-confirmed": "on"})
    assert response.status_code == 302
    assert fresh(d).state == State.FINISHED and fresh(d).national_status == 9


def test_return_step_needs_a_reason(actors: Actors, login: Login) -> None:
    d = to_approval(actors)
    client = login(actors.approver)
    before = handovers(d)
    response = client.post(act_url(d, "return-step"), {"return-step-reason": "  "})
    assert response.status_code == 422
    html = response.content.decode()
    assert REQUIRED_VI in html
    assert 'id="action-return-step" data-action="return-step" open' in html
    assert handovers(d) == before
    response = client.post(act_url(d, "return-step"), {"return-step-reason": "Thẩm định lại"})
    assert response.status_code == 302
    d = fresh(d)
    assert d.current_step is not None and d.current_step.role == Role.PROCESSOR


def test_request_supplement_then_citizen_supplements(actors: Actors, login: Login) -> None:
    d = processing(actors)
    first_due = d.due_at
    client = login(actors.processor)
    response = client.post(
        act_url(d, "request-supplement"),
        {
            "request-supplement-items": "Bản sao sổ đỏ\n\nTrích lục bản đồ",
            "request-supplement-reason": "Thiếu giấy tờ",
            "request-supplement-confirmed": "on",
        },
    )
    assert response.status_code == 302
    d = fresh(d)
    assert d.state == State.SUPPLEMENT_REQUESTED and d.national_status == 5
    request = d.supplement_requests.get()
    assert request.items == ["Bản sao sổ đỏ", "Trích lục bản đồ"]
    html = client.get(page_url(d)).content.decode()
    assert "Trích lục bản đồ" in html and "request-supplement" not in offered(html)
    s.dossier_supplement(dossier=d, actor=actors.citizen, note="Đã bổ sung")
    d = fresh(d)
    assert d.state == State.PROCESSING
    assert first_due is not None and d.due_at is not None and d.due_at > first_due
    html = client.get(page_url(d)).content.decode()
    assert 'data-cause="supplement"' in html


def test_supplement_items_required_in_vietnamese(actors: Actors, login: Login) -> None:
    d = processing(actors)
    response = login(actors.processor).post(
        act_url(d, "request-supplement"),
        {"request-supplement-reason": "Thiếu", "request-supplement-confirmed": "on"},
    )
    assert response.status_code == 422
    assert REQUIRED_VI in response.content.decode()
    assert fresh(d).state == State.PROCESSING and not fresh(d).supplement_requests.exists()


def test_pause_and_resume(actors: Actors, login: Login) -> None:
    d = processing(actors)
    client = login(actors.processor)
    response = client.post(
        act_url(d, "pause"), {"pause-kind": "financial_obligation", "pause-reason": "Lệ phí"}
    )
    assert response.status_code == 302
    d = fresh(d)
    assert d.state == State.FINANCIAL_OBLIGATION and d.national_status == 6
    html = client.get(page_url(d)).content.decode()
    assert offered(html)[0] == "resume" and "Lệ phí" in html
    assert client.post(act_url(d, "resume"), {"resume-note": "Đã nộp"}).status_code == 302
    assert fresh(d).state == State.PROCESSING


def test_pause_kind_must_be_one_of_the_lawful_kinds(actors: Actors, login: Login) -> None:
    d = processing(actors)
    response = login(actors.processor).post(
        act_url(d, "pause"), {"pause-kind": "supplement", "pause-reason": "x"}
    )
    assert response.status_code == 422
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
    assert fresh(d).state == State.PROCESSING


def test_apology_with_the_suggested_appointment(actors: Actors, login: Login) -> None:
    d = processing(actors)
    client = login(actors.approver)
    html = client.get(page_url(d)).content.decode()
    match = re.search(r'name="apologize-new_appointment_at" value="([^"]+)"', html)
    assert match is not None, "the form proposes a new appointment"
    suggested = dt.datetime.strptime(match.group(1), "%H:%M %d/%m/%Y").replace(tzinfo=VN_TZ)
    assert d.appointment_at is not None and suggested > d.appointment_at
    response = client.post(
        act_url(d, "apologize"),
        {
            "apologize-reason": "Chờ xác minh thực địa",
            "apologize-new_appointment_at": match.group(1),
            "apologize-confirmed": "on",
        },
    )
    assert response.status_code == 302
    apology = Apology.objects.get(dossier=d)
    assert apology.new_appointment_at == suggested
    assert fresh(d).appointment_at == apology.new_appointment_at
    html = client.get(page_url(d)).content.decode()
    assert 'id="apology"' in html and "apologize" not in offered(html)
    assert 'data-cause="apology"' in html


def test_apology_earlier_than_the_appointment_is_refused_on_the_field(
    actors: Actors, login: Login
) -> None:
    d = processing(actors)
    response = login(actors.approver).post(
        act_url(d, "apologize"),
        {
            "apologize-reason": "x",
            "apologize-new_appointment_at": "17:00 05/01/2026",
            "apologize-confirmed": "on",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Ngày hẹn trả mới phải sau ngày hẹn hiện tại." in html  # the service's message
    assert not Apology.objects.filter(dossier=d).exists()


def test_apology_date_in_a_wrong_format_names_the_field(actors: Actors, login: Login) -> None:
    d = processing(actors)
    response = login(actors.approver).post(
        act_url(d, "apologize"),
        {
            "apologize-reason": "x",
            "apologize-new_appointment_at": "30-11-2026",
            "apologize-confirmed": "on",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_apologize-new_appointment_at_error"' in html
    assert "Nhập một ngày/thời gian hợp lệ." in html
    assert not Apology.objects.filter(dossier=d).exists()


def test_refuse_needs_reasons_and_confirmation(actors: Actors, login: Login) -> None:
    d = processing(actors)
    client = login(actors.approver)
    response = client.post(act_url(d, "refuse"), {"refuse-reasons": "Không đủ điều kiện"})
    assert response.status_code == 422 and fresh(d).state == State.PROCESSING
    response = client.post(
        act_url(d, "refuse"),
        {"refuse-reasons": "Không đủ điều kiện", "refuse-confirmed": "on"},
    )
    assert response.status_code == 302
    d = fresh(d)
    assert d.state == State.FINISHED and d.result_kind == "refused"


def test_processor_cannot_refuse_even_by_posting(actors: Actors, login: Login) -> None:
    d = processing(actors)
    before = handovers(d)
    response = login(actors.processor).post(
        act_url(d, "refuse"), {"refuse-reasons": "x", "refuse-confirmed": "on"}
    )
    assert response.status_code == 403
    assert 'id="action-error"' in response.content.decode()
    assert handovers(d) == before and fresh(d).state == State.PROCESSING


def test_action_not_allowed_in_the_state_is_409(actors: Actors, login: Login) -> None:
    d = processing(actors)
    response = login(actors.processor).post(act_url(d, "resume"), {})
    assert response.status_code == 409
    assert "Không thể “tiếp tục xử lý” khi hồ sơ đang ở trạng thái" in response.content.decode()
    assert fresh(d).state == State.PROCESSING


def test_stop_by_the_leader(actors: Actors, login: Login) -> None:
    d = processing(actors)
    response = login(actors.approver).post(
        act_url(d, "stop"), {"stop-reason": "Theo đề nghị của cơ quan thuế", "stop-confirmed": "1"}
    )
    assert response.status_code == 302
    d = fresh(d)
    assert d.state == State.STOPPED and d.stop_notice.reason.startswith("Theo đề nghị")


def test_withdrawal_decided_by_the_leader(actors: Actors, login: Login) -> None:
    d = processing(actors)
    s.dossier_withdraw(dossier=d, actor=actors.citizen, reason="Không còn nhu cầu")
    client = login(actors.approver)
    assert str(d.code) in client.get("/staff/work/").content.decode()
    response = client.post(act_url(d, "withdraw"), {"withdraw-decision": "confirm"})
    assert response.status_code == 422 and fresh(d).state == State.WITHDRAWAL_REQUESTED
    response = client.post(act_url(d, "withdraw"), {"withdraw-decision": "decline"})
    assert response.status_code == 302 and fresh(d).state == State.PROCESSING
    s.dossier_withdraw(dossier=d, actor=actors.citizen)
    response = client.post(
        act_url(d, "withdraw"), {"withdraw-decision": "confirm", "withdraw-confirmed": "on"}
    )
    assert response.status_code == 302 and fresh(d).state == State.STOPPED


@pytest.mark.usefixtures("inter_agency_process")
def test_police_processor_acts_on_the_inter_agency_step(actors: Actors, login: Login) -> None:
    d = processing(actors)
    assert login(actors.police_processor).get(page_url(d)).status_code == 403
    assert login(actors.processor).post(act_url(d, "forward"), {}).status_code == 302
    d = fresh(d)
    assert d.current_agency.code == "H26.07"
    police = login(actors.police_processor)
    assert str(d.code) in police.get("/staff/work/").content.decode()
    html = police.get(page_url(d)).content.decode()
    assert offered(html)[0] == "forward"
    assert police.post(act_url(d, "forward"), {}).status_code == 302
    d = fresh(d)
    assert d.current_step is not None and d.current_step.role == Role.APPROVER
    assert d.current_agency.code == "H26.05"
    # the police still read the dossier they worked on, but may do nothing more
    html = police.get(page_url(d)).content.decode()
    assert offered(html) == [] and 'id="no-actions"' in html


# ----------------------------------------------------------------------------- data
def test_personal_data_masked_until_shown_and_the_read_audited(
    actors: Actors, login: Login
) -> None:
    profile = actors.profile
    profile.phone = "0912345678"
    profile.address = "12 Phố Huế, Hai Bà Trưng"
    profile.save()
    d = processing(actors)
    client = login(actors.processor)
    html = client.get(page_url(d)).content.decode()
    assert profile.personal_id is not None
    assert profile.personal_id not in html and "0912345678" not in html
    assert "Phố Huế" not in html
    assert "••••" + profile.personal_id[-4:] in html
    assert AuditEvent.objects.filter(action="dossier.viewed", actor=actors.processor).exists()
    assert not AuditEvent.objects.filter(action="people.personal_data_viewed").exists()

    response = client.post(
        f"/staff/work/dossiers/{d.code}/applicant/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert profile.personal_id in fragment and "0912345678" in fragment and "Phố Huế" in fragment
    assert "<html" not in fragment  # htmx gets only the applicant block
    event = AuditEvent.objects.get(action="people.personal_data_viewed")
    assert event.actor == actors.processor and event.object_id == str(profile.pk)
    assert event.data["dossier"] == d.code and event.purpose == "dossier handling"
    # the read shows in the dossier's audit trail
    html = client.get(page_url(d)).content.decode()
    assert 'data-event="people.personal_data_viewed"' in html
    assert client.get(f"/staff/work/dossiers/{d.code}/applicant/").status_code == 405


def test_page_shows_process_handovers_and_appointments(actors: Actors, login: Login) -> None:
    d = to_approval(actors)
    html = login(actors.approver).get(page_url(d)).content.decode()
    assert html.count('data-action="forward"') >= 2  # two forward rows of form 05
    assert 'aria-current="step"' in html
    assert 'data-cause="receive"' in html
    step = fresh(d).current_step
    assert step is not None and step.due_at is not None
    step_due = step.due_at
    local = step_due.astimezone(vn(2026, 1, 1).tzinfo)
    assert local.strftime("%H:%M %d/%m/%Y") in html


# ----------------------------------------------------------------------------- inbox
def test_inbox_lists_my_step_only(actors: Actors, login: Login) -> None:
    mine = processing(actors)
    at_approval = to_approval(actors, start=recent_start() + 30 * MINUTE)
    other = staff(Role.PROCESSOR, agency_code="H26.02")
    proc_html = login(actors.processor).get("/staff/work/").content.decode()
    assert str(mine.code) in proc_html and str(at_approval.code) not in proc_html
    lead_html = login(actors.approver).get("/staff/work/").content.decode()
    assert str(at_approval.code) in lead_html and str(mine.code) not in lead_html
    assert 'id="inbox-empty"' in login(other).get("/staff/work/").content.decode()


def test_inbox_filter_and_bad_filter(actors: Actors, login: Login) -> None:
    processing(actors)
    client = login(actors.processor)
    response = client.get("/staff/work/?show=nonsense")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    htmx = client.get("/staff/work/?show=overdue", headers={"HX-Request": "true"})
    fragment = htmx.content.decode()
    assert "<html" not in fragment and 'id="inbox-list"' in fragment
    current = r'id="filter-overdue"\s+class="urgency-overdue"\s+aria-current="true"'
    assert re.search(current, fragment)
    assert not re.search(r'id="filter-all"\s+class="urgency-none"\s+aria-current', fragment)


def test_inbox_search_by_code_or_name_with_or_without_accents(actors: Actors, login: Login) -> None:
    a = processing(actors)
    b = processing(actors, start=recent_start() + 20 * MINUTE)
    assert a.code is not None and b.code is not None
    client = login(actors.processor)
    html = client.get("/staff/work/", {"q": a.code}).content.decode()
    assert str(a.code) in html and str(b.code) not in html
    for query in ("Cấp đổi Giấy chứng nhận", "cap doi giay chung nhan"):
        html = client.get("/staff/work/", {"q": query}).content.decode()
        assert str(a.code) in html and str(b.code) in html, query
    html = client.get("/staff/work/", {"q": "khai sinh"}).content.decode()
    assert 'id="inbox-empty"' in html and str(a.code) not in html


def test_two_officers_at_once_the_second_gets_a_message(actors: Actors, login: Login) -> None:
    d = processing(actors)
    colleague = staff(Role.PROCESSOR, agency_code="H26.05")
    first, second = login(actors.processor), login(colleague)
    assert "forward" in offered(second.get(page_url(d)).content.decode())
    assert first.post(act_url(d, "forward"), {}).status_code == 302
    before = handovers(d)
    response = second.post(act_url(d, "forward"), {})  # the page was opened before
    assert response.status_code == 409
    assert 'id="action-error"' in response.content.decode()
    assert handovers(d) == before


def test_old_test_dossiers_are_overdue_in_the_inbox(actors: Actors, login: Login) -> None:
    d = drive(actors, State.PROCESSING, start=vn(2026, 11, 2, 9))
    html = login(actors.processor).get("/staff/work/").content.decode()
    assert f'data-code="{d.code}" data-urgency="overdue"' in html
