"""A local test identity provider — NOT VNeID.

A small but real OpenID Connect provider over HTTP on 127.0.0.1, for the tests and the
development demo only: discovery, ``/authorize`` (consents at once for the configured test
person), ``/token`` (authorization code with PKCE S256, client secret by HTTP Basic), ``/jwks``
with an RSA key generated at start, RS256 ID tokens signed with joserfc. ``tamper`` makes it
misbehave in one named way, so the tests can check that motcua refuses its answers.

Run it by hand for a demo: ``python -m tests.accounts.oidc_provider`` prints the settings.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2.rfc7636.challenge import (  # type: ignore[import-untyped]
    compare_s256_code_challenge,
)
from joserfc import jwt
from joserfc.jwk import RSAKey

NAME = "Định danh thử nghiệm, không phải VNeID / Local test identity provider — not VNeID"

DEFAULT_PERSON: dict[str, Any] = {
    "sub": "test-subject-0001",
    "identity_number": "001090123457",
    "name": "Lê Thị Thử Nghiệm",
    "birthdate": "1990-05-17",
    "phone_number": "0912345678",
    "email": "thunghiem@example.test",
    "acr": "level2",
}

#: Ways to misbehave: each makes one check in motcua fail.
TAMPER_MODES = frozenset(
    {"wrong_nonce", "bad_signature", "expired", "no_identity_number", "wrong_audience", "deny"}
)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalTestProvider:
    """``with LocalTestProvider() as idp: idp.issuer …``"""

    def __init__(
        self,
        *,
        client_id: str = "motcua-test-client",
        client_secret: str | None = None,
        person: dict[str, Any] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.person = dict(person or DEFAULT_PERSON)
        self.tamper: str | None = None
        self.jwks_requests = 0
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        self._codes: dict[str, dict[str, str]] = {}
        self.token_requests: list[dict[str, str]] = []
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def rotate_key(self, kid: str) -> None:
        """Sign from now on with a new key (published in /jwks instead of the old one)."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})

    # ------------------------------------------------------------------ life
    @property
    def issuer(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> LocalTestProvider:
        self._server = make_server("127.0.0.1", 0, self.app, handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalTestProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ WSGI
    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        if path == "/.well-known/openid-configuration":
            return self._json(start_response, self.discovery())
        if path == "/jwks":
            self.jwks_requests += 1
            return self._json(start_response, {"keys": [self.key.as_dict(private=False)]})
        if path == "/authorize":
            return self._authorize(query, start_response)
        if path == "/token" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = dict(urllib.parse.parse_qsl(environ["wsgi.input"].read(size).decode()))
            return self._token(form, environ.get("HTTP_AUTHORIZATION", ""), start_response)
        return self._json(start_response, {"error": "not_found"}, "404 Not Found")

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "profile", "email", "phone"],
            "service_documentation": NAME,
        }

    def _json(
        self, start_response: Callable[..., Any], data: Any, status: str = "200 OK"
    ) -> list[bytes]:
        body = json.dumps(data).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        )
        return [body]

    def _authorize(self, query: dict[str, str], start_response: Callable[..., Any]) -> list[bytes]:
        redirect_uri = query.get("redirect_uri", "")
        if (
            query.get("client_id") != self.client_id
            or query.get("response_type") != "code"
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or not redirect_uri
        ):
            return self._json(start_response, {"error": "invalid_request"}, "400 Bad Request")
        params: dict[str, str] = {"state": query.get("state", "")}
        if self.tamper == "deny":
            params["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            self._codes[code] = {
                "redirect_uri": redirect_uri,
                "nonce": query.get("nonce", ""),
                "challenge": query["code_challenge"],
            }
            params["code"] = code
        location = f"{redirect_uri}?{urllib.parse.urlencode(params)}"
        start_response("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]

    def _token(
        self, form: dict[str, str], authorization: str, start_response: Callable[..., Any]
    ) -> list[bytes]:
        self.token_requests.append(form)
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return self._json(start_response, {"error": "invalid_client"}, "401 Unauthorized")
        grant = self._codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        if not compare_s256_code_challenge(form.get("code_verifier", ""), grant["challenge"]):
            return self._json(
                start_response,
                {"error": "invalid_grant", "error_description": "PKCE"},
                "400 Bad Request",
            )
        return self._json(start_response, self._tokens(grant["nonce"]))

    def _tokens(self, nonce: str) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            **self.person,
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + 300,
            "nonce": nonce,
        }
        key = self.key
        if self.tamper == "wrong_nonce":
            claims["nonce"] = "not-the-nonce-you-sent"
        elif self.tamper == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        elif self.tamper == "no_identity_number":
            claims.pop("identity_number", None)
        elif self.tamper == "wrong_audience":
            claims["aud"] = "another-client"
        elif self.tamper == "bad_signature":
            key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid or ""})
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, key)
        return {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }


def main() -> None:  # pragma: no cover - manual demo
    provider = LocalTestProvider(client_secret="demo-secret").start()
    print(f"{NAME} running at {provider.issuer}")
    print("Settings for motcua (environment):")
    print("  MOTCUA_IDP=oidc")
    print(f"  MOTCUA_IDP_ISSUER={provider.issuer}")
    print(f"  MOTCUA_IDP_CLIENT_ID={provider.client_id}")
    print("  MOTCUA_IDP_CLIENT_SECRET=demo-secret")
    print(f"  MOTCUA_IDP_NAME='{NAME}'")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        provider.stop()


if __name__ == "__main__":
    main()
