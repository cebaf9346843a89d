"""Dossier models. The lifecycle arrives with its issue; the code counter is here already."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierCodeCounter(models.Model):
    """The last sequence number issued per receiving agency and reception day.

    Codes are allocated by locking this row in the receiving transaction (never ``max()+1``),
    so they are unique and gap-free under concurrency: a rolled-back reception gives its
    number back with the rollback.
    """

    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("receiving agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    day = models.DateField(_("reception day"))
    last_value = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("dossier code counter")
        verbose_name_plural = _("dossier code counters")
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossiers_counter_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day:%Y-%m-%d}: {self.last_value}"
