"""Reads of dossiers, always through the reader's scope (DESIGN.md §1).

* receivers see the dossiers of their receiving agency or service point;
* processors and approvers see the dossiers their agency is competent for, or that have (or
  had) a processing step in their agency (inter-agency steps);
* supervisors see everything when they belong to the Service Center or the city People's
  Committee (or to no agency), else their agency and the agencies under it;
* administrators see everything;
* citizens see their own dossiers, those they submitted and those of people who gave them
  a valid mandate for the procedure's sector or procedure (or all procedures);
* service agents see the dossiers submitted through their accounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.compiled import CompiledValues
from motcua.core.errors import DomainError, ErrorKind
from motcua.dossiers import refs
from motcua.dossiers.models import Dossier, DossierStep, SubmitterKind
from motcua.dossiers.states import OPEN_AFTER_RECEPTION
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from motcua.people.models import Mandate

_CITY_WIDE_KINDS = (Agency.Kind.SERVICE_CENTER, Agency.Kind.PEOPLES_COMMITTEE)


#: The relations shown with one dossier (pages and API responses): one query with the joins.
DOSSIER_RELATED = (
    "procedure_version__procedure",
    "procedure_version__sector",
    "applicant",
    "receiving_agency",
    "competent_agency",
    "current_agency",
    "reception_point",
    "current_step__agency",
    "submitter",
)


def _agency_subtree(root: Agency) -> list[int]:
    ids = [root.pk]
    frontier = [root.pk]
    while frontier:
        frontier = list(Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def supervisor_sees_all(user: User) -> bool:
    """Supervisors of the Service Center or the city People's Committee see the whole city;
    a supervisor without an agency sees nothing (fail closed)."""
    agency = user.agency
    return agency is not None and (
        agency.kind in _CITY_WIDE_KINDS and agency.level == Agency.Level.CITY
    )


def dossiers_visible_to(user: User) -> QuerySet[Dossier]:
    """The dossiers ``user`` may read (empty for anonymous users)."""
    base = Dossier.objects.all()
    if not getattr(user, "is_authenticated", False):
        return base.none()
    roles = user.role_codes
    if Role.ADMIN.value in roles or user.is_superuser:
        return base
    if Role.SUPERVISOR.value in roles and supervisor_sees_all(user):
        return base
    condition = Q(pk__in=[])
    if user.agency_id is not None:
        if Role.SUPERVISOR.value in roles and user.agency is not None:
            subtree = _agency_subtree(user.agency)
            condition |= Q(receiving_agency_id__in=subtree) | Q(competent_agency_id__in=subtree)
        if Role.RECEIVER.value in roles:
            condition |= Q(receiving_agency_id=user.agency_id)
            # a dossier's reception point always belongs to its receiving agency (intake and
            # reception choose it so), so a point of the user's own agency adds nothing: the
            # condition stays one column, read in list order by the dossier_recv_list index
            point_id = user.service_point_id
            if point_id is not None and refs.service_points.get(point_id).agency_id != (
                user.agency_id
            ):
                condition |= Q(reception_point_id=point_id)
        if Role.PROCESSOR.value in roles or Role.APPROVER.value in roles:
            # a step at the user's agency on a dossier of another competent agency is flagged
            # inter_agency when the plan is made (the competent agency never changes), so the
            # subquery reads the small partial index step_inter_agency, not every step there
            condition |= Q(competent_agency_id=user.agency_id)
            shared = DossierStep.objects.filter(
                agency_id=user.agency_id, inter_agency=True
            ).exclude(started_at__isnull=True, finished_at__isnull=True)
            # most agencies (the communes) have no step in another agency's dossiers: then the
            # condition stays one column, read in list order by the dossier_comp_list index
            # (one small look-up of the partial index first, instead of an OR that makes
            # PostgreSQL walk every dossier of the city in list order)
            if shared.exists():
                condition |= Q(Exists(shared.filter(dossier=OuterRef("pk"))))
    if Role.CITIZEN.value in roles or Role.AGENT.value in roles:
        # under a mandate, the submitter reads the dossier only while a mandate covers it
        condition |= Q(submitter_id=user.pk) & ~Q(submitter_kind=SubmitterKind.MANDATE)
    profile = getattr(user, "citizen_profile", None) if Role.CITIZEN.value in roles else None
    if profile is not None:
        now = timezone.now()
        condition |= Q(applicant_id=profile.pk)
        mandates = Mandate.objects.filter(
            grantee=profile, revoked_at__isnull=True, valid_from__lte=now
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=now))
        for mandate in mandates.prefetch_related("procedures", "sectors"):
            scope = Q(applicant_id=mandate.grantor_id)
            if mandate.scope == Mandate.Scope.PROCEDURES:
                scope &= Q(
                    procedure_version__procedure_id__in=[p.pk for p in mandate.procedures.all()]
                )
            elif mandate.scope == Mandate.Scope.SECTORS:
                scope &= Q(procedure_version__sector_id__in=[s.pk for s in mandate.sectors.all()])
            condition |= scope
    return base.filter(condition)


def dossier_summary_rows(qs: QuerySet[Dossier]) -> QuerySet[Dossier, Mapping[str, Any]]:
    """``qs`` as plain rows of the dossier table only, with what a list shows (then
    :func:`summary_codes_add`, then ``serializers.summary_data``). No join: the codes of the
    procedure, agencies and point come from the reference caches (:mod:`motcua.dossiers.refs`),
    because PostgreSQL took longer to plan a six-table join than to run it."""
    return qs.values(
        "id",
        "code",
        "reference",
        "state",
        "national_status",
        "channel",
        "submitted_at",
        "received_at",
        "due_at",
        "appointment_at",
        "finished_at",
        "returned_at",
        "outcome",
        "procedure_version_id",
        "reception_point_id",
        "receiving_agency_id",
        "competent_agency_id",
        "current_agency_id",
    )


def summary_codes_add(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of :func:`dossier_summary_rows` with the procedure's code and name and the codes
    of the reception point and agencies, from the reference caches."""
    versions, agencies, points = refs.procedure_versions, refs.agencies, refs.service_points
    out: list[dict[str, Any]] = []
    for row in rows:
        version = versions.get(row["procedure_version_id"])
        point_id = row["reception_point_id"]
        out.append(
            {
                **row,
                "procedure_code": version.procedure.code,
                "procedure_name": version.name,
                "point_code": None if point_id is None else points.get(point_id).code,
                "receiving_code": agencies.get(row["receiving_agency_id"]).code,
                "competent_code": agencies.get(row["competent_agency_id"]).code,
                "current_code": agencies.get(row["current_agency_id"]).code,
            }
        )
    return out


