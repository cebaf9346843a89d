"""The reads behind the processing pages: time left and urgency, the inbox order and counts,
the actions offered (checked against the services themselves) and the apology suggestion."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from motcua.backoffice import work_selectors as sel
from motcua.core.errors import DomainError
from motcua.dossiers import clock
from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier, PauseKind
from motcua.dossiers.services import TRANSITION_FUNCTIONS
from motcua.dossiers.states import Action, State
from motcua.org.models import User
from motcua.workcal import DEFAULT_OFFICE_HOURS
from tests.backoffice.conftest import drive
from tests.backoffice.work_fixtures import MINUTE, processing, recent_start, to_approval
from tests.dossiers.conftest import Actors, vn

pytestmark = pytest.mark.django_db


# ----------------------------------------------------------------------------- time left
def test_time_left_and_urgency_in_office_time() -> None:
    hours = DEFAULT_OFFICE_HOURS
    due = vn(2026, 11, 9, 17)  # Monday 17:00
    # Friday 10:00: Fri 10-12, 13-17 (6 h) + Mon 8 h = 14 h left: more than a working day
    left = sel.time_left(deadline=due, now=vn(2026, 11, 6, 10), hours=hours)
    assert left.seconds == 14 * 3600 and left.urgency is sel.Urgency.ON_TRACK
    # the weekend does not count: Saturday noon leaves exactly Monday's 8 hours
    left = sel.time_left(deadline=due, now=vn(2026, 11, 7, 12), hours=hours)
    assert left.seconds == 8 * 3600 and left.urgency is sel.Urgency.DUE_SOON
    left = sel.time_left(deadline=due, now=vn(2026, 11, 9, 16, 30), hours=hours)
    assert left.urgency is sel.Urgency.DUE_SOON and left.seconds == 1800
    assert left.text in ("còn 30 phút", "30 min left")
    left = sel.time_left(deadline=due, now=vn(2026, 11, 10, 9), hours=hours)
    assert left.seconds == -3600 and left.urgency is sel.Urgency.OVERDUE
    # a stopped clock is frozen at the instant it stopped
    left = sel.time_left(
        deadline=due, now=vn(2026, 11, 20, 9), hours=hours, stopped_since=vn(2026, 11, 6, 10)
    )
    assert left.seconds == 14 * 3600 and left.urgency is sel.Urgency.STOPPED


def test_duration_text_in_working_days_hours_minutes() -> None:
    day = 8 * 3600
    assert sel.duration_text(14 * 3600, day) in ("1 working day 6 h", "1 ngày làm việc 6 giờ")
    assert sel.duration_text(-(2 * day + 1800), day).startswith(("2 working days", "2 ngày"))
    assert sel.duration_text(45 * 60, day) in ("45 min", "45 phút")


# ----------------------------------------------------------------------------- inbox
def test_inbox_sorted_by_time_left_with_counts(actors: Actors) -> None:
    now = vn(2026, 11, 6, 10)  # Friday
    late = processing(actors, start=vn(2026, 11, 2, 9))  # step due Thu 5
    soon = processing(actors, start=vn(2026, 11, 3, 9))  # step due Fri 6 afternoon
    ahead = processing(actors, start=vn(2026, 11, 5, 9))  # step due Tue 10
    paused = processing(actors, start=vn(2026, 11, 5, 8, 30))
    s.dossier_pause(
        dossier=paused,
        actor=actors.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Lệ phí",
        at=vn(2026, 11, 5, 9, 30),
    )
    elsewhere = to_approval(actors, start=vn(2026, 11, 5, 10))  # the approver's, not mine

    inbox = sel.inbox_for(user=actors.processor, now=now)
    codes = [r.dossier.code for r in inbox.rows]
    assert codes == [late.code, soon.code, ahead.code, paused.code]
    assert elsewhere.code not in codes
    urgencies = [r.left.urgency for r in inbox.rows]
    assert urgencies == [
        sel.Urgency.OVERDUE,
        sel.Urgency.DUE_SOON,
        sel.Urgency.ON_TRACK,
        sel.Urgency.STOPPED,
    ]
    assert inbox.counts == {"overdue": 1, "due_soon": 1, "on_track": 1, "stopped": 1}
    assert [r.task for r in inbox.rows] == [sel.Task.STEP] * 3 + [sel.Task.WAITING]
    assert [r.dossier.code for r in inbox.only("due_soon")] == [soon.code]
    # the approver's inbox holds the dossier at the approval step
    assert [r.dossier.code for r in sel.inbox_for(user=actors.approver, now=now).rows] == [
        elsewhere.code
    ]


def test_inbox_deadline_is_the_earlier_of_step_and_dossier(actors: Actors) -> None:
    d = processing(actors, start=vn(2026, 11, 2, 9))
    row = sel.inbox_for(user=actors.processor, now=vn(2026, 11, 3, 9)).rows[0]
    assert d.current_step is not None and d.due_at is not None
    assert row.left.deadline == min(d.current_step.due_at, d.due_at)  # type: ignore[type-var]


def test_withdrawal_request_is_the_leaders_decision(actors: Actors) -> None:
    d = processing(actors)
    s.dossier_withdraw(dossier=d, actor=actors.citizen, reason="Không còn nhu cầu")
    (mine,) = sel.inbox_for(user=actors.processor).rows
    assert mine.dossier == d and mine.task is sel.Task.WAITING
    (lead,) = sel.inbox_for(user=actors.approver).rows
    assert lead.dossier == d and lead.task is sel.Task.WITHDRAWAL
    assert sel.inbox_next(user=actors.approver) == d


def test_next_in_queue_skips_the_one_done_and_waiting_ones(actors: Actors) -> None:
    start = recent_start()
    a = processing(actors, start=start)
    waiting = processing(actors, start=start + 5 * MINUTE)
    s.dossier_pause(dossier=waiting, actor=actors.processor, kind="other", reason="Chờ")
    b = processing(actors, start=start + 20 * MINUTE)
    assert sel.inbox_next(user=actors.processor, after=a) == b
    assert sel.inbox_next(user=actors.processor, after=b) == a


# ----------------------------------------------------------------------------- actions
class _RollbackError(Exception):
    """Raised to roll a probe back after a service accepted it."""


def _kwargs(action: Action, dossier: Dossier) -> dict[str, Any]:
    base = max(dossier.appointment_at or dossier.due_at or vn(2026, 1, 1), dt.datetime.now(dt.UTC))
    kwargs: dict[Action, dict[str, Any]] = {
        Action.FORWARD: {"note": ""},
        Action.APPROVE: {"note": ""},
        Action.FINISH: {"note": ""},
        Action.RESUME: {"note": ""},
        Action.RETURN_STEP: {"reason": "Lý do"},
        Action.REQUEST_SUPPLEMENT: {"items": ["Giấy tờ"], "reason": "Thiếu"},
        Action.PAUSE: {"kind": "other", "reason": "Lý do"},
        Action.APOLOGIZE: {"reason": "Lý do", "new_appointment_at": base + dt.timedelta(days=5)},
        Action.REFUSE: {"reasons": "Lý do"},
        Action.WITHDRAW: {"confirm": True, "reason": ""},
        Action.STOP: {"reason": "Lý do"},
    }
    return kwargs[action]


def _service_accepts(action: Action, dossier: Dossier, user: User) -> bool:
    try:
        with transaction.atomic():
            TRANSITION_FUNCTIONS[action](dossier=dossier, actor=user, **_kwargs(action, dossier))
            raise _RollbackError
    except _RollbackError:
        return True
    except DomainError:
        return False


def _scenarios(actors: Actors) -> dict[str, Dossier]:
    start = recent_start()
    approved = to_approval(actors, start=start + 60 * MINUTE)
    s.dossier_approve(dossier=approved, actor=actors.approver, at=start + 70 * MINUTE)
    financial = processing(actors, start=start + 80 * MINUTE)
    s.dossier_pause(
        dossier=financial,
        actor=actors.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Lệ phí",
        at=start + 90 * MINUTE,
    )
    supplement = processing(actors, start=start + 100 * MINUTE)
    s.dossier_request_supplement(
        dossier=supplement,
        actor=actors.processor,
        items=["x"],
        reason="y",
        at=start + 110 * MINUTE,
    )
    withdrawing = processing(actors, start=start + 120 * MINUTE)
    s.dossier_withdraw(dossier=withdrawing, actor=actors.citizen, at=start + 130 * MINUTE)
    return {
        "received": drive(actors, State.RECEIVED, start=start),
        "processing": processing(actors, start=start + 10 * MINUTE),
        "processing_old": processing(actors, start=vn(2026, 11, 2, 9)),
        "approval": to_approval(actors, start=start + 20 * MINUTE),
        "approved": approved,
        "financial": financial,
        "supplement": supplement,
        "withdrawing": withdrawing,
        "finished": drive(actors, State.FINISHED, start=start + 140 * MINUTE),
    }


def test_actions_offered_are_exactly_those_the_services_accept(actors: Actors) -> None:
    users = {
        "receiver": actors.receiver,
        "other_receiver": actors.other_receiver,
        "processor": actors.processor,
        "approver": actors.approver,
        "police": actors.police_processor,
    }
    mismatches = []
    checked = accepted_count = 0
    for name, dossier in _scenarios(actors).items():
        for who, user in users.items():
            d = sel.dossier_detail_queryset().get(pk=dossier.pk)
            offered = sel.available_actions(user=user, dossier=d)
            for action in sel.WORK_ACTIONS:
                accepted = _service_accepts(action, Dossier.objects.get(pk=dossier.pk), user)
                checked += 1
                accepted_count += accepted
                if accepted != (action in offered):
                    mismatches.append((name, who, action.value, accepted))
    assert checked == 9 * 5 * len(sel.WORK_ACTIONS)
    assert mismatches == []
    assert 30 < accepted_count < checked / 2  # both answers occur, often


# ----------------------------------------------------------------------------- apology
def test_apology_suggestion_is_later_and_at_the_end_of_the_office_day(actors: Actors) -> None:
    now = vn(2026, 11, 5, 10)
    d = processing(actors, start=vn(2026, 11, 2, 9))  # due Mon 9 Nov 17:00
    d = sel.dossier_detail_queryset().get(pk=d.pk)
    hint = sel.apology_hint(dossier=d, steps=list(d.steps.all()), now=now)
    assert d.appointment_at is not None
    assert hint.suggested > d.appointment_at
    local = clock.local(hint.suggested)
    assert local.time() == dt.time(17, 0)
    assert hint.latest_timely == vn(2026, 11, 6, 17)  # close of the working day before
    assert not hint.late_if_now
    later = sel.apology_hint(dossier=d, steps=list(d.steps.all()), now=vn(2026, 11, 9, 9))
    assert later.late_if_now
    # the suggestion is accepted by the service as it is
    s.dossier_apologize(
        dossier=d,
        actor=actors.approver,
        reason="Xác minh",
        new_appointment_at=hint.suggested,
        at=now,
    )
    assert Dossier.objects.get(pk=d.pk).appointment_at == hint.suggested
