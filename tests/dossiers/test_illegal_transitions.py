"""Every action that the state table forbids is refused from every state, changing nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from motcua.core.errors import DomainError, ErrorKind
from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier, Handover, PauseKind
from motcua.dossiers.states import TRANSITIONS, Action, State
from tests.dossiers.conftest import Actors, take_in, vn

pytestmark = pytest.mark.django_db

T0 = vn(2026, 11, 2, 9)


def _t(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _processing(a: Actors) -> Dossier:
    d = s.dossier_receive(dossier=take_in(a, T0), actor=a.receiver, at=_t(1))
    return s.dossier_forward(dossier=d, actor=a.receiver, at=_t(2))


def _finished(a: Actors) -> Dossier:
    d = s.dossier_forward(dossier=_processing(a), actor=a.processor, at=_t(3))
    d = s.dossier_approve(dossier=d, actor=a.approver, at=_t(4))
    return s.dossier_finish(dossier=d, actor=a.processor, at=_t(5))


BUILDERS: dict[str, Callable[[Actors], Dossier]] = {
    State.SUBMITTED: lambda a: take_in(a, T0),
    State.INTAKE_SUPPLEMENT: lambda a: s.dossier_request_supplement(
        dossier=take_in(a, T0), actor=a.receiver, items=["x"], reason="y", at=_t(1)
    ),
    State.REFUSED_INTAKE: lambda a: s.dossier_refuse(
        dossier=take_in(a, T0), actor=a.receiver, reasons="r", at=_t(1)
    ),
    State.RECEIVED: lambda a: s.dossier_receive(dossier=take_in(a, T0), actor=a.receiver, at=_t(1)),
    State.PROCESSING: _processing,
    State.SUPPLEMENT_REQUESTED: lambda a: s.dossier_request_supplement(
        dossier=_processing(a), actor=a.processor, items=["x"], reason="y", at=_t(3)
    ),
    State.FINANCIAL_OBLIGATION: lambda a: s.dossier_pause(
        dossier=_processing(a),
        actor=a.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="fee",
        at=_t(3),
    ),
    State.PAUSED: lambda a: s.dossier_pause(
        dossier=_processing(a), actor=a.processor, kind=PauseKind.OTHER, reason="r", at=_t(3)
    ),
    State.WITHDRAWAL_REQUESTED: lambda a: s.dossier_withdraw(
        dossier=_processing(a), actor=a.citizen, at=_t(3)
    ),
    State.STOPPED: lambda a: s.dossier_stop(
        dossier=_processing(a), actor=a.approver, reason="r", at=_t(3)
    ),
    State.FINISHED: _finished,
    State.RETURNED: lambda a: s.dossier_return_result(
        dossier=_finished(a), actor=a.receiver, method="counter", at=_t(6)
    ),
}

#: Arguments that would be valid for each action, so only the state can refuse it.
ARGS: dict[Action, dict[str, Any]] = {
    Action.RECEIVE: {},
    Action.REQUEST_SUPPLEMENT: {"items": ["x"], "reason": "y"},
    Action.SUPPLEMENT: {},
    Action.REFUSE: {"reasons": "r"},
    Action.FORWARD: {},
    Action.RETURN_STEP: {"reason": "r"},
    Action.APPROVE: {},
    Action.PAUSE: {"kind": PauseKind.OTHER, "reason": "r"},
    Action.RESUME: {},
    Action.APOLOGIZE: {"reason": "r", "new_appointment_at": vn(2026, 12, 30, 17)},
    Action.WITHDRAW: {},
    Action.STOP: {"reason": "r"},
    Action.FINISH: {},
    Action.RETURN_RESULT: {"method": "counter"},
}


def test_every_state_has_a_builder() -> None:
    assert set(BUILDERS) == {st.value for st in State}


@pytest.mark.parametrize("state", [st.value for st in State])
def test_forbidden_actions_are_refused_and_change_nothing(actors: Actors, state: str) -> None:
    d = BUILDERS[state](actors)
    assert d.state == state
    snapshot = Dossier.objects.filter(pk=d.pk).values().get()
    rows = Handover.objects.filter(dossier=d).count()
    forbidden = [a for a in s.TRANSITION_FUNCTIONS if state not in TRANSITIONS[a]]
    for act in forbidden:
        with pytest.raises(DomainError) as exc:
            s.TRANSITION_FUNCTIONS[act](dossier=d, actor=actors.receiver, at=_t(30), **ARGS[act])
        assert exc.value.code == "dossier.illegal_transition", act
        assert exc.value.kind is ErrorKind.CONFLICT
    assert Dossier.objects.filter(pk=d.pk).values().get() == snapshot
    assert Handover.objects.filter(dossier=d).count() == rows
