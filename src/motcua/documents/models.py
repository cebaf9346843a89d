"""Generated documents: forms 01–06 of Circular 01/2018 and the stop notice, as signed PDFs.

A :class:`GeneratedDocument` is one printed, signed PDF kept with its dossier. Rows are
append-only: printing again (after an apology the receipt shows the new appointment) adds a
row; a stored document is never rewritten. See docs/forms.md.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Form(models.TextChoices):
    """The forms motcua prints (Circular 01/2018/TT-VPCP; the stop notice of 03/2025)."""

    RECEIPT = "01", _("01 Receipt and appointment")
    SUPPLEMENT = "02", _("02 Request to supplement the dossier")
    REFUSAL = "03", _("03 Refusal")
    APOLOGY = "04", _("04 Apology and new appointment")
    CONTROL_SHEET = "05", _("05 Process control sheet")
    REGISTER = "06", _("06 Dossier register")
    STOP = "stop", _("Notice that processing stopped")


#: The forms printed from one dossier (the register covers many).
DOSSIER_FORMS = frozenset(f for f in Form if f is not Form.REGISTER)


class GeneratedDocument(models.Model):
    """One generated, signed PDF. Never changed after it is written."""

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="generated_documents",
        help_text=_("Empty for the register (form 06), which covers many dossiers."),
    )
    form = models.CharField(_("form"), max_length=10, choices=Form.choices)
    form_version = models.CharField(
        _("form set"),
        max_length=40,
        help_text=_("The legal text whose template was used, e.g. 01/2018/TT-VPCP."),
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("issuing agency"),
        on_delete=models.PROTECT,
        related_name="generated_documents",
    )
    service_point = models.ForeignKey(
        "org.ServicePoint",
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="generated_documents",
    )
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", max_length=200)
    sha256 = models.CharField(_("SHA-256 of the signed file"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pages = models.PositiveSmallIntegerField(_("pages"))
    signer_subject = models.CharField(_("signed by (certificate subject)"), max_length=500)
    development_certificate = models.BooleanField(
        _("signed with a development certificate"), default=False
    )
    parameters = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_("What was printed: the source row, or the register's period and point."),
    )
    created_at = models.DateTimeField(_("created"), db_index=True)
    created_by = models.ForeignKey(
        "org.User",
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dossier", "form", "-created_at"], name="document_dossier_form"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(form__in=[f.value for f in Form]), name="document_form_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(form=Form.REGISTER, dossier__isnull=True)
                | (~models.Q(form=Form.REGISTER) & models.Q(dossier__isnull=False)),
                name="document_dossier_unless_register",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form} {self.dossier or ''} {self.created_at:%Y-%m-%d %H:%M}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A generated document is never changed; generate a new one.")
        super().save(*args, **kwargs)

    @property
    def filename(self) -> str:
        """The download name: the dossier code (or the register's period) and the form."""
        if self.dossier is not None:
            return f"{self.dossier.identifier}-mau-{self.form}.pdf"
        period = self.parameters.get("from", ""), self.parameters.get("to", "")
        return f"so-theo-doi-{period[0]}-{period[1]}.pdf"
