"""Input and output shapes of the dossier API. No rules here: the services decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from motcua.dossiers.models import (
    Channel,
    Dossier,
    DossierStep,
    Handover,
    PauseKind,
    ReturnMethod,
    SubmitterKind,
)
from motcua.dossiers.states import TRANSITIONS, Action, State
from motcua.people.identity import mask_identifier

#: Agency codes (QĐ 20/2020 and QCVN 102:2016 forms): digits, capitals and dots, ≤ 35.
AGENCY_CODE_PATTERN = r"^[0-9A-Z]+(\.[0-9A-Z]+)*$"


def _text(**kwargs: Any) -> serializers.CharField:
    """Free text. Whitespace is kept as sent; the services refuse a blank required text with
    a field error (422), so the schema's promise (any non-empty string) holds."""
    return serializers.CharField(trim_whitespace=False, **kwargs)


# ----------------------------------------------------------------------------- inputs
class SubmitInput(serializers.Serializer[Any]):
    """Online submission (citizen, mandate holder, agent) or counter intake (receiver)."""

    procedure = serializers.RegexField(
        r"^\d\.\d{6}$", help_text=_("National procedure code d.dddddd.")
    )
    applicant_id = serializers.RegexField(
        r"^(\d{12}|\d{10}|\d{10}-\d{3})$",
        required=False,
        help_text=_(
            "Identity number (12 digits) or tax code of the applicant. Citizens submitting "
            "for themselves leave it out."
        ),
    )
    competent_agency = serializers.RegexField(
        AGENCY_CODE_PATTERN, required=False, help_text=_("Code of the competent agency.")
    )
    receiving_agency = serializers.RegexField(
        AGENCY_CODE_PATTERN,
        required=False,
        help_text=_("Online only: the agency whose one-stop receives the dossier."),
    )
    subject = _text(required=False, allow_blank=True, max_length=2000)
    return_method = serializers.ChoiceField(choices=ReturnMethod.choices, required=False)
    applicant_consent = serializers.BooleanField(
        required=False, default=False, help_text=_("Agents: the applicant agreed.")
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text=_("Counter intake only: 1 in person, 3 by post."),
    )
    submitter_kind = serializers.ChoiceField(
        choices=[
            (SubmitterKind.SELF, SubmitterKind.SELF.label),
            (SubmitterKind.REPRESENTATIVE, SubmitterKind.REPRESENTATIVE.label),
        ],
        required=False,
    )
    submitter_name = _text(required=False, allow_blank=True, max_length=255)


class NoteInput(serializers.Serializer[Any]):
    note = _text(required=False, allow_blank=True, max_length=2000, default="")


class ReceiveInput(serializers.Serializer[Any]):
    appointment_at = serializers.DateTimeField(
        required=False,
        help_text=_("Only for procedures without a published time limit."),
    )


class SupplementRequestInput(serializers.Serializer[Any]):
    items = serializers.ListField(child=_text(max_length=500), min_length=1, max_length=50)
    reason = _text(max_length=2000)


class ReasonsInput(serializers.Serializer[Any]):
    reasons = _text(max_length=4000)


class ReasonInput(serializers.Serializer[Any]):
    reason = _text(max_length=2000)


class PauseInput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=[
            (k.value, k.label)
            for k in (
                PauseKind.FINANCIAL_OBLIGATION,
                PauseKind.CITIZEN_VERIFICATION,
                PauseKind.OTHER,
            )
        ]
    )
    reason = _text(max_length=2000)


class ApologyInput(serializers.Serializer[Any]):
    reason = _text(max_length=2000)
    new_appointment_at = serializers.DateTimeField()


class WithdrawInput(serializers.Serializer[Any]):
    reason = _text(required=False, allow_blank=True, max_length=2000, default="")
    confirm = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Staff only: true confirms the citizen's request, false declines it."),
    )


class StopInput(serializers.Serializer[Any]):
    reason = _text(max_length=2000)
    financial_settlement = _text(required=False, allow_blank=True, max_length=2000, default="")


class ReturnResultInput(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=ReturnMethod.choices)
    note = _text(required=False, allow_blank=True, max_length=2000, default="")


