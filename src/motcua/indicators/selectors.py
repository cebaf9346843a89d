"""Reads for the Decision 766 scorecard: count the inputs of a period and scope in the database
and score them with :mod:`motcua.indicators.engine`.

Only the indicators whose inputs this system records today are counted; every other indicator
is listed with ``score: null`` and the note "no data yet" (never a made-up number):

* ``PROGRESS_ON_TIME`` (2.1): dossiers received in the period (``received_at``); on time =
  finished early or on time and not counted late by a late apology (``forced_late``), or still
  open and not yet past their due instant at the end of the period (or now, if earlier).
  Dossiers stopped or withdrawn without a result count as on time unless already past due.
* ``DOSSIER_SYNC`` (1.4): of those dossiers, the ones whose every national-portal message has
  been delivered (``OutboxMessage`` topic ``national_portal.dossier``, key = reference). Our own
  count stands in for the national counts, which only the portal knows.
* ``ONLINE_DOSSIER_SHARE`` (3.3): of those dossiers, the ones received online (channel 2),
  times the sync rate. The "electronic result when the result is a document" condition is not
  checked yet (the result file is not recorded): said in the indicator's note.
* ``ONLINE_SERVICE_PROVIDED`` (3.1): procedure versions in force on the period's last day
  (competent agency in scope) offered online (toàn trình or một phần) / all of them whose
  online level is recorded (a blank level is left out and said in the note; none recorded:
  no data). The "eligible for toàn trình" flag of the national database is not recorded.
* ``ONLINE_SERVICE_USED`` (3.2): of the procedures offered online, those with at least one
  dossier received online in the period and scope.
* ``PETITION_PROCESSING_ON_TIME`` (5.2) and ``PETITION_HANDLING_SATISFACTION`` (5.3), from the
  citizen reports of :mod:`motcua.feedback` (see :func:`petition_inputs`).

Scope: the city, one agency with its sub-agencies (a dossier belongs to an agency when the
agency is competent for it or received it), a service point, a commune, a sector or a
procedure (see :func:`parse_scope` and :func:`_received`). These are operator reads (command
line); a view that shows them must first check that the user may supervise the scope.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from motcua.catalog.models import OnlineLevel, Procedure, ProcedureVersion, Sector
from motcua.catalog.selectors import versions_in_force
from motcua.documents.models import ElectronicResult, StoreItem
from motcua.dossiers.models import Channel, Dossier, DossierDocument, StepOutcome, SubmitterKind
from motcua.feedback.models import Report
from motcua.integrations.models import OutboxMessage
from motcua.org.models import AdministrativeUnit, Agency, ServicePoint
from motcua.workcal.types import VN_TZ

from .engine import IndicatorInputError, MetricInput, round2, ruleset_for, score_card
from .models import PENDING, DailyRollup, DossierFact, MonthlyRollup

__all__ = [
    "DossierCounts",
    "Period",
    "Scope",
    "dossier_counts",
    "figures_for",
    "indicator_inputs",
    "parse_period",
    "parse_scope",
    "petition_inputs",
    "scope_dossiers",
    "scorecard_for",
]

NATIONAL_PORTAL_TOPIC = "national_portal.dossier"


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``start`` (included) to ``end`` (excluded), Hà Nội time."""

    kind: str  # month | quarter | year | range
    start: dt.date
    end: dt.date
    label: str

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> Period:
        """The period of the same kind just before (for a range: as many days before)."""
        if self.kind == "month":
            start = _month_start(self.start.year, self.start.month - 1)
            return Period("month", start, self.start, f"{start:%Y-%m}")
        if self.kind == "quarter":
            start = _month_start(self.start.year, self.start.month - 3)
            label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
            return Period("quarter", start, self.start, label)
        if self.kind == "year":
            start = dt.date(self.start.year - 1, 1, 1)
            return Period("year", start, self.start, str(start.year))
        start = self.start - (self.end - self.start)
        return Period("range", start, self.start, f"{start}..{self.start - dt.timedelta(days=1)}")

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(0), tzinfo=VN_TZ)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(0), tzinfo=VN_TZ)


