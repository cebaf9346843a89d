"""Reads behind the processing pages: the processor's and approver's inbox and the dossier page.

* :func:`inbox_for` lists the dossiers waiting on the reader (at a step of their role in their
  agency, ready to be finished by their agency, or a withdrawal request their leader decides),
  with the office time left and an urgency (on track / due within one working day / overdue;
  a stopped clock is shown apart), sorted by time left, with counts. One query, whatever the
  number of rows.
* :func:`available_actions` says which processing actions the reader may take on a dossier
  now. It mirrors the checks of :mod:`motcua.dossiers.services` (state, role, agency, step,
  clock) so that the page offers only those; the services still check everything again.
* :func:`dossier_page` gathers everything the dossier page shows in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import RequiredDocument
from motcua.core.models import AuditEvent
from motcua.core.text import fold
from motcua.documents.models import GeneratedDocument
from motcua.documents.selectors import documents_of_dossier
from motcua.dossiers import clock
from motcua.dossiers.models import (
    Apology,
    AppointmentChange,
    Dossier,
    DossierDocument,
    DossierStep,
    Handover,
    Pause,
    Refusal,
    StopNotice,
    SupplementRequest,
)
from motcua.dossiers.selectors import DOSSIER_RELATED, dossiers_visible_to
from motcua.dossiers.states import CLOCK_STOPPED, Action, State, allowed_from
from motcua.org.models import ServicePoint, User
from motcua.org.roles import Role
from motcua.people.identity import mask_email, mask_identifier
from motcua.people.models import CitizenProfile
from motcua.workcal import OfficeHours, remaining_office_time

#: The actions of the processing pages, in the order they are offered. Reception, the
#: supplement brought to the counter and the return of the result are counter actions.
WORK_ACTIONS: tuple[Action, ...] = (
    Action.FORWARD,
    Action.APPROVE,
    Action.FINISH,
    Action.RETURN_STEP,
    Action.REQUEST_SUPPLEMENT,
    Action.PAUSE,
    Action.RESUME,
    Action.APOLOGIZE,
    Action.REFUSE,
    Action.WITHDRAW,
    Action.STOP,
)

#: Actions that cannot be undone (or only once per dossier): the form asks for a confirmation.
IRREVERSIBLE: frozenset[Action] = frozenset(
    {
        Action.APPROVE,
        Action.FINISH,
        Action.REQUEST_SUPPLEMENT,
        Action.APOLOGIZE,
        Action.REFUSE,
        Action.WITHDRAW,
        Action.STOP,
    }
)

_STAFF_ROLES = (Role.RECEIVER, Role.PROCESSOR, Role.APPROVER)
_WORK_ROLES = (Role.PROCESSOR, Role.APPROVER)
#: Inbox states: open after reception (the dossier is at a step, paused or being withdrawn).
_OPEN_STATES = (
    State.RECEIVED,
    State.PROCESSING,
    State.SUPPLEMENT_REQUESTED,
    State.FINANCIAL_OBLIGATION,
    State.PAUSED,
    State.WITHDRAWAL_REQUESTED,
)


# ----------------------------------------------------------------------------- time left
class Urgency(enum.StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    STOPPED = "stopped"

    @property
    def label(self) -> Promise:
        return URGENCY_LABELS[self]


URGENCY_LABELS: dict[Urgency, Promise] = {
    Urgency.OVERDUE: _("Overdue"),
    Urgency.DUE_SOON: _("Due within 1 working day"),
    Urgency.ON_TRACK: _("On track"),
    Urgency.STOPPED: _("Clock stopped"),
}


def _office_hours(point: ServicePoint | None, cache: dict[int, OfficeHours]) -> OfficeHours:
    key = point.pk if point is not None else 0
    hours = cache.get(key)
    if hours is None:
        hours = clock.office_hours(point)
        cache[key] = hours
    return hours


def duration_text(seconds: float, day_seconds: int) -> str:
    """Office time as working days, hours and minutes (``2 working days 3 h``)."""
    total = int(abs(seconds)) // 60 * 60
    days, rest = divmod(total, max(day_seconds, 3600))
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts: list[str] = []
    if days:
        parts.append(ngettext("%(n)d working day", "%(n)d working days", days) % {"n": days})
    if hours:
        parts.append(gettext("%(n)d h") % {"n": hours})
    if minutes and not days:
        parts.append(gettext("%(n)d min") % {"n": minutes})
    return " ".join(parts) or gettext("%(n)d min") % {"n": 0}


@dataclass(frozen=True, slots=True)
class TimeLeft:
    """Office time left until ``deadline`` (negative: overdue), frozen while the clock stops."""

    deadline: dt.datetime | None
    seconds: float | None
    urgency: Urgency | None
    day_seconds: int
    stopped_since: dt.datetime | None = None

    @property
    def text(self) -> str:
        if self.seconds is None:
            return gettext("no time limit")
        amount = duration_text(self.seconds, self.day_seconds)
        if self.urgency is Urgency.OVERDUE or self.seconds < 0:
            if self.seconds > -60:
                return gettext("overdue")
            return gettext("overdue by %(time)s") % {"time": amount}
        return gettext("%(time)s left") % {"time": amount}

    @property
    def css(self) -> str:
        return f"urgency-{self.urgency.value}" if self.urgency is not None else "urgency-none"

    @property
    def label(self) -> str:
        return str(self.urgency.label) if self.urgency is not None else ""


def time_left(
    *,
    deadline: dt.datetime | None,
    now: dt.datetime,
    hours: OfficeHours,
    stopped_since: dt.datetime | None = None,
) -> TimeLeft:
    """The office time left until ``deadline`` at ``now`` (or, while the clock stands still,
    at the instant it stopped) and the urgency: overdue at or after the deadline, due soon
    when at most one office day is left."""
    day = int(hours.daily.total_seconds())
    if deadline is None:
        return TimeLeft(None, None, None, day, stopped_since)
    at = stopped_since if stopped_since is not None else now
    left = remaining_office_time(at, deadline, clock.calendar(), office_hours=hours).total_seconds()
    if stopped_since is not None:
        urgency = Urgency.STOPPED
    elif at >= deadline:
        urgency = Urgency.OVERDUE
    elif left <= day:
        urgency = Urgency.DUE_SOON
    else:
        urgency = Urgency.ON_TRACK
    return TimeLeft(deadline, left, urgency, day, stopped_since)


# ----------------------------------------------------------------------------- the inbox
class Task(enum.StrEnum):
    """What the dossier waits for from the reader."""

    STEP = "step"
    FINISH = "finish"
    WITHDRAWAL = "withdrawal"
    WAITING = "waiting"

    @property
    def label(self) -> Promise:
        return TASK_LABELS[self]


TASK_LABELS: dict[Task, Promise] = {
    Task.STEP: _("at your step"),
    Task.FINISH: _("all steps done: finish the result"),
    Task.WITHDRAWAL: _("withdrawal request to decide"),
    Task.WAITING: _("waiting"),
}


@dataclass(frozen=True, slots=True)
class InboxRow:
    dossier: Dossier
    task: Task
    step: DossierStep | None
    left: TimeLeft

    @property
    def sort_key(self) -> tuple[int, float, str]:
        stopped = self.left.urgency is Urgency.STOPPED
        seconds = self.left.seconds if self.left.seconds is not None else float("inf")
        return (1 if stopped else 0, seconds, self.dossier.identifier)


@dataclass
class Inbox:
    rows: list[InboxRow]
    counts: dict[str, int]
    total: int
    roles: list[Role] = field(default_factory=list)

    def only(self, urgency: str | None) -> list[InboxRow]:
        if not urgency:
            return self.rows
        return [r for r in self.rows if r.left.urgency is not None and r.left.urgency == urgency]


def work_roles(user: User) -> list[Role]:
    """The processing roles the user holds (processor, approver)."""
    return [r for r in _WORK_ROLES if user.has_role(r)]


def inbox_queryset(*, user: User) -> QuerySet[Dossier]:
    """The dossiers waiting on ``user``: at a step of one of their processing roles in their
    agency; with every step done, in their competent agency (to be finished); and, for a
    leader, withdrawal requests to decide. Always inside :func:`dossiers_visible_to`."""
    roles = work_roles(user)
    if user.agency_id is None or not roles:
        return Dossier.objects.none()
    agency = user.agency_id
    condition = Q(
        current_step__isnull=False,
        current_step__agency_id=agency,
        current_step__role__in=[r.value for r in roles],
        current_step__started_at__isnull=False,
    ) | Q(state=State.PROCESSING, current_step__isnull=True, competent_agency_id=agency)
    if Role.APPROVER in roles:
        condition |= Q(state=State.WITHDRAWAL_REQUESTED, competent_agency_id=agency)
    open_pause = (
        Pause.objects.filter(dossier=OuterRef("pk"), ended_at__isnull=True)
        .order_by("-started_at")
        .values("started_at")[:1]
    )
    return (
        dossiers_visible_to(user)
        .filter(condition, state__in=[s.value for s in _OPEN_STATES])
        .select_related(
            "procedure_version__procedure",
            "applicant",
            "current_step__agency",
            "current_agency",
            "reception_point",
        )
        .annotate(stopped_since=Subquery(open_pause))
    )


def _row(dossier: Dossier, *, user: User, now: dt.datetime, hours: OfficeHours) -> InboxRow:
    step = dossier.current_step
    stopped = getattr(dossier, "stopped_since", None) if dossier.state in CLOCK_STOPPED else None
    if dossier.state == State.WITHDRAWAL_REQUESTED:
        # the competent leader decides; for the others the dossier waits on that decision
        leader = _staff_of(user, dossier.competent_agency_id, (Role.APPROVER,))
        task = Task.WITHDRAWAL if leader else Task.WAITING
    elif stopped is not None:
        task = Task.WAITING
    elif step is None:
        task = Task.FINISH
    else:
        task = Task.STEP
    deadlines = [d for d in (dossier.due_at, step.due_at if step else None) if d is not None]
    deadline = min(deadlines) if deadlines else None
    left = time_left(deadline=deadline, now=now, hours=hours, stopped_since=stopped)
    return InboxRow(dossier=dossier, task=task, step=step, left=left)


def inbox_for(*, user: User, now: dt.datetime | None = None, query: str = "") -> Inbox:
    """The reader's inbox sorted by office time left (stopped clocks last), with counts."""
    now = now or timezone.now()
    qs = inbox_queryset(user=user)
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(code__icontains=query)
            | Q(reference__icontains=query)
            | Q(procedure_version__procedure__code__icontains=query)
            | Q(procedure_version__search_text__contains=fold(query))
        )
    cache: dict[int, OfficeHours] = {}
    rows = sorted(
        (_row(d, user=user, now=now, hours=_office_hours(d.reception_point, cache)) for d in qs),
        key=lambda r: r.sort_key,
    )
    counts = {u.value: 0 for u in Urgency}
    for row in rows:
        if row.left.urgency is not None:
            counts[row.left.urgency.value] += 1
    return Inbox(rows=rows, counts=counts, total=len(rows), roles=work_roles(user))


