"""The one domain error type that services raise, shown in Vietnamese and English.

Services never return error values and never let a database or Python error leak: whatever a
caller did wrong becomes a :class:`DomainError` with

* ``code``: a stable machine code (``"dossier.illegal_transition"``, ``"dossier.not_allowed"``),
* ``message``: a lazily translated text (English msgid, Vietnamese in the ``vi`` catalogue),
  rendered in the language of the request that shows it,
* ``fields``: per input field, the rule that failed (also lazily translated),
* ``kind``: what went wrong, which the web and API layers turn into an HTTP status. Input
  that does not have the documented shape is refused by the API's serializers with 400; a
  :class:`DomainError` of kind ``INVALID`` is well-formed input that a rule refuses (422).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.functional import Promise

__all__ = ["DomainError", "ErrorKind"]


class ErrorKind(enum.StrEnum):
    MALFORMED = "malformed"  # the request itself has not the documented shape (HTTP 400)
    INVALID = "invalid"  # well-formed input that breaks a rule of the domain (HTTP 422)
    FORBIDDEN = "forbidden"  # the actor may not do this (HTTP 403)
    NOT_FOUND = "not_found"  # no such object in the actor's view (HTTP 404)
    CONFLICT = "conflict"  # not allowed in the object's current state (HTTP 409)

    @property
    def http_status(self) -> int:
        return {
            "malformed": 400,
            "invalid": 422,
            "forbidden": 403,
            "not_found": 404,
            "conflict": 409,
        }[self.value]


class DomainError(Exception):
    """A rule of the domain refused the request."""

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        kind: ErrorKind = ErrorKind.CONFLICT,
        fields: Mapping[str, str | Promise] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.kind = kind
        self.fields: dict[str, str | Promise] = dict(fields or {})
        self.data: dict[str, Any] = dict(data or {})

    def __str__(self) -> str:
        return f"{self.code}: {self.text('en')}"

    def text(self, language: str | None = None) -> str:
        """The message in ``language`` (the active language when ``None``)."""
        if language is None:
            return str(self.message)
        with translation.override(language):
            return str(self.message)

    @property
    def message_vi(self) -> str:
        return self.text("vi")

    @property
    def message_en(self) -> str:
        return self.text("en")

    def field_texts(self, language: str | None = None) -> dict[str, list[str]]:
        """``fields`` rendered in ``language``, as lists like DRF's validation errors."""
        if language is None:
            return {name: [str(msg)] for name, msg in self.fields.items()}
        with translation.override(language):
            return {name: [str(msg)] for name, msg in self.fields.items()}
