"""The versioned procedure catalogue: sectors, procedures, versions, documents, fees,
delegations of authority, and the internal process with its steps."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.org.roles import Role

PROCEDURE_CODE_RE = r"^\d\.\d{6}$"
procedure_code_validator = RegexValidator(
    PROCEDURE_CODE_RE,
    message=_("A procedure code has the form d.dddddd (national procedure database)."),
    code="procedure_code",
)


class TimeLimitUnit(models.TextChoices):
    """Units of a legal time limit; the values are those of :mod:`motcua.workcal`."""

    WORKING_DAYS = "working_days", _("working days")
    SAME_DAY = "same_day", _("same day")
    DAYS = "days", _("calendar days")
    MONTHS = "months", _("months")
    WORKING_HOURS = "working_hours", _("working hours")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("full online (toàn trình)")
    PARTIAL = "partial", _("partly online (một phần)")
    NONE = "none", _("not online")


class Level(models.TextChoices):
    MINISTRY = "ministry", _("ministry")
    CITY = "city", _("city / province")
    COMMUNE = "commune", _("commune")
    DISTRICT = "district", _("district (before 1 July 2025)")
    OTHER = "other", _("other bodies")


class Sector(models.Model):
    """A field of procedures (lĩnh vực), e.g. civil status (Hộ tịch)."""

    code = models.SlugField(_("code"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=255, unique=True)
    owner_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("owning department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sectors",
    )

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """An administrative procedure (TTHC), identified by its national code.

    Everything that the law may change lives on :class:`ProcedureVersion`; a dossier keeps the
    version in force when it was received.
    """

    code = models.CharField(
        _("procedure code"), max_length=20, unique=True, validators=[procedure_code_validator]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(models.Model):
    """What a procedure requires from a given date."""

    class ResultType(models.TextChoices):
        DOCUMENT = "document", _("a document (licence, certificate, copy…)")
        NOTICE = "notice", _("a notice or confirmation")
        NONE = "none", _("no document")

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="versions"
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=500)
    search_text = models.CharField(
        _("name without accents"), max_length=500, editable=False, db_index=True
    )
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="versions"
    )
    levels = models.CharField(
        _("levels"),
        max_length=100,
        blank=True,
        help_text=_("Levels that carry out the procedure, separated by ';'."),
    )
    owner_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("owning agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_procedure_versions",
        help_text=_("The city department that publishes the procedure and its process."),
    )
    competent_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("competent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="competent_procedure_versions",
        help_text=_("Empty when the competent agency depends on the commune of the dossier."),
    )
    competent_agency_text = models.CharField(
        _("competent agency as published"), max_length=500, blank=True
    )
    time_limit_value = models.PositiveIntegerField(_("time limit"), null=True, blank=True)
    time_limit_unit = models.CharField(
        _("time limit unit"), max_length=20, choices=TimeLimitUnit.choices, blank=True
    )
    cutoff_applies = models.BooleanField(
        _("15:00 cut-off applies"),
        default=True,
        help_text=_("Dossiers received at or after 15:00 count from the next working day."),
    )
    online_level = models.CharField(
        _("online service level"), max_length=20, choices=OnlineLevel.choices, blank=True
    )
    supplement_window_days = models.PositiveSmallIntegerField(
        _("supplement window (working days)"),
        null=True,
        blank=True,
        help_text=_(
            "How long after reception a supplement may be requested during processing. "
            "Empty: 3 working days (Decree 61/2018 Art. 19.4), unless a sectoral law says "
            "otherwise."
        ),
    )
    result_type = models.CharField(
        _("result"), max_length=20, choices=ResultType.choices, blank=True
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.TextField(_("source"), blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure__code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "effective_from"], name="catalog_version_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="catalog_version_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        from motcua.core.text import fold

        self.search_text = fold(self.name)[:500]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def level_list(self) -> list[str]:
        return [item for item in self.levels.split(";") if item]

    @property
    def has_time_limit(self) -> bool:
        if self.time_limit_unit == TimeLimitUnit.SAME_DAY:
            return True
        return bool(self.time_limit_unit) and self.time_limit_value is not None


class RequiredDocument(models.Model):
    """A component of the dossier (thành phần hồ sơ)."""

    class CopyKind(models.TextChoices):
        ORIGINAL = "original", _("original")
        CERTIFIED_COPY = "certified_copy", _("certified copy")
        COPY = "copy", _("copy")
        ELECTRONIC = "electronic", _("electronic copy")

    version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("procedure version"),
        on_delete=models.CASCADE,
        related_name="required_documents",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=500)
    copy_kind = models.CharField(
        _("kind of copy"), max_length=20, choices=CopyKind.choices, default=CopyKind.ORIGINAL
    )
    count = models.PositiveSmallIntegerField(
        _("number of copies"), default=1, validators=[MinValueValidator(1)]
    )
    is_optional = models.BooleanField(_("only in some cases"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name


class Fee(models.Model):
    """A fee or charge (phí, lệ phí). ``amount`` in integer đồng, empty when not fixed."""

    version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("procedure version"),
        on_delete=models.CASCADE,
        related_name="fees",
    )
    description = models.TextField(_("description"))
    amount = models.PositiveBigIntegerField(_("amount (đồng)"), null=True, blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return self.description


class Delegation(models.Model):
    """Authority to resolve a procedure moved from one office to another by a decision."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="delegations"
    )
    from_agency = models.ForeignKey(
        "org.Agency", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        "org.Agency", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=[("decentralise", _("decentralisation")), ("authorise", _("authorisation"))],
    )
    decision_number = models.CharField(_("decision number"), max_length=100)
    decision_date = models.DateField(_("decision date"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegation of authority")
        verbose_name_plural = _("delegations of authority")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_agency=models.F("to_agency")),
                name="catalog_delegation_distinct",
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code}: {self.from_agency} → {self.to_agency}"


class Process(models.Model):
    """The approved internal process (quy trình nội bộ) of a procedure version."""

    version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("procedure version"),
        on_delete=models.CASCADE,
        related_name="processes",
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("competent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the process applies to every competent agency."),
    )
    name = models.CharField(_("name"), max_length=255)
    approval_decision = models.CharField(_("approving decision"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("internal process")
        verbose_name_plural = _("internal processes")

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    """One step of a process: who acts, in which agency, and the time budget."""

    class BudgetUnit(models.TextChoices):
        WORKING_HOURS = "working_hours", _("working hours")
        WORKING_DAYS = "working_days", _("working days")

    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(
        _("role"), max_length=20, choices=[(r.value, r.label) for r in Role if r.is_staff_role]
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the dossier's competent agency."),
    )
    budget_value = models.PositiveIntegerField(_("time budget"))
    budget_unit = models.CharField(_("budget unit"), max_length=20, choices=BudgetUnit.choices)

    class Meta:
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        ordering = ["process", "order"]
        constraints = [
            models.UniqueConstraint(fields=["process", "order"], name="catalog_step_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class LifeEvent(models.Model):
    """A life event (sự kiện) that groups the procedures a person meets at that moment:
    a child is born, getting married, a death in the family, opening a household business…
    Browsing by life event is how citizens look for procedures without knowing their names."""

    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    procedures = models.ManyToManyField(
        Procedure, verbose_name=_("procedures"), blank=True, related_name="life_events"
    )

    class Meta:
        verbose_name = _("life event")
        verbose_name_plural = _("life events")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name
