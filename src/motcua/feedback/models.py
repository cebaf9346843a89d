"""Citizen reports and petitions (phản ánh, kiến nghị — PAKN), see docs/feedback.md.

A :class:`Report` is one citizen's report: a field report (roads, lighting, waste…) or a report
about a procedure or an official's conduct. It is routed to a responsible agency by
:class:`RoutingRule`, accepted (or returned to the dispatcher, or rejected), given a level with
a due instant, answered publicly (:class:`Answer`) and rated by the reporter. Duplicates are
merged into one primary report, which then carries the one answer and the one clock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ROADS = "roads", _("Roads and pavements")
    LIGHTING = "lighting", _("Public lighting")
    WASTE = "waste", _("Waste and cleanliness")
    DRAINAGE = "drainage", _("Drainage and flooding")
    TRAFFIC_ORDER = "traffic_order", _("Traffic order")
    CONSTRUCTION_ORDER = "construction_order", _("Construction order")
    ENVIRONMENT = "environment", _("Environment")
    PROCEDURE = "procedure", _("Administrative procedure")
    OFFICIAL_CONDUCT = "official_conduct", _("Conduct of officials")
    OTHER = "other", _("Other")


class Report(models.Model):
    """One citizen report or petition."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for routing")
        ROUTED = "routed", _("Assigned, waiting for acceptance")
        ACCEPTED = "accepted", _("Being handled")
        ANSWERED = "answered", _("Answered")
        REJECTED = "rejected", _("Rejected")
        MERGED = "merged", _("Merged into another report")

    class Level(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        NORMAL = "normal", _("Normal")
        COMPLEX = "complex", _("Complex")

    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    text = models.TextField(_("content"))
    text_folded = models.TextField(_("content without accents"), editable=False, default="")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_reports",
    )
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    commune = models.ForeignKey(
        "org.AdministrativeUnit",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="feedback_reports",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_reports",
    )
    procedure = models.ForeignKey(
        "catalog.Procedure",
        verbose_name=_("procedure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_reports",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, blank=True)
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("responsible agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_reports",
    )
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("acceptance due at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_late = models.BooleanField(_("accepted late"), default=False)
    due_at = models.DateTimeField(_("handling due at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_late = models.BooleanField(_("answered late"), default=False)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    satisfied = models.BooleanField(_("reporter satisfied"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["category", "commune", "status"]),
            models.Index(fields=["agency", "status"]),
        ]

    def __str__(self) -> str:
        return f"PA-{self.pk}"

    @property
    def reopened(self) -> bool:
        return self.reopen_count > 0


class ReportFollower(models.Model):
    """A citizen who added themselves to an existing report instead of filing a duplicate."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="followers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followed_reports",
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("report follower")
        verbose_name_plural = _("report followers")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"],
                condition=models.Q(user__isnull=False),
                name="feedback_follower_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} ← {self.user or self.contact_phone or self.contact_email}"


class Answer(models.Model):
    """The handling agency's public answer to a report."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="answers"
    )
    text = models.TextField(_("answer"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        related_name="feedback_answers",
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="feedback_answers",
    )
    at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} @ {self.at:%Y-%m-%d}"


class ReportPhoto(models.Model):
    """A photo of a report (from the reporter) or of the result (with an answer).

    ``file`` is the original as uploaded (staff only); ``public_file`` is a re-encoded copy
    without EXIF metadata (location, camera), the only one shown publicly.
    """

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="photos"
    )
    answer = models.ForeignKey(
        Answer,
        verbose_name=_("answer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="photos",
    )
    file = models.FileField(_("original"), upload_to="feedback/original/%Y/%m/", max_length=200)
    public_file = models.FileField(
        _("public copy"), upload_to="feedback/public/%Y/%m/", max_length=200
    )
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    exif_latitude = models.FloatField(_("latitude from the photo"), null=True, blank=True)
    exif_longitude = models.FloatField(_("longitude from the photo"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.report} #{self.pk}"


class RoutingRule(models.Model):
    """(category, commune) → responsible agency. An empty commune matches every commune;
    a rule for the commune wins over a city-wide rule."""

    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    commune = models.ForeignKey(
        "org.AdministrativeUnit",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feedback_rules",
        help_text=_("Empty: every commune."),
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("responsible agency"),
        on_delete=models.PROTECT,
        related_name="feedback_rules",
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category", "commune__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "commune"],
                condition=models.Q(is_active=True),
                name="feedback_rule_unique_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} / {self.commune or '*'} → {self.agency}"


class DossierRating(models.Model):
    """A citizen's rating of a returned dossier on the nine indices of Circular 01/2018
    (:mod:`motcua.feedback.rating`), each 2, 1 or 0, or not rated.

    Anonymous to the staff concerned: ``rater`` is kept only so that a dossier is rated once
    and the citizen sees their own rating; staff pages and aggregates never show it.
    """

    SCORE_CHOICES = ((2, "2"), (1, "1"), (0, "0"))

    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="rating",
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("competent agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    index_1 = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORE_CHOICES)
    index_2 = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORE_CHOICES)
    index_3 = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORE_CHOICES)
    index_4 = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORE_CHOICES)
    index_5 = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORE_CHOICES)
    index_6 = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORE_CHOICES)
    index_7 = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORE_CHOICES)
    index_8 = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORE_CHOICES)
    index_9 = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORE_CHOICES)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), db_index=True)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    *(
                        models.Q(**{f"index_{n}__isnull": True})
                        | models.Q(**{f"index_{n}__lte": 2})
                        for n in range(1, 10)
                    )
                ),
                name="feedback_rating_scores_0_to_2",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} @ {self.rated_at:%Y-%m-%d}"

    def scores(self) -> dict[int, int | None]:
        return {n: getattr(self, f"index_{n}") for n in range(1, 10)}
