"""Forms of the counter pages. They parse and check the shape of the input; the rules are
checked by :mod:`motcua.backoffice.counter_services` and the lifecycle services, whose
:class:`~motcua.core.errors.DomainError` fields carry these forms' field names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.backoffice.counter_services import (
    ChecklistRow,
    Decision,
    ExtraDocument,
)
from motcua.catalog.models import RequiredDocument
from motcua.core.errors import DomainError
from motcua.dossiers.models import Channel, ReturnMethod, SubmitterKind
from motcua.org.models import Agency

#: Blank rows for papers not on the procedure's list.
EXTRA_ROWS = 3
MAX_COPIES = 99

DECISION_CHOICES = [
    (Decision.RECEIVE.value, _("receive")),
    (Decision.SUPPLEMENT.value, _("request a supplement")),
    (Decision.REFUSE.value, _("refuse")),
]
SUBMITTER_CHOICES = [
    (SubmitterKind.SELF.value, _("the applicant in person")),
    (SubmitterKind.REPRESENTATIVE.value, _("someone else for the applicant (authorization)")),
]
CHANNEL_CHOICES = [
    (Channel.DIRECT.value, _("in person at the counter")),
    (Channel.POST.value, _("by public post")),
]
#: Names of fields that the services may name but that are not on the counter's forms.
OTHER_FIELD_LABELS = {
    "procedure": _("Procedure"),
    "at": _("Time of the act"),
    "applicant_id": _("Applicant"),
}
REASON_REQUIRED = _("Required: the law requires the reason to be written.")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _count_field(initial: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Copies"),
        min_value=1,
        max_value=MAX_COPIES,
        initial=initial,
        required=False,
        widget=forms.NumberInput(attrs={"class": "count-input", "inputmode": "numeric"}),
    )


def _kind_field(initial: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Kind"), choices=RequiredDocument.CopyKind.choices, initial=initial
    )


class ReasonMixin(forms.Form):
    """The decision buttons, the content to complete (form 02) and the reason (02, 03)."""

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISION_CHOICES)
    items = forms.CharField(
        label=_("To complete (one per line)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a supplement request. Left empty: the required documents not ticked."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to request a supplement or to refuse."),
    )
    appointment_at = forms.DateTimeField(
        label=_("Appointment to return the result"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Only for a procedure that publishes no time limit."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision in (Decision.SUPPLEMENT, Decision.REFUSE) and not data.get("reason"):
            self.add_error("reason", REASON_REQUIRED)
        return data

    @property
    def decision_value(self) -> Decision:
        return Decision(self.cleaned_data["decision"])

    @property
    def item_lines(self) -> list[str]:
        return _lines(self.cleaned_data.get("items") or "")


class DecisionForm(ReasonMixin):
    """The decision on a dossier waiting in the queue."""


class IntakeForm(ReasonMixin):
    """A dossier handed in at the counter: applicant, submitter, checklist, return, decision."""

    applicant_id = forms.CharField(
        label=_("Identity number or tax code of the applicant"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}
        ),
        help_text=_("12-digit personal identity number, or the organisation's tax code."),
    )
    applicant_name = forms.CharField(label=_("Full name"), max_length=255, required=False)
    applicant_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    applicant_address = forms.CharField(label=_("Address"), max_length=255, required=False)
    submitter_kind = forms.ChoiceField(
        label=_("Handed in by"),
        choices=SUBMITTER_CHOICES,
        initial=SubmitterKind.SELF.value,
        widget=forms.RadioSelect,
    )
    submitter_name = forms.CharField(
        label=_("Name of the person handing in"),
        max_length=255,
        required=False,
        help_text=_("Check their identity paper and the authorization document."),
    )
    channel = forms.TypedChoiceField(
        label=_("Arrived"),
        choices=CHANNEL_CHOICES,
        coerce=int,
        initial=Channel.DIRECT.value,
        widget=forms.RadioSelect,
    )
    competent_agency = forms.TypedChoiceField(
        label=_("Competent agency"), coerce=int, required=False, empty_value=None
    )
    subject = forms.CharField(
        label=_("What is requested"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    return_method = forms.ChoiceField(
        label=_("How the result is returned"),
        choices=ReturnMethod.choices,
        initial=ReturnMethod.COUNTER.value,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args: Any,
        documents: Sequence[RequiredDocument] = (),
        agencies: Sequence[Agency] = (),
        fixed_agency: Agency | None = None,
        default_agency_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        self.fixed_agency = fixed_agency
        self.agencies = {agency.pk: agency for agency in agencies}
        field = cast(forms.TypedChoiceField, self.fields["competent_agency"])
        field.choices = [("", _("— choose the competent agency —"))] + [
            (agency.pk, agency.name) for agency in agencies
        ]
        field.initial = default_agency_id
        for doc in self.documents:
            prefix = f"doc-{doc.pk}"
            self.fields[f"{prefix}-given"] = forms.BooleanField(label=doc.name, required=False)
            self.fields[f"{prefix}-kind"] = _kind_field(doc.copy_kind)
            self.fields[f"{prefix}-count"] = _count_field(doc.count)
        for n in range(1, EXTRA_ROWS + 1):
            prefix = f"extra-{n}"
            self.fields[f"{prefix}-name"] = forms.CharField(
                label=_("Other paper"), max_length=500, required=False
            )
            self.fields[f"{prefix}-kind"] = _kind_field(RequiredDocument.CopyKind.ORIGINAL)
            self.fields[f"{prefix}-count"] = _count_field(1)

    # -- what the template walks through
    def checklist_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "key": f"doc-{doc.pk}",
                "doc": doc,
                "given": self[f"doc-{doc.pk}-given"],
                "kind": self[f"doc-{doc.pk}-kind"],
                "count": self[f"doc-{doc.pk}-count"],
                "errors": self.row_errors.get(f"doc-{doc.pk}", []),
            }
            for doc in self.documents
        ]

    def extra_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "key": f"extra-{n}",
                "number": n,
                "name": self[f"extra-{n}-name"],
                "kind": self[f"extra-{n}-kind"],
                "count": self[f"extra-{n}-count"],
                "errors": self.row_errors.get(f"extra-{n}", []),
            }
            for n in range(1, EXTRA_ROWS + 1)
        ]

    @property
    def row_errors(self) -> dict[str, list[str]]:
        rows: dict[str, list[str]] = getattr(self, "_row_errors", {})
        return rows

    def add_row_error(self, key: str, message: str) -> None:
        rows = self.row_errors
        rows.setdefault(key, []).append(message)
        self._row_errors = rows

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("submitter_kind") == SubmitterKind.REPRESENTATIVE
            and not (data.get("submitter_name") or "").strip()
        ):
            self.add_error("submitter_name", _("Required when someone else hands it in."))
        agency_id = data.get("competent_agency")
        if agency_id is not None and agency_id not in self.agencies:
            self.add_error("competent_agency", _("Choose one of the listed agencies."))
        for doc in self.documents:
            prefix = f"doc-{doc.pk}"
            if data.get(f"{prefix}-given") and data.get(f"{prefix}-count") is None:
                self.add_error(f"{prefix}-count", _("Write the number of copies."))
        for n in range(1, EXTRA_ROWS + 1):
            prefix = f"extra-{n}"
            if (data.get(f"{prefix}-name") or "").strip() and data.get(f"{prefix}-count") is None:
                self.add_error(f"{prefix}-count", _("Write the number of copies."))
        return data

    # -- values for the service
    @property
    def competent(self) -> Agency | None:
        if self.fixed_agency is not None:
            return self.fixed_agency
        agency_id = self.cleaned_data.get("competent_agency")
        return self.agencies.get(agency_id) if agency_id is not None else None

    def checklist(self) -> list[ChecklistRow]:
        data = self.cleaned_data
        return [
            ChecklistRow(
                required_document_id=doc.pk,
                given=bool(data.get(f"doc-{doc.pk}-given")),
                copy_kind=data.get(f"doc-{doc.pk}-kind") or doc.copy_kind,
                count=data.get(f"doc-{doc.pk}-count") or doc.count,
            )
            for doc in self.documents
        ]

    def extras(self) -> list[ExtraDocument]:
        data = self.cleaned_data
        return [
            ExtraDocument(
                key=f"extra-{n}",
                name=(data.get(f"extra-{n}-name") or "").strip(),
                copy_kind=data.get(f"extra-{n}-kind") or RequiredDocument.CopyKind.ORIGINAL,
                count=data.get(f"extra-{n}-count") or 1,
            )
            for n in range(1, EXTRA_ROWS + 1)
            if (data.get(f"extra-{n}-name") or "").strip()
        ]


class ReturnForm(forms.Form):
    """The result handed over."""

    method = forms.ChoiceField(
        label=_("Returned"), choices=ReturnMethod.choices, widget=forms.RadioSelect
    )
    collected_by = forms.CharField(
        label=_("Collected by (when not the applicant)"),
        max_length=255,
        required=False,
        help_text=_("Check the receipt, their identity paper and the authorization document."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SupplementReceivedForm(forms.Form):
    note = forms.CharField(label=_("What was brought"), max_length=2000, required=False)


def apply_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a rule's refusal on the form: each named field next to the field (or its
    checklist row), the message on top."""
    form.add_error(None, str(exc.message))
    for name, message in exc.fields.items():
        if isinstance(form, IntakeForm) and name.startswith(("doc-", "extra-")):
            form.add_row_error(name, str(message))
        elif name in form.fields:
            form.add_error(name, str(message))
        else:
            label = OTHER_FIELD_LABELS.get(name)
            form.add_error(None, f"{label}: {message}" if label else str(message))