def inbox_next(
    *, user: User, after: Dossier | None = None, now: dt.datetime | None = None
) -> Dossier | None:
    """The next dossier in the reader's queue (the most urgent one they can act on now),
    other than ``after``."""
    inbox = inbox_for(user=user, now=now)
    skip = after.pk if after is not None else None
    candidates = [r for r in inbox.rows if r.dossier.pk != skip]
    actionable = [r for r in candidates if r.task is not Task.WAITING]
    chosen = actionable or candidates
    return chosen[0].dossier if chosen else None


# ----------------------------------------------------------------------------- actions
def _staff_of(user: User, agency_id: int | None, roles: Iterable[Role]) -> bool:
    return (
        agency_id is not None
        and user.agency_id == agency_id
        and any(user.has_role(r) for r in roles)
    )


def available_actions(
    *,
    user: User,
    dossier: Dossier,
    now: dt.datetime | None = None,
    steps: Sequence[DossierStep] | None = None,
    has_apology: bool | None = None,
) -> list[Action]:
    """The processing actions ``user`` may take on ``dossier`` now, in :data:`WORK_ACTIONS`
    order: the state allows it and the user's role, agency and the current step allow it
    (the same checks as the transition services, which remain the authority)."""
    now = now or timezone.now()
    state = dossier.state
    step = dossier.current_step
    if steps is None:
        steps = list(DossierStep.objects.filter(dossier=dossier))
    if has_apology is None:
        has_apology = Apology.objects.filter(dossier=dossier).exists()
    competent = dossier.competent_agency_id
    receiving = dossier.receiving_agency_id
    current = dossier.current_agency_id
    is_step_holder = step is not None and _staff_of(user, step.agency_id, (Role(step.role),))
    leader = _staff_of(user, competent, (Role.APPROVER,))
    offered: set[Action] = set()

    if allowed_from(Action.FORWARD, state):
        if state == State.RECEIVED:
            if _staff_of(user, receiving, (Role.RECEIVER,)):
                offered.add(Action.FORWARD)
        elif step is not None and step.role in (Role.PROCESSOR, Role.RECEIVER) and is_step_holder:
            offered.add(Action.FORWARD)
    if (
        allowed_from(Action.APPROVE, state)
        and step is not None
        and step.role == Role.APPROVER
        and is_step_holder
    ):
        offered.add(Action.APPROVE)
    if allowed_from(Action.RETURN_STEP, state) and (
        is_step_holder if step is not None else _staff_of(user, competent, _STAFF_ROLES)
    ):
        offered.add(Action.RETURN_STEP)
    if (
        state in (State.RECEIVED, State.PROCESSING)
        and dossier.processing_supplements < 1
        and (_staff_of(user, current, _STAFF_ROLES) or _staff_of(user, receiving, (Role.RECEIVER,)))
        and dossier.received_at is not None
        and now <= clock.supplement_window_end(dossier, dossier.procedure_version)
    ):
        offered.add(Action.REQUEST_SUPPLEMENT)
    if allowed_from(Action.PAUSE, state) and _staff_of(user, current, _STAFF_ROLES):
        offered.add(Action.PAUSE)
    if allowed_from(Action.RESUME, state) and (
        _staff_of(user, current, _STAFF_ROLES) or _staff_of(user, receiving, (Role.RECEIVER,))
    ):
        offered.add(Action.RESUME)
    if allowed_from(Action.APOLOGIZE, state) and leader and not has_apology:
        offered.add(Action.APOLOGIZE)
    limit = dossier.appointment_at or dossier.due_at
    if state in (State.RECEIVED, State.PROCESSING) and leader and (limit is None or now <= limit):
        offered.add(Action.REFUSE)
    needs_approval = any(s.role == Role.APPROVER for s in steps)
    if (
        allowed_from(Action.FINISH, state)
        and step is None
        and (not needs_approval or dossier.approved_at is not None)
        and (
            _staff_of(user, competent, _STAFF_ROLES) or _staff_of(user, receiving, (Role.RECEIVER,))
        )
    ):
        offered.add(Action.FINISH)
    if allowed_from(Action.STOP, state) and leader:
        offered.add(Action.STOP)
    if state == State.WITHDRAWAL_REQUESTED and (
        leader or _staff_of(user, receiving, (Role.RECEIVER,))
    ):
        offered.add(Action.WITHDRAW)
    return [a for a in WORK_ACTIONS if a in offered]


