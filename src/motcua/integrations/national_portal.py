"""Adapter for the national public-service portal (Cổng Dịch vụ công quốc gia, DVCQG).

Two parts:

* :func:`to_portal` — a pure function that maps the payload our dossier services enqueue on
  topic ``national_portal.dossier`` to the DVCQG vocabulary (``MaHoSo``, ``TrangThaiHoSo``,
  ``CapNhatTienTrinh`` records …; see docs/integrations.md for the table).
* :class:`NationalPortalAdapter` — sends the mapped records over HTTP (JSON bodies, a bearer
  token from a client-credentials token endpoint) to ``settings.MOTCUA_NATIONAL_PORTAL_URL``.
  When that setting is empty the adapter is disabled: it raises
  :class:`~motcua.integrations.adapters.NotConfiguredError` and the outbox keeps the message.

**UNCONFIRMED**: the real DVCQG/LGSP endpoint paths, the token exchange, the response format
and the date format ``yyyyMMddHHmmss`` in Vietnamese local time are taken from vendor practice
and sample integrations, not from a published specification. The paths below are those of
our simulator (:mod:`motcua.integrations.simulator`); check them against the documents the
portal operator issues before connecting a real endpoint.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from motcua.integrations.adapters import (
    DeliveryError,
    NotConfiguredError,
    NothingToDeliver,
    register,
)

__all__ = [
    "DATE_FORMAT",
    "TOPIC",
    "NationalPortalAdapter",
    "PayloadError",
    "PortalConfig",
    "PortalRequests",
    "portal_config",
    "portal_datetime",
    "to_portal",
]

TOPIC = "national_portal.dossier"

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# yyyyMMddHHmmss in Asia/Ho_Chi_Minh local time. UNCONFIRMED vendor practice.
DATE_FORMAT = "%Y%m%d%H%M%S"

# Paths under MOTCUA_NATIONAL_PORTAL_URL (those of the simulator; UNCONFIRMED for the portal).
TOKEN_PATH = "/token"  # noqa: S105 - a path, not a secret
DOSSIER_PATH = "/hoso"  # create or replace a dossier record (DongBoHoSo)
STATUS_PATH = "/hoso/capnhattrangthai"  # CapNhatTrangThai
PROGRESS_PATH = "/hoso/capnhattientrinh"  # CapNhatTienTrinh (process log)

CREATE_EVENT = "create"
STATUS_RANGE = range(1, 11)  # TrangThaiHoSo 1..10
CHANNEL_RANGE = range(1, 4)  # KenhThucHien: 1 direct, 2 online, 3 public postal service

# What the process log says was done (NoiDungXuLy), by the action of the dossier services
# (motcua.dossiers.states.Action, plus "calendar" for a re-plan after a calendar change).
# Unknown actions are sent as they are.
ACTION_LABELS: Mapping[str, str] = {
    "submit": "Nộp hồ sơ trực tuyến",
    "intake": "Tiếp nhận hồ sơ trực tiếp",
    "receive": "Tiếp nhận hồ sơ",
    "request-supplement": "Yêu cầu bổ sung, hoàn thiện hồ sơ",
    "supplement": "Bổ sung, hoàn thiện hồ sơ",
    "refuse": "Từ chối hồ sơ",
    "forward": "Chuyển xử lý",
    "return-step": "Trả lại bước xử lý trước",
    "approve": "Phê duyệt",
    "pause": "Tạm dừng xử lý",
    "resume": "Tiếp tục xử lý",
    "apologize": "Xin lỗi và hẹn lại ngày trả kết quả",
    "withdraw": "Công dân yêu cầu rút hồ sơ",
    "stop": "Dừng xử lý hồ sơ",
    "finish": "Hoàn thành xử lý",
    "return-result": "Trả kết quả",
    "calendar": "Điều chỉnh ngày hẹn trả theo lịch làm việc",
}
# NguoiXuLy of a step that no person did (a re-plan after a calendar change, a timer).
SYSTEM_ACTOR = "Hệ thống"

# HTTP statuses after which retrying the same request cannot succeed.
PERMANENT_STATUSES = frozenset({400, 404, 405, 409, 410, 413, 415, 422})
ERROR_BODY_LIMIT = 500


class PayloadError(ValueError):
    """The outbox payload cannot be mapped to the DVCQG vocabulary."""


# ---------------------------------------------------------------------------- mapping (pure)


def portal_datetime(value: str | dt.datetime | None) -> str | None:
    """An ISO 8601 instant (aware) as DVCQG's ``yyyyMMddHHmmss`` in Vietnamese local time.

    ``None`` stays ``None``. A naive or unreadable value raises :class:`PayloadError`.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        instant = value
    elif isinstance(value, str):
        try:
            instant = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise PayloadError(f"not an ISO 8601 date and time: {value!r}") from exc
    else:
        raise PayloadError(f"not a date and time: {value!r}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise PayloadError(f"date and time without a time zone: {value!r}")
    return instant.astimezone(VN_TZ).strftime(DATE_FORMAT)


@dataclass(frozen=True)
class PortalRequests:
    """What one outbox payload becomes on the portal's side.

    ``create``: the payload's event is ``"create"``, so the full ``record`` is sent first.
    Otherwise ``status`` is sent (CapNhatTrangThai), and the full ``record`` only if the
    portal does not know the dossier yet. ``progress`` (CapNhatTienTrinh) follows when the
    payload has a ``step``.
    """

    create: bool
    record: dict[str, Any]
    status: dict[str, Any]
    progress: dict[str, Any] | None


def _text(payload: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise PayloadError(f"{name} is missing")
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"{name} must be text, not {value!r}")
    return value


def _code(payload: Mapping[str, Any], name: str, allowed: range) -> int:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise PayloadError(f"{name} must be an integer from {allowed.start} to {allowed.stop - 1}")
    return value


def _date(payload: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = payload.get(name)
    if value is None and required:
        raise PayloadError(f"{name} is missing")
    try:
        return portal_datetime(value)
    except PayloadError as exc:
        raise PayloadError(f"{name}: {exc}") from exc


def _progress(code: str, status: int, step: Any) -> dict[str, Any]:
    if not isinstance(step, Mapping):
        raise PayloadError("step must be an object")
    action = _text(step, "action", required=False)
    label = ACTION_LABELS.get(action, action)
    note = _text(step, "note", required=False)
    content = f"{label}: {note}" if label and note else (label or note)
    if not content:
        raise PayloadError("step needs an action or a note")
    return {
        "MaHoSo": code,
        "NguoiXuLy": _text(step, "actor", required=False) or SYSTEM_ACTOR,
        "ThoiDiemXuLy": _date(step, "at", required=True),
        "PhongBanXuLy": _text(step, "agency", required=False),
        "NoiDungXuLy": content,
        "TrangThai": status,
        "NgayBatDau": _date(step, "started_at"),
        "NgayKetThucTheoQuyDinh": _date(step, "due_at"),
    }


def to_portal(payload: Mapping[str, Any]) -> PortalRequests:
    """Map one ``national_portal.dossier`` payload to the DVCQG records. Pure.

    ``NgayHenTra`` is the appointment given to the applicant (``appointment_at``), or the
    legal due instant (``due_at``) while no appointment was given. Empty dates are ``null``.
    """
    code = _text(payload, "code")
    status = _code(payload, "status", STATUS_RANGE)
    dates = {
        "NgayTiepNhan": _date(payload, "received_at"),
        "NgayHenTra": _date(payload, "appointment_at") or _date(payload, "due_at"),
        "NgayKetThucXuLy": _date(payload, "finished_at"),
        "NgayTra": _date(payload, "returned_at"),
    }
    record = {
        "MaHoSo": code,
        "MaTTHC": _text(payload, "procedure_code"),
        "MaDonViTiepNhan": _text(payload, "receiving_agency"),
        "TrangThaiHoSo": status,
        "KenhThucHien": _code(payload, "channel", CHANNEL_RANGE),
        "NgayNopHoSo": _date(payload, "submitted_at", required=True),
        **dates,
    }
    step = payload.get("step")
    return PortalRequests(
        create=payload.get("event") == CREATE_EVENT,
        record=record,
        status={"MaHoSo": code, "TrangThaiHoSo": status, **dates},
        progress=_progress(code, status, step) if step is not None else None,
    )


# ---------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class PortalConfig:
    url: str
    token_url: str
    client_id: str
    client_secret: str
    timeout: float


def _setting(name: str) -> str:
    value = getattr(settings, name, None)
    return "" if value is None else str(value).strip()


def _check_http_url(name: str, url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NotConfiguredError(f"{name} must be an http(s) URL, not {url!r}")


def portal_config() -> PortalConfig:
    """The portal connection from the settings; :class:`NotConfiguredError` when disabled."""
    url = _setting("MOTCUA_NATIONAL_PORTAL_URL").rstrip("/")
    if not url:
        raise NotConfiguredError(
            "national portal not configured: MOTCUA_NATIONAL_PORTAL_URL is not set; "
            "the message stays in the outbox"
        )
    _check_http_url("MOTCUA_NATIONAL_PORTAL_URL", url)
    token_url = _setting("MOTCUA_NATIONAL_PORTAL_TOKEN_URL") or url + TOKEN_PATH
    _check_http_url("MOTCUA_NATIONAL_PORTAL_TOKEN_URL", token_url)
    client_id = _setting("MOTCUA_NATIONAL_PORTAL_CLIENT_ID")
    client_secret = _setting("MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET")
    if not client_id or not client_secret:
        raise NotConfiguredError(
            "national portal not configured: MOTCUA_NATIONAL_PORTAL_CLIENT_ID and "
            "MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET must be set"
        )
    timeout = getattr(settings, "MOTCUA_NATIONAL_PORTAL_TIMEOUT", None) or 15
    return PortalConfig(url, token_url, client_id, client_secret, float(timeout))


# ---------------------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")[:ERROR_BODY_LIMIT]


def _exchange(
    url: str, *, body: bytes, content_type: str, headers: Mapping[str, str], timeout: float
) -> _Response:
    """POST ``body`` to ``url``; any HTTP status is returned, network failures raise."""
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked in portal_config
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": content_type,
            "Accept": "application/json",
            "User-Agent": "motcua",
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return _Response(response.status, response.read())
    except urllib.error.HTTPError as exc:
        try:
            return _Response(exc.code, exc.read())
        finally:
            exc.close()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"national portal unreachable at {url}: {reason}") from exc


@dataclass
class _Token:
    value: str
    expires: float  # time.monotonic()


class _PortalStatusError(DeliveryError):
    def __init__(self, path: str, response: _Response) -> None:
        super().__init__(
            f"national portal answered HTTP {response.status} on {path}: {response.text()}",
            permanent=response.status in PERMANENT_STATUSES,
        )
        self.status = response.status


class NationalPortalAdapter:
    """Delivers ``national_portal.dossier`` messages to the DVCQG (or its simulator)."""

    topic = TOPIC
    # Refresh a token this many seconds before the portal says it expires.
    token_margin = 30.0

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._lock = threading.Lock()

    def forget_tokens(self) -> None:
        """Drop cached tokens (after a change of credentials; tests)."""
        with self._lock:
            self._tokens.clear()

    # -- outbox interface

    def deliver(self, message_payload: dict[str, Any]) -> None:
        config = portal_config()
        if message_payload.get("code") in (None, ""):
            # Submitted online and not received yet: the dossier code (MaHoSo) is given at
            # reception, and that later message sends the whole record.
            raise NothingToDeliver("no dossier code yet (not received)")
        try:
            requests = to_portal(message_payload)
        except PayloadError as exc:
            raise DeliveryError(
                f"payload cannot be sent to the portal: {exc}", permanent=True
            ) from exc
        if requests.create:
            self._post(config, DOSSIER_PATH, requests.record)
        else:
            try:
                self._post(config, STATUS_PATH, requests.status)
            except _PortalStatusError as exc:
                if exc.status != 404:
                    raise
                # The portal does not know the dossier yet: send the whole record.
                self._post(config, DOSSIER_PATH, requests.record)
        if requests.progress is not None:
            self._post(config, PROGRESS_PATH, requests.progress)

    # -- HTTP with a bearer token

    def _post(self, config: PortalConfig, path: str, document: Mapping[str, Any]) -> None:
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        for fresh_token in (False, True):
            token = self._token(config, fresh=fresh_token)
            response = _exchange(
                config.url + path,
                body=body,
                content_type="application/json; charset=utf-8",
                headers={"Authorization": f"Bearer {token}"},
                timeout=config.timeout,
            )
            if response.status == 401 and not fresh_token:
                continue  # the token expired or was revoked early: get a new one, once
            if 200 <= response.status < 300:
                return
            raise _PortalStatusError(path, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _token(self, config: PortalConfig, *, fresh: bool) -> str:
        cache_key = (config.token_url, config.client_id, config.client_secret)
        with self._lock:
            cached = self._tokens.get(cache_key)
            if cached is not None and not fresh and cached.expires > time.monotonic():
                return cached.value
            self._tokens.pop(cache_key, None)
        response = _exchange(
            config.token_url,
            body=urllib.parse.urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": config.client_id,
                    "client_secret": config.client_secret,
                }
            ).encode("ascii"),
            content_type="application/x-www-form-urlencoded",
            headers={},
            timeout=config.timeout,
        )
        if response.status != 200:
            # Not permanent: wrong credentials are fixed in the settings, then retries succeed.
            raise DeliveryError(
                f"national portal token endpoint answered HTTP {response.status}: {response.text()}"
            )
        try:
            answer = json.loads(response.body)
            value = str(answer["access_token"])
            lifetime = float(answer.get("expires_in") or 300)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DeliveryError(
                f"national portal token endpoint sent an unreadable answer: {response.text()}"
            ) from exc
        token = _Token(value, time.monotonic() + max(0.0, lifetime - self.token_margin))
        with self._lock:
            self._tokens[cache_key] = token
        return token.value


adapter = register(NationalPortalAdapter())
