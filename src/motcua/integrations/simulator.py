"""A local simulator of the national public-service portal (DVCQG) for tests and development.

THIS IS NOT THE REAL PORTAL. It imitates the few calls our adapter
(:mod:`motcua.integrations.national_portal`) makes, so that delivery can be tested over real
HTTP on this machine. Its paths, token exchange and answers are our own choice, modelled on
vendor practice; the real portal's interface is UNCONFIRMED (see docs/integrations.md).

Endpoints, under the base URL:

=====================================  ========================================================
``POST /token``                        client credentials (form or JSON: ``grant_type=
                                       client_credentials``, ``client_id``, ``client_secret``)
                                       → ``{"access_token", "token_type", "expires_in"}``
``POST /hoso``                         create or replace a dossier record (bearer token)
``POST /hoso/capnhattrangthai``        CapNhatTrangThai: status and dates of a known dossier
``POST /hoso/capnhattientrinh``        CapNhatTienTrinh: append a process-log record
``GET /hoso/<MaHoSo>``                 the stored record with its log (no token needed)
``GET /``                              what this server is
=====================================  ========================================================

It validates what it receives (required fields, ``TrangThaiHoSo`` 1–10, ``KenhThucHien`` 1–3,
dates ``yyyyMMddHHmmss``) and answers 400 with the errors, keeps everything in memory
(:attr:`PortalSimulator.dossiers`, :attr:`~PortalSimulator.status_updates`,
:attr:`~PortalSimulator.progress`, :attr:`~PortalSimulator.requests`), and can be told to fail
the next N requests with HTTP 503 (:meth:`PortalSimulator.fail_next`).

It uses the standard library only. Run it on its own with::

    python -m motcua.integrations.simulator --port 8765
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import re
import secrets
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "PortalSimulator",
    "RecordedRequest",
    "main",
    "run_simulator",
]

logger = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "motcua-dev"
DEFAULT_CLIENT_SECRET = "motcua-dev-secret"  # noqa: S105 - a simulator's well-known secret
MAX_BODY = 1_000_000

_DATE_RE = re.compile(r"^\d{14}$")
_PROCEDURE_CODE_RE = re.compile(r"^\d\.\d{6}$")

Answer = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the simulator received, with the status it answered."""

    method: str
    path: str
    body: Any
    status: int
    authorized: bool


# ---------------------------------------------------------------------------- validation


class _Errors:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, required: bool = True) -> None:
        value = self.document.get(name)
        if value is None or value == "":
            if required:
                self.errors[name] = "required"
        elif not isinstance(value, str):
            self.errors[name] = "must be a string"

    def integer(self, name: str, low: int, high: int) -> None:
        value = self.document.get(name)
        if value is None:
            self.errors[name] = "required"
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.errors[name] = f"must be an integer from {low} to {high}"

    def date(self, name: str, *, required: bool = False) -> None:
        value = self.document.get(name)
        if value is None or value == "":
            if required:
                self.errors[name] = "required"
            return
        if not isinstance(value, str) or not _DATE_RE.match(value):
            self.errors[name] = "must be a date yyyyMMddHHmmss"
            return
        try:
            dt.datetime.strptime(value, "%Y%m%d%H%M%S")  # noqa: DTZ007 - format check only
        except ValueError:
            self.errors[name] = "not a real date yyyyMMddHHmmss"


_DOSSIER_DATES = ("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra")


def _validate_dossier(document: Mapping[str, Any]) -> dict[str, str]:
    check = _Errors(document)
    check.text("MaHoSo")
    check.text("MaTTHC")
    code = document.get("MaTTHC")
    if isinstance(code, str) and code and not _PROCEDURE_CODE_RE.match(code):
        check.errors["MaTTHC"] = "must have the form d.dddddd"
    check.text("MaDonViTiepNhan")
    check.integer("TrangThaiHoSo", 1, 10)
    check.integer("KenhThucHien", 1, 3)
    check.date("NgayNopHoSo", required=True)
    for name in _DOSSIER_DATES:
        check.date(name)
    return check.errors


def _validate_status(document: Mapping[str, Any]) -> dict[str, str]:
    check = _Errors(document)
    check.text("MaHoSo")
    check.integer("TrangThaiHoSo", 1, 10)
    for name in _DOSSIER_DATES:
        check.date(name)
    return check.errors


