"""A city with dossiers in every situation the supervisor's page counts.

Built through the lifecycle services with explicit instants. ``NOW`` (Monday 9 November
2026, 10:00 in Hà Nội) is the instant the supervisor looks at the page; the tests make the
page compute at ``NOW`` by replacing ``supervision_views.now``.

Procedure 1.012783 (5 working days, competent H26.05) at the Service Center's branch 1:

* ``overdue``: received Mon 26 Oct → due Mon 2 Nov 17:00, still at its first step;
* ``due_today``: received Mon 2 Nov → due Mon 9 Nov 17:00, at its first step since 2 Nov
  (past the step's budget);
* ``at_one_stop``: received Tue 3 Nov, not forwarded yet (no current step);
* ``paused_after_due``: due 2 Nov, paused for financial obligations on Wed 4 Nov: overdue
  and waiting on the citizen;
* ``paused_before_due``: due 9 Nov, paused on Tue 3 Nov: waiting, not overdue;
* ``supplement``: due 2 Nov, supplement requested on Tue 27 Oct: waiting, never overdue
  (the time limit restarts);
* ``finished``: five dossiers whose first step took 2, 4, 10 and 48 office hours (the last
  one past the step's budget of 28.8 hours: late on form 05), and 2 office hours once a pause
  of one working day is taken out; their approval step took 1 hour each.

Procedure 1.012783 at branch 2 (``other_point``): received Wed 4 Nov.
Procedure 1.001612 (commune level, 3 working days) at Phường Ba Đình (``commune``): received
Wed 4 Nov, due Mon 9 Nov.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier, PauseKind
from motcua.org.models import User
from tests.dossiers.conftest import Actors, take_in, vn

NOW = vn(2026, 11, 9, 10)
COMMUNE_PROCEDURE = "1.001612"  # Đăng ký thành lập hộ kinh doanh: 3 working days, commune


@dataclass
class City:
    overdue: Dossier
    due_today: Dossier
    at_one_stop: Dossier
    paused_after_due: Dossier
    paused_before_due: Dossier
    supplement: Dossier
    other_point: Dossier
    commune: Dossier
    finished: list[Dossier] = field(default_factory=list)


def _min(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def _processing(actors: Actors, at: dt.datetime) -> Dossier:
    """Taken in at ``at``, received a minute later, forwarded to the first step at +30 min."""
    d = take_in(actors, at)
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=at + _min(1))
    return s.dossier_forward(dossier=d, actor=actors.receiver, at=at + _min(30))


def _finished(
    actors: Actors, step_end: dt.datetime, *, pause: tuple[dt.datetime, dt.datetime] | None = None
) -> Dossier:
    """First step from Tue 27 Oct 08:00 to ``step_end``; approval one hour later; finished."""
    d = take_in(actors, vn(2026, 10, 27, 7, 50))
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 10, 27, 7, 55))
    d = s.dossier_forward(dossier=d, actor=actors.receiver, at=vn(2026, 10, 27, 8))
    if pause is not None:
        d = s.dossier_pause(
            dossier=d,
            actor=actors.processor,
            kind=PauseKind.FINANCIAL_OBLIGATION,
            reason="Nộp lệ phí",
            at=pause[0],
        )
        d = s.dossier_resume(dossier=d, actor=actors.processor, at=pause[1])
    d = s.dossier_forward(dossier=d, actor=actors.processor, at=step_end)
    d = s.dossier_approve(dossier=d, actor=actors.approver, at=step_end + dt.timedelta(hours=1))
    return s.dossier_finish(dossier=d, actor=actors.processor, at=step_end + _min(70))


def build_city(actors: Actors, commune_receiver: User) -> City:
    overdue = _processing(actors, vn(2026, 10, 26, 9))
    due_today = _processing(actors, vn(2026, 11, 2, 9))

    at_one_stop = take_in(actors, vn(2026, 11, 3, 9))
    at_one_stop = s.dossier_receive(
        dossier=at_one_stop, actor=actors.receiver, at=vn(2026, 11, 3, 9, 1)
    )

    paused_after_due = _processing(actors, vn(2026, 10, 26, 10))
    paused_after_due = s.dossier_pause(
        dossier=paused_after_due,
        actor=actors.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Nộp lệ phí trước bạ",
        at=vn(2026, 11, 4, 9),
    )
    paused_before_due = _processing(actors, vn(2026, 11, 2, 10))
    paused_before_due = s.dossier_pause(
        dossier=paused_before_due,
        actor=actors.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Nộp lệ phí trước bạ",
        at=vn(2026, 11, 3, 9),
    )
    supplement = _processing(actors, vn(2026, 10, 26, 11))
    supplement = s.dossier_request_supplement(
        dossier=supplement,
        actor=actors.processor,
        items=["Bản sao sổ đỏ"],
        reason="Thiếu giấy tờ",
        at=vn(2026, 10, 27, 9),
    )

    other_point = s.dossier_intake(
        actor=actors.other_receiver,
        procedure_code="1.012783",
        applicant=actors.profile,
        at=vn(2026, 11, 4, 9),
    )
    other_point = s.dossier_receive(
        dossier=other_point, actor=actors.other_receiver, at=vn(2026, 11, 4, 9, 1)
    )

    commune = s.dossier_intake(
        actor=commune_receiver,
        procedure_code=COMMUNE_PROCEDURE,
        applicant=actors.profile,
        at=vn(2026, 11, 4, 9),
    )
    commune = s.dossier_receive(dossier=commune, actor=commune_receiver, at=vn(2026, 11, 4, 9, 1))

    finished = [
        _finished(actors, vn(2026, 10, 27, 10)),  # 2 h
        _finished(actors, vn(2026, 10, 27, 13)),  # 4 h (08:00–12:00, then lunch)
        _finished(actors, vn(2026, 10, 28, 10)),  # 8 h on Tuesday + 2 h on Wednesday
        _finished(actors, vn(2026, 11, 4, 8)),  # six working days: 48 h
        # 10 h in office time, less the pause from Tue 09:00 to Wed 09:00 (8 h) = 2 h
        _finished(actors, vn(2026, 10, 28, 10), pause=(vn(2026, 10, 27, 9), vn(2026, 10, 28, 9))),
    ]
    return City(
        overdue=overdue,
        due_today=due_today,
        at_one_stop=at_one_stop,
        paused_after_due=paused_after_due,
        paused_before_due=paused_before_due,
        supplement=supplement,
        other_point=other_point,
        commune=commune,
        finished=finished,
    )


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """The supervision pages compute their figures at :data:`NOW`."""
    from motcua.backoffice import supervision_views

    monkeypatch.setattr(supervision_views, "now", lambda: NOW)
    return NOW
