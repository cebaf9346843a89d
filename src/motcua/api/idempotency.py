"""Safe retries of API writes with the ``Idempotency-Key`` request header.

Decorate a DRF view method or viewset action (below ``@action``)::

    class DossierViewSet(viewsets.GenericViewSet):
        @extend_schema(responses={200: DossierSerializer, **error_responses(400, 403, 404, 409)})
        @action(detail=True, methods=["post"])
        @idempotent
        def receive(self, request: Request, pk: str | None = None) -> Response: ...

Without the header the view runs as usual. With it (1 to 255 printable ASCII characters, not
starting or ending with a space; a UUID is best; anything else is a 400 ``idempotency.key_invalid``
on the field ``Idempotency-Key``), the whole handling is one transaction:

1. insert an :class:`~motcua.api.models.IdempotencyRecord` for (user, key) in a savepoint;
2. if that insert violates the unique key, another request with the key exists. Its
   transaction has ended by then: PostgreSQL makes the insert wait on the unique index until
   the other transaction commits or rolls back, and SQLite runs write transactions one at a
   time (``BEGIN IMMEDIATE``). Its stored answer is replayed (status, JSON body, the headers the
   view set, plus ``Idempotent-Replayed: true``) if it was for the same request (SHA-256 of the
   method, path with query and body; JSON bodies compared after canonical re-encoding),
   otherwise the answer is 409 ``idempotency.key_reused`` (the key is in conflict with the
   request it was first used for);
3. otherwise run the view in a savepoint, and store its answer in the record, for every
   outcome below 500, the 4xx refusals of services (DomainError) included, so that a retry
   replays the refusal and changes nothing. A 5xx rolls everything back, the record included,
   so the request can be retried.

Requests without a signed-in user share one key space (the record's user is empty): such
clients must use unguessable keys. Replayed answers are in the language of the first request.
Isolation must be READ COMMITTED (PostgreSQL's default) so that step 2 sees the other row.
Records are kept 24 hours: run ``motcua manage purge_idempotency`` from cron or a systemd
timer (hourly is plenty), which calls :func:`idempotency_purge`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from motcua.api.errors import error_response
from motcua.api.models import IdempotencyRecord
from motcua.core.errors import DomainError, ErrorKind

__all__ = [
    "KEY_HEADER",
    "REPLAYED_HEADER",
    "RETENTION",
    "idempotency_purge",
    "idempotent",
    "request_fingerprint",
]

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RETENTION = dt.timedelta(hours=24)
KEY_RE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?")

# Headers of the first answer that are not replayed: DRF and Django set them again.
_NOT_REPLAYED = {"content-type", "content-length", "vary", "allow", REPLAYED_HEADER.lower()}

V = TypeVar("V", bound=APIView)
P = ParamSpec("P")
Handler = Callable[Concatenate[V, Request, P], Response]


def idempotent(method: Handler[V, P]) -> Handler[V, P]:
    """Make a DRF view method replay its first answer for a repeated ``Idempotency-Key``."""

    @functools.wraps(method)
    def wrapper(view: V, request: Request, /, *args: P.args, **kwargs: P.kwargs) -> Response:
        key = request.headers.get(KEY_HEADER)
        if key is None:
            return method(view, request, *args, **kwargs)
        if not KEY_RE.fullmatch(key):
            raise DomainError(
                "idempotency.key_invalid",
                _("The Idempotency-Key header is not valid."),
                kind=ErrorKind.MALFORMED,
                fields={KEY_HEADER: _("Use 1 to 255 printable ASCII characters, e.g. a UUID.")},
            )
        fingerprint = request_fingerprint(request)
        user = request.user if request.user.is_authenticated else None
        with transaction.atomic():
            record = _claim(user=user, key=key, fingerprint=fingerprint, request=request)
            if isinstance(record, Response):
                return record  # the earlier answer, or the refusal of a reused key
            try:
                with transaction.atomic():
                    response = method(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - DRF turns it into the answer to store
                response = view.handle_exception(exc)
            if response.status_code >= 500:
                # Nothing is kept, the record included: a retry runs the request again.
                transaction.set_rollback(True)
                return response
            _store(record, response)
        return response

    wrapper.motcua_idempotent = True  # type: ignore[attr-defined]  # read by api.schema
    return wrapper


def _claim(
    *, user: Any, key: str, fingerprint: str, request: Request
) -> IdempotencyRecord | Response:
    """Insert the record of (user, key); if there is one already, the answer it gives."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    fingerprint=fingerprint,
                    method=request.method or "",
                    path=request.get_full_path(),
                )
        except IntegrityError:
            earlier = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if earlier is not None:
                return _answer_from(earlier, fingerprint)
            # The other row went away in between (purged): try the insert again.
            continue
        return record
    raise RuntimeError(f"could not claim idempotency key {key!r}")


