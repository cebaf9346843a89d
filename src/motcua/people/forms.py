"""Forms of the mandate and service-agent pages: shape only; the rules are in services.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Sector
from motcua.catalog.selectors import versions_in_force
from motcua.people.models import Mandate

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day``, local time (Asia/Ho_Chi_Minh)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_default_timezone())


class MandateGrantForm(forms.Form):
    grantee_id = forms.CharField(
        label=_("Personal identity number of the person you authorize (12 digits)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    grantee_name = forms.CharField(
        label=_("Full name of the person you authorize"),
        max_length=255,
        help_text=_("As written on their identity card."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=_("The mandate covers"),
        choices=Mandate.Scope.choices,
        initial=Mandate.Scope.ALL,
        widget=forms.RadioSelect,
    )
    procedures = forms.TypedMultipleChoiceField(
        label=_("Procedures"),
        help_text=_("Only when the mandate covers selected procedures."),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    sectors = forms.TypedMultipleChoiceField(
        label=_("Sectors"),
        help_text=_("Only when the mandate covers selected sectors."),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), input_formats=DATE_FORMATS, widget=_date_input()
    )
    valid_to = forms.DateField(
        label=_("Valid until (inclusive)"), input_formats=DATE_FORMATS, widget=_date_input()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        procedures: Any = self.fields["procedures"]
        procedures.choices = [
            (v.procedure_id, f"{v.procedure.code} – {v.name}")
            for v in versions_in_force().order_by("procedure__code")
        ]
        sectors: Any = self.fields["sectors"]
        sectors.choices = list(Sector.objects.order_by("name").values_list("pk", "name"))
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.localdate())

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """From the start of the first day to the end of the last day, local time."""
        first: dt.date = self.cleaned_data["valid_from"]
        last: dt.date = self.cleaned_data["valid_to"]
        return start_of_day(first), start_of_day(last + dt.timedelta(days=1))


class MandateRevokeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I revoke this mandate: from now on this person can no longer act for me, "
            "also on the dossiers already submitted under it."
        ),
        required=True,
        error_messages={"required": _("Tick the box to confirm the revocation.")},
    )


class AgentStartForm(forms.Form):
    applicant_id = forms.CharField(
        label=_("Applicant's identity number or tax code"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    procedure_code = forms.CharField(
        label=_("Procedure code"),
        max_length=20,
        help_text=_("The national code of the procedure, e.g. 1.001193."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ConsentCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code the applicant reads out (6 digits)"),
        max_length=7,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code") or "").strip().replace(" ", "")
        if not (len(code) == 6 and code.isdigit()):
            raise ValidationError(_("The code has 6 digits."), code="code_format")
        return code
