"""Identity providers: log in through a VNeID-style OpenID Connect provider.

* :class:`IdentityProvider` is the interface the views use: build the authorization URL, and
  exchange the returned code for verified :class:`Claims`.
* :func:`identity_provider` returns the provider chosen by settings (``MOTCUA_IDP``), or
  ``None`` when none is configured (the "log in with …" button is then hidden).
* :class:`OIDCProvider` is the OpenID Connect implementation: discovery, authorization code
  with PKCE (S256), state and nonce checks, the ID token's signature verified against the
  provider's JWKS. The OAuth/OIDC pieces come from authlib (PKCE, ID-token claim rules) and
  joserfc (authlib's JOSE library: JWS/JWK); HTTP is the standard library's.

Nothing here pretends to be VNeID: the provider's name comes from settings.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet

logger = logging.getLogger("motcua.accounts.idp")

#: Signature algorithms accepted for ID tokens: asymmetric only (never "none" nor HMAC).
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")


class IdentityProviderError(Exception):
    """The provider's answer cannot be trusted or used; ``message`` is shown to the citizen."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Claims:
    """What motcua needs from a provider about the person who logged in."""

    subject: str
    identity_number: str | None
    full_name: str
    birth_date: dt.date | None
    phone: str
    email: str
    assurance_level: str


class IdentityProvider(Protocol):
    key: str  # stored on AccountIdentity.provider
    display_name: str  # shown on the button: "Log in with <display_name>"

    def create_code_verifier(self) -> str:
        """A fresh PKCE code verifier (kept in the session until the callback)."""

    def authorization_url(
        self, *, state: str, nonce: str, redirect_uri: str, code_verifier: str
    ) -> str:
        """Where to send the browser to log in."""

    def exchange(self, *, code: str, redirect_uri: str, nonce: str, code_verifier: str) -> Claims:
        """Trade the authorization code for verified claims; raise IdentityProviderError."""


@dataclass(frozen=True)
class ClaimNames:
    """Which claim of the ID token carries each value (providers differ)."""

    identity_number: str = "identity_number"
    full_name: str = "name"
    birth_date: str = "birthdate"
    phone: str = "phone_number"
    email: str = "email"
    assurance_level: str = "acr"


class OIDCProvider:
    """An OpenID Connect provider found by discovery from its issuer URL."""

    def __init__(
        self,
        *,
        key: str,
        display_name: str,
        issuer: str,
        client_id: str,
        client_secret: str,
        scopes: str = "openid profile email phone",
        claim_names: ClaimNames | None = None,
        timeout: float = 10.0,
        leeway: int = 60,
        metadata_ttl: float = 3600.0,
    ) -> None:
        self.key = key
        self.display_name = display_name
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.claim_names = claim_names or ClaimNames()
        self.timeout = timeout
        self.leeway = leeway
        self.metadata_ttl = metadata_ttl
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._jwks: dict[str, Any] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ HTTP
    def _request(
        self, url: str, *, data: Mapping[str, str] | None = None, auth: bool = False
    ) -> dict[str, Any]:
        if not url.startswith(("https://", "http://")):
            raise IdentityProviderError("idp.config", _("The identity provider is misconfigured."))
        headers = {"Accept": "application/json"}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if auth:
            pair = (
                f"{urllib.parse.quote(self.client_id, safe='')}:"
                f"{urllib.parse.quote(self.client_secret, safe='')}"
            )
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            logger.warning("identity provider answered %s for %s", exc.code, url)
            raise IdentityProviderError(
                "idp.refused", _("The identity provider refused the login. Please try again.")
            ) from exc
        except (OSError, ValueError) as exc:
            logger.warning("identity provider unreachable at %s: %s", url, exc)
            raise IdentityProviderError(
                "idp.unavailable",
                _("The identity provider cannot be reached. Please try again later."),
            ) from exc
        if not isinstance(payload, dict):
            raise IdentityProviderError(
                "idp.unavailable",
                _("The identity provider cannot be reached. Please try again later."),
            )
        return payload

    def metadata(self) -> dict[str, Any]:
        """The discovery document, checked to name this issuer; cached for ``metadata_ttl``."""
        with self._lock:
            fresh = time.monotonic() - self._metadata_at < self.metadata_ttl
            if self._metadata is not None and fresh:
                return self._metadata
        found = self._request(f"{self.issuer}/.well-known/openid-configuration")
        if str(found.get("issuer", "")).rstrip("/") != self.issuer:
            raise IdentityProviderError("idp.config", _("The identity provider is misconfigured."))
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not found.get(name):
                raise IdentityProviderError(
                    "idp.config", _("The identity provider is misconfigured.")
                )
        with self._lock:
            self._metadata, self._metadata_at = found, time.monotonic()
        return found

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        if self._jwks is None or refresh:
            self._jwks = self._request(self.metadata()["jwks_uri"])
        return KeySet.import_key_set(self._jwks)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ protocol
    def create_code_verifier(self) -> str:
        verifier: str = generate_token(64)
        return verifier

    def authorization_url(
        self, *, state: str, nonce: str, redirect_uri: str, code_verifier: str
    ) -> str:
        endpoint = self.metadata()["authorization_endpoint"]
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{urllib.parse.urlencode(params)}"

    def exchange(self, *, code: str, redirect_uri: str, nonce: str, code_verifier: str) -> Claims:
        metadata = self.metadata()
        tokens = self._request(
            metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "code_verifier": code_verifier,
            },
            auth=True,
        )
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise IdentityProviderError(
                "idp.no_id_token", _("The identity provider did not confirm who you are.")
            )
        payload = self._verify_id_token(
            id_token, nonce=nonce, access_token=str(tokens.get("access_token", ""))
        )
        return self._claims(payload)

    # ------------------------------------------------------------------ checks
    def _verify_id_token(self, id_token: str, *, nonce: str, access_token: str) -> dict[str, Any]:
        if not nonce:
            raise IdentityProviderError(
                "idp.nonce",
                _("The identity provider's answer does not belong to this login; refused."),
            )
        offered = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in offered if a in ALLOWED_ALGORITHMS] or ["RS256"]
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=algorithms)
            except InvalidKeyIdError:  # the provider rotated its keys
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=algorithms)
        except BadSignatureError as exc:
            raise IdentityProviderError(
                "idp.bad_signature",
                _("The identity provider's answer has an invalid signature; login refused."),
            ) from exc
        except JoseError as exc:
            raise IdentityProviderError(
                "idp.invalid_token",
                _("The identity provider's answer is not valid; login refused."),
            ) from exc
        options = {
            "iss": {"essential": True, "value": self.issuer},
            "aud": {"essential": True, "value": self.client_id},
        }
        params = {"nonce": nonce, "client_id": self.client_id}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(token.claims, token.header, options, params)
        try:
            claims.validate(leeway=self.leeway)
        except ExpiredTokenError as exc:
            raise IdentityProviderError(
                "idp.expired",
                _("The identity provider's answer has expired. Please log in again."),
            ) from exc
        except ClaimError as exc:
            if exc.claim == "nonce":
                raise IdentityProviderError(
                    "idp.nonce",
                    _("The identity provider's answer does not belong to this login; refused."),
                ) from exc
            raise IdentityProviderError(
                "idp.invalid_token",
                _("The identity provider's answer is not valid; login refused."),
            ) from exc
        return dict(token.claims)

    def _claims(self, payload: Mapping[str, Any]) -> Claims:
        names = self.claim_names

        def text(name: str) -> str:
            value = payload.get(name)
            return str(value).strip() if value is not None else ""

        birth: dt.date | None = None
        if raw := text(names.birth_date):
            try:
                birth = dt.date.fromisoformat(raw)
            except ValueError:
                birth = None
        identity = text(names.identity_number).replace(" ", "") or None
        return Claims(
            subject=text("sub"),
            identity_number=identity,
            full_name=text(names.full_name),
            birth_date=birth,
            phone=text(names.phone),
            email=text(names.email),
            assurance_level=text(names.assurance_level),
        )


