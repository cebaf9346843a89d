"""Writes of the processing pages that are not dossier transitions: the audit of reads.

Dossier transitions are made only by :mod:`motcua.dossiers.services`.
"""

from __future__ import annotations

from django.db import transaction

from motcua.core.models import AuditEvent
from motcua.core.services import audit_record
from motcua.dossiers.models import Dossier
from motcua.org.models import User

#: Why staff open a dossier and its applicant's data (purpose-bound access, DESIGN.md §4).
PURPOSE = "dossier handling"
#: The personal data fields shown when a staff member asks for them.
PERSONAL_FIELDS = ("identity_number", "phone", "email", "address")


@transaction.atomic
def dossier_view_record(*, actor: User, dossier: Dossier, ip_address: str | None) -> AuditEvent:
    """A staff member opened the dossier page (the API records the same event)."""
    return audit_record(
        action="dossier.viewed",
        actor=actor,
        obj=dossier,
        purpose=PURPOSE,
        data={"code": dossier.identifier, "page": "backoffice"},
        ip_address=ip_address,
    )


@transaction.atomic
def applicant_personal_data_reveal(
    *, actor: User, dossier: Dossier, ip_address: str | None
) -> AuditEvent:
    """A staff member asked to see the applicant's identity number, phone, e-mail and
    address on a dossier they may see: the read is recorded against the person."""
    return audit_record(
        action="people.personal_data_viewed",
        actor=actor,
        obj=dossier.applicant,
        purpose=PURPOSE,
        data={"dossier": dossier.identifier, "fields": list(PERSONAL_FIELDS)},
        ip_address=ip_address,
    )