# ----------------------------------------------------------------------------- apology
@dataclass(frozen=True, slots=True)
class ApologyHint:
    """What the apology form proposes: a new appointment and whether issuing now is late."""

    suggested: dt.datetime
    latest_timely: dt.datetime | None
    late_if_now: bool
    needed_text: str


def apology_hint(
    *, dossier: Dossier, steps: Sequence[DossierStep], now: dt.datetime | None = None
) -> ApologyHint:
    """The suggested new appointment: the office time of the steps still to do, counted from
    now, and at least one working day after the current appointment; at the end of that
    office day (as every appointment). Also the last instant at which the apology is timely
    (the close of the working day before the due day)."""
    now = now or timezone.now()
    point = dossier.reception_point
    day = clock.office_day_seconds(clock.office_hours(point))
    current = dossier.current_step
    todo = [
        s for s in steps if s.finished_at is None and (current is None or s.order >= current.order)
    ]
    needed = max(sum(s.budget_seconds for s in todo), day)
    base = dossier.appointment_at or dossier.due_at or now
    candidates = [
        clock.add_office_seconds(now, needed, point),
        clock.add_office_seconds(max(base, now), day, point),
    ]
    suggested = clock.appointment_for(dossier, max(candidates))
    latest = clock.apology_latest_timely(dossier) if dossier.due_at is not None else None
    return ApologyHint(
        suggested=suggested,
        latest_timely=latest,
        late_if_now=latest is not None and now > latest,
        needed_text=duration_text(needed, day),
    )