def _validate_progress(document: Mapping[str, Any]) -> dict[str, str]:
    check = _Errors(document)
    check.text("MaHoSo")
    check.text("NguoiXuLy")
    check.date("ThoiDiemXuLy", required=True)
    check.text("PhongBanXuLy", required=False)
    check.text("NoiDungXuLy")
    check.integer("TrangThai", 1, 10)
    check.date("NgayBatDau")
    check.date("NgayKetThucTheoQuyDinh")
    return check.errors


# ---------------------------------------------------------------------------- the simulator


@dataclass
class _State:
    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    status_updates: list[dict[str, Any]] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)
    failures_left: int = 0
    failure_status: int = 503


class PortalSimulator:
    """An in-memory imitation of the DVCQG sync API served over HTTP in a background thread.

    Use it as a context manager (``with PortalSimulator() as portal: portal.url``), or call
    :meth:`start` and :meth:`stop`. Everything it stores is readable from the test thread;
    the accessors return copies taken under its lock.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        token_lifetime: int = 3600,
    ) -> None:
        self.host = host
        self.port = port
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self._state = _State()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle

    def start(self) -> str:
        """Start serving in a daemon thread; returns the base URL."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        server = _Server((self.host, self.port), _Handler)
        server.simulator = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"dvcqg-simulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> PortalSimulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- controls for tests

    def fail_next(self, count: int, *, status: int = 503) -> None:
        """Answer the next ``count`` requests (any endpoint) with ``status`` and do nothing."""
        with self._lock:
            self._state.failures_left = count
            self._state.failure_status = status

    def revoke_tokens(self) -> None:
        """Forget every issued token (the next call with an old token gets 401)."""
        with self._lock:
            self._state.tokens.clear()

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    # -- what it received (copies)

    @property
    def dossiers(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {code: dict(record) for code, record in self._state.dossiers.items()}

    @property
    def status_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(update) for update in self._state.status_updates]

    @property
    def progress(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._state.progress]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._state.requests)

    # -- request handling

    def handle(
        self, method: str, path: str, raw: bytes, *, content_type: str = "", authorization: str = ""
    ) -> Answer:
        """Answer one request: ``(HTTP status, JSON document)``. Thread-safe."""
        with self._lock:
            body = _parse_body(content_type, raw)
            authorized = self._authorized(authorization)
            status, answer = self._answer(method, path, body, authorized)
            self._state.requests.append(RecordedRequest(method, path, body, status, authorized))
            return status, answer

    def _authorized(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        expires = self._state.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        return expires is not None and expires > time.monotonic()

    def _answer(self, method: str, path: str, body: Any, authorized: bool) -> Answer:
        state = self._state
        if state.failures_left > 0:
            state.failures_left -= 1
            return state.failure_status, {"error": "simulated outage", "simulator": True}
        route = path.split("?", 1)[0].rstrip("/") or "/"
        if method == "GET":
            return self._get(route)
        if method != "POST":
            return HTTPStatus.METHOD_NOT_ALLOWED, {"error": "method not allowed"}
        if route == "/token":
            return self._issue_token(body)
        if route not in ("/hoso", "/hoso/capnhattrangthai", "/hoso/capnhattientrinh"):
            return HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {route}"}
        if not authorized:
            return HTTPStatus.UNAUTHORIZED, {"error": "invalid or expired bearer token"}
        if not isinstance(body, dict):
            return HTTPStatus.BAD_REQUEST, {"error": "the body must be a JSON object"}
        if route == "/hoso":
            return self._save_dossier(body)
        if route == "/hoso/capnhattrangthai":
            return self._update_status(body)
        return self._append_progress(body)

    def _get(self, route: str) -> Answer:
        if route == "/":
            return HTTPStatus.OK, {
                "simulator": True,
                "note": "motcua's local simulator of the national public-service portal "
                "(DVCQG), for tests and development only; not the real portal",
                "dossiers": len(self._state.dossiers),
            }
        if route.startswith("/hoso/"):
            code = urllib.parse.unquote(route.removeprefix("/hoso/"))
            record = self._state.dossiers.get(code)
            if record is None:
                return HTTPStatus.NOT_FOUND, {"error": f"unknown dossier {code}"}
            log = [entry for entry in self._state.progress if entry.get("MaHoSo") == code]
            return HTTPStatus.OK, {**record, "TienTrinh": log}
        return HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {route}"}

    def _issue_token(self, body: Any) -> Answer:
        form = body if isinstance(body, dict) else {}
        if form.get("grant_type") != "client_credentials":
            return HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"}
        if not (
            secrets.compare_digest(str(form.get("client_id", "")), self.client_id)
            and secrets.compare_digest(str(form.get("client_secret", "")), self.client_secret)
        ):
            return HTTPStatus.UNAUTHORIZED, {"error": "invalid_client"}
        token = secrets.token_urlsafe(24)
        self._state.tokens[token] = time.monotonic() + self.token_lifetime
        return HTTPStatus.OK, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
        }

    def _save_dossier(self, body: dict[str, Any]) -> Answer:
        errors = _validate_dossier(body)
        if errors:
            return HTTPStatus.BAD_REQUEST, {"error": "validation", "errors": errors}
        code = body["MaHoSo"]
        created = code not in self._state.dossiers
        self._state.dossiers[code] = dict(body)
        return (HTTPStatus.CREATED if created else HTTPStatus.OK), {"MaHoSo": code}

    def _update_status(self, body: dict[str, Any]) -> Answer:
        errors = _validate_status(body)
        if errors:
            return HTTPStatus.BAD_REQUEST, {"error": "validation", "errors": errors}
        record = self._state.dossiers.get(body["MaHoSo"])
        if record is None:
            return HTTPStatus.NOT_FOUND, {"error": f"unknown dossier {body['MaHoSo']}"}
        record.update(body)
        self._state.status_updates.append(dict(body))
        return HTTPStatus.OK, {"MaHoSo": body["MaHoSo"]}

    def _append_progress(self, body: dict[str, Any]) -> Answer:
        errors = _validate_progress(body)
        if errors:
            return HTTPStatus.BAD_REQUEST, {"error": "validation", "errors": errors}
        if body["MaHoSo"] not in self._state.dossiers:
            return HTTPStatus.NOT_FOUND, {"error": f"unknown dossier {body['MaHoSo']}"}
        self._state.progress.append(dict(body))
        return HTTPStatus.OK, {"MaHoSo": body["MaHoSo"]}


