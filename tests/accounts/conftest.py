"""Fixtures of the account tests: the account URLs and backends switched on, a local test
identity provider (not VNeID) on 127.0.0.1."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail

from tests.accounts.oidc_provider import NAME, LocalTestProvider

PASSWORD = "Hoa-sen-nở-2026!"
# A valid personal identity number: Hà Nội (001), male born in the 1900s (0), 1990 (90).
PERSONAL_ID = "001090654321"
BIRTH_DATE = "1990-03-12"


@pytest.fixture(autouse=True)
def accounts_on(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MOTCUA_IDP = None


@pytest.fixture
def en(client: Any) -> Any:
    """A client that asks for English, so messages can be compared with their msgids."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def registration(**overrides: Any) -> dict[str, Any]:
    data = {
        "personal_id": PERSONAL_ID,
        "full_name": "Phạm Văn Đăng Ký",
        "birth_date": BIRTH_DATE,
        "phone": "0987 654 321",
        "email": "dangky@example.test",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def last_code() -> str:
    """The 6-digit code of the last e-mail sent."""
    assert mail.outbox, "no e-mail was sent"
    found = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(1)


@pytest.fixture
def idp(settings: Any) -> Iterator[LocalTestProvider]:
    with LocalTestProvider() as provider:
        settings.MOTCUA_IDP = "oidc"
        settings.MOTCUA_IDP_ISSUER = provider.issuer
        settings.MOTCUA_IDP_CLIENT_ID = provider.client_id
        settings.MOTCUA_IDP_CLIENT_SECRET = provider.client_secret
        settings.MOTCUA_IDP_NAME = NAME
        settings.MOTCUA_IDP_KEY = "vneid"
        yield provider


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def follow_to_provider(url: str) -> str:
    """Open the provider's authorize URL over real HTTP; return where it sends the browser."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url, timeout=10)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.code
        return str(redirect.headers["Location"])
    raise AssertionError("the provider did not redirect")
