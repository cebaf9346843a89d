"""The roles of DESIGN.md §1 and the model permissions each one holds.

Roles are stored as Django groups named by :class:`Role` value, so an administrator manages them
in the admin like any group; :func:`motcua.org.services.roles_ensure` keeps the groups and their
permissions in line with :data:`ROLE_PERMISSIONS` (run by ``motcua up`` and ``load-reference``).
"""

from __future__ import annotations

import enum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    AGENT = "agent"
    RECEIVER = "receiver"
    PROCESSOR = "processor"
    APPROVER = "approver"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> Promise:
        return ROLE_LABELS[self]

    @property
    def is_staff_role(self) -> bool:
        return self not in (Role.CITIZEN, Role.AGENT)

    @classmethod
    def landing_order(cls) -> tuple[Role, ...]:
        """Priority used to pick the landing page of a person holding several roles."""
        return (
            cls.ADMIN,
            cls.SUPERVISOR,
            cls.APPROVER,
            cls.PROCESSOR,
            cls.RECEIVER,
            cls.AGENT,
            cls.CITIZEN,
        )


ROLE_LABELS: dict[Role, Promise] = {
    Role.CITIZEN: _("Citizen / organisation"),
    Role.AGENT: _("Online public-service agent"),
    Role.RECEIVER: _("Receiving officer (one-stop)"),
    Role.PROCESSOR: _("Processing officer"),
    Role.APPROVER: _("Approving leader"),
    Role.SUPERVISOR: _("Supervisor"),
    Role.ADMIN: _("Administrator"),
}

_VIEW = ("view",)
_EDIT = ("view", "add", "change")
_ALL = ("view", "add", "change", "delete")

# app_label.model -> actions, per role. Later issues extend this as their models arrive.
ROLE_PERMISSIONS: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.CITIZEN: {},
    Role.AGENT: {},
    Role.RECEIVER: {
        "catalog.procedure": _VIEW,
        "catalog.procedureversion": _VIEW,
        "org.servicepoint": _VIEW,
        "people.citizenprofile": _EDIT,
    },
    Role.PROCESSOR: {
        "catalog.procedure": _VIEW,
        "catalog.procedureversion": _VIEW,
        "people.citizenprofile": _VIEW,
    },
    Role.APPROVER: {
        "catalog.procedure": _VIEW,
        "catalog.procedureversion": _VIEW,
        "people.citizenprofile": _VIEW,
    },
    Role.SUPERVISOR: {
        "feedback.report": _VIEW,
        "feedback.routingrule": _VIEW,
        "catalog.procedure": _VIEW,
        "catalog.procedureversion": _VIEW,
        "org.agency": _VIEW,
        "org.servicepoint": _VIEW,
        "org.administrativeunit": _VIEW,
        "core.auditevent": _VIEW,
    },
    Role.ADMIN: {
        "feedback.routingrule": _ALL,
        "feedback.report": _VIEW,
        "feedback.answer": _VIEW,
        "org.administrativeunit": _ALL,
        "org.agency": _ALL,
        "org.servicepoint": _ALL,
        "org.user": _ALL,
        "auth.group": _VIEW,
        "catalog.sector": _ALL,
        "catalog.procedure": _ALL,
        "catalog.procedureversion": _ALL,
        "catalog.requireddocument": _ALL,
        "catalog.delegation": _ALL,
        "catalog.process": _ALL,
        "catalog.processstep": _ALL,
        "people.citizenprofile": _ALL,
        "people.mandate": _VIEW,
        "people.agentconsent": _VIEW,
        "people.serviceagent": _ALL,
        "workcal.calendaroverride": _ALL,
        "core.auditevent": _VIEW,
    },
}
