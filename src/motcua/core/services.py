"""Writing the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from motcua.core.models import AuditEvent


def audit_record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    purpose: str = "",
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit row. Call it inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        purpose=purpose,
        data=data or {},
        ip_address=ip_address,
    )
