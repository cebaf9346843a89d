"""A local SMS gateway simulator for tests and development.

THIS IS NOT A REAL SMS GATEWAY. Vietnamese "brandname" SMS providers each have their own API;
motcua's SMS sender (:mod:`motcua.integrations.notify`) speaks one small, documented JSON
protocol of our own, and a deployment puts a thin bridge to its provider behind it (see
docs/integrations.md, "Notifications"). This server implements that protocol so delivery is
tested over real HTTP on this machine:

``POST /sms``  ``Authorization: Bearer <token>``, body ``{"to": "84912345678", "text": "…",
"sender": "MOTCUA"}`` → ``202 {"id": "…"}``; 401 without the token; 400 when ``to`` is not an
international Vietnamese mobile number or ``text`` is empty or longer than 612 characters
(four concatenated GSM segments).

It keeps what it accepted in :attr:`SmsSimulator.messages` and can be told to fail the next N
requests with HTTP 503 (:meth:`SmsSimulator.fail_next`). Standard library only; run it alone
with ``python -m motcua.integrations.sms_simulator --port 8766``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import secrets
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["DEFAULT_TOKEN", "SentSms", "SmsSimulator", "main"]

DEFAULT_TOKEN = "motcua-sms-dev"  # noqa: S105 - a simulator's well-known token
MAX_TEXT = 612
MAX_BODY = 100_000
_MOBILE = re.compile(r"^84[35789]\d{8}$")


@dataclass(frozen=True)
class SentSms:
    id: str
    to: str
    text: str
    sender: str


class SmsSimulator:
    """Serve the simulator on ``host:port`` (0: a free port) while used as a context manager."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = DEFAULT_TOKEN):
        self.token = token
        self.messages: list[SentSms] = []
        self._failures = 0
        self._lock = threading.Lock()
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                status, body = simulator._handle(
                    self.path,
                    self.headers.get("Authorization", ""),
                    self.rfile.read(min(int(self.headers.get("Content-Length") or 0), MAX_BODY)),
                )
                self._answer(status, body)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/sms"

    def fail_next(self, count: int) -> None:
        """Answer the next ``count`` requests with HTTP 503."""
        with self._lock:
            self._failures = count

    def _handle(self, path: str, authorization: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if self._failures > 0:
                self._failures -= 1
                return HTTPStatus.SERVICE_UNAVAILABLE, {"error": "simulated outage"}
        if path.rstrip("/") != "/sms":
            return HTTPStatus.NOT_FOUND, {"error": "not found"}
        if authorization != f"Bearer {self.token}":
            return HTTPStatus.UNAUTHORIZED, {"error": "bad token"}
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return HTTPStatus.BAD_REQUEST, {"error": "body is not JSON"}
        if not isinstance(body, dict):
            return HTTPStatus.BAD_REQUEST, {"error": "body must be an object"}
        to, text, sender = body.get("to"), body.get("text"), body.get("sender", "")
        errors: dict[str, str] = {}
        if not isinstance(to, str) or not _MOBILE.match(to):
            errors["to"] = "a Vietnamese mobile number in international form, e.g. 84912345678"
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            errors["text"] = f"1 to {MAX_TEXT} characters"
        if not isinstance(sender, str):
            errors["sender"] = "must be a string"
        if errors:
            return HTTPStatus.BAD_REQUEST, {"errors": errors}
        message = SentSms(secrets.token_hex(8), str(to), str(text), str(sender))
        with self._lock:
            self.messages.append(message)
        return HTTPStatus.ACCEPTED, {"id": message.id}

    def __enter__(self) -> SmsSimulator:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m motcua.integrations.sms_simulator",
        description="Local SMS gateway simulator, for tests and development only.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    with SmsSimulator(host=args.host, port=args.port, token=args.token) as simulator:
        sys.stdout.write(f"SMS simulator (not a real gateway) on {simulator.url}\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
