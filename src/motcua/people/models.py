"""Citizen and organisation profiles, digital mandates and online service agents."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.people.identity import IdentityError, parse_personal_id, validate_tax_code


def validate_personal_id_field(value: str) -> None:
    try:
        parse_personal_id(value)
    except IdentityError as exc:
        raise ValidationError(str(exc), code=exc.code) from exc


def validate_tax_code_field(value: str) -> None:
    try:
        validate_tax_code(value)
    except IdentityError as exc:
        raise ValidationError(str(exc), code=exc.code) from exc


class CitizenProfile(models.Model):
    """A dossier owner: a person (identity number) or an organisation (tax code).

    A profile exists without an account too: a receiver creates one at the counter, and the
    citizen's account is linked to it later (provide information once).
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        ORGANISATION = "organisation", _("organisation")

    class Sex(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="citizen_profile",
    )
    full_name = models.CharField(_("full name / organisation name"), max_length=255)
    personal_id = models.CharField(
        _("personal identity number"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_personal_id_field],
    )
    tax_code = models.CharField(
        _("tax code"),
        max_length=14,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_tax_code_field],
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    administrative_unit = models.ForeignKey(
        "org.AdministrativeUnit",
        verbose_name=_("commune of residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("citizen or organisation")
        verbose_name_plural = _("citizens and organisations")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="person") & Q(tax_code__isnull=True))
                | (Q(kind="organisation") & Q(personal_id__isnull=True)),
                name="people_profile_identifier_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        if self.kind == self.Kind.PERSON and not self.personal_id:
            raise ValidationError(
                {"personal_id": _("A person is identified by a personal identity number.")}
            )
        if self.kind == self.Kind.ORGANISATION and not self.tax_code:
            raise ValidationError({"tax_code": _("An organisation is identified by a tax code.")})


class Mandate(models.Model):
    """A digital authorization (ủy quyền số): the grantor lets the grantee act for them."""

    class Scope(models.TextChoices):
        ALL = "all", _("all procedures")
        PROCEDURES = "procedures", _("selected procedures")
        SECTORS = "sectors", _("selected sectors")

    grantor = models.ForeignKey(
        CitizenProfile,
        verbose_name=_("grantor"),
        on_delete=models.PROTECT,
        related_name="mandates_given",
    )
    grantee = models.ForeignKey(
        CitizenProfile,
        verbose_name=_("grantee"),
        on_delete=models.PROTECT,
        related_name="mandates_received",
    )
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    procedures = models.ManyToManyField(
        "catalog.Procedure", verbose_name=_("procedures"), blank=True
    )
    sectors = models.ManyToManyField("catalog.Sector", verbose_name=_("sectors"), blank=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("digital mandate")
        verbose_name_plural = _("digital mandates")
        constraints = [
            models.CheckConstraint(
                condition=~Q(grantor=models.F("grantee")), name="people_mandate_not_self"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.grantee}"


class ServiceAgent(models.Model):
    """An online public-service agent (đại lý dịch vụ công), registered by the service center."""

    name = models.CharField(_("name"), max_length=255)
    tax_code = models.CharField(
        _("tax code"), max_length=14, unique=True, validators=[validate_tax_code_field]
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("accounts"), blank=True, related_name="agents"
    )
    registered_by = models.ForeignKey(
        "org.Agency",
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("online service agent")
        verbose_name_plural = _("online service agents")

    def __str__(self) -> str:
        return self.name


class AgentConsent(models.Model):
    """The applicant's consent for one submission by a service agent, given by reading back a
    one-time code sent to the applicant's phone or e-mail. Only the code's hash is kept; the
    code is valid for a few minutes and a few tries, and it is used by one dossier only."""

    agent = models.ForeignKey(
        ServiceAgent, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="consents"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent's account"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant = models.ForeignKey(
        CitizenProfile,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="agent_consents",
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="+"
    )
    code_hash = models.CharField(_("code (hashed)"), max_length=128)
    sent_to = models.CharField(_("sent to (masked)"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("requested"))
    expires_at = models.DateTimeField(_("code valid until"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    used_by = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("used by dossier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agent_consent",
    )

    class Meta:
        verbose_name = _("applicant's consent to an agent")
        verbose_name_plural = _("applicants' consents to agents")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.agent} ← {self.applicant}"