# ---------------------------------------------------------------------- registry
ProviderFactory = Callable[[], IdentityProvider | None]


def _oidc_from_settings() -> IdentityProvider | None:
    issuer = getattr(settings, "MOTCUA_IDP_ISSUER", None)
    client_id = getattr(settings, "MOTCUA_IDP_CLIENT_ID", None)
    secret = getattr(settings, "MOTCUA_IDP_CLIENT_SECRET", None)
    if not (issuer and client_id and secret):
        logger.warning("MOTCUA_IDP is 'oidc' but issuer, client id or secret is missing")
        return None
    claim_names = ClaimNames(
        identity_number=getattr(settings, "MOTCUA_IDP_CLAIM_IDENTITY_NUMBER", "")
        or ClaimNames.identity_number,
        assurance_level=getattr(settings, "MOTCUA_IDP_CLAIM_ASSURANCE", "")
        or ClaimNames.assurance_level,
    )
    return OIDCProvider(
        key=getattr(settings, "MOTCUA_IDP_KEY", "") or "oidc",
        display_name=getattr(settings, "MOTCUA_IDP_NAME", "") or "VNeID",
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        scopes=getattr(settings, "MOTCUA_IDP_SCOPES", "") or "openid profile email phone",
        claim_names=claim_names,
        timeout=float(getattr(settings, "MOTCUA_IDP_TIMEOUT", 10)),
    )


PROVIDERS: dict[str, ProviderFactory] = {"oidc": _oidc_from_settings}

_cache: dict[tuple[Any, ...], IdentityProvider | None] = {}


def _settings_key() -> tuple[Any, ...]:
    names = (
        "MOTCUA_IDP",
        "MOTCUA_IDP_ISSUER",
        "MOTCUA_IDP_CLIENT_ID",
        "MOTCUA_IDP_CLIENT_SECRET",
        "MOTCUA_IDP_NAME",
        "MOTCUA_IDP_KEY",
        "MOTCUA_IDP_SCOPES",
        "MOTCUA_IDP_CLAIM_IDENTITY_NUMBER",
        "MOTCUA_IDP_CLAIM_ASSURANCE",
    )
    return tuple(getattr(settings, name, None) for name in names)


def identity_provider() -> IdentityProvider | None:
    """The configured provider (one instance per configuration), or None."""
    choice = getattr(settings, "MOTCUA_IDP", None)
    if not choice:
        return None
    key = _settings_key()
    if key not in _cache:
        factory = PROVIDERS.get(str(choice))
        if factory is None:
            logger.warning("MOTCUA_IDP=%r names no known identity provider", choice)
            _cache[key] = None
        else:
            _cache[key] = factory()
    return _cache[key]
