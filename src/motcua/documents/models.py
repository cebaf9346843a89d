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


# ----------------------------------------------------------------------------- data store
class StoredFile(models.Model):
    """One file's bytes, kept once whatever number of dossiers and store entries use it.

    Identified by the SHA-256 of its content: uploading the same scan twice (or reusing it in
    ten dossiers) stores it once. Only PDF, JPEG and PNG are accepted (checked from the bytes,
    see :mod:`motcua.documents.uploads`).
    """

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    file = models.FileField(_("file"), upload_to="store/%Y/%m/", max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=50)
    created_at = models.DateTimeField(_("first stored"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.content_type}, {self.size} B)"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A stored file is never changed; store the new bytes.")
        super().save(*args, **kwargs)

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
            self.content_type, "bin"
        )


class StoreItem(models.Model):
    """An entry of the citizen's data store (kho dữ liệu điện tử của tổ chức, cá nhân).

    What a citizen uploaded once (or received as an electronic result) with what the paper is:
    its type, number, issuer, issue and expiry dates. Reused in a new dossier with one click;
    the dossier component then points here (Decision 766 indicators 4.3–4.4 count those).
    """

    class Source(models.TextChoices):
        UPLOAD = "upload", _("uploaded by the citizen")
        RESULT = "result", _("electronic result of a dossier")

    class Validity(models.TextChoices):
        VALID = "valid", _("valid")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("withdrawn from use")

    owner = models.ForeignKey(
        "people.CitizenProfile",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="store_items",
    )
    doc_type = models.CharField(_("type of paper"), max_length=255)
    number = models.CharField(_("number"), max_length=100, blank=True)
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn from use"), null=True, blank=True)
    file = models.ForeignKey(
        StoredFile, verbose_name=_("file"), on_delete=models.PROTECT, related_name="store_items"
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("from dossier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_by = models.ForeignKey(
        "org.User",
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), db_index=True)

    class Meta:
        verbose_name = _("data store entry")
        verbose_name_plural = _("data store entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "file", "doc_type"], name="store_item_unique_per_owner"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(issued_on__isnull=True)
                | models.Q(expires_on__gte=models.F("issued_on")),
                name="store_item_expiry_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type} {self.number}".strip()

    def validity(self, today: Any) -> str:
        """Valid, expired (past its expiry date on ``today``) or withdrawn from use."""
        if self.revoked_at is not None:
            return self.Validity.REVOKED
        if self.expires_on is not None and self.expires_on < today:
            return self.Validity.EXPIRED
        return self.Validity.VALID


class ElectronicResult(models.Model):
    """The signed electronic result of a dossier (kết quả điện tử), as the competent agency
    issued it: the uploaded result, or the result notice motcua prints, signed with pyHanko.
    Append-only: a corrected result is a new row; the newest is the dossier's result."""

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="electronic_results",
    )
    file = models.ForeignKey(
        StoredFile, verbose_name=_("signed file"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("issuing agency"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=255)
    signer_subject = models.CharField(_("signed by (certificate subject)"), max_length=500)
    development_certificate = models.BooleanField(
        _("signed with a development certificate"), default=False
    )
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        "org.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("electronic result")
        verbose_name_plural = _("electronic results")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.dossier})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("An electronic result is never changed; issue a new one.")
        super().save(*args, **kwargs)
