"""The citizen's report form (the map-free fallback: commune select + address)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.feedback.models import Category
from motcua.org.models import AdministrativeUnit

CITY_CODE = "01"


def commune_choices() -> list[tuple[str, str]]:
    units = AdministrativeUnit.objects.filter(
        parent__code=CITY_CODE,
        kind__in=(AdministrativeUnit.Kind.WARD, AdministrativeUnit.Kind.COMMUNE),
    ).order_by("name")
    return [("", "—"), *((u.code, u.name) for u in units)]


class ReportForm(forms.Form):
    """Shape only; the rules (city boundary, contact, photos…) are the service's."""

    category = forms.ChoiceField(label=_("category"), choices=[("", "—"), *Category.choices])
    text = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 5}))
    commune = forms.ChoiceField(label=_("commune"), choices=())
    address = forms.CharField(label=_("address"), max_length=255, required=False)
    latitude = forms.FloatField(label=_("latitude"), required=False)
    longitude = forms.FloatField(label=_("longitude"), required=False)
    contact_name = forms.CharField(label=_("contact name"), max_length=150, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)
    contact_email = forms.CharField(label=_("contact e-mail"), max_length=254, required=False)
    dossier_code = forms.CharField(label=_("dossier code"), max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices()  # type: ignore[attr-defined]


class FollowForm(forms.Form):
    """Add oneself to an open report; anonymous citizens leave a phone or an e-mail."""

    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)
    contact_email = forms.CharField(label=_("contact e-mail"), max_length=254, required=False)


class RateForm(forms.Form):
    satisfied = forms.ChoiceField(
        label=_("rating"),
        choices=[("yes", _("Satisfied")), ("no", _("Not satisfied"))],
        error_messages={"required": _("Choose satisfied or not satisfied.")},
    )