def dossier_list(
    *,
    user: User,
    status: int | None = None,
    state: str | None = None,
    procedure_code: str | None = None,
    agency_code: str | None = None,
    service_point_code: str | None = None,
    overdue: bool | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
) -> QuerySet[Dossier]:
    """Visible dossiers with the filters of the list endpoint."""
    qs = dossiers_visible_to(user).select_related(
        "procedure_version__procedure",
        "receiving_agency",
        "competent_agency",
        "current_agency",
        "reception_point",
    )
    if status is not None:
        qs = qs.filter(national_status=status)
    if state:
        qs = qs.filter(state=state)
    if procedure_code:
        qs = qs.filter(procedure_version__procedure__code=procedure_code)
    if agency_code:
        qs = qs.filter(
            Q(receiving_agency__code=agency_code)
            | Q(competent_agency__code=agency_code)
            | Q(current_agency__code=agency_code)
        )
    if service_point_code:
        qs = qs.filter(reception_point__code=service_point_code)
    if overdue is not None:
        qs = overdue_filter(qs, overdue=overdue)
    if received_from is not None:
        qs = qs.filter(received_at__gte=local_day_start(received_from))
    if received_to is not None:
        qs = qs.filter(received_at__lt=local_day_start(received_to + dt.timedelta(days=1)))
    return qs


def local_day_start(day: dt.date) -> dt.datetime:
    """The instant a day of the current time zone (Hà Nội) starts: day filters as instant
    ranges, which an index on the instant serves (a date cast per row would not)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def overdue_filter(qs: QuerySet[Dossier], *, overdue: bool) -> QuerySet[Dossier]:
    """Open dossiers past their due instant, or dossiers finished late (or forced late)."""
    late = (
        Q(state__in=list(OPEN_AFTER_RECEPTION), due_at__lt=timezone.now())
        | Q(outcome="late")
        | Q(forced_late=True)
    )
    return qs.filter(late) if overdue else qs.exclude(late)


def dossier_get(*, user: User, identifier: str) -> Dossier:
    """One visible dossier by code or submission number; a dossier the user may not see is
    reported as not found (no information leaks about its existence)."""
    dossier = (
        dossiers_visible_to(user)
        .select_related(*DOSSIER_RELATED)
        .filter(Q(code=identifier) | Q(reference=identifier))
        .first()
    )
    if dossier is None:
        raise DomainError(
            "dossier.not_found",
            _("No dossier with this code is visible to you."),
            kind=ErrorKind.NOT_FOUND,
        )
    return dossier


def dossier_lookup_public(*, code: str, id_last4: str) -> Dossier:
    """Public progress lookup: the code and the last 4 digits of the applicant's identity
    number (or tax code) must both match. Same error for every mismatch."""
    dossier = (
        Dossier.objects.select_related(
            "procedure_version__procedure", "current_agency", "applicant", "receiving_agency"
        )
        .filter(code=code)
        .first()
    )
    if dossier is not None:
        number = dossier.applicant.personal_id or dossier.applicant.tax_code or ""
        if len(id_last4) == 4 and number.endswith(id_last4):
            return dossier
    raise DomainError(
        "lookup.not_found",
        _("No dossier matches this code and these digits."),
        kind=ErrorKind.NOT_FOUND,
    )


#: The public lookup's one query, compiled once per connection (docs/performance.md)
_LOOKUP_ROW = CompiledValues(
    lambda code: (
        Dossier.objects.filter(code=code)
        .order_by()
        .values(
            "code",
            "national_status",
            "state",
            "received_at",
            "appointment_at",
            "finished_at",
            "returned_at",
            "procedure_version_id",
            "current_agency_id",
            personal_id=F("applicant__personal_id"),
            tax_code=F("applicant__tax_code"),
        )[:1]
    ),
    markers=["\x00code"],
)


def lookup_public_row(*, code: str, id_last4: str) -> dict[str, Any]:
    """:func:`dossier_lookup_public` as one row of what the public may see (the API's hot
    path: one compiled query, no model instances). Same rule, same error for every mismatch;
    the identity numbers are not in the row returned."""
    rows = _LOOKUP_ROW.fetch(code) if code else []
    if rows:
        row = rows[0]
        personal_id, tax_code = row.pop("personal_id"), row.pop("tax_code")
        number = personal_id or tax_code or ""
        if len(id_last4) == 4 and number.endswith(id_last4):
            version = refs.procedure_versions.get(row.pop("procedure_version_id"))
            row["procedure_code"] = version.procedure.code
            row["procedure_name"] = version.name
            row["current_agency_name"] = refs.agencies.get(row.pop("current_agency_id")).name
            return row
    raise DomainError(
        "lookup.not_found",
        _("No dossier matches this code and these digits."),
        kind=ErrorKind.NOT_FOUND,
    )
