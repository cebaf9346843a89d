"""One error body for the whole REST API, in the language of the request.

Every 4xx and 5xx answer under ``/api/`` has the body::

    {"code": "invalid", "message": "Some fields are not valid.", "fields": {"name": ["..."]}}

* ``code``: a stable machine code: ``invalid``, ``parse_error``, ``not_authenticated``,
  ``permission_denied``, ``not_found``, ``method_not_allowed``, ``not_acceptable``,
  ``unsupported_media_type``, ``throttled``, ``server_error``, or the code of a
  :class:`~motcua.core.errors.DomainError` (``dossier.illegal_transition``, ...);
* ``message``: one sentence for people, in the request's language (``Accept-Language``, through
  Django's ``LocaleMiddleware``: Vietnamese by default, English available);
* ``fields``: per input field, its messages; nested fields are dotted (``address.street``,
  ``documents.0.name``), errors about the whole input are under ``non_field_errors``.

:func:`exception_handler` is DRF's ``EXCEPTION_HANDLER`` (settings.REST_FRAMEWORK). It also turns
an unexpected exception in an API view into a logged JSON 500 instead of Django's HTML page.
:func:`api_not_found` answers unknown paths under ``/api/``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from django.core import signals
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from motcua.core.errors import DomainError

__all__ = [
    "MESSAGES",
    "api_not_found",
    "error_body",
    "error_response",
    "exception_handler",
    "flatten_errors",
]

logger = logging.getLogger("motcua.api")

# The sentence shown for each generic code (English msgids, Vietnamese in the vi catalogue).
MESSAGES = {
    "invalid": _("Some fields are not valid."),
    "bad_request": _("The request is not valid."),
    "parse_error": _("The request body could not be read (malformed JSON or form data)."),
    "not_authenticated": _("Authentication is required: sign in or send a valid token."),
    "authentication_failed": _("The authentication credentials are not valid."),
    "permission_denied": _("You do not have permission to do this."),
    "not_found": _("The requested object was not found."),
    "method_not_allowed": _("Method %(method)s is not allowed here."),
    "not_acceptable": _(
        "The server cannot answer in the format asked for by the Accept header; "
        "ask for application/json."
    ),
    "unsupported_media_type": _("The media type %(media_type)s of the request is not supported."),
    "throttled": _("Too many requests; try again later."),
    "server_error": _("An unexpected error occurred on the server; it has been logged."),
}


def error_body(
    code: str, message: str, fields: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    """The error body, with plain ``str`` values."""
    return {
        "code": code,
        "message": str(message),
        "fields": {str(name): [str(m) for m in msgs] for name, msgs in (fields or {}).items()},
    }


def error_response(
    code: str,
    message: str,
    status_code: int,
    fields: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A DRF response carrying the error body."""
    return Response(
        error_body(code, message, fields), status=status_code, headers=dict(headers or {})
    )


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as ``{"dotted.name": [messages]}``.

    A bare list at the top (``raise ValidationError("...")``) goes under ``non_field_errors``.
    """
    out: dict[str, list[str]] = {}

    def add(name: str, message: Any) -> None:
        out.setdefault(name or api_settings.NON_FIELD_ERRORS_KEY, []).append(str(message))

    def walk(node: Any, name: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, f"{name}.{key}" if name else str(key))
        elif isinstance(node, list | tuple):
            for index, value in enumerate(node):
                if isinstance(value, Mapping | list | tuple):
                    # A list of nested objects or lists: index each one (documents.0.name).
                    walk(value, f"{name}.{index}" if name else str(index))
                else:
                    add(name, value)
        else:
            add(name, node)

    walk(detail, prefix)
    return out


def _message(code: str, **params: Any) -> str:
    text = str(MESSAGES[code])
    return text % params if params else text


def _from_api_exception(
    exc: exceptions.APIException, request: Any
) -> tuple[str, str, dict[str, list[str]]]:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid", _message("invalid"), flatten_errors(exc.detail)
    if isinstance(exc, exceptions.ParseError):
        return "parse_error", _message("parse_error"), {}
    if isinstance(exc, exceptions.NotAuthenticated):
        return "not_authenticated", _message("not_authenticated"), {}
    if isinstance(exc, exceptions.AuthenticationFailed):
        return "not_authenticated", _message("authentication_failed"), {}
    if isinstance(exc, exceptions.PermissionDenied):
        return "permission_denied", _own_or_default(exc, "permission_denied"), {}
    if isinstance(exc, exceptions.NotFound):
        return "not_found", _own_or_default(exc, "not_found"), {}
    if isinstance(exc, exceptions.MethodNotAllowed):
        method = str(getattr(request, "method", "") or "")
        return "method_not_allowed", _message("method_not_allowed", method=method), {}
    if isinstance(exc, exceptions.NotAcceptable):
        return "not_acceptable", _message("not_acceptable"), {}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        media_type = str(getattr(request, "content_type", "") or "")
        return (
            "unsupported_media_type",
            _message("unsupported_media_type", media_type=media_type),
            {},
        )
    if isinstance(exc, exceptions.Throttled):
        return "throttled", _message("throttled"), {}
    # Another APIException (a custom one, or DRF's own future ones): keep its code and text.
    detail = exc.detail
    if isinstance(detail, Mapping | list):
        return str(exc.default_code), _message("bad_request"), flatten_errors(detail)
    return str(getattr(detail, "code", None) or exc.default_code), str(detail), {}


def _own_or_default(exc: exceptions.APIException, code: str) -> str:
    """The raiser's own message (a permission class's ``message``, ``NotFound(_("..."))``), or
    our sentence when DRF's default text was used."""
    detail = exc.detail
    if isinstance(detail, str) and str(detail) != str(exc.default_detail):
        return str(detail)
    return _message(code)


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: every failure of an API view becomes the error body."""
    if isinstance(exc, DomainError):
        return error_response(exc.code, exc.text(), exc.kind.http_status, exc.field_texts())
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        fields = (
            {name: [str(m) for m in msgs] for name, msgs in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in exc.messages]}
        )
        return error_response("invalid", _message("invalid"), status.HTTP_400_BAD_REQUEST, fields)
    elif isinstance(exc, SuspiciousOperation):
        logger.warning("Suspicious API request: %s", exc)
        return error_response("bad_request", _message("bad_request"), status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, exceptions.APIException):
        code, message, fields = _from_api_exception(exc, context.get("request"))
        headers: dict[str, str] = {}
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = str(auth_header)
        wait = getattr(exc, "wait", None)
        if wait is not None:
            headers["Retry-After"] = str(math.ceil(wait))
        return error_response(code, message, exc.status_code, fields, headers)

    # Anything else is a bug: log it with the traceback, tell Django's error reporting (the
    # test client re-raises it, Sentry-like tools see it), and answer JSON, never HTML.
    request = context.get("request")
    logger.error(
        "Unexpected error in API view %s",
        type(context.get("view")).__name__,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    signals.got_request_exception.send(sender=None, request=getattr(request, "_request", request))
    return error_response(
        "server_error", _message("server_error"), status.HTTP_500_INTERNAL_SERVER_ERROR
    )


@csrf_exempt  # a 404 for every method, never Django's HTML CSRF page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under ``/api/``: the JSON 404 body instead of the HTML page."""
    return JsonResponse(
        error_body("not_found", _message("not_found")), status=status.HTTP_404_NOT_FOUND
    )
