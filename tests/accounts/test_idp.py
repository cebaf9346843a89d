"""Log in through an OpenID Connect provider: the whole round trip over real HTTP with the
local test identity provider (not VNeID), and every answer motcua must refuse."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from django.contrib.auth import get_user

from motcua.accounts.models import AccountIdentity, CitizenAccount
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.models import CitizenProfile
from tests.accounts.conftest import PASSWORD, follow_to_provider, last_code, registration
from tests.accounts.oidc_provider import DEFAULT_PERSON, NAME, LocalTestProvider

pytestmark = pytest.mark.django_db

IDENTITY_NUMBER = DEFAULT_PERSON["identity_number"]


def start_login(client: Any) -> tuple[str, dict[str, str]]:
    response = client.get("/accounts/idp/login/")
    assert response.status_code == 302
    url = response["Location"]
    return url, dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def back_from_provider(client: Any, idp: LocalTestProvider, **change: str) -> Any:
    """Start a login, let the provider answer, return motcua's answer to the callback."""
    url, _params = start_login(client)
    location = follow_to_provider(url)
    parts = urllib.parse.urlsplit(location)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.update(change)
    return client.get(f"{parts.path}?{urllib.parse.urlencode(query)}")


def test_button_is_hidden_without_a_provider(client: Any) -> None:
    body = client.get("/accounts/login/").content.decode()
    assert "idp-login" not in body
    assert client.get("/accounts/idp/login/").status_code == 404


def test_button_names_the_local_test_provider(client: Any, idp: LocalTestProvider) -> None:
    body = client.get("/accounts/login/").content.decode()
    assert 'id="idp-login"' in body
    assert NAME in body
    assert "not VNeID" in body


def test_authorization_request_carries_state_nonce_and_pkce(
    client: Any, idp: LocalTestProvider
) -> None:
    url, params = start_login(client)
    assert url.startswith(f"{idp.issuer}/authorize?")
    assert params["response_type"] == "code"
    assert params["client_id"] == idp.client_id
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32
    assert len(params["nonce"]) >= 32
    assert params["redirect_uri"] == "http://testserver/accounts/idp/callback/"
    assert "openid" in params["scope"].split()


