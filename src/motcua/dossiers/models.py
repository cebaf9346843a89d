"""Dossiers (hồ sơ) and everything that happens to them.

A dossier is changed only by the transition functions of :mod:`motcua.dossiers.services`;
the rows that record what happened (hand-overs, pauses, supplements, refusals, the apology,
the stop notice, appointment changes) are append-only history: a later event adds a row or
closes an open one, it never rewrites an earlier one.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.states import NATIONAL_STATUS, State


class Channel(models.IntegerChoices):
    """``KenhThucHien`` of the national portal."""

    DIRECT = 1, _("at the counter")
    ONLINE = 2, _("online")
    POST = 3, _("by public post")


class ReturnMethod(models.TextChoices):
    COUNTER = "counter", _("at the counter")
    POST = "post", _("by post")
    ELECTRONIC = "electronic", _("electronically")


class SubmitterKind(models.TextChoices):
    SELF = "self", _("the applicant in person")
    MANDATE = "mandate", _("a person holding a digital mandate")
    AGENT = "agent", _("an online public-service agent")
    REPRESENTATIVE = "representative", _("a representative with a paper authorization")


class ResultKind(models.TextChoices):
    GRANTED = "granted", _("result issued")
    REFUSED = "refused", _("refused after appraisal")


class StepOutcome(models.TextChoices):
    """The result of a step or a dossier against its due instant (form 05)."""

    EARLY = "early", _("early")
    ON_TIME = "on_time", _("on time")
    LATE = "late", _("late")


class Dossier(models.Model):
    """One application for one procedure, from submission to the result returned."""

    reference = models.CharField(
        _("submission number"),
        max_length=32,
        unique=True,
        help_text=_("Given at submission; the dossier code is given at reception."),
    )
    code = models.CharField(_("dossier code"), max_length=40, unique=True, null=True, blank=True)
    state = models.CharField(_("state"), max_length=30, choices=State.choices, db_index=True)
    national_status = models.PositiveSmallIntegerField(_("national portal status"), db_index=True)

    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion",
        verbose_name=_("procedure version"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    applicant = models.ForeignKey(
        "people.CitizenProfile",
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    submitter = models.ForeignKey(
        "org.User",
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submitted_dossiers",
    )
    submitter_kind = models.CharField(
        _("submitted as"), max_length=20, choices=SubmitterKind.choices
    )
    submitter_name = models.CharField(_("name of the person submitting"), max_length=255)
    mandate = models.ForeignKey(
        "people.Mandate",
        verbose_name=_("mandate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    agent = models.ForeignKey(
        "people.ServiceAgent",
        verbose_name=_("service agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    channel = models.PositiveSmallIntegerField(_("channel"), choices=Channel.choices)
    subject = models.TextField(_("what is requested"), blank=True)
    return_method = models.CharField(
        _("result wanted"), max_length=20, choices=ReturnMethod.choices
    )
    return_point = models.ForeignKey(
        "org.ServicePoint",
        verbose_name=_("service point to collect the result"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_address = models.CharField(
        _("postal address for the result"), max_length=255, blank=True
    )

    # Three separate places (boundary-free reception, domain-vn.md §9).
    reception_point = models.ForeignKey(
        "org.ServicePoint",
        verbose_name=_("reception point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,  # dossier_point_list leads with it
    )
    receiving_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("receiving agency"),
        on_delete=models.PROTECT,
        related_name="received_dossiers",
        db_index=False,  # dossier_recv_list leads with it
    )
    competent_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("competent agency"),
        on_delete=models.PROTECT,
        related_name="competent_dossiers",
        db_index=False,  # dossier_comp_list leads with it
    )
    current_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("currently at"),
        on_delete=models.PROTECT,
        related_name="current_dossiers",
    )
    current_step = models.ForeignKey(
        "dossiers.DossierStep",
        verbose_name=_("current step"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # The clock (all instants in UTC).
    submitted_at = models.DateTimeField(_("submitted"))
    received_at = models.DateTimeField(_("received"), null=True, blank=True, db_index=True)
    counted_from = models.DateTimeField(
        _("time limit counted from"),
        null=True,
        blank=True,
        help_text=_("The reception, or the complete supplement that restarted the limit."),
    )
    due_at = models.DateTimeField(_("legal due instant"), null=True, blank=True, db_index=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    first_appointment_at = models.DateTimeField(
        _("appointment on the receipt"), null=True, blank=True
    )
    time_limit_value = models.PositiveIntegerField(_("time limit"), null=True, blank=True)
    time_limit_unit = models.CharField(_("time limit unit"), max_length=20, blank=True)
    cutoff_applies = models.BooleanField(_("15:00 cut-off applies"), default=True)
    ruleset_version = models.CharField(_("deadline rules"), max_length=30, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    finished_at = models.DateTimeField(_("result ready"), null=True, blank=True)
    returned_at = models.DateTimeField(_("result returned"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    result_kind = models.CharField(
        _("result"), max_length=20, choices=ResultKind.choices, blank=True
    )
    returned_by_method = models.CharField(
        _("result returned"), max_length=20, choices=ReturnMethod.choices, blank=True
    )
    outcome = models.CharField(
        _("timeliness"), max_length=10, choices=StepOutcome.choices, blank=True
    )
    forced_late = models.BooleanField(
        _("counted as late"),
        default=False,
        help_text=_("Set by an apology issued less than one working day before the due instant."),
    )
    processing_supplements = models.PositiveSmallIntegerField(
        _("supplements requested during processing"), default=0
    )
    event_count = models.PositiveIntegerField(
        _("number of hand-over rows"), default=0, editable=False
    )
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True, editable=False)
    state_before_withdrawal = models.CharField(
        _("state before the withdrawal request"), max_length=30, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["receiving_agency", "state"], name="dossier_recv_state"),
            models.Index(fields=["current_agency", "state"], name="dossier_curr_state"),
            models.Index(fields=["competent_agency", "state"], name="dossier_comp_state"),
            # the lists' order (newest first: -submitted_at, -id), read backwards: the whole
            # register, and each agency's or point's own, without sorting what they can see
            models.Index(fields=["submitted_at", "id"], name="dossier_list"),
            models.Index(
                fields=["competent_agency", "submitted_at", "id"], name="dossier_comp_list"
            ),
            models.Index(
                fields=["receiving_agency", "submitted_at", "id"], name="dossier_recv_list"
            ),
            models.Index(
                fields=["reception_point", "submitted_at", "id"], name="dossier_point_list"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="dossier_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(national_status__gte=1, national_status__lte=10),
                name="dossier_national_status_1_10",
            ),
        ]

    def __str__(self) -> str:
        return self.code or self.reference

    @property
    def identifier(self) -> str:
        """The code when received, else the submission number."""
        return self.code or self.reference

    @property
    def expected_national_status(self) -> int:
        return int(NATIONAL_STATUS[self.state])


class DossierStep(models.Model):
    """One step of the dossier's processing plan, with its agency, role and due instant."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("role"), max_length=20)
    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    budget_seconds = models.PositiveIntegerField(_("time budget (office seconds)"))
    #: The step's agency is not the dossier's competent agency (inter-agency processing, liên
    #: thông, or the one-stop of another agency): such a step makes the dossier visible to that
    #: agency's processors (``dossiers_visible_to``), found through a small partial index.
    inter_agency = models.BooleanField(_("at another agency"), default=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("timeliness"), max_length=10, choices=StepOutcome.choices, blank=True
    )

    class Meta:
        verbose_name = _("processing step")
        verbose_name_plural = _("processing steps")
        ordering = ["dossier", "order"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "order"], name="dossier_step_unique_order")
        ]
        indexes = [
            models.Index(
                fields=["agency", "dossier"],
                condition=Q(inter_agency=True),
                name="step_inter_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class Handover(models.Model):
    """A row of the process control sheet (phiếu kiểm soát, form 05): never overwritten."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="handovers"
    )
    seq = models.PositiveIntegerField(_("number"))
    action = models.CharField(_("action"), max_length=30)
    at = models.DateTimeField(_("time"))
    from_user = models.ForeignKey(
        "org.User",
        verbose_name=_("handed over by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("from agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("to agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_role = models.CharField(_("to role"), max_length=20, blank=True)
    step = models.ForeignKey(
        DossierStep,
        verbose_name=_("finished step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers",
    )
    step_due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    outcome = models.CharField(
        _("timeliness"), max_length=10, choices=StepOutcome.choices, blank=True
    )
    state_before = models.CharField(_("state before"), max_length=30, blank=True)
    state_after = models.CharField(_("state after"), max_length=30)
    national_status = models.PositiveSmallIntegerField(_("national portal status"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs (form 05)")
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_handover_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.dossier} #{self.seq} {self.action}"


class PauseKind(models.TextChoices):
    """Values of :class:`motcua.workcal.PauseKind`."""

    SUPPLEMENT = "supplement", _("supplement")
    FINANCIAL_OBLIGATION = "financial_obligation", _("financial obligations")
    CITIZEN_VERIFICATION = "citizen_verification", _("verification at the citizen's request")
    OTHER = "other", _("other lawful pause")


class Pause(models.Model):
    """An interval during which the agency's clock stood still (tạm dừng)."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="pauses"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=PauseKind.choices)
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    started_by = models.ForeignKey(
        "org.User", verbose_name=_("paused by"), on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        "org.User",
        verbose_name=_("resumed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resume_state = models.CharField(_("state to resume to"), max_length=30)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["dossier", "started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="dossier_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class SupplementStage(models.TextChoices):
    INTAKE = "intake", _("before intake")
    PROCESSING = "processing", _("during processing")


class SupplementRequest(models.Model):
    """A request to supplement or complete the dossier (form 02)."""

    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="supplement_requests",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=SupplementStage.choices)
    items = models.JSONField(_("documents and content to complete"), default=list)
    reason = models.TextField(_("reason"))
    requested_at = models.DateTimeField(_("requested"))
    requested_by = models.ForeignKey(
        "org.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    fulfilled_at = models.DateTimeField(_("supplement received"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        "org.User",
        verbose_name=_("supplement given by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pause = models.OneToOneField(
        Pause,
        verbose_name=_("pause"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supplement_request",
    )

    class Meta:
        verbose_name = _("supplement request (form 02)")
        verbose_name_plural = _("supplement requests (form 02)")
        ordering = ["dossier", "requested_at"]

    def __str__(self) -> str:
        return f"{self.dossier} {self.requested_at:%Y-%m-%d}"


class Refusal(models.Model):
    """A refusal to receive or to settle the dossier (form 03)."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="refusals"
    )
    stage = models.CharField(_("stage"), max_length=20, choices=SupplementStage.choices)
    reasons = models.TextField(_("reasons"))
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(
        "org.User", verbose_name=_("refused by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("refusal (form 03)")
        verbose_name_plural = _("refusals (form 03)")

    def __str__(self) -> str:
        return f"{self.dossier} {self.at:%Y-%m-%d}"


class DossierDocument(models.Model):
    """A component of the dossier as handed in (thành phần hồ sơ): the receiver's checklist.

    Linked to the procedure's :class:`~motcua.catalog.models.RequiredDocument` when it is one
    of the listed components; an extra paper the applicant brought has a name only.
    """

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="documents"
    )
    required_document = models.ForeignKey(
        "catalog.RequiredDocument",
        verbose_name=_("required document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=500)
    copy_kind = models.CharField(_("kind of copy"), max_length=20)
    count = models.PositiveSmallIntegerField(_("number of copies"), default=1)
    file = models.FileField(_("file"), upload_to="dossiers/%Y/%m/", blank=True)
    stored_file = models.ForeignKey(
        "documents.StoredFile",
        verbose_name=_("electronic copy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    store_item = models.ForeignKey(
        "documents.StoreItem",
        verbose_name=_("taken from the data store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reuses",
        help_text=_(
            "Set when the citizen reused a paper already in their data store instead of "
            "uploading it again (Decision 766 indicators 4.3–4.4)."
        ),
    )
    added_at = models.DateTimeField(_("added"))
    added_by = models.ForeignKey(
        "org.User",
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dossier component")
        verbose_name_plural = _("dossier components")
        ordering = ["dossier", "id"]

    def __str__(self) -> str:
        return self.name


class Apology(models.Model):
    """The apology with a new appointment (form 04): at most one per dossier."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="apology"
    )
    reason = models.TextField(_("reason"))
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(
        "org.User", verbose_name=_("signed by"), on_delete=models.PROTECT, related_name="+"
    )
    previous_appointment_at = models.DateTimeField(_("previous appointment"))
    new_appointment_at = models.DateTimeField(_("new appointment"))
    latest_timely_at = models.DateTimeField(
        _("to be issued by"), help_text=_("One working day before the due instant.")
    )
    is_late = models.BooleanField(_("issued late"), default=False)

    class Meta:
        verbose_name = _("apology (form 04)")
        verbose_name_plural = _("apologies (form 04)")

    def __str__(self) -> str:
        return f"{self.dossier} {self.issued_at:%Y-%m-%d}"


class StopNotice(models.Model):
    """Notice that processing stopped (Circular 03/2025, "thông báo dừng giải quyết")."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="stop_notice"
    )
    reason = models.TextField(_("reason"))
    citizen_requested = models.BooleanField(_("at the citizen's request"), default=False)
    requested_at = models.DateTimeField(_("requested"), null=True, blank=True)
    stage = models.CharField(_("stage when stopped"), max_length=30)
    financial_settlement = models.TextField(_("fees and charges settled"), blank=True)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(
        "org.User", verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("stop notice")
        verbose_name_plural = _("stop notices")

    def __str__(self) -> str:
        return f"{self.dossier} {self.at:%Y-%m-%d}"


class AppointmentChange(models.Model):
    """Every change of the due instant or the appointment, with its cause."""

    class Cause(models.TextChoices):
        RECEIVE = "receive", _("reception")
        SUPPLEMENT = "supplement", _("complete supplement: the time limit restarts")
        RESUME = "resume", _("pause ended")
        APOLOGY = "apology", _("apology with a new appointment")
        CALENDAR = "calendar", _("working calendar changed")

    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="appointment_changes",
    )
    at = models.DateTimeField(_("time"))
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    due_at = models.DateTimeField(_("legal due instant"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    previous_due_at = models.DateTimeField(_("previous due instant"), null=True, blank=True)
    previous_appointment_at = models.DateTimeField(_("previous appointment"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        "org.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("appointment change")
        verbose_name_plural = _("appointment changes")
        ordering = ["dossier", "at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier} {self.cause}"


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
