"""Forms of the processing actions: they parse what the officer typed into the keyword
arguments of the transition services, with the reasons the law requires and a confirmation
before the acts that cannot be undone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motcua.documents.results import TITLE_MAX
from motcua.dossiers.models import PauseKind, ReturnMethod
from motcua.dossiers.states import Action

MAX_TEXT = 2000
#: How an appointment is written and read back (Hà Nội time), as everywhere on the pages.
APPOINTMENT_FORMAT = "%H:%M %d/%m/%Y"
MAX_ITEMS = 30


class ActionForm(forms.Form):
    """Base: ``service_kwargs()`` gives the arguments of the transition service."""

    action: Action
    needs_confirmation = False
    #: the button's label when it is not the action's own (``None``: the action's label)
    label: Any = None

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("confirmed", None)
        return data

    def add_domain_errors(self, fields: dict[str, Any]) -> bool:
        """Put a service's field errors on this form's fields; False if none matched."""
        matched = False
        for name, message in fields.items():
            if name in self.fields:
                self.add_error(name, str(message))
                matched = True
        return matched


CONFIRM_LABEL = _("I have checked the dossier: this act cannot be undone.")
CONFIRM_REQUIRED = _("Tick the box to confirm this act.")


def _confirm_field(*, required: bool = True) -> forms.BooleanField:
    return forms.BooleanField(
        label=CONFIRM_LABEL, required=required, error_messages={"required": CONFIRM_REQUIRED}
    )


def _text(label: Any, *, required: bool, help_text: Any = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        strip=True,
    )


class NoteForm(ActionForm):
    note = _text(_("Note (optional)"), required=False, rows=2)


class ForwardForm(NoteForm):
    action = Action.FORWARD


class ResumeForm(NoteForm):
    action = Action.RESUME


class ApproveForm(NoteForm):
    action = Action.APPROVE
    needs_confirmation = True
    confirmed = _confirm_field()


class FinishForm(NoteForm):
    action = Action.FINISH
    needs_confirmation = True
    confirmed = _confirm_field()


class ReturnStepForm(ActionForm):
    action = Action.RETURN_STEP
    reason = _text(_("Why the dossier goes back"), required=True)


class SupplementRequestForm(ActionForm):
    action = Action.REQUEST_SUPPLEMENT
    needs_confirmation = True
    items = _text(
        _("Documents and content to complete"),
        required=True,
        help_text=_("One per line, all at once: only one request is allowed."),
        rows=4,
    )
    reason = _text(_("Reason"), required=True)
    confirmed = _confirm_field()

    def clean_items(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["items"].splitlines()]
        items = [line for line in lines if line]
        if not items:
            raise ValidationError(_("List at least one document or content."), code="required")
        if len(items) > MAX_ITEMS:
            raise ValidationError(
                _("List at most %(n)d items."), code="max_items", params={"n": MAX_ITEMS}
            )
        return items


class PauseForm(ActionForm):
    action = Action.PAUSE
    kind = forms.ChoiceField(
        label=_("Kind of pause"),
        choices=[
            (PauseKind.FINANCIAL_OBLIGATION.value, PauseKind.FINANCIAL_OBLIGATION.label),
            (PauseKind.CITIZEN_VERIFICATION.value, PauseKind.CITIZEN_VERIFICATION.label),
            (PauseKind.OTHER.value, PauseKind.OTHER.label),
        ],
    )
    reason = _text(_("Legal reason for the pause"), required=True)


class ApologyForm(ActionForm):
    action = Action.APOLOGIZE
    needs_confirmation = True
    reason = _text(_("Reason for the delay"), required=True)
    new_appointment_at = forms.DateTimeField(
        label=_("New appointment"),
        input_formats=[APPOINTMENT_FORMAT, "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(
            format=APPOINTMENT_FORMAT,
            attrs={"placeholder": "17:00 30/11/2026", "autocomplete": "off", "size": 16},
        ),
        help_text=_("Hà Nội time, as 17:00 30/11/2026. The appointment can be moved only once."),
    )
    confirmed = _confirm_field()


class RefuseForm(ActionForm):
    action = Action.REFUSE
    needs_confirmation = True
    reasons = _text(_("Reasons for the refusal"), required=True, rows=4)
    confirmed = _confirm_field()


class StopForm(ActionForm):
    action = Action.STOP
    needs_confirmation = True
    reason = _text(_("Reason for stopping"), required=True)
    financial_settlement = _text(_("Fees and charges settled (optional)"), required=False, rows=2)
    confirmed = _confirm_field()


class WithdrawForm(ActionForm):
    action = Action.WITHDRAW
    needs_confirmation = True
    decision = forms.ChoiceField(
        label=_("Decision on the withdrawal request"),
        choices=[
            ("confirm", _("Accept: stop processing (status 8)")),
            ("decline", _("Decline: processing continues")),
        ],
        widget=forms.RadioSelect,
    )
    reason = _text(_("Reason (optional)"), required=False, rows=2)
    confirmed = _confirm_field(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "confirm" and not cleaned.get("confirmed"):
            self.add_error("confirmed", CONFIRM_REQUIRED)
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "confirm": self.cleaned_data["decision"] == "confirm",
            "reason": self.cleaned_data["reason"],
        }


class ReturnElectronicForm(NoteForm):
    """Return the result electronically (status 10): the dossier's electronic result goes to
    the applicant's data store; without an uploaded result, motcua issues the result notice."""

    action = Action.RETURN_RESULT
    label = _("Return the result electronically")
    needs_confirmation = True
    confirmed = _confirm_field()

    def service_kwargs(self) -> dict[str, Any]:
        return {**super().service_kwargs(), "method": ReturnMethod.ELECTRONIC.value}


class ResultUploadForm(forms.Form):
    """The signed result file the competent agency uploads (PDF; signed again by motcua with
    the agency's certificate). The type and size are checked from the bytes by the service."""

    file = forms.FileField(
        label=_("Result file (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=_("The result document as a PDF; it is signed with the agency's certificate."),
    )
    title = forms.CharField(
        label=_("Title of the result (optional)"),
        required=False,
        max_length=TITLE_MAX,
        strip=True,
        help_text=_("E.g. the name of the licence or certificate; by default the procedure's."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "result")
        super().__init__(*args, **kwargs)

    def add_domain_errors(self, fields: dict[str, Any]) -> bool:
        """Put a service's field errors on this form's fields; False if none matched."""
        matched = False
        for name, message in fields.items():
            if name in self.fields:
                self.add_error(name, str(message))
                matched = True
        return matched


ACTION_FORMS: dict[Action, type[ActionForm]] = {
    form.action: form
    for form in (
        ForwardForm,
        ApproveForm,
        FinishForm,
        ReturnStepForm,
        SupplementRequestForm,
        PauseForm,
        ResumeForm,
        ApologyForm,
        RefuseForm,
        WithdrawForm,
        StopForm,
        ReturnElectronicForm,
    )
}


def action_form(
    action: Action, data: Any = None, *, initial: dict[str, Any] | None = None
) -> ActionForm:
    """The form of ``action``; its fields are prefixed by the action so that several forms
    live on one page with unique ids."""
    return ACTION_FORMS[action](data=data, initial=initial, prefix=action.value)
