"""Filters for API query parameters that keep the promises of the OpenAPI schema.

django-filter ignores ``?level=`` (present but empty) as if it were absent; the schema says the
parameter is one of an enum, so an empty value is answered with 400 like any other value out of
the enum. Use :class:`ChoiceFilter` from here instead of django-filter's for enum parameters.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django_filters.fields import ChoiceField as FilterChoiceField

__all__ = ["ChoiceFilter", "DateFilter"]


class NonEmptyChoiceField(FilterChoiceField):
    """A choice that may be absent (``None``) but not given empty (``""``)."""

    def clean(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().clean(value)


class ChoiceFilter(django_filters.ChoiceFilter):
    field_class = NonEmptyChoiceField


class NonEmptyDateField(forms.DateField):
    """A date that may be absent but not given empty."""

    def clean(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().clean(value)


class DateFilter(django_filters.DateFilter):
    """``?received_from=`` (present but empty) is a 400, as the schema's ``format: date`` says."""

    field_class = NonEmptyDateField
