"""Forms of online submission, the data store, supplements and withdrawal (citizen side)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.documents.models import StoreItem
from motcua.dossiers.models import ReturnMethod
from motcua.org.models import Agency, ServicePoint
from motcua.portal.submission import ComponentView, DraftInput

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


def _file_input() -> forms.ClearableFileInput:
    return forms.ClearableFileInput(attrs={"accept": ACCEPT})


class DraftForm(forms.Form):
    """The guided form: what is requested, the agency (when any commune settles the
    procedure), each required document (upload or data store) and the return channel."""

    subject = forms.CharField(
        label=_("What you request (optional details)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    competent_agency = forms.ModelChoiceField(
        label=_("Commune or ward that settles the dossier"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("— choose —"),
    )
    return_method = forms.ChoiceField(
        label=_("How do you want to receive the result?"),
        choices=ReturnMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how to receive the result.")},
    )
    return_point = forms.ModelChoiceField(
        label=_("Service point where you collect the result"),
        queryset=ServicePoint.objects.none(),
        required=False,
        empty_label=_("— choose —"),
    )
    postal_address = forms.CharField(
        label=_("Postal address for the result"), required=False, max_length=255
    )

    def __init__(
        self,
        *args: Any,
        components: list[ComponentView],
        store_items: list[StoreItem],
        agencies: list[Agency] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.components = components
        self.fields["return_point"].queryset = ServicePoint.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).order_by("name")
        if agencies is None:
            del self.fields["competent_agency"]
        else:
            self.fields["competent_agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
                pk__in=[a.pk for a in agencies]
            ).order_by("name")
        choices = [("", _("— upload a file instead —"))] + [
            (str(item.pk), _store_label(item)) for item in store_items
        ]
        for component in components:
            self.fields[component.field] = forms.FileField(
                label=component.document.name,
                required=False,
                widget=_file_input(),
                help_text=_("PDF, JPEG or PNG."),
            )
            if store_items:
                self.fields[f"reuse_{component.document.pk}"] = forms.ChoiceField(
                    label=_("or take it from the data store"),
                    choices=choices,
                    required=False,
                )
            if component.filled:
                self.fields[f"remove_{component.document.pk}"] = forms.BooleanField(
                    label=_("remove the file given"), required=False
                )

    def rows(self) -> list[dict[str, Any]]:
        """Per component: its upload field, its data-store choice and what is held now."""
        out = []
        for component in self.components:
            pk = component.document.pk
            out.append(
                {
                    "component": component,
                    "upload": self[component.field],
                    "reuse": self[f"reuse_{pk}"] if f"reuse_{pk}" in self.fields else None,
                    "remove": self[f"remove_{pk}"] if f"remove_{pk}" in self.fields else None,
                }
            )
        return out

    def to_input(self) -> DraftInput:
        data = self.cleaned_data
        uploads = {}
        reuse = {}
        remove = set()
        for component in self.components:
            pk = component.document.pk
            if data.get(component.field):
                uploads[pk] = data[component.field]
            elif data.get(f"reuse_{pk}"):
                reuse[pk] = int(data[f"reuse_{pk}"])
            elif data.get(f"remove_{pk}"):
                remove.add(pk)
        agency = data.get("competent_agency")
        point = data.get("return_point")
        return DraftInput(
            subject=data.get("subject", ""),
            competent_agency_id=agency.pk if agency is not None else None,
            return_method=data["return_method"],
            return_point_id=point.pk if point is not None else None,
            postal_address=data.get("postal_address", ""),
            uploads=uploads,
            reuse=reuse,
            remove=frozenset(remove),
        )


def _store_label(item: StoreItem) -> str:
    parts = [item.doc_type]
    if item.number:
        parts.append(f"số {item.number}")
    if item.issued_on:
        parts.append(item.issued_on.strftime("%d/%m/%Y"))
    return " — ".join(parts)


class DateInput(forms.DateInput):
    input_type = "date"


class StoreAddForm(forms.Form):
    """A paper the citizen keeps in their data store."""

    file = forms.FileField(
        label=_("File (PDF, JPEG or PNG)"),
        widget=_file_input(),
        error_messages={"required": _("Choose a file to upload.")},
    )
    doc_type = forms.CharField(
        label=_("Type of paper"),
        max_length=255,
        error_messages={"required": _("Say what paper this is.")},
        help_text=_(
            "For example: Birth certificate, Marriage certificate, Land use right certificate."
        ),
    )
    number = forms.CharField(label=_("Number"), max_length=100, required=False)
    issuer = forms.CharField(label=_("Issued by"), max_length=255, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=DateInput)
    expires_on = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        issued: dt.date | None = data.get("issued_on")
        expires: dt.date | None = data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", _("The paper cannot expire before it was issued."))
        return data


class SupplementAnswerForm(forms.Form):
    """The papers asked for in a supplement request, uploaded by the citizen."""

    note = forms.CharField(
        label=_("Note to the officer (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, items: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for index, item in enumerate(items):
            self.fields[f"item_{index}"] = forms.FileField(
                label=item, required=False, widget=_file_input(), help_text=_("PDF, JPEG or PNG.")
            )

    def item_fields(self) -> list[Any]:
        return [self[f"item_{i}"] for i in range(len(self.items))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f"item_{i}") for i in range(len(self.items))):
            self.add_error(None, _("Upload at least one of the papers asked for."))
        return data

    def uploads(self) -> list[tuple[str, Any]]:
        return [
            (item, self.cleaned_data[f"item_{i}"])
            for i, item in enumerate(self.items)
            if self.cleaned_data.get(f"item_{i}")
        ]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the dossier?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for withdrawing.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that the dossier will stop being processed."),
        error_messages={"required": _("Tick the box to confirm.")},
    )
