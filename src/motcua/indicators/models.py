"""Incremental rollups of the Decision 766 dossier indicators (see :mod:`.rollups`).

Two tables, both derived data that ``motcua indicators rollups --rebuild`` recreates from the
dossiers at any time:

* :class:`DossierFact`: one row per received dossier, the facts of that dossier the
  indicators count (its rollup key, channel, submitter, timeliness, due instant, the
  digitization facts). It is what the dossier currently contributes to the rollup, so a
  change is applied as "take the stored contribution away, add the new one", and it holds
  the open dossiers' due instants for the part of the scorecard that depends on "now".
* :class:`DailyRollup`: additive counters per reception day (Hà Nội time), receiving
  agency, competent agency, reception point and procedure version: the sum of the facts;
  :class:`MonthlyRollup`: the same per reception month (the sum of the month's days).

The dimension columns are plain integers (``0``: no reception point) rather than foreign
keys: the key must be unique with ``INSERT … ON CONFLICT`` on SQLite and PostgreSQL alike,
and a rollup row never stops a catalogue or organisation row from being deleted.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: The counters of :class:`DailyRollup`, in column order (see :mod:`.rollups` for each rule).
COUNTERS: tuple[str, ...] = (
    "received",
    "online",
    "direct",
    "post",
    "by_agent",
    "by_mandate",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "forced_late",
    "closed_in_time",
    "pending",
    "reused",
    "store_synced",
    "e_result",
    "with_files",
    "with_files_result",
)

#: The dimensions of the rollup key (after the day or month), in column order.
DIMENSIONS: tuple[str, ...] = (
    "receiving_agency_id",
    "competent_agency_id",
    "point_id",
    "procedure_version_id",
)
#: The key of a daily rollup row and of a fact, in column order.
KEY: tuple[str, ...] = ("day", *DIMENSIONS)
#: The key of a monthly rollup row.
MONTH_KEY: tuple[str, ...] = ("month", *DIMENSIONS)

#: A fact whose part of ``PROGRESS_ON_TIME`` depends on the instant: no timeliness yet and
#: not counted late by an apology (on time while its due instant is not past).
PENDING = Q(outcome="", forced_late=False)


class DossierFact(models.Model):
    """What one received dossier contributes to the rollups (its last applied state)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("reception day"))
    receiving_agency_id = models.IntegerField(_("receiving agency"))
    competent_agency_id = models.IntegerField(_("competent agency"))
    point_id = models.IntegerField(_("reception point"), help_text=_("0: none"))
    procedure_version_id = models.IntegerField(_("procedure version"))
    channel = models.PositiveSmallIntegerField(_("channel"))
    submitter_kind = models.CharField(_("submitted as"), max_length=20)
    outcome = models.CharField(_("timeliness"), max_length=10, blank=True)
    forced_late = models.BooleanField(_("counted as late"), default=False)
    due_at = models.DateTimeField(_("legal due instant"), null=True, blank=True)
    reused = models.BooleanField(_("a component reused from the data store"), default=False)
    result_in_store = models.BooleanField(
        _("electronic result added to the applicant's data store"), default=False
    )
    e_result = models.BooleanField(_("has an electronic result"), default=False)
    with_files = models.BooleanField(_("a component has a file"), default=False)

    class Meta:
        verbose_name = _("dossier fact (indicator rollups)")
        verbose_name_plural = _("dossier facts (indicator rollups)")
        indexes = [
            # the open dossiers of a period: how many are past their due instant now
            models.Index(
                fields=["day", "due_at"], name="indicators_fact_pending", condition=PENDING
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.day}"


class RollupCounters(models.Model):
    """The key's dimensions and the additive counters, shared by the daily and monthly rows."""

    receiving_agency_id = models.IntegerField(_("receiving agency"))
    competent_agency_id = models.IntegerField(_("competent agency"))
    point_id = models.IntegerField(_("reception point"), help_text=_("0: none"))
    procedure_version_id = models.IntegerField(_("procedure version"))

    received = models.IntegerField(_("received"), default=0)
    online = models.IntegerField(_("received online"), default=0)
    direct = models.IntegerField(_("received at the counter"), default=0)
    post = models.IntegerField(_("received by post"), default=0)
    by_agent = models.IntegerField(_("submitted by a service agent"), default=0)
    by_mandate = models.IntegerField(_("submitted under a mandate"), default=0)
    finished_early = models.IntegerField(_("finished early"), default=0)
    finished_on_time = models.IntegerField(_("finished on time"), default=0)
    finished_late = models.IntegerField(_("finished late"), default=0)
    forced_late = models.IntegerField(_("counted as late by an apology"), default=0)
    closed_in_time = models.IntegerField(_("finished early or on time"), default=0)
    pending = models.IntegerField(_("without timeliness yet"), default=0)
    reused = models.IntegerField(_("reusing digitized data"), default=0)
    store_synced = models.IntegerField(_("connected to the data store"), default=0)
    e_result = models.IntegerField(_("with an electronic result"), default=0)
    with_files = models.IntegerField(_("with component files"), default=0)
    with_files_result = models.IntegerField(
        _("with component files and an electronic result"), default=0
    )

    class Meta:
        abstract = True


class DailyRollup(RollupCounters):
    """Additive counters of the dossiers received on one day with one key."""

    day = models.DateField(_("reception day"))

    class Meta:
        verbose_name = _("daily indicator rollup")
        verbose_name_plural = _("daily indicator rollups")
        constraints = [
            models.UniqueConstraint(fields=list(KEY), name="indicators_rollup_key"),
        ]
        indexes = [
            models.Index(fields=["procedure_version_id", "day"], name="indicators_rollup_pv"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.receiving_agency_id}/{self.competent_agency_id}: {self.received}"


class MonthlyRollup(RollupCounters):
    """The same counters per reception month (``month``: its first day): a month, quarter or
    year is read from a few thousand rows whatever the number of dossiers."""

    month = models.DateField(_("reception month"))

    class Meta:
        verbose_name = _("monthly indicator rollup")
        verbose_name_plural = _("monthly indicator rollups")
        constraints = [
            models.UniqueConstraint(fields=list(MONTH_KEY), name="indicators_monthly_key"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.receiving_agency_id}/{self.competent_agency_id}"
