"""Forms of the public portal."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

#: Longest dossier code accepted (``<agency>-YYYYMMDD-NNNNNNN`` with a long agency code).
CODE_MAX_LENGTH = 60


class NoEchoInput(forms.TextInput):
    """A text input that never writes the typed value back into the page (the digits of an
    identity number stay out of the HTML, caches and screenshots)."""

    def format_value(self, value: object) -> str | None:
        return None


class LookupForm(forms.Form):
    """Dossier code and the last 4 digits of the applicant's identity number or tax code."""

    code = forms.CharField(
        label=_("Dossier code"),
        max_length=CODE_MAX_LENGTH,
        error_messages={"required": _("Enter the dossier code printed on the receipt.")},
    )
    id_last4 = forms.CharField(
        label=_("Last 4 digits of the identity number"),
        help_text=_("Of the applicant's personal identity number (or tax code)."),
        min_length=4,
        max_length=4,
        error_messages={
            "required": _("Give the last 4 digits of the identity number."),
            "min_length": _("Give the last 4 digits of the identity number."),
            "max_length": _("Give the last 4 digits of the identity number."),
        },
        widget=NoEchoInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": r"\d{4}"}
        ),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if not re.fullmatch(r"[0-9A-Za-z.\-]+", code):
            raise forms.ValidationError(
                _("A dossier code has only letters, digits, dots and hyphens."),
                code="code_format",
            )
        return code

    def clean_id_last4(self) -> str:
        digits: str = self.cleaned_data["id_last4"].strip()
        if not re.fullmatch(r"\d{4}", digits):
            raise forms.ValidationError(
                _("Give the last 4 digits of the identity number."), code="id_last4_format"
            )
        return digits


SCORE_CHOICES = [("", _("not rated")), ("2", "2"), ("1", "1"), ("0", "0")]


class RatingForm(forms.Form):
    """The nine indices of Circular 01/2018 (each 2, 1, 0 or not rated) and a comment."""

    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        from django.utils.translation import get_language

        from motcua.feedback.rating import CRITERIA

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        english = (get_language() or "vi").startswith("en")
        for criterion in CRITERIA:
            name = criterion.name_en if english else criterion.name_vi
            self.fields[f"index_{criterion.number}"] = forms.TypedChoiceField(
                label=f"{criterion.number}. {name}",
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def scores(self) -> dict[int, int | None]:
        return {n: self.cleaned_data.get(f"index_{n}") for n in range(1, 10)}
