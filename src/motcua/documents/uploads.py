"""Files handed in online: check them from their bytes, then keep each content once.

* Only PDF, JPEG and PNG are accepted, recognised from the first bytes (the name and the
  browser's declared type are not trusted).
* The size limit is ``MOTCUA_UPLOAD_MAX_BYTES`` (10 MB by default); a bigger file is refused
  before anything is written: the upload is read at most one byte past the limit.
* A file is stored under the SHA-256 of its content: the same scan uploaded twice, or by two
  dossiers, is one :class:`~motcua.documents.models.StoredFile`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError, ErrorKind
from motcua.documents.models import StoredFile

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

#: Leading bytes of the accepted formats, and the type each one is.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def max_upload_bytes() -> int:
    return int(getattr(settings, "MOTCUA_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    sha256: str


def sniff(data: bytes) -> str | None:
    """The content type recognised from the first bytes, or ``None``."""
    for magic, content_type in SIGNATURES:
        if data.startswith(magic):
            return content_type
    return None


def check_upload(upload: IO[bytes] | Any, *, field: str) -> CheckedFile:
    """Read and check one uploaded file; :class:`DomainError` naming ``field`` if refused."""
    limit = max_upload_bytes()
    if upload is None:
        raise DomainError(
            "upload.missing",
            _("Choose a file to upload."),
            kind=ErrorKind.INVALID,
            fields={field: _("required")},
        )
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        data = b""
    else:
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(limit + 1)
    if not data or len(data) > limit:
        if not data and getattr(upload, "size", 0) == 0:
            raise DomainError(
                "upload.empty",
                _("The file is empty."),
                kind=ErrorKind.INVALID,
                fields={field: _("empty file")},
            )
        raise DomainError(
            "upload.too_large",
            format_lazy(_("The file is larger than {limit}."), limit=filesizeformat(limit)),
            kind=ErrorKind.INVALID,
            fields={
                field: format_lazy(_("at most {limit}"), limit=filesizeformat(limit)),
            },
        )
    content_type = sniff(data)
    if content_type is None:
        raise DomainError(
            "upload.type",
            _("Only PDF, JPEG and PNG files are accepted."),
            kind=ErrorKind.INVALID,
            fields={field: _("PDF, JPEG or PNG only")},
        )
    return CheckedFile(data, content_type, hashlib.sha256(data).hexdigest())


def store_bytes(checked: CheckedFile) -> StoredFile:
    """The :class:`StoredFile` holding these bytes: the existing one if the same content was
    stored before (by anyone), else a new one. Safe when two requests store the same bytes at
    once (the unique SHA-256 decides; the loser reuses the winner's row)."""
    existing = StoredFile.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        return existing
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[
        checked.content_type
    ]
    name = default_storage.save(
        f"store/{checked.sha256[:2]}/{checked.sha256}.{extension}", ContentFile(checked.data)
    )
    try:
        with transaction.atomic():
            return StoredFile.objects.create(
                sha256=checked.sha256,
                file=name,
                size=len(checked.data),
                content_type=checked.content_type,
            )
    except IntegrityError:
        default_storage.delete(name)
        return StoredFile.objects.get(sha256=checked.sha256)


def read_stored(stored: StoredFile) -> bytes:
    with stored.file.open("rb") as handle:
        data: bytes = handle.read()
    return data
