"""The bulk path: the rows the lifecycle services would write, built in memory.

:class:`DossierBuilder` has one method per transition of :mod:`motcua.dossiers.services`
(``submit``, ``intake``, ``receive``, ``request_supplement``, ``supplement``, ``forward``,
``approve``, ``pause``, ``resume``, ``apologize``, ``refuse``, ``finish``, ``return_result``)
and ``rate`` for :func:`motcua.feedback.services.dossier_rate`. Each one changes the dossier
exactly as the service does — the same state and national status, the same due instant and
appointment from the same deadline engine (:mod:`motcua.dossiers.clock` over
:mod:`motcua.workcal`), the same processing plan and step budgets, the same code format
(:mod:`motcua.dossiers.codes`) — and appends the rows the service writes: the hand-over
(form 05), the appointment changes, pauses, supplement requests, refusals, the apology, the
components and, with ``full_history``, the audit event, the national-portal message and the
citizen notices of every transition. Without it (the default of ``motcua simulate``), one
delivered national-portal message per dossier carries its last status (what indicator 1.4
counts) and no audit or notice rows are written.

The builder does not check permissions: the scenario (:mod:`.scenario`) only asks what the
services allow, and ``tests/indicators/test_simulate.py`` plays the same calls through the
real services and compares the rows field by field.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from motcua.core.models import AuditEvent
from motcua.documents.models import ElectronicResult, StoreItem
from motcua.dossiers.clock import DEFAULT_PLAN, DEFAULT_SUPPLEMENT_WINDOW_DAYS, MIN_STEP_SECONDS
from motcua.dossiers.codes import format_for
from motcua.dossiers.models import (
    Apology,
    AppointmentChange,
    Dossier,
    DossierDocument,
    DossierStep,
    Handover,
    Pause,
    Refusal,
    SupplementRequest,
)
from motcua.dossiers.states import Action, State, national_status
from motcua.feedback.models import DossierRating
from motcua.integrations.models import OutboxMessage
from motcua.people.models import Mandate
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
from motcua.workcal.types import VN_TZ

from .world import SIM_REFERENCE_PREFIX, SIM_RESULT_SIGNER, Actor, VersionInfo, World

__all__ = ["Act", "Batch", "Context", "DocItem", "DossierBuilder"]

UTC = dt.UTC
NATIONAL_PORTAL_TOPIC = "national_portal.dossier"
CITIZEN_NOTICE_TOPIC = "notify.citizen"
PROCESSOR, APPROVER, RECEIVER = "processor", "approver", "receiver"
#: As :mod:`motcua.documents.results` (not imported: it loads the PDF engine).
RESULT_TITLE_PREFIX = "Kết quả giải quyết thủ tục hành chính: "
RESULT_TITLE_MAX = 255
RESULT_AUDIT_PURPOSE = "electronic result"

#: The datetime columns of the rows a transition reads back from the database (full history
#: only: a value read back is in UTC, a value set in the transition keeps its zone, which shows
#: in the ISO strings of the audit and portal payloads).
_DOSSIER_DT = tuple(
    f.attname for f in Dossier._meta.concrete_fields if isinstance(f, models.DateTimeField)
)
_STEP_DT = ("started_at", "due_at", "finished_at")
_PAUSE_DT = ("started_at", "ended_at")
_APOLOGY_DT = ("issued_at", "previous_appointment_at", "new_appointment_at", "latest_timely_at")


@dataclass(frozen=True, slots=True)
class Act:
    """One service call of a scenario: what :mod:`.drive` replays through the services."""

    kind: str
    at: dt.datetime
    key: int  # the dossier's number in the run
    actor_id: int
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DocItem:
    """As :class:`motcua.dossiers.services.DocumentItem`."""

    required_document_id: int | None = None
    name: str = ""
    copy_kind: str = "original"
    count: int = 1
    stored_file_id: int | None = None
    store_item_id: int | None = None


class Batch:
    """The rows of one chunk, by model; primary keys come from ``next_id``."""

    def __init__(self, next_id: Callable[[type[models.Model]], int]) -> None:
        self.rows: dict[type[models.Model], list[dict[str, Any]]] = defaultdict(list)
        self.next_id = next_id
        self.acts: list[Act] = []

    def add(self, model: type[models.Model], row: dict[str, Any]) -> dict[str, Any]:
        row["id"] = self.next_id(model)
        self.rows[model].append(row)
        return row


@dataclass
class Context:
    world: World
    batch: Batch
    now: dt.datetime
    full_history: bool = False
    record: bool = False
    #: (receiving agency, local day) → last sequence number issued (used when ``receive`` is
    #: not given the sequence)
    counters: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    #: the placeholder file of the electronic results, and the (owner, title) of the results
    #: already in a data store with it (the services' get_or_create on that file)
    result_files: tuple[int, ...] = ()
    #: (owner, title) → how many placeholder files already hold such a result in the store
    result_items: dict[tuple[int, str], int] = field(default_factory=dict)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _utc(row: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        value = row.get(key)
        if value is not None:
            row[key] = value.astimezone(UTC)


def _outcome(at: dt.datetime, due: dt.datetime) -> str:
    return str(classify(at, due))


class DossierBuilder:
    """One dossier through its lifecycle, as rows (see the module docstring)."""

    def __init__(self, ctx: Context, key: int, version: VersionInfo, hex_reference: str) -> None:
        self.ctx = ctx
        self.key = key
        self.version = version
        self.hex_reference = hex_reference
        self.d: dict[str, Any] = {}
        self.steps: list[dict[str, Any]] = []
        self.pauses: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.apology: dict[str, Any] | None = None
        self.last_portal: tuple[str, dt.datetime, str, str] | None = None
        self.oh: OfficeHours | None = None

    # ------------------------------------------------------------------ helpers
    @property
    def state(self) -> str:
        return str(self.d["state"])

    @property
    def current_step(self) -> dict[str, Any] | None:
        step_id = self.d.get("current_step_id")
        if step_id is None:
            return None
        return next(s for s in self.steps if s["id"] == step_id)

    def _act(self, act: str, at: dt.datetime, actor: Actor, **args: Any) -> None:
        if self.ctx.record:
            self.ctx.batch.acts.append(Act(act, at, self.key, actor.id, args))

    def _begin(self) -> None:
        """A transition re-reads the dossier and its rows (values in UTC)."""
        if not self.ctx.full_history:
            return
        _utc(self.d, _DOSSIER_DT)
        for step in self.steps:
            _utc(step, _STEP_DT)
        for pause in self.pauses:
            _utc(pause, _PAUSE_DT)
        if self.apology is not None:
            _utc(self.apology, _APOLOGY_DT)

    def _hours(self) -> OfficeHours:
        point = self.d.get("reception_point_id")
        if point is None:
            return DEFAULT_OFFICE_HOURS
        return self.ctx.world.points[point].oh

    def _limit(self) -> TimeLimit | None:
        unit = self.d["time_limit_unit"]
        if unit == Unit.SAME_DAY:
            return TimeLimit.same_day()
        value = self.d["time_limit_value"]
        if value is None or not unit:
            return None
        return TimeLimit(value, Unit(unit))

    def legal_due(self) -> tuple[dt.datetime, dt.datetime, str] | None:
        """:func:`motcua.dossiers.clock.legal_due`: (due, counted from, rule set version)."""
        received = self.d["received_at"]
        limit = self._limit()
        if limit is None:
            return None
        local = received.astimezone(VN_TZ)
        rs = ruleset_for(local.date())
        pauses = [
            ClockPause(p["started_at"], p["ended_at"], ClockPauseKind(p["kind"]))
            for p in self.pauses
            if p["ended_at"] is not None
        ]
        result = compute_deadline(
            local,
            limit,
            self.ctx.world.calendar,
            office_hours=self._hours(),
            cutoff=self.d["cutoff_applies"],
            pauses=pauses,
            ruleset=rs,
        )
        return result.due, result.counted_from, rs.version

    def office_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        return office_time_between(
            start, end, self.ctx.world.calendar, office_hours=self._hours()
        ).total_seconds()

    def add_office(self, start: dt.datetime, seconds: float) -> dt.datetime:
        return add_office_time(
            start.astimezone(VN_TZ),
            dt.timedelta(seconds=max(0.0, seconds)),
            self.ctx.world.calendar,
            office_hours=self._hours(),
        )

    def appointment_for(self, due: dt.datetime) -> dt.datetime:
        if self.d["time_limit_unit"] == Unit.WORKING_HOURS:
            return due
        end = dt.datetime.combine(due.astimezone(VN_TZ).date(), self._hours().closing, tzinfo=VN_TZ)
        return max(end, due)

    def supplement_window_end(self) -> dt.datetime:
        oh = self._hours()
        cal = self.ctx.world.calendar
        eff = effective_reception_day(
            self.d["received_at"].astimezone(VN_TZ),
            cal,
            office_hours=oh,
            cutoff=self.d["cutoff_applies"],
        )
        days = self.version.supplement_window_days
        n = DEFAULT_SUPPLEMENT_WINDOW_DAYS if days is None else days
        return dt.datetime.combine(cal.add_working_days(eff, n), oh.closing, tzinfo=VN_TZ)

    def apology_latest_timely(self) -> dt.datetime:
        due = self.d["due_at"]
        cal = self.ctx.world.calendar
        day = due.astimezone(VN_TZ).date() - dt.timedelta(days=1)
        while not cal.is_working_day(day):
            day -= dt.timedelta(days=1)
        return dt.datetime.combine(day, self._hours().closing, tzinfo=VN_TZ)

    def _portal_payload(
        self, action: str, at: dt.datetime, note: str, actor: str
    ) -> dict[str, Any]:
        d = self.d
        agencies = self.ctx.world.agencies
        step = self.current_step
        return {
            "event": "create" if action == Action.RECEIVE.value else "status",
            "code": d["code"],
            "reference": d["reference"],
            "procedure_code": self.version.code,
            "receiving_agency": agencies[d["receiving_agency_id"]].code,
            "competent_agency": agencies[d["competent_agency_id"]].code,
            "status": d["national_status"],
            "channel": d["channel"],
            "submitted_at": _iso(d["submitted_at"]),
            "received_at": _iso(d["received_at"]),
            "due_at": _iso(d["due_at"]),
            "appointment_at": _iso(d["appointment_at"]),
            "finished_at": _iso(d["finished_at"]),
            "returned_at": _iso(d["returned_at"]),
            "step": {
                "actor": actor,
                "agency": agencies[d["current_agency_id"]].code,
                "at": _iso(at),
                "action": action,
                "note": note,
                "started_at": _iso(step["started_at"] if step else None),
                "due_at": _iso(step["due_at"] if step else None),
            },
        }

    def _outbox(self, topic: str, payload: dict[str, Any], at: dt.datetime) -> None:
        self.ctx.batch.add(
            OutboxMessage,
            {
                "topic": topic,
                "key": self.d["reference"],
                "payload": payload,
                "status": OutboxMessage.Status.DELIVERED,
                "created_at": at,
                "available_at": at,
                "attempts": 1,
                "delivered_at": at,
                "last_error": "",
            },
        )

    def _notify(self, template: str, at: dt.datetime, **extra: Any) -> None:
        if not self.ctx.full_history:
            return
        d = self.d
        self._outbox(
            CITIZEN_NOTICE_TOPIC,
            {
                "template": template,
                "dossier": d["code"] or d["reference"],
                "applicant_id": d["applicant_id"],
                "submitter_id": d["submitter_id"],
                **extra,
            },
            at,
        )

    def _audit(self, action: str, actor: int | None, data: dict[str, Any]) -> None:
        self._audit_of(action, actor, Dossier, self.d["id"], data, purpose="")

    def _audit_of(
        self,
        action: str,
        actor: int | None,
        model: type[models.Model],
        pk: int,
        data: dict[str, Any],
        purpose: str = RESULT_AUDIT_PURPOSE,
    ) -> None:
        self.ctx.batch.add(
            AuditEvent,
            {
                "at": self.ctx.now,
                "actor_id": actor,
                "action": action,
                "object_type": model._meta.label_lower,
                "object_id": str(pk),
                "purpose": purpose,
                "data": data,
                "ip_address": None,
            },
        )

    def _record(
        self,
        action: Action,
        actor: Actor | None,
        at: dt.datetime,
        new_state: str,
        *,
        from_agency: int | None = None,
        to_agency: int | None = None,
        to_role: str = "",
        step: dict[str, Any] | None = None,
        note: str = "",
        audit: dict[str, Any] | None = None,
    ) -> None:
        d = self.d
        before = d["state"]
        new_state = str(new_state)
        d["state"] = new_state
        d["national_status"] = national_status(new_state)
        d["event_count"] += 1
        d["last_event_at"] = at
        actor_id = actor.id if actor is not None else None
        self.ctx.batch.add(
            Handover,
            {
                "dossier_id": d["id"],
                "seq": d["event_count"],
                "action": action.value,
                "at": at,
                "from_user_id": actor_id,
                "from_agency_id": from_agency,
                "to_agency_id": to_agency or d["current_agency_id"],
                "to_role": to_role,
                "step_id": step["id"] if step is not None else None,
                "step_due_at": step["due_at"] if step is not None else None,
                "outcome": step["outcome"] if step is not None else "",
                "state_before": before,
                "state_after": new_state,
                "national_status": d["national_status"],
                "note": note,
            },
        )
        if self.ctx.full_history:
            self._audit(
                f"dossier.{action.value}",
                actor_id,
                {
                    "code": d["code"] or d["reference"],
                    "state_before": before,
                    "state_after": new_state,
                    "at": at.isoformat(),
                    **(audit or {}),
                },
            )
            self._outbox(
                NATIONAL_PORTAL_TOPIC,
                self._portal_payload(action.value, at, note, actor.name if actor else ""),
                at,
            )
        else:
            self.last_portal = (action.value, at, note, actor.name if actor else "")

    def close(self) -> None:
        """Without the full history: the one delivered portal message of the last status."""
        if self.ctx.full_history or self.last_portal is None:
            return
        action, at, note, actor = self.last_portal
        self._outbox(NATIONAL_PORTAL_TOPIC, self._portal_payload(action, at, note, actor), at)

    def _change_appointment(
        self,
        cause: str,
        at: dt.datetime,
        by: Actor | None,
        due_at: dt.datetime | None,
        appointment_at: dt.datetime | None,
        note: str = "",
    ) -> None:
        d = self.d
        self.ctx.batch.add(
            AppointmentChange,
            {
                "dossier_id": d["id"],
                "at": at,
                "cause": cause,
                "due_at": due_at,
                "appointment_at": appointment_at,
                "previous_due_at": d["due_at"],
                "previous_appointment_at": d["appointment_at"],
                "note": note,
                "by_id": by.id if by is not None else None,
            },
        )
        d["due_at"] = due_at
        d["appointment_at"] = appointment_at

    def _finish_step(self, step: dict[str, Any], at: dt.datetime) -> None:
        step["finished_at"] = at
        step["outcome"] = _outcome(at, step["due_at"]) if step["due_at"] else ""

    def _start_step(self, step: dict[str, Any], at: dt.datetime) -> None:
        step["started_at"] = at
        step["finished_at"] = None
        step["outcome"] = ""
        step["due_at"] = self.add_office(at, step["budget_seconds"])
        self.d["current_step_id"] = step["id"]
        self.d["current_agency_id"] = step["agency_id"]

    def _documents(self, items: list[DocItem], actor: Actor, at: dt.datetime) -> None:
        listed = {doc.id: doc for doc in self.version.documents}
        for item in items:
            required = listed.get(item.required_document_id) if item.required_document_id else None
            name = (item.name.strip() or (required.name if required else ""))[:500]
            self.ctx.batch.add(
                DossierDocument,
                {
                    "dossier_id": self.d["id"],
                    "required_document_id": required.id if required else None,
                    "name": name,
                    "copy_kind": item.copy_kind,
                    "count": item.count,
                    "file": "",
                    "stored_file_id": item.stored_file_id,
                    "store_item_id": item.store_item_id,
                    "added_at": at,
                    "added_by_id": actor.id,
                },
            )

    def _new(self, at: dt.datetime, **fields: Any) -> None:
        day = at.astimezone(VN_TZ).strftime("%y%m%d")
        v = self.version
        self.d = {
            "reference": f"{SIM_REFERENCE_PREFIX}{day}-{self.hex_reference}",
            "code": None,
            "state": State.SUBMITTED.value,
            "national_status": national_status(State.SUBMITTED),
            "procedure_version_id": v.id,
            "subject": "",
            "current_step_id": None,
            "submitted_at": at,
            "received_at": None,
            "counted_from": None,
            "due_at": None,
            "appointment_at": None,
            "first_appointment_at": None,
            "time_limit_value": v.time_limit_value,
            "time_limit_unit": v.time_limit_unit,
            "cutoff_applies": v.cutoff_applies,
            "ruleset_version": "",
            "approved_at": None,
            "finished_at": None,
            "returned_at": None,
            "closed_at": None,
            "result_kind": "",
            "returned_by_method": "",
            "outcome": "",
            "forced_late": False,
            "processing_supplements": 0,
            "event_count": 0,
            "last_event_at": None,
            "state_before_withdrawal": "",
            "created_at": self.ctx.now,
            "updated_at": self.ctx.now,
            **fields,
        }
        self.ctx.batch.add(Dossier, self.d)

    # ------------------------------------------------------------------ creation
    def mandate(self, at: dt.datetime, actor: Actor, *, grantor_id: int, grantee_id: int) -> int:
        """A digital mandate with scope "all" (set up before a mandate holder submits)."""
        self._act("mandate", at, actor, grantor_id=grantor_id, grantee_id=grantee_id)
        row = self.ctx.batch.add(
            Mandate,
            {
                "grantor_id": grantor_id,
                "grantee_id": grantee_id,
                "scope": Mandate.Scope.ALL,
                "valid_from": at,
                "valid_to": None,
                "revoked_at": None,
                "created_at": self.ctx.now,
            },
        )
        return int(row["id"])

    def submit(
        self,
        at: dt.datetime,
        actor: Actor,
        *,
        applicant_id: int,
        submitter_kind: str,
        competent_id: int,
        receiving_id: int,
        return_method: str,
        documents: list[DocItem],
        mandate_id: int | None = None,
        agent_id: int | None = None,
    ) -> None:
        """:func:`~motcua.dossiers.services.dossier_submit`."""
        self._act(
            "submit",
            at,
            actor,
            procedure_code=self.version.code,
            applicant_id=applicant_id,
            competent_id=competent_id,
            receiving_id=receiving_id,
            return_method=return_method,
            documents=documents,
            consent=agent_id is not None,
        )
        self._new(
            at,
            applicant_id=applicant_id,
            submitter_id=actor.id,
            submitter_kind=submitter_kind,
            submitter_name=actor.name,
            mandate_id=mandate_id,
            agent_id=agent_id,
            channel=2,
            return_method=return_method,
            return_point_id=None,
            return_address="",
            reception_point_id=None,
            receiving_agency_id=receiving_id,
            competent_agency_id=competent_id,
            current_agency_id=receiving_id,
        )
        self._documents(documents, actor, at)
        self._record(
            Action.SUBMIT,
            actor,
            at,
            State.SUBMITTED,
            to_agency=receiving_id,
            to_role=RECEIVER,
            audit={
                "submitter_kind": submitter_kind,
                "applicant": applicant_id,
                "applicant_consent": True if agent_id is not None else None,
                "mandate": mandate_id,
            },
        )

    def intake(
        self,
        at: dt.datetime,
        actor: Actor,
        *,
        applicant_id: int,
        applicant_name: str,
        competent_id: int,
        channel: int,
        submitter_kind: str,
        submitter_name: str,
        return_method: str,
        documents: list[DocItem],
    ) -> None:
        """:func:`~motcua.dossiers.services.dossier_intake` at ``actor``'s service point."""
        self._act(
            "intake",
            at,
            actor,
            procedure_code=self.version.code,
            applicant_id=applicant_id,
            competent_id=competent_id,
            channel=channel,
            submitter_kind=submitter_kind,
            submitter_name=submitter_name,
            return_method=return_method,
            documents=documents,
        )
        point = self.ctx.world.points[actor.point_id or 0]
        self._new(
            at,
            applicant_id=applicant_id,
            submitter_id=None,
            submitter_kind=submitter_kind,
            submitter_name=submitter_name.strip() or applicant_name,
            mandate_id=None,
            agent_id=None,
            channel=channel,
            return_method=return_method,
            return_point_id=None,
            return_address="",
            reception_point_id=point.id,
            receiving_agency_id=point.agency_id,
            competent_agency_id=competent_id,
            current_agency_id=point.agency_id,
        )
        self._documents(documents, actor, at)
        self._record(
            Action.INTAKE,
            actor,
            at,
            State.SUBMITTED,
            to_agency=point.agency_id,
            to_role=RECEIVER,
            audit={
                "service_point": point.code,
                "applicant": applicant_id,
                "documents": len(documents),
            },
        )

    # ------------------------------------------------------------------ intake
    def plan(self) -> list[tuple[str, str, int, int]]:
        """:func:`motcua.dossiers.clock.plan_steps`: (name, role, agency, budget seconds)."""
        d = self.d
        competent = d["competent_agency_id"]
        oh = self._hours()
        process = self.version.process_for(competent)
        if process is not None and process.steps:
            day = int(oh.daily.total_seconds())
            return [
                (
                    s.name,
                    s.role,
                    s.agency_id or competent,
                    max(
                        MIN_STEP_SECONDS,
                        s.budget_value * (3600 if s.budget_unit == "working_hours" else day),
                    ),
                )
                for s in process.steps
            ]
        total = self.office_seconds(d["received_at"], d["due_at"])
        return [
            (name, role.value, competent, max(MIN_STEP_SECONDS, int(total * share) // 60 * 60))
            for name, role, share in DEFAULT_PLAN
        ]

    def receive(
        self,
        at: dt.datetime,
        actor: Actor,
        *,
        sequence: int | None = None,
        appointment_at: dt.datetime | None = None,
        due_hint: dt.datetime | None = None,
    ) -> None:
        """:func:`~motcua.dossiers.services.dossier_receive`. ``sequence``: the code's number
        (allocated in reception order by the run); ``due_hint``: the due instant when already
        computed by :func:`motcua.workcal.bulk_due` (no pause yet, so the same value)."""
        self._begin()
        self._act("receive", at, actor, appointment_at=appointment_at)
        d = self.d
        world = self.ctx.world
        if d["reception_point_id"] is None:
            own = world.points.get(actor.point_id or 0)
            if own is not None and own.agency_id == d["receiving_agency_id"]:
                d["reception_point_id"] = own.id
            else:
                d["reception_point_id"] = world.first_point_by_agency[d["receiving_agency_id"]]
        local_day = at.astimezone(VN_TZ).date()
        agency = d["receiving_agency_id"]
        if sequence is None:
            sequence = self.ctx.counters.get((agency, local_day), 0) + 1
        self.ctx.counters[(agency, local_day)] = max(
            sequence, self.ctx.counters.get((agency, local_day), 0)
        )
        d["code"] = format_for(local_day).format(world.agencies[agency].code, local_day, sequence)
        d["received_at"] = at
        d["counted_from"] = at
        if self._limit() is None:
            if appointment_at is None or appointment_at <= at:
                raise ValueError("a procedure without a time limit needs an appointment")
            due_at = appointment_at
            d["ruleset_version"] = ""
        elif due_hint is not None:
            local = at.astimezone(VN_TZ)
            due_at = due_hint
            d["ruleset_version"] = ruleset_for(local.date()).version
            d["counted_from"] = local
        else:
            due = self.legal_due()
            if due is None:  # pragma: no cover - the limit was checked above
                raise RuntimeError("no due instant")
            due_at, d["counted_from"], d["ruleset_version"] = due
        self._change_appointment(
            AppointmentChange.Cause.RECEIVE, at, actor, due_at=due_at, appointment_at=due_at
        )
        d["first_appointment_at"] = due_at
        for order, (name, role, step_agency, budget) in enumerate(self.plan(), start=1):
            self.steps.append(
                self.ctx.batch.add(
                    DossierStep,
                    {
                        "dossier_id": d["id"],
                        "order": order,
                        "name": name,
                        "role": role,
                        "agency_id": step_agency,
                        "inter_agency": step_agency != d["competent_agency_id"],
                        "budget_seconds": budget,
                        "started_at": None,
                        "due_at": None,
                        "finished_at": None,
                        "outcome": "",
                    },
                )
            )
        d["current_agency_id"] = d["receiving_agency_id"]
        self._record(
            Action.RECEIVE,
            actor,
            at,
            State.RECEIVED,
            to_agency=d["receiving_agency_id"],
            to_role=RECEIVER,
            audit={"code": d["code"], "due_at": due_at.isoformat()},
        )
        self._notify("received", at, appointment_at=due_at.isoformat())

    def request_supplement(
        self, at: dt.datetime, actor: Actor, *, items: list[str], reason: str
    ) -> None:
        """:func:`~motcua.dossiers.services.dossier_request_supplement` (form 02)."""
        self._begin()
        self._act("request_supplement", at, actor, items=items, reason=reason)
        d = self.d
        if d["state"] == State.SUBMITTED:
            self.requests.append(
                self.ctx.batch.add(
                    SupplementRequest,
                    {
                        "dossier_id": d["id"],
                        "stage": "intake",
                        "items": items,
                        "reason": reason,
                        "requested_at": at,
                        "requested_by_id": actor.id,
                        "fulfilled_at": None,
                        "fulfilled_by_id": None,
                        "pause_id": None,
                    },
                )
            )
            self._record(
                Action.REQUEST_SUPPLEMENT,
                actor,
                at,
                State.INTAKE_SUPPLEMENT,
                from_agency=d["receiving_agency_id"],
                note=reason,
                audit={"stage": "intake", "items": items},
            )
            self._notify("supplement_requested", at, items=items, reason=reason)
            return
        pause = self._pause_row("supplement", reason, at, actor)
        self.requests.append(
            self.ctx.batch.add(
                SupplementRequest,
                {
                    "dossier_id": d["id"],
                    "stage": "processing",
                    "items": items,
                    "reason": reason,
                    "requested_at": at,
                    "requested_by_id": actor.id,
                    "fulfilled_at": None,
                    "fulfilled_by_id": None,
                    "pause_id": pause["id"],
                },
            )
        )
        d["processing_supplements"] += 1
        self._record(
            Action.REQUEST_SUPPLEMENT,
            actor,
            at,
            State.SUPPLEMENT_REQUESTED,
            from_agency=d["current_agency_id"],
            note=reason,
            audit={"stage": "processing", "items": items},
        )
        self._notify("supplement_requested", at, items=items, reason=reason)

    def _pause_row(self, kind: str, reason: str, at: dt.datetime, actor: Actor) -> dict[str, Any]:
        pause = self.ctx.batch.add(
            Pause,
            {
                "dossier_id": self.d["id"],
                "kind": kind,
                "reason": reason,
                "started_at": at,
                "ended_at": None,
                "started_by_id": actor.id,
                "ended_by_id": None,
                "resume_state": self.d["state"],
            },
        )
        self.pauses.append(pause)
        return pause

    def supplement(self, at: dt.datetime, actor: Actor, *, note: str = "") -> None:
        """:func:`~motcua.dossiers.services.dossier_supplement`: the complete supplement."""
        self._begin()
        self._act("supplement", at, actor, note=note)
        d = self.d
        open_requests = [r for r in self.requests if r["fulfilled_at"] is None]
        if open_requests:
            request = max(open_requests, key=lambda r: r["requested_at"])
            request["fulfilled_at"] = at
            request["fulfilled_by_id"] = actor.id
        if d["state"] == State.INTAKE_SUPPLEMENT:
            self._record(
                Action.SUPPLEMENT,
                actor,
                at,
                State.SUBMITTED,
                to_agency=d["receiving_agency_id"],
                to_role=RECEIVER,
                note=note,
            )
            return
        pause = next(p for p in self.pauses if p["kind"] == "supplement" and p["ended_at"] is None)
        pause["ended_at"] = at
        pause["ended_by_id"] = actor.id
        self._replan_after_pause(at, actor, AppointmentChange.Cause.SUPPLEMENT, True, pause)
        self._record(
            Action.SUPPLEMENT,
            actor,
            at,
            pause["resume_state"],
            to_agency=d["current_agency_id"],
            note=note,
            audit={"due_at": d["due_at"].isoformat() if d["due_at"] else None},
        )

    def _replan_after_pause(
        self,
        at: dt.datetime,
        actor: Actor,
        cause: str,
        restart: bool,
        pause: dict[str, Any],
    ) -> None:
        d = self.d
        if self.ctx.full_history:
            # the service reads the pauses back (the one just ended too): UTC values
            _utc(pause, _PAUSE_DT)
        new = self.legal_due()
        if new is not None:
            due_at, d["counted_from"], _version = new
        else:
            seconds = sum(
                max(0.0, self.office_seconds(p["started_at"], p["ended_at"]))
                for p in self.pauses
                if p["ended_at"] is not None
            )
            due_at = self.add_office(d["first_appointment_at"], seconds)
        if d["due_at"] is not None and not restart:
            due_at = max(due_at, d["due_at"])
        appointment = self.appointment_for(due_at)
        apology = self.apology
        if apology is not None:
            since = max(pause["started_at"], apology["issued_at"])
            shift = self.office_seconds(since, at) if at > since else 0
            current = max(
                d["appointment_at"] or apology["new_appointment_at"],
                apology["new_appointment_at"],
            )
            moved = self.add_office(current, shift) if shift else current
            appointment = max(appointment, self.appointment_for(moved))
        elif d["appointment_at"] is not None and not restart:
            appointment = max(appointment, d["appointment_at"])
        self._change_appointment(
            cause, at, actor, due_at=due_at, appointment_at=appointment, note=pause["reason"]
        )
        step = self.current_step
        if step is not None and step["started_at"] is not None:
            if restart:
                self._start_step(step, at)
            elif step["due_at"] is not None:
                lost = self.office_seconds(pause["started_at"], at)
                step["due_at"] = self.add_office(step["due_at"], lost)

    # ------------------------------------------------------------------ processing
    def _advance(self, action: Action, at: dt.datetime, actor: Actor, note: str) -> None:
        d = self.d
        steps = self.steps
        if d["state"] == State.RECEIVED:
            nxt = steps[0] if steps else None
            from_agency = d["receiving_agency_id"]
            finished = None
        else:
            step = self.current_step
            if step is None:  # pragma: no cover - the scenario finishes instead
                raise RuntimeError("no current step")
            self._finish_step(step, at)
            finished = step
            from_agency = step["agency_id"]
            later = [s for s in steps if s["order"] > step["order"]]
            nxt = later[0] if later else None
            if action is Action.APPROVE:
                d["approved_at"] = at
        if nxt is not None:
            self._start_step(nxt, at)
            to_agency, to_role = nxt["agency_id"], nxt["role"]
        else:
            d["current_step_id"] = None
            d["current_agency_id"] = d["competent_agency_id"]
            to_agency, to_role = d["competent_agency_id"], ""
        self._record(
            action,
            actor,
            at,
            State.PROCESSING,
            from_agency=from_agency,
            to_agency=to_agency,
            to_role=to_role,
            step=finished,
            note=note,
            audit={"next_step": nxt["order"] if nxt else None},
        )

    def forward(self, at: dt.datetime, actor: Actor, *, note: str = "") -> None:
        """:func:`~motcua.dossiers.services.dossier_forward`."""
        self._begin()
        self._act("forward", at, actor, note=note)
        self._advance(Action.FORWARD, at, actor, note)

    def approve(self, at: dt.datetime, actor: Actor, *, note: str = "") -> None:
        """:func:`~motcua.dossiers.services.dossier_approve`."""
        self._begin()
        self._act("approve", at, actor, note=note)
        self._advance(Action.APPROVE, at, actor, note)

    def pause(self, at: dt.datetime, actor: Actor, *, kind: str, reason: str) -> None:
        """:func:`~motcua.dossiers.services.dossier_pause`."""
        self._begin()
        self._act("pause", at, actor, kind=kind, reason=reason)
        d = self.d
        self._pause_row(kind, reason, at, actor)
        new_state = State.FINANCIAL_OBLIGATION if kind == "financial_obligation" else State.PAUSED
        self._record(
            Action.PAUSE,
            actor,
            at,
            new_state,
            from_agency=d["current_agency_id"],
            note=reason,
            audit={"kind": kind},
        )
        if kind == "financial_obligation":
            self._notify("financial_obligation", at, reason=reason)

    def resume(self, at: dt.datetime, actor: Actor, *, note: str = "") -> None:
        """:func:`~motcua.dossiers.services.dossier_resume`."""
        self._begin()
        self._act("resume", at, actor, note=note)
        d = self.d
        pause = next(p for p in self.pauses if p["ended_at"] is None)
        pause["ended_at"] = at
        pause["ended_by_id"] = actor.id
        self._replan_after_pause(at, actor, AppointmentChange.Cause.RESUME, False, pause)
        self._record(
            Action.RESUME,
            actor,
            at,
            pause["resume_state"],
            from_agency=d["current_agency_id"],
            note=note,
            audit={"due_at": d["due_at"].isoformat() if d["due_at"] else None},
        )

    def apologize(
        self, at: dt.datetime, actor: Actor, *, reason: str, new_appointment_at: dt.datetime
    ) -> None:
        """:func:`~motcua.dossiers.services.dossier_apologize` (form 04), no pause open."""
        self._begin()
        self._act("apologize", at, actor, reason=reason, new_appointment_at=new_appointment_at)
        d = self.d
        current = d["appointment_at"] or d["due_at"]
        latest = self.apology_latest_timely() if d["due_at"] else at
        is_late = at > latest
        self.apology = self.ctx.batch.add(
            Apology,
            {
                "dossier_id": d["id"],
                "reason": reason,
                "issued_at": at,
                "issued_by_id": actor.id,
                "previous_appointment_at": current or at,
                "new_appointment_at": new_appointment_at,
                "latest_timely_at": latest,
                "is_late": is_late,
            },
        )
        if is_late:
            d["forced_late"] = True
        self._change_appointment(
            AppointmentChange.Cause.APOLOGY,
            at,
            actor,
            due_at=d["due_at"],
            appointment_at=new_appointment_at,
            note=reason,
        )
        self._record(
            Action.APOLOGIZE,
            actor,
            at,
            d["state"],
            from_agency=d["current_agency_id"],
            note=reason,
            audit={"new_appointment_at": new_appointment_at.isoformat(), "late": is_late},
        )
        self._notify(
            "apology", at, reason=reason, new_appointment_at=new_appointment_at.isoformat()
        )

    def _finish_clock(self, at: dt.datetime) -> None:
        d = self.d
        d["finished_at"] = at
        if d["forced_late"]:
            d["outcome"] = "late"
        elif d["due_at"] is not None:
            d["outcome"] = _outcome(at, d["due_at"])

    def refuse(self, at: dt.datetime, actor: Actor, *, reasons: str) -> None:
        """:func:`~motcua.dossiers.services.dossier_refuse` (form 03)."""
        self._begin()
        self._act("refuse", at, actor, reasons=reasons)
        d = self.d
        if d["state"] == State.SUBMITTED:
            self._refusal("intake", reasons, at, actor)
            d["closed_at"] = at
            self._record(
                Action.REFUSE,
                actor,
                at,
                State.REFUSED_INTAKE,
                from_agency=d["receiving_agency_id"],
                note=reasons,
                audit={"stage": "intake"},
            )
            self._notify("refused", at, reasons=reasons)
            return
        self._refusal("processing", reasons, at, actor)
        step = self.current_step
        from_agency = d["current_agency_id"]
        if step is not None:
            self._finish_step(step, at)
        d["current_step_id"] = None
        d["current_agency_id"] = d["receiving_agency_id"]
        d["result_kind"] = "refused"
        self._finish_clock(at)
        self._record(
            Action.REFUSE,
            actor,
            at,
            State.FINISHED,
            from_agency=from_agency,
            to_agency=d["receiving_agency_id"],
            to_role=RECEIVER,
            step=step,
            note=reasons,
            audit={"stage": "processing"},
        )
        self._notify("refused", at, reasons=reasons)

    def _refusal(self, stage: str, reasons: str, at: dt.datetime, actor: Actor) -> None:
        self.ctx.batch.add(
            Refusal,
            {
                "dossier_id": self.d["id"],
                "stage": stage,
                "reasons": reasons,
                "at": at,
                "by_id": actor.id,
            },
        )

    def finish(self, at: dt.datetime, actor: Actor, *, note: str = "") -> None:
        """:func:`~motcua.dossiers.services.dossier_finish`: the result is ready."""
        self._begin()
        self._act("finish", at, actor, note=note)
        d = self.d
        from_agency = d["current_agency_id"]
        d["current_agency_id"] = d["receiving_agency_id"]
        d["result_kind"] = "granted"
        self._finish_clock(at)
        self._record(
            Action.FINISH,
            actor,
            at,
            State.FINISHED,
            from_agency=from_agency,
            to_agency=d["receiving_agency_id"],
            to_role=RECEIVER,
            note=note,
            audit={"outcome": d["outcome"]},
        )
        if d["outcome"] == "early":
            self._notify(
                "result_ready_early",
                at,
                appointment_at=d["appointment_at"].isoformat() if d["appointment_at"] else None,
            )
        else:
            self._notify("result_ready", at)

    def return_result(self, at: dt.datetime, actor: Actor, *, method: str, note: str = "") -> None:
        """:func:`~motcua.dossiers.services.dossier_return_result`; returned electronically,
        the result notice becomes the dossier's electronic result and enters the applicant's
        data store (:func:`motcua.documents.results.result_deliver`)."""
        self._begin()
        self._act("return_result", at, actor, method=method, note=note)
        d = self.d
        d["returned_at"] = at
        d["returned_by_method"] = method
        d["closed_at"] = at
        self._record(
            Action.RETURN_RESULT,
            actor,
            at,
            State.RETURNED,
            from_agency=d["receiving_agency_id"],
            to_agency=d["receiving_agency_id"],
            note=note,
            audit={"method": method},
        )
        if method == "electronic" and self.ctx.result_files:
            self._electronic_result(at, actor)

    def _electronic_result(self, at: dt.datetime, actor: Actor) -> None:
        """The result notice issued at the return (file: the simulator's placeholder, see
        docs/simulator.md) and its entry in the applicant's data store."""
        d = self.d
        agency = self.ctx.world.agencies[d["competent_agency_id"]]
        title = (RESULT_TITLE_PREFIX + self.version.name)[:RESULT_TITLE_MAX]
        key = (d["applicant_id"], title)
        used = self.ctx.result_items.get(key, 0)
        files = self.ctx.result_files
        file_id = files[min(used, len(files) - 1)]
        result = self.ctx.batch.add(
            ElectronicResult,
            {
                "dossier_id": d["id"],
                "file_id": file_id,
                "agency_id": agency.id,
                "title": title,
                "signer_subject": SIM_RESULT_SIGNER,
                "development_certificate": True,
                "created_at": at,
                "created_by_id": actor.id,
            },
        )
        identifier = d["code"] or d["reference"]
        if self.ctx.full_history:
            self._audit_of(
                "result.issued",
                actor.id,
                ElectronicResult,
                result["id"],
                {
                    "dossier": identifier,
                    "source": "notice",
                    "sha256": "",
                    "size": 0,
                    "title": title,
                    "personal_data": True,
                },
            )
        if used >= len(files):
            return  # every placeholder holds this title already (the store's get_or_create)
        self.ctx.result_items[key] = used + 1
        item = self.ctx.batch.add(
            StoreItem,
            {
                "owner_id": d["applicant_id"],
                "doc_type": title,
                "number": "",
                "issuer": agency.name[:255],
                "issued_on": at.astimezone(VN_TZ).date(),
                "expires_on": None,
                "revoked_at": None,
                "file_id": file_id,
                "source": StoreItem.Source.RESULT,
                "source_dossier_id": d["id"],
                "added_by_id": actor.id,
                "created_at": at,
            },
        )
        if self.ctx.full_history:
            self._audit_of(
                "store.result_added",
                actor.id,
                StoreItem,
                item["id"],
                {"dossier": identifier, "result": result["id"], "sha256": ""},
            )

    def rate(
        self, at: dt.datetime, actor: Actor, *, scores: dict[int, int | None], comment: str = ""
    ) -> None:
        """:func:`~motcua.feedback.services.dossier_rate` on a returned dossier."""
        self._act("rate", at, actor, scores=scores, comment=comment)
        d = self.d
        self.ctx.batch.add(
            DossierRating,
            {
                "dossier_id": d["id"],
                "rater_id": actor.id,
                "agency_id": d["competent_agency_id"],
                "comment": comment.strip(),
                "rated_at": at,
                **{f"index_{n}": scores.get(n) for n in range(1, 10)},
            },
        )
        if self.ctx.full_history:
            self._audit("dossier.rate", actor.id, {"at": at.isoformat()})
