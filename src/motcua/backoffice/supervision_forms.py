"""Query-string forms of the supervisor's pages: every bad value is refused with its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from motcua.backoffice.supervision_selectors import (
    MAX_PERIOD_DAYS,
    NO_POINT,
    DossierFilter,
    Due,
)
from motcua.org.models import Agency, ServicePoint

ISO_DATE = ["%Y-%m-%d"]
#: Dates outside these years are refused (no dossier there, and no arithmetic overflow).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


def _plausible(day: dt.date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise forms.ValidationError(_("must be between the years 2000 and 2100"))


def _date_field(label: StrPromise) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, input_formats=ISO_DATE, validators=[_plausible]
    )


PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30


class SummaryForm(forms.Form):
    """``until`` (last day of the step statistics and of the load table) and ``days``."""

    until = _date_field(_("Up to"))
    days = forms.TypedChoiceField(
        label=_("Step times over"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            (7, _("the last 7 days")),
            (30, _("the last 30 days")),
            (90, _("the last 90 days")),
            (365, _("the last 365 days")),
        ],
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["until"].widget = forms.DateInput(
            format="%Y-%m-%d", attrs={"type": "date", "max": today.isoformat()}
        )
        if self.is_bound:  # show the values in force when the query string omits them
            data = dict(self.data.items())
            if not data.get("until"):
                data["until"] = today.isoformat()
            if not data.get("days"):
                data["days"] = str(DEFAULT_PERIOD)
            self.data = data

    def clean_days(self) -> int:
        days: int | None = self.cleaned_data.get("days")
        return days or DEFAULT_PERIOD

    def clean_until(self) -> dt.date:
        until: dt.date | None = self.cleaned_data.get("until")
        if until is None:
            return self.today
        if until > self.today:
            raise forms.ValidationError(_("must not be after today"))
        return until


class DossierFilterForm(forms.Form):
    """The filter of a list page (see :class:`DossierFilter`)."""

    agency = forms.CharField(label=_("Agency"), required=False, max_length=35)
    step = forms.CharField(label=_("Current step"), required=False, max_length=255)
    due = forms.ChoiceField(
        label=_("Situation"),
        required=False,
        choices=[("", "")] + [(d.value, d.label) for d in Due],
    )
    point = forms.CharField(label=_("Reception point"), required=False, max_length=35)
    day = _date_field(_("Received on"))
    done_step = forms.CharField(label=_("Finished step"), required=False, max_length=255)
    late = forms.ChoiceField(
        label=_("Late steps only"), required=False, choices=[("", ""), ("1", _("yes"))]
    )
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=100_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ``from`` is a Python keyword: declared here rather than as an attribute
        self.fields["from"] = _date_field(_("First day"))
        self.fields["to"] = _date_field(_("Last day"))

    def clean_agency(self) -> str:
        code: str = self.cleaned_data["agency"].strip()
        if code and not Agency.objects.filter(code=code).exists():
            raise forms.ValidationError(_("unknown agency code"))
        return code

    def clean_point(self) -> str:
        code: str = self.cleaned_data["point"].strip()
        if code and code != NO_POINT and not ServicePoint.objects.filter(code=code).exists():
            raise forms.ValidationError(_("unknown service point code"))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("from"), data.get("to")
        if (first is None) != (last is None) and not self._has_error("from", "to"):
            missing = "to" if last is None else "from"
            self.add_error(missing, _("give both the first and the last day"))
        elif first is not None and last is not None:
            if last < first:
                self.add_error("to", _("must not be before the first day"))
            elif (last - first).days >= MAX_PERIOD_DAYS:
                self.add_error("from", _("the period is at most 366 days"))
        if data.get("day") and (first or last):
            self.add_error("day", _("give either one day or a period, not both"))
        if data.get("done_step"):
            for name in ("step", "due", "point", "day"):
                if data.get(name):
                    self.add_error(name, _("not used with a list of finished steps"))
            if first is None and last is None and not self._has_error("from", "to"):
                self.add_error("from", _("required with a list of finished steps"))
        elif data.get("late"):
            self.add_error("late", _("only used with a list of finished steps"))
        return data

    def _has_error(self, *names: str) -> bool:
        return any(name in self.errors for name in names)

    def to_filter(self) -> DossierFilter:
        data = self.cleaned_data
        return DossierFilter(
            agency=data["agency"],
            step=data["step"].strip(),
            due=Due(data["due"]) if data["due"] else None,
            point=data["point"],
            day=data["day"],
            date_from=data["from"],
            date_to=data["to"],
            done_step=data["done_step"].strip(),
            late=data["late"] == "1",
        )

    @property
    def page_number(self) -> int:
        page: int | None = self.cleaned_data.get("page")
        return page or 1