def _answer_from(earlier: IdempotencyRecord, fingerprint: str) -> Response:
    if earlier.fingerprint != fingerprint:
        return error_response(
            "idempotency.key_reused",
            gettext("This Idempotency-Key was already used for a different request."),
            409,
            {KEY_HEADER: [gettext("Use a new key for a new request.")]},
        )
    if earlier.status_code is None:  # pragma: no cover - rows are only seen complete
        return error_response(
            "idempotency.in_progress",
            gettext("A request with this Idempotency-Key is still in progress; retry later."),
            409,
        )
    headers = {str(k): str(v) for k, v in (earlier.response_headers or {}).items()}
    headers[REPLAYED_HEADER] = "true"
    return Response(earlier.response_body, status=earlier.status_code, headers=headers)


def _store(record: IdempotencyRecord, response: Response) -> None:
    if not isinstance(response, Response):
        raise TypeError(
            f"@idempotent views must return a DRF Response, not {type(response).__name__}"
        )
    data = response.data
    record.status_code = response.status_code
    record.response_body = None if data is None else json.loads(json.dumps(data, cls=JSONEncoder))
    record.response_headers = {
        name: value for name, value in response.items() if name.lower() not in _NOT_REPLAYED
    }
    record.save(update_fields=["status_code", "response_body", "response_headers"])


# ------------------------------------------------------------------------------- fingerprint


def _canonical(data: Any) -> bytes:
    if hasattr(data, "lists"):  # QueryDict: every value of every key
        data = dict(data.lists())
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=JSONEncoder
    ).encode()


def _multipart_digest(data: Any) -> bytes:
    digest = hashlib.sha256()
    for name in sorted(data.keys()):
        for value in data.getlist(name) if hasattr(data, "getlist") else [data[name]]:
            digest.update(name.encode() + b"\0")
            if isinstance(value, UploadedFile):
                digest.update(b"file\0" + (value.name or "").encode() + b"\0")
                for chunk in value.chunks():
                    digest.update(chunk)
                value.seek(0)
            else:
                digest.update(str(value).encode() + b"\0")
    return digest.digest()


def _body_bytes(request: Request) -> bytes:
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type.startswith("multipart/"):
        return _multipart_digest(request.data)
    try:
        raw: bytes = request._request.body
    except RawPostDataException:  # already read as a stream by the parsers
        return _canonical(request.data)
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            return _canonical(json.loads(raw))
        except ValueError:
            return raw
    return raw


def request_fingerprint(request: Request) -> str:
    """SHA-256 of the method, the path with its query string, and the body."""
    digest = hashlib.sha256()
    digest.update((request.method or "").encode() + b"\n")
    digest.update(request.get_full_path().encode() + b"\n")
    digest.update(_body_bytes(request))
    return digest.hexdigest()


# ------------------------------------------------------------------------------- retention


def idempotency_purge(*, older_than: dt.timedelta | dt.datetime) -> int:
    """Delete the records created before ``older_than`` (an instant, or an age such as
    :data:`RETENTION`); return how many were deleted."""
    cutoff = timezone.now() - older_than if isinstance(older_than, dt.timedelta) else older_than
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
