"""A month of dossiers for the Decision 766 dashboard, built through the lifecycle services.

``NOW`` (Friday 20 November 2026, noon in Hà Nội) is the instant the pages compute at (the
``frozen_now`` fixture replaces ``indicators.views.now``). Procedure 1.012783 (5 working days,
competent H26.05), received at the Service Center's branch 1 (H26.30):

* ``early``: received Mon 2 Nov, finished Wed 4 Nov (early); its national-portal messages are
  delivered (synced);
* ``late``: received Mon 2 Nov, a late apology counts it late;
* ``open``: received Tue 3 Nov, still at its first step, past due on ``NOW``;
* ``online``: submitted online, received Wed 4 Nov, finished Thu 5 Nov (early);
* ``slow``: received Tue 3 Nov, its first step took six working days (48 office hours
  against a budget of 28.8): finished late, 19.2 hours lost at H26.05;
* ``october``: received Thu 29 Oct (the previous month), still open.

On ``NOW``: 5 dossiers received in November, 2 on time (``early``, ``online``), 1 synced,
1 online.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier
from motcua.integrations.models import OutboxMessage
from tests.dossiers.conftest import PROCEDURE, Actors, take_in, vn

NOW = vn(2026, 11, 20, 12)


@dataclass
class Month:
    early: Dossier
    late: Dossier
    open: Dossier
    online: Dossier
    slow: Dossier
    october: Dossier

    @property
    def november(self) -> list[Dossier]:
        return [self.early, self.late, self.open, self.online, self.slow]


def _min(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def _processing(actors: Actors, at: dt.datetime) -> Dossier:
    d = take_in(actors, at)
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=at + _min(1))
    return s.dossier_forward(dossier=d, actor=actors.receiver, at=at + _min(30))


def _settle(actors: Actors, d: Dossier, step_end: dt.datetime) -> Dossier:
    d = s.dossier_forward(dossier=d, actor=actors.processor, at=step_end)
    d = s.dossier_approve(dossier=d, actor=actors.approver, at=step_end + dt.timedelta(hours=1))
    return s.dossier_finish(dossier=d, actor=actors.processor, at=step_end + _min(70))


def build_month(actors: Actors) -> Month:
    early = _settle(actors, _processing(actors, vn(2026, 11, 2, 9)), vn(2026, 11, 3, 10))
    late = _processing(actors, vn(2026, 11, 2, 10))
    late = s.dossier_apologize(
        dossier=late,
        actor=actors.approver,
        reason="Cần xác minh thực địa",
        new_appointment_at=vn(2026, 11, 12, 17),
        at=vn(2026, 11, 9, 9),
    )
    open_ = _processing(actors, vn(2026, 11, 3, 9))
    submitted = s.dossier_submit(
        actor=actors.citizen, procedure_code=PROCEDURE, at=vn(2026, 11, 4, 8)
    )
    online = s.dossier_receive(dossier=submitted, actor=actors.receiver, at=vn(2026, 11, 4, 9))
    online = s.dossier_forward(dossier=online, actor=actors.receiver, at=vn(2026, 11, 4, 9, 30))
    online = _settle(actors, online, vn(2026, 11, 5, 9))
    slow = take_in(actors, vn(2026, 11, 3, 7, 50))
    slow = s.dossier_receive(dossier=slow, actor=actors.receiver, at=vn(2026, 11, 3, 7, 55))
    slow = s.dossier_forward(dossier=slow, actor=actors.receiver, at=vn(2026, 11, 3, 8))
    slow = _settle(actors, slow, vn(2026, 11, 11, 8))
    october = _processing(actors, vn(2026, 10, 29, 9))
    OutboxMessage.objects.filter(topic=s.NATIONAL_PORTAL_TOPIC, key=early.reference).update(
        status=OutboxMessage.Status.DELIVERED
    )
    return Month(early=early, late=late, open=open_, online=online, slow=slow, october=october)


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """The dashboard computes its figures at :data:`NOW`."""
    from motcua.indicators import views

    monkeypatch.setattr(views, "now", lambda: NOW)
    return NOW