# ----------------------------------------------------------------------------- the page
@dataclass(frozen=True, slots=True)
class ApplicantView:
    """The applicant as shown to staff: identity number, phone, address and e-mail masked
    unless revealed (and audited) on request."""

    full_name: str
    kind_label: str
    identity_number: str
    phone: str
    email: str
    address: str
    revealed: bool

    @property
    def has_personal_data(self) -> bool:
        return bool(self.identity_number or self.phone or self.email or self.address)


def applicant_view(profile: CitizenProfile, *, revealed: bool = False) -> ApplicantView:
    number = profile.personal_id or profile.tax_code or ""
    if revealed:
        return ApplicantView(
            full_name=profile.full_name,
            kind_label=str(profile.get_kind_display()),
            identity_number=number,
            phone=profile.phone,
            email=profile.email,
            address=profile.address,
            revealed=True,
        )
    return ApplicantView(
        full_name=profile.full_name,
        kind_label=str(profile.get_kind_display()),
        identity_number=mask_identifier(number) if number else "",
        phone=mask_identifier(profile.phone, 3) if profile.phone else "",
        email=mask_email(profile.email) if profile.email else "",
        address="••••••" if profile.address else "",
        revealed=False,
    )


@dataclass(frozen=True, slots=True)
class StepRow:
    step: DossierStep
    role_label: str
    budget_text: str
    is_current: bool


