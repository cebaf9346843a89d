"""Forms of the staff report pages: the queue's filters and one form per act on a report.

The forms check the shape of what was typed; the rules (who may act, in which status, the
length of a reason or an answer, the photos) are the services' (:mod:`motcua.feedback.services`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.feedback.forms import commune_choices
from motcua.feedback.models import Category, Report
from motcua.org.models import Agency

MAX_TEXT = 5000


def agency_choices() -> list[tuple[str, str]]:
    agencies = Agency.objects.filter(is_active=True).order_by("level", "name")
    return [("", "—"), *((a.code, f"{a.name} ({a.code})") for a in agencies)]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[
            ("", "—"),
            *((v, label) for v, label in Report.Status.choices if v != Report.Status.MERGED),
        ],
    )
    category = forms.ChoiceField(
        label=_("category"), required=False, choices=[("", "—"), *Category.choices]
    )
    commune = forms.ChoiceField(label=_("commune"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices()  # type: ignore[attr-defined]


class StaffActionForm(forms.Form):
    """Base: ``service_kwargs()`` gives the keyword arguments of the service."""

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def add_domain_errors(self, fields: dict[str, Any]) -> bool:
        """Put a service's field errors on this form's fields; False if none matched."""
        matched = False
        for name, message in fields.items():
            key = name.split("[", 1)[0]
            if key in self.fields:
                self.add_error(key, str(message))
                matched = True
        return matched


class RouteForm(StaffActionForm):
    agency_code = forms.ChoiceField(
        label=_("responsible agency"),
        choices=(),
        error_messages={"required": _("Choose an agency.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency_code"].choices = agency_choices()  # type: ignore[attr-defined]

    def add_domain_errors(self, fields: dict[str, Any]) -> bool:
        # the service names the field "agency"
        renamed = {("agency_code" if k == "agency" else k): v for k, v in fields.items()}
        return super().add_domain_errors(renamed)


LEVEL_CHOICES = [("", "—"), *Report.Level.choices]


class AcceptForm(StaffActionForm):
    level = forms.ChoiceField(
        label=_("urgency level"),
        choices=LEVEL_CHOICES,
        error_messages={"required": _("Choose a level.")},
    )


class LevelForm(AcceptForm):
    """Changing the level of an accepted report: the same field as accepting."""


class ReasonForm(StaffActionForm):
    reason = forms.CharField(
        label=_("reason"),
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason (at least 5 characters).")},
    )


class AnswerForm(StaffActionForm):
    text = forms.CharField(
        label=_("answer"),
        max_length=MAX_TEXT,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The answer is public: do not write the reporter's name or contact."),
        error_messages={"required": _("Write the answer in at least 10 characters.")},
    )
    # The photos of the result come from ``request.FILES`` (checked by the service).


class MergeForm(StaffActionForm):
    duplicate = forms.IntegerField(
        label=_("number of the duplicate report"),
        min_value=1,
        help_text=_("Pick a suggestion or type the number after “PA-”."),
        error_messages={
            "required": _("Choose the report to merge into this one."),
            "invalid": _("Type the number of a report, e.g. 125."),
            "min_value": _("Type the number of a report, e.g. 125."),
        },
    )


ACTION_FORMS: dict[str, type[StaffActionForm]] = {
    "route": RouteForm,
    "accept": AcceptForm,
    "level": LevelForm,
    "return": ReasonForm,
    "reject": ReasonForm,
    "answer": AnswerForm,
    "merge": MergeForm,
}

ACTION_LABELS: dict[str, Any] = {
    "route": _("Route to an agency"),
    "accept": _("Accept the report"),
    "level": _("Change the level"),
    "return": _("Return to the dispatcher"),
    "reject": _("Reject the report"),
    "answer": _("Answer"),
    "merge": _("Merge a duplicate into this report"),
}
