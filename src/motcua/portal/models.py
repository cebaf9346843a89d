"""Drafts of online submissions: what the citizen has filled in so far, kept between visits.

A draft never becomes half a dossier: :func:`motcua.portal.submission.draft_submit` creates the
dossier, its components and their files in one transaction and deletes the draft in the same
transaction; if anything fails, the draft stays as it was.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionDraft(models.Model):
    """One citizen's (or agent's) unfinished online submission for one applicant."""

    user = models.ForeignKey(
        "org.User", verbose_name=_("account"), on_delete=models.CASCADE, related_name="drafts"
    )
    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion",
        verbose_name=_("procedure version"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    applicant = models.ForeignKey(
        "people.CitizenProfile",
        verbose_name=_("applicant"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    competent_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("agency to settle the dossier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Chosen by the citizen when the procedure is settled by any commune."),
    )
    subject = models.TextField(_("what is requested"), blank=True)
    return_method = models.CharField(_("how to receive the result"), max_length=20, blank=True)
    return_point = models.ForeignKey(
        "org.ServicePoint",
        verbose_name=_("service point to collect the result"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    postal_address = models.CharField(_("postal address"), max_length=255, blank=True)
    components = models.JSONField(
        _("components"),
        default=dict,
        blank=True,
        help_text=_(
            "Per required document id: the stored file uploaded or the data-store entry reused."
        ),
    )
    consent = models.ForeignKey(
        "people.AgentConsent",
        verbose_name=_("applicant's consent (agents)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("submission draft")
        verbose_name_plural = _("submission drafts")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "procedure_version", "applicant"], name="portal_draft_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.procedure_version}"