@dataclass(frozen=True, slots=True)
class DocumentRow:
    document: DossierDocument
    copy_kind_label: str


@dataclass(frozen=True, slots=True)
class HandoverRow:
    handover: Handover
    action_label: str
    state_label: str
    to_role_label: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    event: AuditEvent
    label: str
    purpose_label: str


@dataclass(frozen=True, slots=True)
class FormLink:
    number: str
    title: Promise
    url: str


#: Forms printed from the dossier page (Circular 01/2018; the stop notice of 03/2025).
_FORMS: tuple[tuple[str, Promise], ...] = (
    ("01", _("Receipt and appointment (form 01)")),
    ("02", _("Supplement request (form 02)")),
    ("03", _("Refusal (form 03)")),
    ("04", _("Apology and new appointment (form 04)")),
    ("05", _("Process control sheet (form 05)")),
    ("stop", _("Notice that processing stopped")),
)


def _label(value: str, labels: Mapping[str, object]) -> str:
    return str(labels[value]) if value in labels else value


def _action_labels() -> dict[str, Promise]:
    return {a.value: a.label for a in Action}


def _role_labels() -> dict[str, Promise]:
    return {r.value: r.label for r in Role}


def _audit_labels() -> dict[str, Promise]:
    labels: dict[str, Promise] = {f"dossier.{a.value}": a.label for a in Action}
    labels.update(
        {
            "dossier.viewed": _("dossier opened"),
            "dossier.replanned": _("re-planned after a calendar change"),
            "people.personal_data_viewed": _("applicant's personal data shown"),
        }
    )
    return labels


def _purpose_labels() -> dict[str, Promise]:
    """Purposes recorded with reads of personal data (free text; the usual ones translated)."""
    return {
        "dossier handling": _("dossier handling"),
        "counter": _("at the counter"),
        "counter intake": _("counter intake"),
        "admin": _("administration"),
    }


def form_links(
    dossier: Dossier,
    *,
    has_supplement: bool,
    has_apology: bool,
    has_refusal: bool,
    has_stop: bool,
) -> list[FormLink]:
    """The forms that apply to the dossier now, each printed (and signed) by the documents
    app on request; a reprint shows the current data (e.g. the new appointment on form 01)."""
    if dossier.code is None:
        return []
    wanted = {
        "01": True,
        "02": has_supplement,
        "03": has_refusal,
        "04": has_apology,
        "05": True,
        "stop": has_stop,
    }
    return [
        FormLink(
            number=number,
            title=title,
            url=reverse("documents:dossier_form", args=[dossier.code, number]),
        )
        for number, title in _FORMS
        if wanted[number]
    ]


@dataclass
class DossierPage:
    dossier: Dossier
    applicant: ApplicantView
    left: TimeLeft
    steps: list[StepRow]
    handovers: list[HandoverRow]
    pauses: list[Pause]
    supplement_requests: list[SupplementRequest]
    appointment_changes: list[AppointmentChange]
    refusals: list[Refusal]
    documents: list[DocumentRow]
    apology: Apology | None
    stop_notice: StopNotice | None
    audit: list[AuditRow]
    actions: list[Action]
    forms: list[FormLink]
    generated: list[GeneratedDocument]
    apology_hint: ApologyHint | None


