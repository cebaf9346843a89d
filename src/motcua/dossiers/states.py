"""The dossier state machine: internal states, the national status of each, and the actions.

This module is the one place that says

* which internal :class:`State` a dossier can be in, and which national portal status
  (``TrangThaiHoSo`` 1–10, domain-vn.md §1.8) each one is reported as;
* which :class:`Action` may be taken from which state (:data:`TRANSITIONS`);
* which states stop the agency's clock because the dossier waits on the citizen.

The services in :mod:`motcua.dossiers.services` check these tables before any change, and the
tests check the tables against the law's list.
"""

from __future__ import annotations

import enum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    SUBMITTED = "submitted", _("submitted, awaiting intake")
    INTAKE_SUPPLEMENT = "intake_supplement", _("supplement requested before intake")
    REFUSED_INTAKE = "refused_intake", _("not received")
    RECEIVED = "received", _("received")
    PROCESSING = "processing", _("being processed")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("supplement requested")
    FINANCIAL_OBLIGATION = "financial_obligation", _("awaiting financial obligations")
    PAUSED = "paused", _("paused")
    WITHDRAWAL_REQUESTED = "withdrawal_requested", _("withdrawal requested")
    STOPPED = "stopped", _("processing stopped")
    FINISHED = "finished", _("result ready")
    RETURNED = "returned", _("result returned")


class NationalStatus(models.IntegerChoices):
    """``TrangThaiHoSo`` of the national public service portal."""

    NEW = 1, _("1 – newly registered")
    RECEIVED = 2, _("2 – received")
    NOT_RECEIVED = 3, _("3 – not received")
    PROCESSING = 4, _("4 – being processed")
    SUPPLEMENT = 5, _("5 – supplement requested")
    FINANCIAL_OBLIGATION = 6, _("6 – financial obligations requested")
    WITHDRAWAL_REQUESTED = 7, _("7 – citizen asked to withdraw")
    STOPPED = 8, _("8 – processing stopped")
    FINISHED = 9, _("9 – processed")
    RETURNED = 10, _("10 – result returned")


#: Internal state → national status. Every state has exactly one.
NATIONAL_STATUS: dict[str, int] = {
    State.SUBMITTED: NationalStatus.NEW,
    State.INTAKE_SUPPLEMENT: NationalStatus.SUPPLEMENT,
    State.REFUSED_INTAKE: NationalStatus.NOT_RECEIVED,
    State.RECEIVED: NationalStatus.RECEIVED,
    State.PROCESSING: NationalStatus.PROCESSING,
    State.SUPPLEMENT_REQUESTED: NationalStatus.SUPPLEMENT,
    State.FINANCIAL_OBLIGATION: NationalStatus.FINANCIAL_OBLIGATION,
    # A lawful pause other than money (e.g. verification at the citizen's request) is not a
    # national status of its own: the portal keeps seeing "being processed".
    State.PAUSED: NationalStatus.PROCESSING,
    State.WITHDRAWAL_REQUESTED: NationalStatus.WITHDRAWAL_REQUESTED,
    State.STOPPED: NationalStatus.STOPPED,
    State.FINISHED: NationalStatus.FINISHED,
    State.RETURNED: NationalStatus.RETURNED,
}


def national_status(state: str) -> int:
    return int(NATIONAL_STATUS[state])


#: States where the clock runs (the dossier is with the administration).
CLOCK_RUNNING = frozenset({State.RECEIVED, State.PROCESSING, State.WITHDRAWAL_REQUESTED})
#: States where the dossier waits on the citizen or a lawful pause: the clock stands still.
CLOCK_STOPPED = frozenset({State.SUPPLEMENT_REQUESTED, State.FINANCIAL_OBLIGATION, State.PAUSED})
#: States after reception and before the result (the dossier counts against its deadline).
OPEN_AFTER_RECEPTION = CLOCK_RUNNING | CLOCK_STOPPED
#: States that end the dossier.
TERMINAL = frozenset({State.REFUSED_INTAKE, State.STOPPED, State.RETURNED})


class Action(enum.StrEnum):
    """Transitions, named as in the API (``POST /api/v1/dossiers/{code}/{action}/``)."""

    SUBMIT = "submit"  # online submission (creates the dossier)
    INTAKE = "intake"  # counter intake (creates the dossier)
    RECEIVE = "receive"
    REQUEST_SUPPLEMENT = "request-supplement"
    SUPPLEMENT = "supplement"
    REFUSE = "refuse"
    FORWARD = "forward"
    RETURN_STEP = "return-step"
    APPROVE = "approve"
    PAUSE = "pause"
    RESUME = "resume"
    APOLOGIZE = "apologize"
    WITHDRAW = "withdraw"
    STOP = "stop"
    FINISH = "finish"
    RETURN_RESULT = "return-result"

    @property
    def label(self) -> Promise:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, Promise] = {
    Action.SUBMIT: _("submit online"),
    Action.INTAKE: _("take in at the counter"),
    Action.RECEIVE: _("receive"),
    Action.REQUEST_SUPPLEMENT: _("request a supplement"),
    Action.SUPPLEMENT: _("supplement"),
    Action.REFUSE: _("refuse"),
    Action.FORWARD: _("forward"),
    Action.RETURN_STEP: _("return to the previous step"),
    Action.APPROVE: _("approve"),
    Action.PAUSE: _("pause"),
    Action.RESUME: _("resume"),
    Action.APOLOGIZE: _("apologize and set a new appointment"),
    Action.WITHDRAW: _("withdraw"),
    Action.STOP: _("stop processing"),
    Action.FINISH: _("finish (result ready)"),
    Action.RETURN_RESULT: _("return the result"),
}


#: The states each action may start from (the service checks the finer conditions).
TRANSITIONS: dict[Action, frozenset[str]] = {
    Action.SUBMIT: frozenset(),
    Action.INTAKE: frozenset(),
    Action.RECEIVE: frozenset({State.SUBMITTED}),
    Action.REQUEST_SUPPLEMENT: frozenset({State.SUBMITTED, State.RECEIVED, State.PROCESSING}),
    Action.SUPPLEMENT: frozenset({State.INTAKE_SUPPLEMENT, State.SUPPLEMENT_REQUESTED}),
    Action.REFUSE: frozenset({State.SUBMITTED, State.RECEIVED, State.PROCESSING}),
    Action.FORWARD: frozenset({State.RECEIVED, State.PROCESSING}),
    Action.RETURN_STEP: frozenset({State.PROCESSING}),
    Action.APPROVE: frozenset({State.PROCESSING}),
    Action.PAUSE: frozenset({State.RECEIVED, State.PROCESSING}),
    Action.RESUME: frozenset({State.FINANCIAL_OBLIGATION, State.PAUSED}),
    Action.APOLOGIZE: OPEN_AFTER_RECEPTION - {State.WITHDRAWAL_REQUESTED},
    Action.WITHDRAW: frozenset(
        {State.SUBMITTED, State.INTAKE_SUPPLEMENT, State.WITHDRAWAL_REQUESTED}
        | OPEN_AFTER_RECEPTION
    ),
    Action.STOP: OPEN_AFTER_RECEPTION,
    Action.FINISH: frozenset({State.PROCESSING}),
    Action.RETURN_RESULT: frozenset({State.FINISHED}),
}


def allowed_from(action: Action, state: str) -> bool:
    return state in TRANSITIONS[action]
