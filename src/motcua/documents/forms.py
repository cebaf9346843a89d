"""Input of the document pages: the register's period and point, the verification upload."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.org.models import ServicePoint


@dataclass
class RegisterQuery:
    """The register's parameters as typed (kept to redisplay the form) and as parsed."""

    raw: dict[str, str]
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    service_point: ServicePoint | None = None
    errors: dict[str, str | Promise] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors and self.date_from is not None and self.date_to is not None


def _parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_register_query(query: QueryDict) -> RegisterQuery:
    """``from`` and ``to`` as YYYY-MM-DD (required), ``service_point`` a point code (optional)."""
    raw = {name: query.get(name, "").strip() for name in ("from", "to", "service_point")}
    result = RegisterQuery(raw=raw)
    for name in ("from", "to"):
        if not raw[name]:
            result.errors[name] = _("required, as YYYY-MM-DD")
            continue
        day = _parse_day(raw[name])
        if day is None or len(raw[name]) != len("2026-01-31"):
            result.errors[name] = _("not a date: write it as YYYY-MM-DD")
        elif name == "from":
            result.date_from = day
        else:
            result.date_to = day
    if result.date_from and result.date_to and result.date_to < result.date_from:
        result.errors["to"] = _("must not be before the start")
    if raw["service_point"]:
        point = (
            ServicePoint.objects.select_related("agency").filter(code=raw["service_point"]).first()
        )
        if point is None:
            result.errors["service_point"] = _("no service point has this code")
        result.service_point = point
    return result


@dataclass
class UploadCheck:
    data: bytes | None
    errors: dict[str, str | Promise]


def read_verification_upload(upload: UploadedFile[bytes] | None) -> UploadCheck:
    """The uploaded file's bytes, or the reason it cannot be verified (field ``file``)."""
    limit = int(settings.MOTCUA_VERIFY_MAX_BYTES)
    if upload is None:
        return UploadCheck(None, {"file": _("choose a PDF file")})
    if upload.size is not None and upload.size > limit:
        return UploadCheck(
            None,
            {"file": _("the file is larger than the limit of %(mb)d MB") % {"mb": limit // 2**20}},
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        return UploadCheck(
            None,
            {"file": _("the file is larger than the limit of %(mb)d MB") % {"mb": limit // 2**20}},
        )
    if not data:
        return UploadCheck(None, {"file": _("the file is empty")})
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        return UploadCheck(None, {"file": _("this file is not a PDF document")})
    return UploadCheck(data, {})
