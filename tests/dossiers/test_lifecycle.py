"""Service-level tests of every transition of the dossier lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.models import AuditEvent
from motcua.dossiers import services as s
from motcua.dossiers.models import (
    AppointmentChange,
    Dossier,
    Handover,
    PauseKind,
    StepOutcome,
)
from motcua.dossiers.states import State
from motcua.integrations.models import OutboxMessage
from motcua.workcal import TimeLimit, compute_deadline
from motcua.workcal.selectors import calendar_current
from tests.dossiers.conftest import Actors, take_in, vn

pytestmark = pytest.mark.django_db


def test_intake_then_receive_assigns_code_and_appointment(actors: Actors) -> None:
    at = vn(2026, 11, 2, 9)  # Monday
    d = take_in(actors, at)
    assert d.state == State.SUBMITTED and d.national_status == 1 and d.code is None
    assert d.reception_point.code == "H26.30.01"
    assert (d.receiving_agency.code, d.competent_agency.code) == ("H26.30", "H26.05")
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=at + dt.timedelta(minutes=5))
    assert d.state == State.RECEIVED and d.national_status == 2
    assert d.code == "H26.30-261102-0001"
    expected = compute_deadline(
        at + dt.timedelta(minutes=5), TimeLimit.working_days(5), calendar_current()
    ).due
    assert d.due_at == expected == vn(2026, 11, 9, 17)
    assert d.appointment_at == d.first_appointment_at == expected
    assert [h.action for h in Handover.objects.filter(dossier=d)] == ["intake", "receive"]
    assert AuditEvent.objects.filter(action="dossier.receive", object_id=str(d.pk)).exists()
    msgs = OutboxMessage.objects.filter(key=d.reference, topic=s.NATIONAL_PORTAL_TOPIC)
    assert [m.payload["status"] for m in msgs.order_by("id")] == [1, 2]


def test_after_cutoff_counts_from_next_working_day(actors: Actors) -> None:
    d = take_in(actors, vn(2026, 11, 6, 15, 30))  # Friday 15:30
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 11, 6, 15, 31))
    assert d.due_at == vn(2026, 11, 16, 17)  # Mon 9 = day 0; + 5 working days


def _through_processing(actors: Actors, start: dt.datetime) -> Dossier:
    d = take_in(actors, start)
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=start + dt.timedelta(minutes=1))
    d = s.dossier_forward(dossier=d, actor=actors.receiver, at=start + dt.timedelta(minutes=30))
    assert d.state == State.PROCESSING and d.national_status == 4
    assert d.current_agency.code == "H26.05" and d.current_step.role == "processor"
    return d


def test_full_lifecycle_to_result_returned(actors: Actors) -> None:
    start = vn(2026, 11, 2, 9)
    d = _through_processing(actors, start)
    d = s.dossier_forward(dossier=d, actor=actors.processor, at=vn(2026, 11, 3, 10))
    assert d.current_step.role == "approver"
    d = s.dossier_approve(dossier=d, actor=actors.approver, at=vn(2026, 11, 4, 10))
    assert d.current_step is None and d.approved_at is not None
    d = s.dossier_finish(dossier=d, actor=actors.processor, at=vn(2026, 11, 4, 11))
    assert d.state == State.FINISHED and d.national_status == 9
    assert d.outcome == StepOutcome.EARLY
    assert OutboxMessage.objects.filter(
        topic=s.CITIZEN_NOTICE_TOPIC, payload__template="result_ready_early"
    ).exists()
    d = s.dossier_return_result(
        dossier=d, actor=actors.receiver, method="counter", at=vn(2026, 11, 5, 9)
    )
    assert d.state == State.RETURNED and d.national_status == 10 and d.closed_at is not None
    rows = list(Handover.objects.filter(dossier=d).order_by("seq"))
    assert [r.action for r in rows] == [
        "intake",
        "receive",
        "forward",
        "forward",
        "approve",
        "finish",
        "return-result",
    ]
    assert rows[-1].state_after == d.state
    assert rows[3].outcome in (StepOutcome.EARLY, StepOutcome.ON_TIME, StepOutcome.LATE)


def test_illegal_transition_is_one_error_type_in_two_languages(actors: Actors) -> None:
    d = take_in(actors, vn(2026, 11, 2, 9))
    with pytest.raises(DomainError) as exc:
        s.dossier_finish(dossier=d, actor=actors.processor, at=vn(2026, 11, 2, 10))
    err = exc.value
    assert err.code == "dossier.illegal_transition" and err.kind is ErrorKind.CONFLICT
    assert "finish" in err.message_en and "hồ sơ" in err.message_vi, err.message_vi
    assert Dossier.objects.get(pk=d.pk).state == State.SUBMITTED


def test_wrong_agency_is_forbidden_and_writes_nothing(actors: Actors) -> None:
    d = _through_processing(actors, vn(2026, 11, 2, 9))
    before = Handover.objects.filter(dossier=d).count()
    with pytest.raises(DomainError) as exc:
        s.dossier_forward(dossier=d, actor=actors.police_processor, at=vn(2026, 11, 3, 9))
    assert exc.value.kind is ErrorKind.FORBIDDEN
    assert Handover.objects.filter(dossier=d).count() == before


def test_supplement_during_processing_restarts_the_limit_once(actors: Actors) -> None:
    d = _through_processing(actors, vn(2026, 11, 2, 9))
    d = s.dossier_request_supplement(
        dossier=d,
        actor=actors.processor,
        items=["Bản sao sổ đỏ"],
        reason="Thiếu giấy tờ",
        at=vn(2026, 11, 3, 9),
    )
    assert d.state == State.SUPPLEMENT_REQUESTED and d.national_status == 5
    d = s.dossier_supplement(dossier=d, actor=actors.citizen, at=vn(2026, 11, 10, 10))
    assert d.state == State.PROCESSING
    # restart from zero at the complete supplement: Tue 10 10:00 + 5 working days
    assert d.due_at == vn(2026, 11, 17, 17)
    change = AppointmentChange.objects.filter(dossier=d).order_by("-id").first()
    assert change is not None and change.cause == AppointmentChange.Cause.SUPPLEMENT
    with pytest.raises(DomainError) as exc:
        s.dossier_request_supplement(
            dossier=d, actor=actors.processor, items=["x"], reason="y", at=vn(2026, 11, 10, 11)
        )
    assert exc.value.code == "dossier.supplement_once"


def test_supplement_window_is_three_working_days(actors: Actors) -> None:
    d = _through_processing(actors, vn(2026, 11, 2, 9))
    with pytest.raises(DomainError) as exc:
        s.dossier_request_supplement(
            dossier=d, actor=actors.processor, items=["x"], reason="y", at=vn(2026, 11, 6, 9)
        )
    assert exc.value.code == "dossier.supplement_window_passed"


def test_financial_pause_moves_the_due_by_the_office_time_paused(actors: Actors) -> None:
    d = _through_processing(actors, vn(2026, 11, 2, 9))
    due = d.due_at
    d = s.dossier_pause(
        dossier=d,
        actor=actors.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Nộp lệ phí trước bạ",
        at=vn(2026, 11, 3, 9),
    )
    assert d.state == State.FINANCIAL_OBLIGATION and d.national_status == 6
    d = s.dossier_resume(dossier=d, actor=actors.processor, at=vn(2026, 11, 4, 9))
    assert d.state == State.PROCESSING
    assert due is not None and d.due_at == vn(2026, 11, 10, 17)  # one working day later


def test_apology_once_and_late_apology_marks_the_dossier_late(actors: Actors) -> None:
    d = _through_processing(actors, vn(2026, 11, 2, 9))  # due Mon 9 Nov 17:00
    d = s.dossier_apologize(
        dossier=d,
        actor=actors.approver,
        reason="Cần xác minh thực địa",
        new_appointment_at=vn(2026, 11, 12, 17),
        at=vn(2026, 11, 9, 9),
    )
    assert d.appointment_at == vn(2026, 11, 12, 17) and d.forced_late
    assert d.apology.is_late  # not issued by Fri 6 Nov 17:00
    with pytest.raises(DomainError) as exc:
        s.dossier_apologize(
            dossier=d,
            actor=actors.approver,
            reason="again",
            new_appointment_at=vn(2026, 11, 20, 17),
            at=vn(2026, 11, 9, 10),
        )
    assert exc.value.code == "dossier.apology_once"


def test_timely_apology(actors: Actors) -> None:
    d = _through_processing(actors, vn(2026, 11, 2, 9))
    d = s.dossier_apologize(
        dossier=d,
        actor=actors.approver,
        reason="Cần xác minh",
        new_appointment_at=vn(2026, 11, 12, 17),
        at=vn(2026, 11, 5, 9),
    )
    assert not d.apology.is_late and not d.forced_late


def test_refusals_at_intake_and_after_appraisal(actors: Actors) -> None:
    d = take_in(actors, vn(2026, 11, 2, 9))
    d = s.dossier_refuse(
        dossier=d, actor=actors.receiver, reasons="Không thuộc thẩm quyền", at=vn(2026, 11, 2, 9, 5)
    )
    assert d.state == State.REFUSED_INTAKE and d.national_status == 3
    d2 = _through_processing(actors, vn(2026, 11, 2, 10))
    d2 = s.dossier_refuse(
        dossier=d2, actor=actors.approver, reasons="Không đủ điều kiện", at=vn(2026, 11, 4, 9)
    )
    assert d2.state == State.FINISHED and d2.result_kind == "refused"


def test_withdraw_request_then_confirm_or_decline(actors: Actors) -> None:
    d = _through_processing(actors, vn(2026, 11, 2, 9))
    d = s.dossier_withdraw(
        dossier=d, actor=actors.citizen, reason="Không còn nhu cầu", at=vn(2026, 11, 3, 9)
    )
    assert d.state == State.WITHDRAWAL_REQUESTED and d.national_status == 7
    d = s.dossier_withdraw(dossier=d, actor=actors.receiver, confirm=False, at=vn(2026, 11, 3, 10))
    assert d.state == State.PROCESSING
    d = s.dossier_withdraw(dossier=d, actor=actors.citizen, at=vn(2026, 11, 3, 11))
    d = s.dossier_withdraw(dossier=d, actor=actors.receiver, confirm=True, at=vn(2026, 11, 3, 14))
    assert d.state == State.STOPPED and d.national_status == 8 and d.stop_notice.citizen_requested


def test_stop_by_the_competent_leader(actors: Actors) -> None:
    d = _through_processing(actors, vn(2026, 11, 2, 9))
    with pytest.raises(DomainError):
        s.dossier_stop(dossier=d, actor=actors.processor, reason="x", at=vn(2026, 11, 3, 9))
    d = s.dossier_stop(
        dossier=d,
        actor=actors.approver,
        reason="Theo đề nghị của cơ quan thuế",
        at=vn(2026, 11, 3, 9),
    )
    assert d.state == State.STOPPED and not d.stop_notice.citizen_requested


def test_return_step_goes_back_with_a_reason(actors: Actors) -> None:
    d = _through_processing(actors, vn(2026, 11, 2, 9))
    d = s.dossier_forward(dossier=d, actor=actors.processor, at=vn(2026, 11, 3, 9))
    d = s.dossier_return_step(
        dossier=d, actor=actors.approver, reason="Bổ sung thẩm định", at=vn(2026, 11, 3, 10)
    )
    assert d.current_step.role == "processor"
    with pytest.raises(DomainError):
        s.dossier_return_step(dossier=d, actor=actors.processor, reason="", at=vn(2026, 11, 3, 11))


def test_time_cannot_go_backwards(actors: Actors) -> None:
    d = take_in(actors, vn(2026, 11, 2, 9))
    with pytest.raises(DomainError) as exc:
        s.dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 11, 2, 8))
    assert exc.value.code == "time.before_last_event"