def test_first_login_asks_consent_then_creates_the_account(
    client: Any, idp: LocalTestProvider
) -> None:
    response = back_from_provider(client, idp)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/idp/consent/"
    assert not User.objects.exists()  # nothing before consent
    # PKCE: the provider received a verifier matching the challenge (it checks it)
    assert idp.token_requests[-1]["code_verifier"]

    page = client.get("/accounts/idp/consent/").content.decode()
    assert "Lê Thị Thử Nghiệm" in page
    assert IDENTITY_NUMBER not in page  # masked
    response = client.post("/accounts/idp/consent/", {})
    assert response.status_code == 400
    assert not User.objects.exists()

    response = client.post("/accounts/idp/consent/", {"consent": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/home/"
    user = get_user(client)
    assert user.is_authenticated
    user = User.objects.get(pk=user.pk)
    assert user.has_role(Role.CITIZEN)
    assert not user.has_usable_password()
    profile = CitizenProfile.objects.get(personal_id=IDENTITY_NUMBER)
    assert profile.user == user
    assert profile.full_name == "Lê Thị Thử Nghiệm"
    assert profile.birth_date is not None
    assert profile.birth_date.isoformat() == "1990-05-17"
    identity = AccountIdentity.objects.get(user=user)
    assert identity.provider == "vneid"
    assert identity.subject == DEFAULT_PERSON["sub"]
    assert identity.assurance_level == "level2"
    account = CitizenAccount.objects.get(user=user)
    assert account.consent_at is not None and account.verified_at is not None

    # the next login goes straight in, to the same account
    client.logout()
    response = back_from_provider(client, idp)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/home/"
    assert get_user(client).pk == user.pk
    assert User.objects.count() == 1
    assert AccountIdentity.objects.count() == 1


def test_links_to_a_counter_created_profile(client: Any, idp: LocalTestProvider) -> None:
    profile = CitizenProfile.objects.create(
        kind=CitizenProfile.Kind.PERSON, personal_id=IDENTITY_NUMBER, full_name="Lê Thị Thử Nghiệm"
    )
    back_from_provider(client, idp)
    client.post("/accounts/idp/consent/", {"consent": "on"})
    profile.refresh_from_db()
    assert profile.user is not None
    assert CitizenProfile.objects.filter(personal_id=IDENTITY_NUMBER).count() == 1
    assert AccountIdentity.objects.get().user == profile.user


def test_takes_over_an_unverified_self_registration_and_voids_its_password(
    client: Any, idp: LocalTestProvider
) -> None:
    client.post(
        "/accounts/register/",
        registration(
            personal_id=IDENTITY_NUMBER,
            full_name="Lê Thị Thử Nghiệm",
            birth_date="1990-05-17",
            phone="",
        ),
    )
    assert last_code()
    squatter = User.objects.get(username=IDENTITY_NUMBER)
    assert not squatter.is_active
    back_from_provider(client, idp)
    # the self-registration already carries a consent: no consent page
    user = User.objects.get(pk=squatter.pk)
    assert user.is_active
    assert not user.has_usable_password()
    assert not client.login(username=IDENTITY_NUMBER, password=PASSWORD)
    assert AccountIdentity.objects.get().user == user


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("wrong_nonce", "does not belong to this login"),
        ("bad_signature", "invalid signature"),
        ("expired", "has expired"),
        ("wrong_audience", "is not valid"),
        ("no_identity_number", "did not send your personal identity number"),
        ("deny", "cancelled or refused"),
    ],
)
def test_refused_answers_create_nothing(
    en: Any, idp: LocalTestProvider, tamper: str, message: str
) -> None:
    idp.tamper = tamper
    response = back_from_provider(en, idp)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="idp-error"' in body
    assert message in body
    assert not get_user(en).is_authenticated
    assert not User.objects.exists()
    assert not AccountIdentity.objects.exists()
    assert not CitizenProfile.objects.exists()


def test_wrong_state_is_refused(en: Any, idp: LocalTestProvider) -> None:
    response = back_from_provider(en, idp, state="forged-state")
    assert response.status_code == 400
    assert "wrong state" in response.content.decode()
    assert not User.objects.exists()
    # the code cannot be replayed either: the pending login is gone
    assert idp.token_requests == []


def test_callback_without_a_started_login_is_refused(en: Any, idp: LocalTestProvider) -> None:
    response = en.get("/accounts/idp/callback/?code=abc&state=xyz")
    assert response.status_code == 400
    assert not User.objects.exists()


def test_messages_are_vietnamese_by_default(client: Any, idp: LocalTestProvider) -> None:
    idp.tamper = "bad_signature"
    response = back_from_provider(client, idp)
    assert response.status_code == 400
    assert '<html lang="vi">' in response.content.decode()


def test_unreachable_provider_is_a_clear_message(en: Any, settings: Any) -> None:
    settings.MOTCUA_IDP = "oidc"
    settings.MOTCUA_IDP_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.MOTCUA_IDP_CLIENT_ID = "x"
    settings.MOTCUA_IDP_CLIENT_SECRET = "y"
    response = en.get("/accounts/idp/login/")
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


def test_rotated_provider_key_is_fetched_again(client: Any, idp: LocalTestProvider) -> None:
    back_from_provider(client, idp)
    client.post("/accounts/idp/consent/", {"consent": "on"})
    assert idp.jwks_requests == 1
    client.logout()
    idp.rotate_key("test-key-2")
    response = back_from_provider(client, idp)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/home/"
    assert idp.jwks_requests == 2  # the unknown key id made motcua read the JWKS again


def test_identifier_in_the_verify_link_is_url_encoded(en: Any) -> None:
    en.post("/accounts/register/", registration(phone=""))
    response = en.post(
        "/accounts/login/", {"username": "DangKy@Example.test", "password": PASSWORD}
    )
    assert "/accounts/verify/?id=DangKy%40Example.test" in response.content.decode()