def dossier_detail_queryset() -> QuerySet[Dossier]:
    """A dossier with every history the page shows, prefetched (a fixed number of queries)."""
    return Dossier.objects.select_related(
        *DOSSIER_RELATED,
        "apology__issued_by",
        "stop_notice__by",
    ).prefetch_related(
        Prefetch("steps", queryset=DossierStep.objects.select_related("agency").order_by("order")),
        Prefetch(
            "handovers",
            queryset=Handover.objects.select_related(
                "from_user", "from_agency", "to_agency", "step"
            ).order_by("seq"),
        ),
        Prefetch(
            "pauses",
            queryset=Pause.objects.select_related("started_by", "ended_by").order_by("started_at"),
        ),
        Prefetch(
            "supplement_requests",
            queryset=SupplementRequest.objects.select_related(
                "requested_by", "fulfilled_by"
            ).order_by("requested_at"),
        ),
        Prefetch(
            "appointment_changes",
            queryset=AppointmentChange.objects.select_related("by").order_by("at", "id"),
        ),
        Prefetch("refusals", queryset=Refusal.objects.select_related("by").order_by("at")),
        Prefetch(
            "documents",
            queryset=DossierDocument.objects.select_related("added_by").order_by("id"),
        ),
    )


def dossier_audit_trail(dossier: Dossier) -> QuerySet[AuditEvent]:
    """The dossier's audit events and the reads of its applicant's personal data made from it."""
    return (
        AuditEvent.objects.filter(
            Q(object_type="dossiers.dossier", object_id=str(dossier.pk))
            | Q(
                object_type="people.citizenprofile",
                object_id=str(dossier.applicant_id),
                action="people.personal_data_viewed",
                data__dossier=dossier.identifier,
            )
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )


def dossier_page(
    *, user: User, dossier: Dossier, now: dt.datetime | None = None, revealed: bool = False
) -> DossierPage:
    """Everything the dossier page shows, for a dossier the user may see."""
    now = now or timezone.now()
    d = dossier_detail_queryset().get(pk=dossier.pk)
    hours = clock.office_hours(d.reception_point)
    day = clock.office_day_seconds(hours)
    steps = list(d.steps.all())
    current = d.current_step
    # a missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError
    apology: Apology | None = getattr(d, "apology", None)
    stop_notice: StopNotice | None = getattr(d, "stop_notice", None)
    refusals = list(d.refusals.all())
    pauses = list(d.pauses.all())
    supplements = list(d.supplement_requests.all())
    open_pause = next((p for p in pauses if p.ended_at is None), None)
    deadlines = [
        x for x in (d.due_at, current.due_at if current is not None else None) if x is not None
    ]
    open_states = d.state in _OPEN_STATES
    left = time_left(
        deadline=min(deadlines) if deadlines and open_states else None,
        now=now,
        hours=hours,
        stopped_since=open_pause.started_at if open_pause and d.state in CLOCK_STOPPED else None,
    )
    action_labels = _action_labels()
    role_labels = _role_labels()
    state_labels = {s.value: s.label for s in State}
    audit_labels = _audit_labels()
    purpose_labels = _purpose_labels()
    copy_labels = {c.value: c.label for c in RequiredDocument.CopyKind}
    actions = available_actions(
        user=user, dossier=d, now=now, steps=steps, has_apology=apology is not None
    )
    return DossierPage(
        dossier=d,
        applicant=applicant_view(d.applicant, revealed=revealed),
        left=left,
        steps=[
            StepRow(
                step=s,
                role_label=_label(s.role, role_labels),
                budget_text=duration_text(s.budget_seconds, day),
                is_current=current is not None and s.pk == current.pk,
            )
            for s in steps
        ],
        handovers=[
            HandoverRow(
                handover=h,
                action_label=_label(h.action, action_labels),
                state_label=_label(h.state_after, state_labels),
                to_role_label=_label(h.to_role, role_labels) if h.to_role else "",
            )
            for h in d.handovers.all()
        ],
        pauses=pauses,
        supplement_requests=supplements,
        appointment_changes=list(d.appointment_changes.all()),
        refusals=refusals,
        documents=[
            DocumentRow(document=doc, copy_kind_label=_label(doc.copy_kind, copy_labels))
            for doc in d.documents.all()
        ],
        apology=apology,
        stop_notice=stop_notice,
        audit=[
            AuditRow(
                event=e,
                label=_label(e.action, audit_labels),
                purpose_label=_label(e.purpose, purpose_labels),
            )
            for e in dossier_audit_trail(d)[:200]
        ],
        actions=actions,
        forms=form_links(
            d,
            has_supplement=bool(supplements),
            has_apology=apology is not None,
            has_refusal=bool(refusals),
            has_stop=stop_notice is not None,
        ),
        generated=list(documents_of_dossier(d)[:50]),
        apology_hint=(
            apology_hint(dossier=d, steps=steps, now=now) if Action.APOLOGIZE in actions else None
        ),
    )
