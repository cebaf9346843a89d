"""Stateful property test of the dossier lifecycle (hypothesis ``RuleBasedStateMachine``).

A few dossiers are driven through the service functions by random actors (the right ones,
officers of the wrong role or agency, the citizen, a stranger) with random legal and illegal
actions, on a simulated clock that only moves forward: from 1 September 2026 (a public
holiday) by office-ish amounts, never past the real "now".

For every attempt an oracle written from the law and docs/dossiers.md says whether it must
succeed or must fail. A refused attempt must raise ``DomainError`` and change nothing (every
dossier row, every pause, step and supplement row, and the number of hand-over, apology,
appointment-change, refusal, stop-notice, outbox and audit rows). After every step:

* the national status is ``NATIONAL_STATUS[state]``;
* the hand-over rows (form 05) are numbered 1..n, chain their states, never go back in time,
  and the last one ends in the dossier's state;
* at most one apology; ``forced_late`` only from a late apology;
* dossier codes are unique, every received dossier has one, and per receiving agency and day
  they run 0001..k without gaps;
* at most one open pause, open exactly while the dossier waits (supplement, financial
  obligation, other pause — also behind a withdrawal request);
* the clock never runs during a citizen pause: the due instant equals ``compute_deadline``
  from the reception with every closed pause (supplement = restart, others = pushed by their
  office time), and each resume moves it (and the current step's due) by exactly the office
  time of the pause; a complete supplement restarts the limit from its instant.

Each example runs inside a transaction that is rolled back in ``teardown``; the reference
data and the actors are created once per test function. A failure prints every act of the
failing run (``hypothesis.note``), one line each.

Below the machine, deterministic reproductions of the bugs it found.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from motcua.catalog.models import ProcedureVersion
from motcua.core.errors import DomainError
from motcua.core.models import AuditEvent
from motcua.dossiers import services as s
from motcua.dossiers.models import (
    Apology,
    AppointmentChange,
    Dossier,
    DossierCodeCounter,
    DossierStep,
    Handover,
    Pause,
    PauseKind,
    Refusal,
    ReturnMethod,
    StepOutcome,
    StopNotice,
    SupplementRequest,
)
from motcua.dossiers.states import (
    CLOCK_STOPPED,
    NATIONAL_STATUS,
    TERMINAL,
    Action,
    State,
    allowed_from,
)
from motcua.integrations.models import OutboxMessage
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from motcua.workcal import (
    DEFAULT_OFFICE_HOURS,
    OfficeHours,
    TimeLimit,
    Unit,
    add_office_time,
    classify,
    compute_deadline,
    effective_reception_day,
    office_time_between,
    ruleset_for,
)
from motcua.workcal import Pause as ClockPause
from motcua.workcal import PauseKind as ClockPauseKind
from motcua.workcal.selectors import calendar_current, office_hours_of
from motcua.workcal.types import VN_TZ
from tests.dossiers.conftest import Actors, vn
from tests.factories import staff

START = vn(2026, 9, 1, 7, 40)  # a Tuesday and a public holiday (National Day, 2026)
MAX_DOSSIERS = 6  # per example
MAX_OPEN = 2  # not yet refused, stopped or returned
MAX_EXAMPLES = 30  # ~25 s on SQLite; two thirds of it on PostgreSQL (slower round trips)
STEPS = 50

#: (procedure code, competent agency to pass, or None when the catalogue names it)
PROCEDURES: tuple[tuple[str, str | None], ...] = (
    ("1.012783", None),  # 5 working days, Sở Nông nghiệp và Môi trường (H26.05)
    ("1.001456", None),  # 8 working days, Công an Thành phố (H26.07)
    ("3.000333", None),  # 10 calendar days, H26.07
    ("2.000635", "H26.02"),  # same day (15:00 cut-off), city level: the competent agency given
)
#: Minutes the clock moves before an act: office-ish steps, overnight, a weekend.
ADVANCE = st.one_of(
    st.sampled_from([0, 1, 5, 20, 45, 90, 180, 240, 60 * 15 + 7, 60 * 24, 60 * 24 * 3 + 13]),
    st.integers(0, 60 * 24 * 2),
)
PAUSE_KINDS_OK = (PauseKind.FINANCIAL_OBLIGATION, PauseKind.OTHER, PauseKind.CITIZEN_VERIFICATION)
WAIT_KIND: dict[str, set[str]] = {
    State.SUPPLEMENT_REQUESTED: {PauseKind.SUPPLEMENT},
    State.FINANCIAL_OBLIGATION: {PauseKind.FINANCIAL_OBLIGATION},
    State.PAUSED: {PauseKind.OTHER, PauseKind.CITIZEN_VERIFICATION},
}
#: How an act is chosen: mostly legal, sometimes anything, sometimes at a wrong time, and
#: now and then a walk of one dossier to its result.
MODES = {"legal": 6, "any": 3, "wrong time": 1, "walk": 1}
#: Weights of the legal acts: moving forward more often than detours, and detours more often
#: than the acts that end a dossier before its result (others: 2).
WEIGHTS = {
    Action.RECEIVE: 10,
    Action.FORWARD: 10,
    Action.APPROVE: 10,
    Action.FINISH: 10,
    Action.RETURN_RESULT: 10,
    Action.SUPPLEMENT: 10,
    Action.RESUME: 10,
    Action.REFUSE: 1,
    Action.STOP: 1,
    Action.WITHDRAW: 1,
    Action.APOLOGIZE: 1,
}
STAFF_ROLES = frozenset({Role.RECEIVER, Role.PROCESSOR, Role.APPROVER})
CODE_RE = re.compile(r"^(?P<agency>.+)-(?P<day>\d{6})-(?P<seq>\d{4})$")

ZERO = dt.timedelta(0)
MUST_SUCCEED = "must succeed"
MUST_FAIL = "must fail"


# ----------------------------------------------------------------------------- helpers
def local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(VN_TZ)


def hours_of(d: Dossier) -> OfficeHours:
    return office_hours_of(d.reception_point) if d.reception_point else DEFAULT_OFFICE_HOURS


def office(d: Dossier, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    return office_time_between(start, end, calendar_current(), office_hours=hours_of(d))


def limit_of(d: Dossier) -> TimeLimit:
    if d.time_limit_unit == Unit.SAME_DAY:
        return TimeLimit.same_day()
    assert d.time_limit_value is not None
    return TimeLimit(d.time_limit_value, Unit(d.time_limit_unit))


def law_due(d: Dossier, counted_from: dt.datetime, pauses: list[Pause]) -> dt.datetime:
    """The legal due instant, from scratch: the limit from ``counted_from`` (the reception,
    or the complete supplement), pushed by the office time of the closed citizen pauses."""
    assert d.received_at is not None
    return compute_deadline(
        local(counted_from),
        limit_of(d),
        calendar_current(),
        office_hours=hours_of(d),
        cutoff=d.cutoff_applies,
        pauses=[
            ClockPause(p.started_at, p.ended_at, ClockPauseKind(p.kind))
            for p in pauses
            if p.ended_at is not None
        ],
        ruleset=ruleset_for(local(d.received_at).date()),
    ).due


def supplement_window_end(d: Dossier) -> dt.datetime:
    """Close of the 3rd working day after the (effective) reception day (ND 61 Art. 19.4)."""
    assert d.received_at is not None
    cal, oh = calendar_current(), hours_of(d)
    eff = effective_reception_day(
        local(d.received_at), cal, office_hours=oh, cutoff=d.cutoff_applies
    )
    days = ProcedureVersion.objects.get(pk=d.procedure_version_id).supplement_window_days
    day = cal.add_working_days(eff, 3 if days is None else days)
    return dt.datetime.combine(day, oh.closing, tzinfo=VN_TZ)


def apology_deadline(d: Dossier, due: dt.datetime) -> dt.datetime:
    """An apology is timely until the close of the working day before the due day."""
    cal = calendar_current()
    day = local(due).date() - dt.timedelta(days=1)
    while not cal.is_working_day(day):
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, hours_of(d).closing, tzinfo=VN_TZ)


def end_of_office_day(d: Dossier, instant: dt.datetime) -> dt.datetime:
    """Appointments are set to the end of the office day (DESIGN §4)."""
    closing = dt.datetime.combine(local(instant).date(), hours_of(d).closing, tzinfo=VN_TZ)
    return max(closing, instant)


def assert_appointment_on_due_day(d: Dossier) -> None:
    """Without an apology the appointment is the end of the due day."""
    assert d.due_at is not None and d.appointment_at is not None
    assert d.appointment_at == end_of_office_day(d, d.due_at), (d.due_at, d.appointment_at)


def counting_floor(d: Dossier) -> dt.datetime:
    """When the agency's time starts to count: the reception (or the complete supplement),
    or the opening of the effective reception day when that is a later day (received after
    15:00, after closing or on a day off)."""
    assert d.counted_from is not None
    start = local(d.counted_from)
    cal, oh = calendar_current(), hours_of(d)
    eff = effective_reception_day(start, cal, office_hours=oh, cutoff=d.cutoff_applies)
    if eff > start.date():
        return max(start, dt.datetime.combine(eff, oh.opening, tzinfo=VN_TZ))
    return start


def moved_by(d: Dossier, instant: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    if not amount:
        return instant
    return add_office_time(instant, amount, calendar_current(), office_hours=hours_of(d))


def load(pk: int) -> Dossier:
    return Dossier.objects.select_related("reception_point", "current_step").get(pk=pk)


#: Append-only rows: their number tells whether an act wrote any.
COUNTED = (
    Handover,
    Apology,
    AppointmentChange,
    Refusal,
    StopNotice,
    SupplementRequest,
    OutboxMessage,
    AuditEvent,
)
_TABLES = [m._meta.db_table for m in COUNTED]  # our table names, no input
COUNT_SQL = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in _TABLES)  # noqa: S608


def snapshot() -> dict[str, Any]:
    """Everything an act may write."""
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL)
        counts = cursor.fetchone()
    return {
        "counts": counts,
        "dossiers": list(Dossier.objects.order_by("pk").values()),
        "steps": list(DossierStep.objects.order_by("pk").values()),
        "pauses": list(Pause.objects.order_by("pk").values()),
        "supplements": list(SupplementRequest.objects.order_by("pk").values()),
        "counters": list(DossierCodeCounter.objects.order_by("pk").values()),
    }


def open_pause(d: Dossier) -> Pause | None:
    return Pause.objects.filter(dossier=d, ended_at__isnull=True).first()


# ----------------------------------------------------------------------------- the machine
class DossierLifecycle(RuleBasedStateMachine):
    def __init__(self, users: dict[str, User], roles: dict[str, Role]) -> None:
        super().__init__()
        self.users = users
        self.roles = roles
        self.now = START
        self.dossiers: list[int] = []
        self.closed: dict[int, dict[str, Any]] = {}  # refused, stopped or returned: frozen
        self.seed = 0
        self.step = 0
        self.attempts: dict[str, int] = defaultdict(int)
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        for name, count in self.attempts.items():
            STATS[name] += count

    # ------------------------------------------------------------------- the clock
    def tick(self, data: st.DataObject, extra: dt.timedelta = ZERO) -> dt.datetime:
        """Move the clock forward, never past the real now."""
        minutes = data.draw(ADVANCE, label="advance (minutes)")
        ceiling = timezone.now() - dt.timedelta(minutes=10)
        wanted = self.now + extra + dt.timedelta(minutes=minutes)
        self.now = max(self.now, min(wanted, ceiling))
        return self.now

    # ------------------------------------------------------------------- the oracle
    def staff_of(self, agency_id: int | None, roles: set[Role] | frozenset[Role]) -> set[str]:
        return {
            k
            for k, u in self.users.items()
            if agency_id is not None and u.agency_id == agency_id and self.roles[k] in roles
        }

    def allowed(self, action: Action, d: Dossier) -> set[str]:
        """Who may take ``action`` on ``d`` in its current state (docs/dossiers.md)."""
        receivers = self.staff_of(d.receiving_agency_id, {Role.RECEIVER})
        competent_approvers = self.staff_of(d.competent_agency_id, {Role.APPROVER})
        step = d.current_step
        if action is Action.RECEIVE:
            return receivers
        if action is Action.REQUEST_SUPPLEMENT:
            if d.state == State.SUBMITTED:
                return receivers
            return self.staff_of(d.current_agency_id, STAFF_ROLES) | receivers
        if action is Action.SUPPLEMENT:
            return {"citizen"} | receivers
        if action is Action.REFUSE:
            return receivers if d.state == State.SUBMITTED else competent_approvers
        if action is Action.FORWARD:
            if d.state == State.RECEIVED:
                return receivers
            if step is None or step.role == Role.APPROVER:
                return set()
            return self.staff_of(step.agency_id, {Role(step.role)})
        if action is Action.APPROVE:
            if step is None or step.role != Role.APPROVER:
                return set()
            return self.staff_of(step.agency_id, {Role.APPROVER})
        if action is Action.RETURN_STEP:
            if step is None:
                return self.staff_of(d.competent_agency_id, STAFF_ROLES)
            return self.staff_of(step.agency_id, {Role(step.role)})
        if action is Action.PAUSE:
            return self.staff_of(d.current_agency_id, STAFF_ROLES)
        if action is Action.RESUME:
            return self.staff_of(d.current_agency_id, STAFF_ROLES) | receivers
        if action in (Action.APOLOGIZE, Action.STOP):
            return competent_approvers
        if action is Action.WITHDRAW:
            if d.state != State.WITHDRAWAL_REQUESTED:
                return {"citizen"}
            return receivers | competent_approvers
        if action is Action.FINISH:
            return self.staff_of(d.competent_agency_id, STAFF_ROLES) | receivers
        if action is Action.RETURN_RESULT:
            return receivers | self.staff_of(d.competent_agency_id, {Role.PROCESSOR, Role.APPROVER})
        raise AssertionError(action)

    def why_not(
        self, action: Action, d: Dossier, who: str, kw: dict[str, Any], at: dt.datetime
    ) -> str | None:
        """The rule that refuses the act, or None if it must succeed."""
        if not allowed_from(action, d.state):
            return "state"
        if who not in self.allowed(action, d):
            return "actor"
        text = kw.get("reason", kw.get("reasons", "x"))
        if action is not Action.WITHDRAW and not str(text).strip():
            return "no reason"
        if action is Action.REQUEST_SUPPLEMENT:
            if not [i for i in kw["items"] if i.strip()]:
                return "no items"
            if d.state != State.SUBMITTED:
                if d.processing_supplements >= 1:
                    return "second supplement"
                if at > supplement_window_end(d):
                    return "window passed"
        if action is Action.REFUSE and d.state != State.SUBMITTED:
            limit = d.appointment_at or d.due_at
            if limit is not None and at > limit:
                return "refusal after the time limit"
        if action is Action.PAUSE and kw["kind"] not in PAUSE_KINDS_OK:
            return "pause kind"
        if action is Action.APOLOGIZE:
            if Apology.objects.filter(dossier=d).exists():
                return "second apology"
            current = d.appointment_at or d.due_at
            new = kw["new_appointment_at"]
            if (current is not None and new <= current) or new <= at:
                return "appointment not later"
        if (
            action is Action.WITHDRAW
            and d.state == State.WITHDRAWAL_REQUESTED
            and kw["confirm"] is None
        ):
            return "no decision"
        if action is Action.FINISH:
            if d.current_step_id is not None:
                return "steps pending"
            needs = DossierStep.objects.filter(dossier=d, role=Role.APPROVER.value).exists()
            if needs and d.approved_at is None:
                return "not approved"
        if action is Action.RETURN_RESULT:
            if kw["method"] not in ReturnMethod.values:
                return "method"
            if kw["method"] != ReturnMethod.ELECTRONIC and self.roles[who] is not Role.RECEIVER:
                return "only the one-stop returns on paper"
        return None

    # ------------------------------------------------------------------- arguments
    def arguments(
        self, data: st.DataObject, action: Action, d: Dossier, at: dt.datetime, *, valid: bool
    ) -> dict[str, Any]:
        def pick(good: list[Any], bad: list[Any]) -> Any:
            return data.draw(st.sampled_from(good if valid else good + bad))

        reason = pick(["Thiếu bản sao có chứng thực", "Cần xác minh thực địa"], ["", "   "])
        if action is Action.REQUEST_SUPPLEMENT:
            return {
                "items": pick([["Bản sao sổ đỏ"], ["Tờ khai", "Ảnh 4x6"]], [[], [" "]]),
                "reason": reason,
            }
        if action is Action.REFUSE:
            return {"reasons": reason}
        if action in (Action.RETURN_STEP, Action.STOP):
            return {"reason": reason}
        if action is Action.PAUSE:
            kind = pick(list(PAUSE_KINDS_OK), [PauseKind.SUPPLEMENT, "nap"])
            return {"kind": kind, "reason": reason}
        if action is Action.APOLOGIZE:
            base = max(d.appointment_at or d.due_at or at, at)
            days = pick([1, 2, 5], [0])
            new = (
                base
                if days == 0
                else local(base + dt.timedelta(days=days)).replace(hour=17, minute=0, second=0)
            )
            return {"reason": reason, "new_appointment_at": new}
        if action is Action.WITHDRAW:
            if d.state == State.WITHDRAWAL_REQUESTED:
                return {"confirm": pick([True, False], [None]), "reason": "Theo đề nghị"}
            return {"reason": "Không còn nhu cầu", "confirm": None}
        if action is Action.RETURN_RESULT:
            return {"method": pick(list(ReturnMethod.values), ["pigeon"])}
        if action in (
            Action.FORWARD,
            Action.APPROVE,
            Action.RESUME,
            Action.FINISH,
            Action.SUPPLEMENT,
        ):
            return {"note": ""}
        return {}

    # ------------------------------------------------------------------- attempts
    def attempt(
        self,
        name: str,
        call: Callable[[], Dossier],
        expect: str,
        why: str | None,
        *,
        who: str,
        at: dt.datetime,
        pk: int | None = None,
        state: str = "",
        kw: dict[str, Any] | None = None,
    ) -> Dossier | None:
        """Run one act; a refused one must raise DomainError and change nothing."""
        what = f"{local(at):%a %d/%m %H:%M} {who}: {name}"
        if pk is not None:
            what += f" #{self.dossiers.index(pk) + 1} ({state})"
        what += f" {kw or ''} [{expect}{': ' + why if why else ''}]"
        # (an act that must succeed and is refused fails the test anyway)
        before = snapshot() if expect == MUST_FAIL else None
        try:
            result = call()
        except DomainError as err:
            note(f"{what} -> refused {err.code}")
            assert expect == MUST_FAIL, f"{name} was refused ({err}) but must succeed"
            assert snapshot() == before, f"refused {name} ({err.code}) changed something"
            self.attempts[f"{name} refused"] += 1
            self.attempts[f"  {name} refused ({why}): {err.code}"] += 1
            return None
        note(f"{what} -> ok")
        assert expect == MUST_SUCCEED, f"{name} succeeded but must fail ({why})"
        self.attempts[f"{name} ok"] += 1
        return result

    def act_on(
        self, pk: int, action: Action, who: str, kw: dict[str, Any], at: dt.datetime
    ) -> None:
        d = load(pk)
        why = self.why_not(action, d, who, kw, at)
        before_pause = open_pause(d)
        before_step = d.current_step
        fn = s.TRANSITION_FUNCTIONS[action]
        done = self.attempt(
            action.value,
            lambda: fn(dossier=d, actor=self.users[who], at=at, **kw),
            MUST_FAIL if why else MUST_SUCCEED,
            why,
            who=who,
            at=at,
            pk=pk,
            state=d.state,
            kw=kw,
        )
        if done is None:
            return
        after = load(pk)
        self.check_transition(action, d, after, at, before_pause, before_step)

    # ------------------------------------------------------------------- rules
    @initialize(seed=st.integers(0, 2**32))
    def seed_choices(self, seed: int) -> None:
        self.seed = seed

    def open_dossiers(self) -> list[int]:
        return [pk for pk in self.dossiers if pk not in self.closed]

    @precondition(
        lambda self: len(self.dossiers) < MAX_DOSSIERS and len(self.open_dossiers()) < MAX_OPEN
    )
    @rule(data=st.data())
    def create(self, data: st.DataObject) -> None:
        code, competent_code = data.draw(st.sampled_from(PROCEDURES), label="procedure")
        online = data.draw(st.booleans(), label="online")
        legal = data.draw(st.integers(0, 4), label="wrong creator") < 4
        if legal:
            who = (
                "citizen" if online else data.draw(st.sampled_from(["receiver", "other_receiver"]))
            )
        else:
            # anyone but the stranger, who would lawfully submit a dossier of their own
            who = data.draw(st.sampled_from(sorted(set(self.users) - {"stranger"})))
        at = self.tick(data)
        competent = Agency.objects.get(code=competent_code) if competent_code else None
        user = self.users[who]
        if online:
            ok = who == "citizen"

            def call() -> Dossier:
                return s.dossier_submit(
                    actor=user, procedure_code=code, competent_agency=competent, at=at
                )
        else:
            ok = who in ("receiver", "other_receiver")

            def call() -> Dossier:
                return s.dossier_intake(
                    actor=user,
                    procedure_code=code,
                    applicant=self.users["citizen"].citizen_profile,
                    competent_agency=competent,
                    at=at,
                )

        name = "submit" if online else "intake"
        d = self.attempt(
            name,
            call,
            MUST_SUCCEED if ok else MUST_FAIL,
            None if ok else "not a receiver at a service point / not a citizen",
            who=who,
            at=at,
            kw={"procedure": code, "competent": competent_code},
        )
        if d is not None:
            self.dossiers.append(d.pk)
            assert d.state == State.SUBMITTED and d.code is None and d.received_at is None

    def legal_options(self, d: Dossier) -> dict[Action, list[str]]:
        """The actions allowed from the state, with who may take them."""
        options: dict[Action, list[str]] = {}
        for action in s.TRANSITION_FUNCTIONS:
            who = sorted(self.allowed(action, d))
            if allowed_from(action, d.state) and who:
                options[action] = who
        return options

    @precondition(lambda self: bool(self.dossiers))
    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        # hypothesis favours small numbers and first elements: the weighted choices are made
        # with a plain Random seeded from hypothesis's draws and the step number
        self.step += 1
        rnd = random.Random(f"{self.seed}:{self.step}:{data.draw(st.integers(0, 2**16))}")
        pk = rnd.choice(self.open_dossiers() or self.dossiers)
        d = load(pk)
        options = self.legal_options(d)
        mode = rnd.choices(list(MODES), weights=list(MODES.values()))[0]
        if mode == "legal" and options:
            # an action allowed from the current state, by someone entitled to it
            action = rnd.choices(list(options), weights=[WEIGHTS.get(a, 2) for a in options])[0]
            who = rnd.choice(options[action])
            at = self.tick(data)
            self.act_on(pk, action, who, self.arguments(data, action, d, at, valid=True), at)
        elif mode == "wrong time" and options:
            # an otherwise legal act dated in the future or before the dossier's last event
            action = rnd.choice(list(options))
            who = rnd.choice(options[action])
            last = Handover.objects.filter(dossier=d).order_by("-seq").values_list("at", flat=True)
            future = rnd.random() < 0.5
            at = (
                timezone.now() + dt.timedelta(hours=1)
                if future
                else last[0] - dt.timedelta(seconds=1)
            )
            kw = self.arguments(data, action, d, self.now, valid=True)
            fn = s.TRANSITION_FUNCTIONS[action]
            self.attempt(
                f"{action.value} at a wrong time",
                lambda: fn(dossier=d, actor=self.users[who], at=at, **kw),
                MUST_FAIL,
                "future" if future else "before the last event",
                who=who,
                at=at,
                pk=pk,
                state=d.state,
                kw=kw,
            )
        elif mode == "walk":
            self.walk(pk, data, rnd)
        else:
            # any action by anyone, with arguments that may break a rule
            action = rnd.choice(list(s.TRANSITION_FUNCTIONS))
            who = rnd.choice(sorted(self.users))
            at = self.tick(data)
            self.act_on(pk, action, who, self.arguments(data, action, d, at, valid=False), at)

    def walk(self, pk: int, data: st.DataObject, rnd: random.Random) -> None:
        """Take the dossier towards its result, one act per clock tick: receive, forward and
        approve each step, finish, return; a waiting dossier gets its supplement or is
        resumed, a withdrawal request is declined; now and then a pause or a supplement
        request on the way, or a long pause with an apology in the middle of it."""
        detour = rnd.choice([None, Action.PAUSE, Action.REQUEST_SUPPLEMENT, Action.APOLOGIZE])
        apologize = False
        for _ in range(16):
            extra = ZERO
            d = load(pk)
            road: dict[str, Action] = {
                State.SUBMITTED: Action.RECEIVE,
                State.INTAKE_SUPPLEMENT: Action.SUPPLEMENT,
                State.SUPPLEMENT_REQUESTED: Action.SUPPLEMENT,
                State.FINANCIAL_OBLIGATION: Action.RESUME,
                State.PAUSED: Action.RESUME,
                State.WITHDRAWAL_REQUESTED: Action.WITHDRAW,
                State.RECEIVED: Action.FORWARD,
                State.FINISHED: Action.RETURN_RESULT,
            }
            action = road.get(d.state)
            if d.state == State.PROCESSING:
                step = d.current_step
                action = (
                    Action.FINISH
                    if step is None
                    else Action.APPROVE
                    if step.role == Role.APPROVER
                    else Action.FORWARD
                )
            if action is None:
                return  # closed
            if detour is Action.APOLOGIZE and d.current_step is not None:
                action, detour, apologize = Action.PAUSE, None, True
            elif apologize and d.state in (State.FINANCIAL_OBLIGATION, State.PAUSED):
                # the citizen takes days: the apology comes when the due instant before the
                # pause is near or past, but the clock has stood still
                action, apologize = Action.APOLOGIZE, False
                extra = dt.timedelta(days=rnd.choice([2, 4, 6, 9]))
            elif (detour is Action.PAUSE and d.current_step is not None) or (
                detour is Action.REQUEST_SUPPLEMENT and d.state == State.RECEIVED
            ):
                action, detour = detour, None
            at = self.tick(data, extra)
            kw = self.arguments(data, action, d, at, valid=True)
            if action is Action.WITHDRAW:
                kw["confirm"] = False
            if action is Action.PAUSE:
                kw["kind"] = rnd.choice(PAUSE_KINDS_OK)
            entitled = [
                w for w in sorted(self.allowed(action, d)) if not self.why_not(action, d, w, kw, at)
            ]
            if not entitled:
                return  # e.g. the supplement window has passed
            self.act_on(pk, action, rnd.choice(entitled), kw, at)

    # ------------------------------------------------------------------- per transition
    def check_transition(
        self,
        action: Action,
        before: Dossier,
        after: Dossier,
        at: dt.datetime,
        pause: Pause | None,
        step: DossierStep | None,
    ) -> None:
        apology = Apology.objects.filter(dossier=after).first()
        if action is Action.RECEIVE:
            assert after.received_at == at and after.counted_from == at
            due = law_due(after, at, [])
            assert after.due_at == due, (after.due_at, due)
            assert after.appointment_at == after.first_appointment_at == due
            assert DossierStep.objects.filter(dossier=after).exists()
        if action is Action.SUPPLEMENT and before.state == State.SUPPLEMENT_REQUESTED:
            # ND 61 Art. 19.4: the time limit restarts from zero on the complete supplement
            assert after.counted_from == at
            due = law_due(after, at, [])
            assert after.due_at == due, (after.due_at, due)
            self.check_appointment_after_wait(before, after, apology, pause, at)
            if step is not None and step.started_at is not None:
                assert after.current_step is not None and after.current_step.started_at == at
        if action is Action.RESUME:
            assert pause is not None and pause.kind != PauseKind.SUPPLEMENT
            assert before.due_at is not None and after.due_at is not None
            # the clock stood still: the due instant moves by exactly the office time paused
            # after counting started
            floor = counting_floor(before)
            paused = office(after, max(pause.started_at, floor), at) if at > floor else ZERO
            moved = office(after, before.due_at, after.due_at)
            assert moved == paused, (before.due_at, after.due_at, paused)
            if step is not None and step.due_at is not None:
                # a step's budget is office time from its start: all the pause is given back
                step_due = DossierStep.objects.get(pk=step.pk).due_at
                assert step_due is not None
                assert office(after, step.due_at, step_due) == office(after, pause.started_at, at)
            self.check_appointment_after_wait(before, after, apology, pause, at)
        if action is Action.APOLOGIZE:
            assert apology is not None and apology.issued_at == at
            assert after.appointment_at == apology.new_appointment_at
            assert before.due_at is not None
            # timely until the close of the working day before the due day; while the dossier
            # waits on the citizen, the due day is the one it would have if the wait ended now
            due = before.due_at
            if pause is not None:
                waited = [p for p in Pause.objects.filter(dossier=after) if p.pk != pause.pk]
                pause.ended_at = at
                assert before.received_at is not None
                due = max(due, law_due(before, before.received_at, [*waited, pause]))
            late = at > apology_deadline(after, due)
            assert apology.is_late == late, (due, apology.latest_timely_at)
            assert after.forced_late == late
        if action in (Action.FINISH, Action.REFUSE) and after.state == State.FINISHED:
            assert after.finished_at == at and after.due_at is not None
            expected = StepOutcome.LATE if after.forced_late else classify(at, after.due_at)
            assert after.outcome == expected
        if after.state in TERMINAL:
            assert after.closed_at is not None

    def check_appointment_after_wait(
        self,
        before: Dossier,
        after: Dossier,
        apology: Apology | None,
        pause: Pause | None,
        at: dt.datetime,
    ) -> None:
        """After a pause or a supplement the appointment is the end of the due day; an
        apology's appointment moves by the citizen's time after the apology."""
        assert after.due_at is not None and after.appointment_at is not None
        if apology is None:
            assert_appointment_on_due_day(after)
            return
        assert pause is not None and before.appointment_at is not None
        since = max(pause.started_at, apology.issued_at)
        waited = office(after, since, at) if at > since else ZERO
        lower = max(
            end_of_office_day(after, after.due_at), moved_by(after, before.appointment_at, waited)
        )
        # the exact instant, or the end of that office day (see
        # test_moved_apology_appointment_is_at_the_end_of_the_office_day)
        assert lower <= after.appointment_at <= end_of_office_day(after, lower), (
            before.appointment_at,
            after.appointment_at,
            lower,
        )

    # ------------------------------------------------------------------- invariants
    @invariant()
    def closed_dossiers_never_change(self) -> None:
        rows: dict[int, dict[str, Any]] = {
            row["id"]: dict(row)
            for row in Dossier.objects.filter(state__in=list(TERMINAL)).values()
        }
        for pk, row in self.closed.items():
            assert rows.get(pk) == row, f"closed dossier #{self.dossiers.index(pk) + 1} changed"
        for pk, row in rows.items():
            if pk not in self.closed:
                self.closed[pk] = row
                self.check_dossier(load(pk))

    @invariant()
    def open_dossiers_are_consistent(self) -> None:
        for pk in self.dossiers:
            if pk not in self.closed:
                self.check_dossier(load(pk))

    def check_dossier(self, d: Dossier) -> None:
        """Every invariant of one dossier."""
        assert d.national_status == NATIONAL_STATUS[d.state], (d.state, d.national_status)
        self.check_handovers(d)
        self.check_pauses_and_clock(d)
        apologies = list(Apology.objects.filter(dossier=d))
        assert len(apologies) <= 1
        assert d.forced_late == any(a.is_late for a in apologies)
        if d.current_step is not None:
            assert d.current_step.started_at is not None
            assert d.current_step.finished_at is None
            assert d.current_agency_id == d.current_step.agency_id
        if d.state in (State.FINISHED, State.RETURNED):
            assert d.finished_at is not None and d.result_kind

    def check_handovers(self, d: Dossier) -> None:
        rows = list(Handover.objects.filter(dossier=d).order_by("seq"))
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        assert rows[-1].state_after == d.state
        for prev, row in itertools.pairwise(rows):
            assert row.state_before == prev.state_after, (prev.action, row.action)
            assert row.at >= prev.at
        for row in rows:
            assert row.national_status == NATIONAL_STATUS[row.state_after]

    def check_pauses_and_clock(self, d: Dossier) -> None:
        pauses = list(Pause.objects.filter(dossier=d).order_by("started_at", "pk"))
        open_ = [p for p in pauses if p.ended_at is None]
        assert len(open_) <= 1
        waiting = d.state
        if d.state == State.WITHDRAWAL_REQUESTED:
            waiting = d.state_before_withdrawal
        if waiting in CLOCK_STOPPED:
            assert len(open_) == 1 and open_[0].kind in WAIT_KIND[waiting], (d.state, open_)
        else:
            assert not open_, (d.state, open_)
        for p in pauses:
            assert p.ended_at is None or p.ended_at >= p.started_at
        if d.received_at is None:
            assert d.code is None and d.due_at is None
            return
        assert d.code is not None and d.due_at is not None and d.appointment_at is not None
        assert d.appointment_at >= d.due_at
        if not Apology.objects.filter(dossier=d).exists():
            assert_appointment_on_due_day(d)
        if d.state == State.STOPPED:
            return  # a stop closes the open pause without re-planning: the due is history
        # The clock never runs while the dossier waits on the citizen: the due instant is the
        # limit from the reception, restarted by the complete supplement, pushed by the office
        # time of every closed pause after that.
        supplements = [p.ended_at for p in pauses if p.kind == PauseKind.SUPPLEMENT and p.ended_at]
        counted_from = max([d.received_at, *supplements])
        assert d.counted_from == counted_from
        due = law_due(d, d.received_at, pauses)
        assert d.due_at == due, (d.state, d.due_at, due)

    @invariant()
    def codes_are_unique_and_gap_free(self) -> None:
        rows = list(
            Dossier.objects.filter(received_at__isnull=False).values_list(
                "code", "receiving_agency__code", "received_at"
            )
        )
        codes = [r[0] for r in rows]
        assert len(codes) == len(set(codes))
        per_day: dict[tuple[str, str], list[int]] = defaultdict(list)
        for code, agency, received in rows:
            m = CODE_RE.match(code or "")
            assert m is not None, code
            assert received is not None
            day = local(received).strftime("%y%m%d")
            assert (m["agency"], m["day"]) == (agency, day), (code, agency, day)
            per_day[(agency, day)].append(int(m["seq"]))
        for seqs in per_day.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), seqs
        assert not Dossier.objects.filter(received_at__isnull=True, code__isnull=False).exists()


STATS: dict[str, int] = defaultdict(int)
#: Acts every run must have done successfully at least once.
MUST_WALK = {
    "intake",
    "submit",
    "receive",
    "forward",
    "approve",
    "finish",
    "return-result",
    "request-supplement",
    "supplement",
    "pause",
    "resume",
}


# ----------------------------------------------------------------------------- the tests
@pytest.fixture(autouse=True)
def _cheap_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(actors: Actors) -> Iterator[tuple[dict[str, User], dict[str, Role]]]:
    users: dict[str, User] = {
        "receiver": actors.receiver,  # H26.30, point H26.30.01
        "other_receiver": actors.other_receiver,  # H26.30, point H26.30.02
        "far_receiver": staff(Role.RECEIVER, agency_code="H26.02"),  # no service point
        "proc05": actors.processor,
        "appr05": actors.approver,
        "proc07": actors.police_processor,
        "appr07": staff(Role.APPROVER, agency_code="H26.07"),
        "proc02": staff(Role.PROCESSOR, agency_code="H26.02"),
        "appr02": staff(Role.APPROVER, agency_code="H26.02"),
        "citizen": actors.citizen,
        "stranger": actors.stranger,
    }
    roles = {
        k: Role.CITIZEN
        if k in ("citizen", "stranger")
        else next(r for r in STAFF_ROLES if u.has_role(r))
        for k, u in users.items()
    }
    yield users, roles


@pytest.mark.django_db
def test_dossier_lifecycle_state_machine(
    cast: tuple[dict[str, User], dict[str, Role]],
) -> None:
    users, roles = cast

    class Lifecycle(DossierLifecycle):
        def __init__(self) -> None:
            super().__init__(users, roles)

    STATS.clear()
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=MAX_EXAMPLES if connection.vendor == "sqlite" else MAX_EXAMPLES * 2 // 3,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            # The acts are chosen with a seeded Random, which shrinking cannot simplify, and
            # shrinking a database-backed machine takes minutes: a failure prints the whole
            # run instead, one line per act (hypothesis.note).
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print(dict(sorted(STATS.items())))
    # the machine must really have walked the lifecycle, not only bounced off refusals
    walked = {k.removesuffix(" ok") for k, v in STATS.items() if k.endswith(" ok") and v}
    assert walked >= MUST_WALK, sorted(STATS.items())
    assert sum(v for k, v in STATS.items() if k.endswith("refused")) > 0


# ----------------------------------------------------------------------------- reproductions
# Deterministic cases of rules the machine checks only in part. Each reproduced a bug found by
# the machine (apology appointment eaten by a later pause, apology timeliness during a pause,
# a pause before counting starts, appointment at the end of the office day); all are fixed.
def _processing(actors: Actors, at: dt.datetime) -> Dossier:
    d = s.dossier_intake(
        actor=actors.receiver, procedure_code="1.012783", applicant=actors.profile, at=at
    )
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=at + dt.timedelta(minutes=1))
    return s.dossier_forward(dossier=d, actor=actors.receiver, at=at + dt.timedelta(minutes=2))


@pytest.mark.django_db
def test_apology_appointment_moves_with_a_later_citizen_pause(actors: Actors) -> None:
    d = _processing(actors, vn(2026, 11, 2, 9))  # due Mon 9 Nov 17:00
    assert d.due_at == vn(2026, 11, 9, 17)
    d = s.dossier_apologize(
        dossier=d,
        actor=actors.approver,
        reason="Cần xác minh thực địa",
        new_appointment_at=vn(2026, 11, 12, 17),
        at=vn(2026, 11, 4, 9),
    )  # timely, 3 working days more
    assert not d.forced_late
    d = s.dossier_pause(
        dossier=d,
        actor=actors.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Nộp tiền sử dụng đất",
        at=vn(2026, 11, 5, 9),
    )
    d = s.dossier_resume(dossier=d, actor=actors.processor, at=vn(2026, 11, 12, 9))
    # the citizen took 5 working days: the due and the apology's appointment both move by 5
    assert d.due_at == vn(2026, 11, 16, 17)
    assert d.appointment_at == vn(2026, 11, 19, 17)  # was: Mon 16 Nov 17:00 (= the due)


@pytest.mark.django_db
def test_apology_during_a_citizen_pause_is_judged_on_the_moved_due(actors: Actors) -> None:
    d = _processing(actors, vn(2026, 11, 2, 9))  # due Mon 9 Nov 17:00
    d = s.dossier_pause(
        dossier=d,
        actor=actors.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Nộp lệ phí trước bạ",
        at=vn(2026, 11, 3, 9),
    )
    # Mon 9 Nov: the citizen has not paid for 4 working days, so the due is at least Fri 13
    # Nov 17:00 and an apology issued now is more than one working day early.
    d = s.dossier_apologize(
        dossier=d,
        actor=actors.approver,
        reason="Cần xác minh thực địa",
        new_appointment_at=vn(2026, 11, 20, 17),
        at=vn(2026, 11, 9, 9),
    )
    d = s.dossier_resume(dossier=d, actor=actors.processor, at=vn(2026, 11, 10, 9))
    assert d.due_at == vn(2026, 11, 16, 17)
    d = s.dossier_forward(dossier=d, actor=actors.processor, at=vn(2026, 11, 11, 9))
    d = s.dossier_approve(dossier=d, actor=actors.approver, at=vn(2026, 11, 11, 10))
    d = s.dossier_finish(dossier=d, actor=actors.processor, at=vn(2026, 11, 12, 9))
    # was: apology.is_late, forced_late and outcome LATE for a result 2 days before the due
    assert not d.apology.is_late and not d.forced_late
    assert d.outcome == StepOutcome.EARLY


@pytest.mark.django_db
def test_a_pause_before_counting_starts_does_not_move_the_due(actors: Actors) -> None:
    d = s.dossier_intake(
        actor=actors.receiver,
        procedure_code="1.012783",
        applicant=actors.profile,
        at=vn(2026, 11, 2, 15, 20),
    )
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 11, 2, 15, 30))
    assert d.due_at == vn(2026, 11, 10, 17)  # counted from Tue 3 Nov (after 15:00)
    d = s.dossier_pause(
        dossier=d,
        actor=actors.receiver,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Nộp lệ phí",
        at=vn(2026, 11, 2, 15, 40),
    )
    d = s.dossier_resume(dossier=d, actor=actors.receiver, at=vn(2026, 11, 2, 16, 40))
    # the hour paused on Monday was not the agency's time: the due stays
    assert d.due_at == vn(2026, 11, 10, 17)  # was: Wed 11 Nov 09:00


@pytest.mark.django_db
def test_appointment_after_a_pause_is_at_the_end_of_the_office_day(actors: Actors) -> None:
    d = _processing(actors, vn(2026, 11, 2, 9))  # due Mon 9 Nov 17:00
    d = s.dossier_pause(
        dossier=d,
        actor=actors.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Nộp lệ phí",
        at=vn(2026, 11, 3, 9),
    )
    d = s.dossier_resume(dossier=d, actor=actors.processor, at=vn(2026, 11, 3, 10, 30))
    assert d.due_at == vn(2026, 11, 10, 9, 30)  # 1 h 30 of office time later
    assert d.appointment_at == vn(2026, 11, 10, 17)  # was: Tue 10 Nov 09:30


@pytest.mark.django_db
def test_moved_apology_appointment_is_at_the_end_of_the_office_day(actors: Actors) -> None:
    d = _processing(actors, vn(2026, 11, 2, 9))  # due Mon 9 Nov 17:00
    d = s.dossier_apologize(
        dossier=d,
        actor=actors.approver,
        reason="Cần xác minh thực địa",
        new_appointment_at=vn(2026, 11, 12, 17),
        at=vn(2026, 11, 4, 9),
    )
    d = s.dossier_pause(
        dossier=d,
        actor=actors.processor,
        kind=PauseKind.FINANCIAL_OBLIGATION,
        reason="Nộp lệ phí",
        at=vn(2026, 11, 5, 9),
    )
    d = s.dossier_resume(dossier=d, actor=actors.processor, at=vn(2026, 11, 5, 11))
    assert d.due_at == vn(2026, 11, 10, 10)  # 2 office hours later
    # Thu 12 Nov 17:00 + 2 office hours = Fri 13 Nov 10:00, given as the end of that day
    assert d.appointment_at == vn(2026, 11, 13, 17)  # actual: Fri 13 Nov 10:00
