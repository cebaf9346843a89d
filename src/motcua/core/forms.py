"""Helpers shared by the pages' forms."""

from __future__ import annotations

from typing import Any

from motcua.core.errors import DomainError


def apply_domain_error(form: Any, error: DomainError) -> None:
    """Put a service's refusal on the form: each field's message next to that field, a
    message about something that is not a field of the form above it, and the general
    message above the form when the refusal names no field. Nothing is lost."""
    for name, message in error.fields.items():
        form.add_error(name if name in form.fields else None, str(message))
    if not error.fields:
        form.add_error(None, str(error.message))