# ----------------------------------------------------------------------------- outputs
class AgencyRef(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class StepOut(serializers.ModelSerializer[DossierStep]):
    agency = AgencyRef()

    class Meta:
        model = DossierStep
        fields = [
            "order",
            "name",
            "role",
            "agency",
            "budget_seconds",
            "started_at",
            "due_at",
            "finished_at",
            "outcome",
        ]


class HandoverOut(serializers.ModelSerializer[Handover]):
    from_user = serializers.SerializerMethodField()
    from_agency = serializers.CharField(source="from_agency.code", allow_null=True, default=None)
    to_agency = serializers.CharField(source="to_agency.code", allow_null=True, default=None)

    class Meta:
        model = Handover
        fields = [
            "seq",
            "action",
            "at",
            "from_user",
            "from_agency",
            "to_agency",
            "to_role",
            "step_due_at",
            "outcome",
            "state_before",
            "state_after",
            "national_status",
            "note",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_from_user(self, obj: Handover) -> str | None:
        return str(obj.from_user) if obj.from_user_id else None


class PauseOut(serializers.Serializer[Any]):
    kind = serializers.CharField()
    reason = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class AppointmentChangeOut(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    cause = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    appointment_at = serializers.DateTimeField(allow_null=True)
    previous_due_at = serializers.DateTimeField(allow_null=True)
    previous_appointment_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


class SupplementRequestOut(serializers.Serializer[Any]):
    stage = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()
    fulfilled_at = serializers.DateTimeField(allow_null=True)


class ApologyOut(serializers.Serializer[Any]):
    reason = serializers.CharField()
    issued_at = serializers.DateTimeField()
    previous_appointment_at = serializers.DateTimeField()
    new_appointment_at = serializers.DateTimeField()
    latest_timely_at = serializers.DateTimeField()
    is_late = serializers.BooleanField()


class AuditOut(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    details = serializers.DictField()


class DossierSummary(serializers.ModelSerializer[Dossier]):
    """A dossier in lists."""

    procedure = serializers.CharField(source="procedure_version.procedure.code")
    procedure_name = serializers.CharField(source="procedure_version.name")
    state_label = serializers.CharField(source="get_state_display")
    receiving_agency = serializers.CharField(source="receiving_agency.code")
    competent_agency = serializers.CharField(source="competent_agency.code")
    current_agency = serializers.CharField(source="current_agency.code")
    reception_point = serializers.CharField(
        source="reception_point.code", allow_null=True, default=None
    )

    class Meta:
        model = Dossier
        fields = [
            "code",
            "reference",
            "state",
            "state_label",
            "national_status",
            "procedure",
            "procedure_name",
            "channel",
            "reception_point",
            "receiving_agency",
            "competent_agency",
            "current_agency",
            "submitted_at",
            "received_at",
            "due_at",
            "appointment_at",
            "finished_at",
            "returned_at",
            "outcome",
        ]


#: DossierSummary's output fields, in order, each with the key it is read from in a row of
#: :func:`motcua.dossiers.selectors.summary_codes_add`
SUMMARY_ROW_KEYS: tuple[tuple[str, str], ...] = (
    ("code", "code"),
    ("reference", "reference"),
    ("state", "state"),
    ("state_label", "state"),
    ("national_status", "national_status"),
    ("procedure", "procedure_code"),
    ("procedure_name", "procedure_name"),
    ("channel", "channel"),
    ("reception_point", "point_code"),
    ("receiving_agency", "receiving_code"),
    ("competent_agency", "competent_code"),
    ("current_agency", "current_code"),
    ("submitted_at", "submitted_at"),
    ("received_at", "received_at"),
    ("due_at", "due_at"),
    ("appointment_at", "appointment_at"),
    ("finished_at", "finished_at"),
    ("returned_at", "returned_at"),
    ("outcome", "outcome"),
)
_INSTANT = serializers.DateTimeField()


def _instant_renderer() -> Callable[[dt.datetime], str]:
    """``serializers.DateTimeField().to_representation`` for the aware instants read from the
    database, with the current time zone looked up once (not once per value): ISO 8601 in
    that zone, ``Z`` for UTC."""
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    if zone is None:  # pragma: no cover - the project runs with USE_TZ
        return cast(Callable[[dt.datetime], str], _INSTANT.to_representation)

    def render(value: dt.datetime) -> str:
        if timezone.is_naive(value):  # pragma: no cover - the database gives aware instants
            return _INSTANT.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


_INSTANT_FIELDS = (
    "submitted_at",
    "received_at",
    "due_at",
    "appointment_at",
    "finished_at",
    "returned_at",
)


def summary_data(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The list's items as :class:`DossierSummary` renders them, from plain rows (no model
    instances, no per-field serializer calls: a page of 50 is built in well under a
    millisecond). ``tests/dossiers/test_summary_rows.py`` holds the two equal."""
    instant = _instant_renderer()
    labels = {value: str(label) for value, label in State.choices}
    out: list[dict[str, Any]] = []
    for row in rows:
        item = {name: row[key] for name, key in SUMMARY_ROW_KEYS}
        item["state_label"] = labels.get(row["state"], row["state"])
        for name in _INSTANT_FIELDS:
            if item[name] is not None:
                item[name] = instant(item[name])
        out.append(item)
    return out


class ApplicantOut(serializers.Serializer[Any]):
    full_name = serializers.CharField()
    identity_number = serializers.CharField(help_text=_("Masked: only the last 4 digits."))


class DossierDetail(DossierSummary):
    """A dossier with its process, hand-overs, pauses and appointment history."""

    applicant = serializers.SerializerMethodField()
    submitter_kind = serializers.CharField()
    submitter_name = serializers.CharField()
    available_actions = serializers.SerializerMethodField()
    current_step = serializers.IntegerField(
        source="current_step.order", allow_null=True, default=None
    )
    steps = StepOut(many=True)
    handovers = HandoverOut(many=True)
    pauses = PauseOut(many=True)
    supplement_requests = SupplementRequestOut(many=True)
    appointment_changes = AppointmentChangeOut(many=True)
    apology = serializers.SerializerMethodField()
    refusal_reasons = serializers.SerializerMethodField()
    stop_reason = serializers.SerializerMethodField()
    audit = serializers.SerializerMethodField()

    class Meta(DossierSummary.Meta):
        fields = [
            *DossierSummary.Meta.fields,
            "subject",
            "applicant",
            "submitter_kind",
            "submitter_name",
            "return_method",
            "first_appointment_at",
            "counted_from",
            "time_limit_value",
            "time_limit_unit",
            "ruleset_version",
            "approved_at",
            "result_kind",
            "returned_by_method",
            "forced_late",
            "processing_supplements",
            "current_step",
            "available_actions",
            "steps",
            "handovers",
            "pauses",
            "supplement_requests",
            "appointment_changes",
            "apology",
            "refusal_reasons",
            "stop_reason",
            "audit",
        ]

    @extend_schema_field(ApplicantOut)
    def get_applicant(self, obj: Dossier) -> dict[str, str]:
        number = obj.applicant.personal_id or obj.applicant.tax_code or ""
        return {"full_name": obj.applicant.full_name, "identity_number": mask_identifier(number)}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_actions(self, obj: Dossier) -> list[str]:
        return [a.value for a, states in TRANSITIONS.items() if obj.state in states]

    @extend_schema_field(ApologyOut(allow_null=True))
    def get_apology(self, obj: Dossier) -> dict[str, Any] | None:
        apology = getattr(obj, "apology", None)
        return ApologyOut(apology).data if apology is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_refusal_reasons(self, obj: Dossier) -> list[str]:
        return [r.reasons for r in obj.refusals.all()]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_stop_reason(self, obj: Dossier) -> str | None:
        notice = getattr(obj, "stop_notice", None)
        return notice.reason if notice is not None else None

    @extend_schema_field(AuditOut(many=True, allow_null=True))
    def get_audit(self, obj: Dossier) -> list[dict[str, Any]] | None:
        trail = self.context.get("audit")
        if trail is None:
            return None
        return [
            {
                "at": e.at,
                "action": e.action,
                "actor": str(e.actor) if e.actor_id else None,
                "details": e.data,
            }
            for e in trail
        ]


class LookupOut(serializers.Serializer[Any]):
    """Public progress: nothing personal."""

    code = serializers.CharField()
    procedure = serializers.CharField()
    procedure_name = serializers.CharField()
    national_status = serializers.IntegerField()
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    appointment_at = serializers.DateTimeField(allow_null=True)
    current_agency = serializers.CharField()
    finished_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)


def lookup_row_data(row: Mapping[str, Any]) -> dict[str, Any]:
    """What :class:`LookupOut` renders, from a row of
    :func:`motcua.dossiers.selectors.lookup_public_row` (the public lookup's fast path)."""
    instant = _instant_renderer()
    return {
        "code": row["code"],
        "procedure": row["procedure_code"],
        "procedure_name": row["procedure_name"],
        "national_status": row["national_status"],
        "state": row["state"],
        "state_label": str(State(row["state"]).label),
        "received_at": None if row["received_at"] is None else instant(row["received_at"]),
        "appointment_at": (
            None if row["appointment_at"] is None else instant(row["appointment_at"])
        ),
        "current_agency": row["current_agency_name"],
        "finished_at": None if row["finished_at"] is None else instant(row["finished_at"]),
        "returned_at": None if row["returned_at"] is None else instant(row["returned_at"]),
    }


def lookup_data(dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "procedure": dossier.procedure_version.procedure.code,
        "procedure_name": dossier.procedure_version.name,
        "national_status": dossier.national_status,
        "state": dossier.state,
        "state_label": str(State(dossier.state).label),
        "received_at": dossier.received_at,
        "appointment_at": dossier.appointment_at,
        "current_agency": dossier.current_agency.name,
        "finished_at": dossier.finished_at,
        "returned_at": dossier.returned_at,
    }


ACTION_INPUTS: dict[Action, type[serializers.Serializer[Any]]] = {
    Action.RECEIVE: ReceiveInput,
    Action.REQUEST_SUPPLEMENT: SupplementRequestInput,
    Action.SUPPLEMENT: NoteInput,
    Action.REFUSE: ReasonsInput,
    Action.FORWARD: NoteInput,
    Action.RETURN_STEP: ReasonInput,
    Action.APPROVE: NoteInput,
    Action.PAUSE: PauseInput,
    Action.RESUME: NoteInput,
    Action.APOLOGIZE: ApologyInput,
    Action.WITHDRAW: WithdrawInput,
    Action.STOP: StopInput,
    Action.FINISH: NoteInput,
    Action.RETURN_RESULT: ReturnResultInput,
}