@dataclass(frozen=True, slots=True)
class Scope:
    """The city (nothing set), or exactly one of: an agency with its sub-agencies, a service
    point, a commune (ward or commune of the city), a sector, a procedure."""

    agency: Agency | None = None
    point: ServicePoint | None = None
    commune: AdministrativeUnit | None = None
    sector: Sector | None = None
    procedure: Procedure | None = None

    @property
    def kind(self) -> str:
        for name in SCOPE_KINDS:
            if getattr(self, name) is not None:
                return name
        return "city"

    @property
    def label(self) -> str:
        kind = self.kind
        return "city" if kind == "city" else f"{kind}:{getattr(self, kind).code}"


#: The scope kinds after "city", as written on the command line (``point:CODE`` …).
SCOPE_KINDS = ("agency", "point", "commune", "sector", "procedure")


def _bad_period(raw: str) -> IndicatorInputError:
    return IndicatorInputError(
        "period",
        f"kỳ {raw!r} không hợp lệ; dùng YYYY-MM, YYYY-Qn, YYYY hoặc YYYY-MM-DD..YYYY-MM-DD.",
        f"invalid period {raw!r}; use YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD.",
    )


def _month_start(year: int, month: int) -> dt.date:
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(raw: str) -> Period:
    """``2026-10`` (month), ``2026-Q4`` (quarter), ``2026`` (year) or
    ``2026-10-01..2026-10-15`` (both days included)."""
    text = raw.strip().upper()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(m[1]), int(m[2])
            start = dt.date(year, month, 1)
            return Period("month", start, _month_start(year, month + 1), text)
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            year, quarter = int(m[1]), int(m[2])
            first = 3 * quarter - 2
            return Period("quarter", dt.date(year, first, 1), _month_start(year, first + 3), text)
        if m := re.fullmatch(r"(\d{4})", text):
            year = int(m[1])
            return Period("year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1), text)
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            start, last = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
            if last < start:
                raise _bad_period(raw)
            return Period("range", start, last + dt.timedelta(days=1), text)
    except ValueError as exc:  # an impossible date, e.g. 2026-13
        if isinstance(exc, IndicatorInputError):
            raise
        raise _bad_period(raw) from None
    raise _bad_period(raw)


_SCOPE_NAMES = {
    "agency": ("cơ quan", "agency"),
    "point": ("điểm tiếp nhận", "service point"),
    "commune": ("xã, phường", "commune or ward"),
    "sector": ("lĩnh vực", "sector"),
    "procedure": ("thủ tục", "procedure"),
}


_COMMUNE_KINDS = (
    AdministrativeUnit.Kind.WARD,
    AdministrativeUnit.Kind.COMMUNE,
    AdministrativeUnit.Kind.SPECIAL_ZONE,
)


def parse_scope(raw: str) -> Scope:
    """``city``, ``agency:CODE``, ``point:CODE`` (service point), ``commune:CODE`` (a ward or
    commune of the city, its administrative code), ``sector:CODE`` or ``procedure:CODE``."""
    text = raw.strip()
    if text.lower() == "city":
        return Scope()
    kind, sep, code = text.partition(":")
    kind, code = kind.strip().lower(), code.strip()
    if kind not in SCOPE_KINDS or not sep or not code:
        raise IndicatorInputError(
            "scope",
            f"phạm vi {raw!r} không hợp lệ; dùng city, agency:MÃ, point:MÃ, commune:MÃ, "
            "sector:MÃ hoặc procedure:MÃ.",
            f"invalid scope {raw!r}; use city, agency:CODE, point:CODE, commune:CODE, "
            "sector:CODE or procedure:CODE.",
        )
    found: Any
    if kind == "agency":
        found = Agency.objects.filter(code=code).first()
    elif kind == "point":
        found = ServicePoint.objects.filter(code=code).first()
    elif kind == "commune":
        found = AdministrativeUnit.objects.filter(code=code).filter(kind__in=_COMMUNE_KINDS).first()
    elif kind == "sector":
        found = Sector.objects.filter(code=code).first()
    else:
        found = Procedure.objects.filter(code=code).first()
    if found is None:
        vi, en = _SCOPE_NAMES[kind]
        raise IndicatorInputError(
            "scope", f"không có {vi} mã {code!r}.", f"there is no {en} with code {code!r}."
        )
    return Scope(**{kind: found})


def _subtree(root: Agency) -> list[int]:
    ids = [root.pk]
    frontier = [root.pk]
    while frontier:
        frontier = list(Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def _agencies_of(unit: AdministrativeUnit) -> list[int]:
    return list(Agency.objects.filter(administrative_unit=unit).values_list("pk", flat=True))


def _received(period: Period, scope: Scope) -> QuerySet[Dossier]:
    """Dossiers received in the period, in scope: an agency's when it (or a sub-agency) is
    competent or received them; a point's when received there; a commune's when received at
    a point in it or its agencies are competent or received them; a sector's or procedure's
    by the procedure version."""
    return scope_dossiers(scope).filter(
        received_at__gte=period.start_at, received_at__lt=period.end_at
    )


def scope_dossiers(scope: Scope) -> QuerySet[Dossier]:
    """Every dossier of ``scope``, whenever received (see :func:`_received`)."""
    qs = Dossier.objects.all()
    if scope.agency is not None:
        ids = _subtree(scope.agency)
        qs = qs.filter(Q(competent_agency_id__in=ids) | Q(receiving_agency_id__in=ids))
    elif scope.point is not None:
        qs = qs.filter(reception_point=scope.point)
    elif scope.commune is not None:
        ids = _agencies_of(scope.commune)
        qs = qs.filter(
            Q(reception_point__administrative_unit=scope.commune)
            | Q(competent_agency_id__in=ids)
            | Q(receiving_agency_id__in=ids)
        )
    elif scope.sector is not None:
        qs = qs.filter(procedure_version__sector=scope.sector)
    elif scope.procedure is not None:
        qs = qs.filter(procedure_version__procedure=scope.procedure)
    return qs


def _versions(period: Period, scope: Scope) -> QuerySet[ProcedureVersion] | None:
    """Procedure versions in force on the period's last day, in scope (competent agency in the
    agency's subtree or in the commune; the sector's; the procedure's). ``None`` for a service
    point: what a point offers is not a property of the catalogue."""
    versions = versions_in_force(on=period.last_day)
    if scope.agency is not None:
        versions = versions.filter(competent_agency_id__in=_subtree(scope.agency))
    elif scope.point is not None:
        return None
    elif scope.commune is not None:
        versions = versions.filter(competent_agency_id__in=_agencies_of(scope.commune))
    elif scope.sector is not None:
        versions = versions.filter(sector=scope.sector)
    elif scope.procedure is not None:
        versions = versions.filter(procedure=scope.procedure)
    return versions


def petition_inputs(period: Period, scope: Scope, *, as_of: dt.datetime) -> dict[str, MetricInput]:
    """Decision 766 indicators 5.2 and 5.3 from the citizen reports (PAKN) of the period.

    The reports counted ("PAKN under the unit's authority, first received in the period"):
    reports submitted in the period, not merged into another one (a merged duplicate shares
    its report's answer and clock) and not rejected as outside the authority of the system's
    agencies; for an agency scope, those whose responsible agency is the agency or one of its
    sub-agencies (a report not yet routed counts for the city only).

    * 5.2 on time: answered and not late, or still open and not past its clock at ``as_of``
      (its acceptance deadline while waiting to be accepted, then its handling deadline).
    * 5.3 satisfactory: none of — rated unsatisfied (more "not satisfied" than "satisfied"
      marks among the report and its merged duplicates, as the portal counts dislikes
      against likes), late (as in 5.2), repeated (reopened by the reporter at least once).
    """
    reports = Report.objects.filter(
        submitted_at__gte=period.start_at,
        submitted_at__lt=period.end_at,
        merged_into__isnull=True,
    ).exclude(status=Report.Status.REJECTED)
    if scope.point is not None:
        return {}  # a report is not made at a service point: no data for a point
    if scope.agency is not None:
        reports = reports.filter(agency_id__in=_subtree(scope.agency))
    elif scope.commune is not None:
        reports = reports.filter(commune=scope.commune)
    elif scope.sector is not None:
        reports = reports.filter(
            Exists(
                ProcedureVersion.objects.filter(
                    procedure_id=OuterRef("procedure_id"), sector=scope.sector
                )
            )
        )
    elif scope.procedure is not None:
        reports = reports.filter(procedure=scope.procedure)
    answered = Q(status=Report.Status.ANSWERED)
    waiting = Q(accepted_at__isnull=True)
    open_in_time = ~answered & (
        (waiting & (Q(accept_due_at__isnull=True) | Q(accept_due_at__gte=as_of)))
        | (~waiting & (Q(due_at__isnull=True) | Q(due_at__gte=as_of)))
    )
    late = ~(answered & Q(answered_late=False)) & ~open_in_time
    rows = reports.annotate(
        # distinct: the join to the duplicates repeats the report's own row
        likes=Count("pk", filter=Q(satisfied=True), distinct=True)
        + Count("duplicates", filter=Q(duplicates__satisfied=True), distinct=True),
        dislikes=Count("pk", filter=Q(satisfied=False), distinct=True)
        + Count("duplicates", filter=Q(duplicates__satisfied=False), distinct=True),
    )
    total = reports.count()
    on_time = reports.filter((answered & Q(answered_late=False)) | open_in_time).count()
    bad = rows.filter(Q(dislikes__gt=models.F("likes")) | late | Q(reopen_count__gt=0)).count()
    return {
        "PETITION_PROCESSING_ON_TIME": MetricInput(on_time, total),
        "PETITION_HANDLING_SATISFACTION": MetricInput(total - bad, total),
    }


def _as_of(period: Period, now: dt.datetime | None) -> dt.datetime:
    return min(now or dt.datetime.now(tz=VN_TZ), period.end_at)


@dataclass(frozen=True, slots=True)
class DossierCounts:
    """The dossier counts of a period and scope behind the scorecard and its figures."""

    received: int
    online: int
    direct: int
    post: int
    by_agent: int
    by_mandate: int
    on_time: int  # PROGRESS_ON_TIME's numerator at ``as_of``
    synced: int  # no national-portal message left undelivered
    reused: int  # 4.3: a component taken from the data store
    store_synced: int  # 4.4: that, or the electronic result added to the applicant's store
    result_documents: int  # 4.1's denominator: the procedure's result is a document
    result_documents_electronic: int  # 4.1: of those, with an electronic result
    digitized: int  # 4.2: component files, and an electronic result if a document


def _undelivered_keys() -> QuerySet[OutboxMessage, Any]:
    """References of the dossiers with a national-portal message not delivered (yet): a
    range of the outbox's partial index of undelivered messages."""
    return (
        OutboxMessage.objects.filter(topic=NATIONAL_PORTAL_TOPIC)
        .exclude(status=OutboxMessage.Status.DELIVERED)
        .values("key")
    )


def _live_counts(period: Period, scope: Scope, as_of: dt.datetime) -> DossierCounts:
    """The reference computation: every count from the dossiers' own rows."""
    received = _received(period, scope)
    on_time = Q(outcome__in=[StepOutcome.EARLY, StepOutcome.ON_TIME], forced_late=False) | Q(
        outcome="", forced_late=False
    ) & (Q(due_at__isnull=True) | Q(due_at__gte=as_of))
    portal = OutboxMessage.objects.filter(topic=NATIONAL_PORTAL_TOPIC, key=OuterRef("reference"))
    docs = DossierDocument.objects.filter(dossier=OuterRef("pk"))
    reused = Exists(docs.filter(store_item__isnull=False))
    result_in_store = Exists(
        StoreItem.objects.filter(source=StoreItem.Source.RESULT, source_dossier=OuterRef("pk"))
    )
    electronic = Exists(ElectronicResult.objects.filter(dossier=OuterRef("pk")))
    files = Exists(docs.filter(Q(stored_file__isnull=False) | Q(store_item__isnull=False)))
    document = Q(procedure_version__result_type=ProcedureVersion.ResultType.DOCUMENT)
    by_channel = dict(
        received.order_by().values("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    by_kind = dict(
        received.order_by()
        .values("submitter_kind")
        .annotate(n=Count("pk"))
        .values_list("submitter_kind", "n")
    )
    return DossierCounts(
        received=received.count(),
        online=by_channel.get(Channel.ONLINE, 0),
        direct=by_channel.get(Channel.DIRECT, 0),
        post=by_channel.get(Channel.POST, 0),
        by_agent=by_kind.get(SubmitterKind.AGENT, 0),
        by_mandate=by_kind.get(SubmitterKind.MANDATE, 0),
        on_time=received.filter(on_time).count(),
        synced=received.filter(
            ~Exists(portal.exclude(status=OutboxMessage.Status.DELIVERED))
        ).count(),
        reused=received.filter(reused).count(),
        store_synced=received.filter(Q(reused) | Q(result_in_store)).count(),
        result_documents=received.filter(document).count(),
        result_documents_electronic=received.filter(document, electronic).count(),
        digitized=received.filter(files).filter(~document | Q(electronic)).count(),
    )


def _dimensions(scope: Scope) -> Q:
    """``scope`` on the rollup key (:class:`DailyRollup`, :class:`MonthlyRollup`,
    :class:`DossierFact`): the same dossiers as :func:`scope_dossiers`."""
    if scope.agency is not None:
        ids = _subtree(scope.agency)
        return Q(competent_agency_id__in=ids) | Q(receiving_agency_id__in=ids)
    if scope.point is not None:
        return Q(point_id=scope.point.pk)
    if scope.commune is not None:
        ids = _agencies_of(scope.commune)
        points = list(
            ServicePoint.objects.filter(administrative_unit=scope.commune).values_list(
                "pk", flat=True
            )
        )
        return (
            Q(point_id__in=points) | Q(competent_agency_id__in=ids) | Q(receiving_agency_id__in=ids)
        )
    if scope.sector is not None:
        versions = ProcedureVersion.objects.filter(sector=scope.sector)
        return Q(procedure_version_id__in=versions.values("pk"))
    if scope.procedure is not None:
        versions = ProcedureVersion.objects.filter(procedure=scope.procedure)
        return Q(procedure_version_id__in=versions.values("pk"))
    return Q()


def _rollup_parts(period: Period, scope: Scope) -> list[QuerySet[Any]]:
    """The rollup rows of ``period`` in ``scope``: the monthly rows of the whole months in
    it, the daily rows of the days before and after them (a range period)."""
    start, end = period.start, period.end
    first_month = start if start.day == 1 else _month_start(start.year, start.month + 1)
    end_month = _month_start(end.year, end.month)
    dims = _dimensions(scope)
    if first_month >= end_month:
        return [DailyRollup.objects.filter(dims, day__gte=start, day__lt=end)]
    parts: list[QuerySet[Any]] = [
        MonthlyRollup.objects.filter(dims, month__gte=first_month, month__lt=end_month)
    ]
    days = Q(day__gte=start, day__lt=first_month) | Q(day__gte=end_month, day__lt=end)
    if start < first_month or end_month < end:
        parts.append(DailyRollup.objects.filter(dims).filter(days))
    return parts


_SUMMED = ("received", "online", "direct", "post", "by_agent", "by_mandate")


def _rollup_counts(period: Period, scope: Scope, as_of: dt.datetime) -> DossierCounts:
    """The same counts from the rollups: an aggregate over the period's monthly (and, for a
    range, daily) rollup rows, the open dossiers past their due instant at ``as_of`` (live,
    on the facts' partial index of open dossiers) and the dossiers with an undelivered
    national-portal message (live, from the outbox's index of undelivered messages)."""
    document_versions = ProcedureVersion.objects.filter(
        result_type=ProcedureVersion.ResultType.DOCUMENT
    ).values("pk")
    document = Q(procedure_version_id__in=document_versions)

    def total(column: str, condition: Q | None = None) -> Coalesce:
        return Coalesce(Sum(column, filter=condition), 0)

    expressions = {
        **{f"s_{name}": total(name) for name in _SUMMED},
        "s_in_time": total("closed_in_time"),
        "s_pending": total("pending"),
        "s_reused": total("reused"),
        "s_store_synced": total("store_synced"),
        "s_result_documents": total("received", document),
        "s_result_documents_electronic": total("e_result", document),
        "s_files_other": total("with_files", ~document),
        "s_files_result": total("with_files_result", document),
    }
    sums = dict.fromkeys((name.removeprefix("s_") for name in expressions), 0)
    for part in _rollup_parts(period, scope):
        for name, value in part.aggregate(**expressions).items():
            sums[name.removeprefix("s_")] += int(value)
    past_due = DossierFact.objects.filter(
        PENDING,
        _dimensions(scope),
        day__gte=period.start,
        day__lt=period.end,
        due_at__lt=as_of,
    ).count()
    unsynced = _received(period, scope).filter(reference__in=_undelivered_keys()).count()
    return DossierCounts(
        **{name: sums[name] for name in _SUMMED},
        on_time=sums["in_time"] + sums["pending"] - past_due,
        synced=sums["received"] - unsynced,
        reused=sums["reused"],
        store_synced=sums["store_synced"],
        result_documents=sums["result_documents"],
        result_documents_electronic=sums["result_documents_electronic"],
        digitized=sums["files_other"] + sums["files_result"],
    )


def dossier_counts(
    period: Period, scope: Scope, *, as_of: dt.datetime, recompute: bool = False
) -> DossierCounts:
    """The dossier counts of ``period`` and ``scope`` at ``as_of``: from the rollups
    (:mod:`.rollups`), or with ``recompute`` from the dossiers' rows (the reference the
    rollups must always equal; ``motcua indicators rollups --check`` compares them)."""
    if recompute:
        return _live_counts(period, scope, as_of)
    return _rollup_counts(period, scope, as_of)


def _procedures_used_online(period: Period, scope: Scope, recompute: bool) -> Q:
    """Procedure versions (as a condition on them) whose procedure had a dossier received
    online in the period and scope."""
    if recompute:
        online = _received(period, scope).filter(channel=Channel.ONLINE)
        return Q(Exists(online.filter(procedure_version__procedure_id=OuterRef("procedure_id"))))
    used = Q()
    for part in _rollup_parts(period, scope):
        used |= Q(pk__in=part.filter(online__gt=0).values("procedure_version_id"))
    versions = ProcedureVersion.objects.filter(used)
    return Q(procedure_id__in=versions.values("procedure_id"))


def _inputs(
    period: Period,
    scope: Scope,
    counts: DossierCounts,
    *,
    as_of: dt.datetime,
    recompute: bool,
) -> dict[str, MetricInput]:
    total = counts.received
    inputs = {
        "PROGRESS_ON_TIME": MetricInput(counts.on_time, total),
        "DOSSIER_SYNC": MetricInput(counts.synced, total),
        "REUSED_DIGITIZED_DATA": MetricInput(counts.reused, total),
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": MetricInput(counts.store_synced, total),
        "ORIGINAL_RESULT_AVAILABLE": MetricInput(
            counts.result_documents_electronic, counts.result_documents
        ),
        "SO_HOA_GIAY_TO_GIAI_QUYET": MetricInput(counts.digitized, total),
        **petition_inputs(period, scope, as_of=as_of),
    }
    versions = _versions(period, scope)
    # procedures whose online level is not recorded (blank) are left out: not guessed
    known = versions.exclude(online_level="") if versions is not None else None
    known_count = known.count() if known is not None else 0
    if known is not None and known_count:
        offered = known.exclude(online_level=OnlineLevel.NONE)
        used = offered.filter(_procedures_used_online(period, scope, recompute)).count()
        offered_count = offered.count()
        inputs["ONLINE_SERVICE_PROVIDED"] = MetricInput(offered_count, known_count)
        inputs["ONLINE_SERVICE_USED"] = MetricInput(used, offered_count)
    if total:
        inputs["ONLINE_DOSSIER_SHARE"] = MetricInput(
            counts.online, total, {"syncRate": Fraction(counts.synced * 100, total)}
        )
    else:
        inputs["ONLINE_DOSSIER_SHARE"] = MetricInput(counts.online, total)
    return inputs


def indicator_inputs(
    period: Period,
    scope: Scope,
    *,
    now: dt.datetime | None = None,
    recompute: bool = False,
) -> dict[str, MetricInput]:
    """The counts of the indicators this system can compute today (see the module doc):
    from the rollups, or with ``recompute`` from the dossiers' rows (same result)."""
    as_of = _as_of(period, now)
    counts = dossier_counts(period, scope, as_of=as_of, recompute=recompute)
    return _inputs(period, scope, counts, as_of=as_of, recompute=recompute)


def _percent(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    return round2(Fraction(numerator) * 100 / Fraction(denominator))


def _figures(period: Period, scope: Scope, counts: DossierCounts) -> dict[str, Any]:
    versions = _versions(period, scope)
    by_level = (
        {
            row["online_level"]: row["n"]
            for row in versions.order_by().values("online_level").annotate(n=Count("pk"))
        }
        if versions is not None
        else {}
    )
    return {
        "dossiers_received": counts.received,
        "dossiers_online": counts.online,
        "dossiers_counter": counts.direct,
        "dossiers_post": counts.post,
        "dossiers_by_agents": counts.by_agent,
        "dossiers_by_mandate": counts.by_mandate,
        "dossiers_on_time": counts.on_time,
        "on_time_rate": _percent(counts.on_time, counts.received),
        "reuse_rate": _percent(counts.reused, counts.received),
        "procedures_in_force": sum(by_level.values()),
        "procedures_full_online": by_level.get(OnlineLevel.FULL, 0),
        "procedures_partly_online": by_level.get(OnlineLevel.PARTIAL, 0),
        "procedures_not_online": by_level.get(OnlineLevel.NONE, 0),
        "procedures_level_unknown": by_level.get("", 0),
    }


def figures_for(
    period: Period,
    scope: Scope,
    *,
    now: dt.datetime | None = None,
    recompute: bool = False,
) -> dict[str, Any]:
    """The city's own headline figures (as the seeds publish them): dossiers received by
    channel, those submitted by service agents and under a mandate (agents' dossiers are
    reported separately), the on-time rate (same rule as ``PROGRESS_ON_TIME``, in percent,
    ``None`` without dossiers), the reuse rate (``REUSED_DIGITIZED_DATA``, in percent) and
    the procedures in force by online level (toàn trình / một phần / none)."""
    counts = dossier_counts(period, scope, as_of=_as_of(period, now), recompute=recompute)
    return _figures(period, scope, counts)


def _score(
    period: Period, scope: Scope, now: dt.datetime | None, recompute: bool
) -> tuple[dict[str, Any], DossierCounts]:
    as_of = _as_of(period, now)
    counts = dossier_counts(period, scope, as_of=as_of, recompute=recompute)
    inputs = _inputs(period, scope, counts, as_of=as_of, recompute=recompute)
    card = score_card(inputs, ruleset_for(period.start))
    data = card.as_dict()
    for group in data["groups"]:
        for ind in group["indicators"]:
            if ind["metric"] == "ONLINE_DOSSIER_SHARE":
                extra = "electronic-result condition not checked yet"
                ind["note"] = f"{ind['note']}; {extra}" if ind.get("note") else extra
    return data, counts


def _period_dict(period: Period) -> dict[str, str]:
    return {
        "label": period.label,
        "kind": period.kind,
        "from": period.start.isoformat(),
        "to": period.last_day.isoformat(),
    }


def scorecard_for(
    period: Period,
    scope: Scope,
    *,
    now: dt.datetime | None = None,
    compare: bool = True,
    recompute: bool = False,
) -> dict[str, Any]:
    """The scorecard of ``period`` and ``scope`` as JSON-ready data; with ``compare``, also
    the previous period's total and each indicator's change (``None`` where either period has
    no score). Counted from the rollups, or with ``recompute`` from the dossiers' rows."""
    card, counts = _score(period, scope, now, recompute)
    figures = _figures(period, scope, counts)
    data = {"period": _period_dict(period), "scope": scope.label, **card}
    data["figures"] = figures
    if figures["procedures_level_unknown"]:
        count = figures["procedures_level_unknown"]
        unknown = f"{count} procedures without a recorded online level left out"
        for group in data["groups"]:
            for ind in group["indicators"]:
                if ind["metric"] in {"ONLINE_SERVICE_PROVIDED", "ONLINE_SERVICE_USED"}:
                    ind["note"] = f"{ind['note']}; {unknown}" if ind.get("note") else unknown
    if not compare:
        return data
    before_period = period.previous()
    try:
        before, _counts = _score(before_period, scope, now, recompute)
    except IndicatorInputError:  # before the first rule set: nothing to compare with
        data["previous"] = None
        return data
    old_scores = {ind["metric"]: ind["score"] for g in before["groups"] for ind in g["indicators"]}
    for group, old_group in zip(data["groups"], before["groups"], strict=True):
        group["change"] = round(group["score"] - old_group["score"], 2)
        for ind in group["indicators"]:
            old = old_scores.get(ind["metric"])
            ind["change"] = (
                None if old is None or ind["score"] is None else round(ind["score"] - old, 2)
            )
    data["previous"] = {
        "period": _period_dict(before_period),
        "total": before["total"],
        "complete": before["complete"],
    }
    data["change"] = round(data["total"] - before["total"], 2)
    return data