def _parse_body(content_type: str, raw: bytes) -> Any:
    """The JSON or form body as Python data; ``None`` when empty or unreadable."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(urllib.parse.parse_qsl(text))
    try:
        return json.loads(text)
    except ValueError:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    simulator: PortalSimulator


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "DVCQG-simulator"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond("GET")

    def do_POST(self) -> None:
        self._respond("POST")

    def do_PUT(self) -> None:
        self._respond("PUT")

    def _respond(self, method: str) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            answer = {"error": "bad or too large Content-Length"}
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, answer, close=True)
            return
        raw = self.rfile.read(length) if length > 0 else b""
        status, answer = self.server.simulator.handle(
            method,
            self.path,
            raw,
            content_type=self.headers.get("Content-Type", ""),
            authorization=self.headers.get("Authorization", ""),
        )
        self._send(status, answer)

    def _send(self, status: int, answer: dict[str, Any], *, close: bool = False) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


@contextmanager
def run_simulator(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
) -> Iterator[str]:
    """Serve a fresh simulator while the block runs; yields its base URL.

    Tests that need to look at what it received use :class:`PortalSimulator` directly.
    """
    with PortalSimulator(
        host=host, port=port, client_id=client_id, client_secret=client_secret
    ) as simulator:
        yield simulator.url


# ---------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m motcua.integrations.simulator",
        description="Local simulator of the national public-service portal (DVCQG), for "
        "tests and development only. Not the real portal.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    args = parser.parse_args(argv)
    if not 0 <= args.port < 65536:
        parser.error("--port must be between 0 and 65535")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logger.setLevel(logging.DEBUG)
    simulator = PortalSimulator(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
    )
    try:
        url = simulator.start()
    except OSError as exc:
        parser.exit(1, f"cannot listen on {args.host}:{args.port}: {exc}\n")
    sys.stdout.write(
        f"DVCQG simulator (NOT the real portal) listening at {url}\n"
        "Point motcua at it with:\n"
        f"  MOTCUA_NATIONAL_PORTAL_URL={url}\n"
        f"  MOTCUA_NATIONAL_PORTAL_CLIENT_ID={args.client_id}\n"
        f"  MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET={args.client_secret}\n"
        "Ctrl-C to stop.\n"
    )
    sys.stdout.flush()
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the way to stop it
            while True:
                time.sleep(3600)
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
