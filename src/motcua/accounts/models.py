"""Citizen accounts: consent and verification state, one-time codes, provider identities."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CitizenAccount(models.Model):
    """What a citizen's self-service account adds to the user: consent and verification.

    Consent to the processing of personal data (Decree 13/2023/NĐ-CP) is recorded with its
    time and the version of the notice the citizen agreed to.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="citizen_account",
    )
    consent_at = models.DateTimeField(_("personal-data consent given at"), null=True, blank=True)
    consent_version = models.CharField(_("consent notice version"), max_length=20, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("citizen account")
        verbose_name_plural = _("citizen accounts")

    def __str__(self) -> str:
        return str(self.user)


class VerificationCode(models.Model):
    """A 6-digit one-time code, stored as a keyed hash, valid for a short time and few tries."""

    class Purpose(models.TextChoices):
        VERIFY = "verify", _("account verification")
        RESET = "reset", _("password reset")

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("text message")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="verification_codes",
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    code_hash = models.CharField(_("code hash"), max_length=128)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        indexes = [models.Index(fields=["user", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class AccountIdentity(models.Model):
    """An account's identity at an external identity provider (VNeID-style OpenID Connect).

    Decision 766 indicator 4.5 counts dossiers submitted from provider-authenticated accounts:
    this row is the record that an account's identity came from the provider.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="provider_identities",
    )
    provider = models.CharField(_("identity provider"), max_length=50)
    subject = models.CharField(_("subject at the provider"), max_length=255)
    assurance_level = models.CharField(_("assurance level"), max_length=100, blank=True)
    first_login_at = models.DateTimeField(_("first login"))
    last_login_at = models.DateTimeField(_("last login"))

    class Meta:
        verbose_name = _("provider identity")
        verbose_name_plural = _("provider identities")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="accounts_identity_provider_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject}"
