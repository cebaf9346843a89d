"""A citizen registers in Chromium, reads the code from the mail outbox, verifies, logs in and
lands on their page; then a first login through the local test identity provider (not VNeID).
Screenshots accounts-*.png go to test-results/ and, with MOTCUA_DOCS_SCREENSHOTS=1, the guide."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from motcua.accounts.models import AccountIdentity
from motcua.org.models import User
from tests.accounts.oidc_provider import NAME, LocalTestProvider
from tests.e2e.conftest import guide_copy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSONAL_ID = "001195012345"  # Hà Nội, female, born 1995
PASSWORD = "Hoa-sen-nở-2026!"


@pytest.fixture
def accounts_on(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MOTCUA_IDP = None


@pytest.fixture
def idp(settings: Any, accounts_on: None) -> Iterator[LocalTestProvider]:
    with LocalTestProvider() as provider:
        settings.MOTCUA_IDP = "oidc"
        settings.MOTCUA_IDP_ISSUER = provider.issuer
        settings.MOTCUA_IDP_CLIENT_ID = provider.client_id
        settings.MOTCUA_IDP_CLIENT_SECRET = provider.client_secret
        settings.MOTCUA_IDP_NAME = NAME
        settings.MOTCUA_IDP_KEY = "vneid"
        yield provider


def _shot(page: Any, shots: Path, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(shots / name), full_page=full_page)
    guide_copy(shots / name)


def test_register_verify_log_in_and_land_on_my_page(
    live_server: Any, page: Any, shots: Path, accounts_on: None
) -> None:
    from playwright.sync_api import expect

    mail.outbox.clear()
    page.goto(f"{live_server.url}/accounts/register/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.fill("#id_personal_id", PERSONAL_ID)
    page.fill("#id_full_name", "Đỗ Thị Trình Duyệt")
    page.fill("#id_birth_date", "1995-08-30")
    page.fill("#id_phone", "0912 000 111")
    page.fill("#id_email", "trinhduyet@example.test")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    _shot(page, shots, "accounts-register.png")

    # consent not ticked: the error sits next to the box and what was typed stays
    page.locator("#register-form button[type=submit]").click()
    expect(page.locator("#id_consent_error")).to_be_visible()
    assert page.input_value("#id_full_name") == "Đỗ Thị Trình Duyệt"
    assert page.input_value("#id_email") == "trinhduyet@example.test"
    _shot(page, shots, "accounts-register-errors.png")
    assert not User.objects.exists()

    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.check("#id_consent")
    page.locator("#register-form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/accounts/verify/")
    assert page.input_value("#id_identifier") == PERSONAL_ID
    assert len(mail.outbox) == 1
    found = re.search(r"\b(\d{6})\b", str(mail.outbox[0].body))
    assert found
    page.fill("#id_code", found.group(1))
    _shot(page, shots, "accounts-verify.png")
    page.locator('#verify-form button[value="verify"]').click()

    page.wait_for_url(re.compile(r".*/accounts/login/\?id=.*"))
    assert page.input_value("#id_username") == PERSONAL_ID
    page.fill("#id_username", "trinhduyet@example.test")  # any identifier works
    page.fill("#id_password", PASSWORD)
    _shot(page, shots, "accounts-login.png")
    page.locator("#login-form button[type=submit]").click()

    page.wait_for_url(f"{live_server.url}/me/")
    main = page.locator("main")
    expect(main).to_contain_text("Đỗ Thị Trình Duyệt")
    assert PERSONAL_ID not in main.inner_text()  # masked on the page
    _shot(page, shots, "accounts-my-page.png")
    assert User.objects.get(username=PERSONAL_ID).is_active


def test_first_login_through_the_local_test_provider(
    live_server: Any, page: Any, shots: Path, idp: LocalTestProvider
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/accounts/login/")
    button = page.locator("#idp-login")
    expect(button).to_contain_text("not VNeID")
    # the long name wraps inside the panel: no horizontal scrolling at 1366 px
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366
    assert button.evaluate("e => e.scrollWidth <= e.clientWidth")
    _shot(page, shots, "accounts-login-provider.png", full_page=False)
    button.click()

    page.wait_for_url(f"{live_server.url}/accounts/idp/consent/")
    expect(page.locator("main")).to_contain_text("Lê Thị Thử Nghiệm")
    page.check("#id_consent")
    _shot(page, shots, "accounts-provider-consent.png")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(f"{live_server.url}/me/")
    expect(page.locator("main")).to_contain_text("Lê Thị Thử Nghiệm")
    identity = AccountIdentity.objects.get()
    assert identity.assurance_level == "level2"
    assert identity.user.citizen_profile.personal_id == "001090123457"
