"""Reads behind the staff pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from motcua.catalog.models import ProcedureVersion
from motcua.catalog.selectors import versions_in_force
from motcua.org.models import Agency, ServicePoint, User
from motcua.org.roles import Role


def procedures_of_agency(*, agency: Agency | None) -> QuerySet[ProcedureVersion]:
    """Procedures an agency resolves: those it owns or is competent for, and for a commune's
    People's Committee every commune-level procedure."""
    versions = versions_in_force()
    if agency is None:
        return versions.none()
    condition = Q(owner_agency=agency) | Q(competent_agency=agency)
    if agency.level == Agency.Level.COMMUNE:
        condition |= Q(levels__contains="commune")
    return versions.filter(condition)


def agencies_in_scope(*, user: User) -> QuerySet[Agency]:
    """A supervisor at city level sees every agency; at a commune, the commune's agencies."""
    agencies = Agency.objects.filter(is_active=True)
    if user.agency is None or user.agency.level == Agency.Level.CITY:
        return agencies
    return agencies.filter(
        Q(pk=user.agency.pk) | Q(administrative_unit=user.agency.administrative_unit)
    )


def service_points_in_scope(*, user: User) -> QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(
        is_active=True, agency__in=agencies_in_scope(user=user)
    ).select_related("agency")


def staff_home(*, user: User) -> dict[str, Any]:
    roles = [Role(code) for code in Role.landing_order() if code in user.role_codes]
    context: dict[str, Any] = {
        "roles": roles,
        "role_codes": user.role_codes,
        "agency": user.agency,
        "service_point": user.service_point,
    }
    if Role.PROCESSOR in roles or Role.APPROVER in roles:
        context["my_procedures"] = procedures_of_agency(agency=user.agency)[:50]
    if Role.SUPERVISOR in roles:
        agencies = agencies_in_scope(user=user)
        context["scope"] = {
            "agencies": agencies.count(),
            "service_points": service_points_in_scope(user=user).count(),
            "procedures": versions_in_force().count(),
        }
    return context
