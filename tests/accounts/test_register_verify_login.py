"""Register → code by e-mail → verify → log in with each identifier; the code's limits."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.utils import timezone

from motcua.accounts.models import CitizenAccount, VerificationCode
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.models import CitizenProfile
from tests.accounts.conftest import PASSWORD, PERSONAL_ID, last_code, registration

pytestmark = pytest.mark.django_db


def register(client: Any, **overrides: Any) -> Any:
    return client.post("/accounts/register/", registration(**overrides))


def test_register_creates_an_inactive_citizen_and_emails_a_hashed_code(client: Any) -> None:
    response = register(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/verify/"

    user = User.objects.get(citizen_profile__personal_id=PERSONAL_ID)
    assert not user.is_active
    assert user.has_role(Role.CITIZEN)
    assert user.phone == "0987654321"
    assert user.email == "dangky@example.test"
    assert user.check_password(PASSWORD)
    account = CitizenAccount.objects.get(user=user)
    assert account.consent_at is not None
    assert account.consent_version
    assert account.verified_at is None

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dangky@example.test"]
    code = last_code()
    stored = VerificationCode.objects.get(user=user)
    assert code not in stored.code_hash
    assert stored.expires_at - stored.created_at == dt.timedelta(minutes=15)

    # the verify page already knows who is verifying
    page = client.get("/accounts/verify/")
    assert PERSONAL_ID in page.content.decode()


def test_verify_then_log_in_with_identity_number_phone_and_email(client: Any) -> None:
    register(client)
    code = last_code()
    response = client.post(
        "/accounts/verify/", {"identifier": PERSONAL_ID, "code": code, "action": "verify"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    user = User.objects.get(username=PERSONAL_ID)
    assert user.is_active
    assert CitizenAccount.objects.get(user=user).verified_at is not None

    for identifier in (PERSONAL_ID, "0987654321", "+84 987 654 321", "DangKy@Example.test"):
        client.logout()
        response = client.post("/accounts/login/", {"username": identifier, "password": PASSWORD})
        assert response.status_code == 302, identifier
        assert response["Location"] == "/accounts/home/"
        assert get_user(client).pk == user.pk
    assert client.get("/accounts/home/")["Location"] == "/me/"
    my_page = client.get("/me/").content.decode()
    assert "Phạm Văn Đăng Ký" in my_page
    assert PERSONAL_ID not in my_page  # masked
    assert "4321" in my_page


def test_wrong_password_does_not_log_in(en: Any) -> None:
    register(en)
    en.post("/accounts/verify/", {"identifier": PERSONAL_ID, "code": last_code()})
    response = en.post("/accounts/login/", {"username": PERSONAL_ID, "password": "sai-mat-khau"})
    assert response.status_code == 200  # as Django's login page
    assert "The login details are wrong" in response.content.decode()
    assert not get_user(en).is_authenticated


def test_unverified_account_gets_a_clear_message_and_a_link_to_verify(en: Any) -> None:
    register(en)
    response = en.post("/accounts/login/", {"username": "0987654321", "password": PASSWORD})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your account is not verified yet" in body
    assert "/accounts/verify/?id=0987654321" in body
    # the same wrong password gives the general message: nothing learnt without the password
    response = en.post("/accounts/login/", {"username": "0987654321", "password": "khac-han"})
    assert "not verified" not in response.content.decode()


def test_staff_still_log_in_with_their_username(client: Any, reference: None) -> None:
    from tests.factories import PASSWORD as STAFF_PASSWORD
    from tests.factories import staff

    user = staff(Role.RECEIVER, username="tiepnhan_acct")
    response = client.post(
        "/accounts/login/", {"username": "tiepnhan_acct", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 302
    assert get_user(client).pk == user.pk


def test_wrong_code_counts_and_five_wrong_tries_need_a_new_code(en: Any) -> None:
    register(en)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = en.post("/accounts/verify/", {"identifier": PERSONAL_ID, "code": wrong})
        assert response.status_code == 422
        assert f"The code is wrong. {left} tries left." in response.content.decode()
    response = en.post("/accounts/verify/", {"identifier": PERSONAL_ID, "code": wrong})
    assert "Too many wrong tries" in response.content.decode()
    # even the right code no longer works
    response = en.post("/accounts/verify/", {"identifier": PERSONAL_ID, "code": code})
    assert response.status_code == 422
    assert "Too many wrong tries" in response.content.decode()
    assert not User.objects.get(username=PERSONAL_ID).is_active
    assert VerificationCode.objects.get().attempts == 5


def test_expired_code_is_refused(en: Any) -> None:
    register(en)
    code = last_code()
    VerificationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = en.post("/accounts/verify/", {"identifier": PERSONAL_ID, "code": code})
    assert response.status_code == 422
    assert "The code has expired" in response.content.decode()
    assert not User.objects.get(username=PERSONAL_ID).is_active


def test_resend_is_throttled_and_replaces_the_old_code(en: Any) -> None:
    register(en)
    first = last_code()
    response = en.post("/accounts/verify/", {"identifier": PERSONAL_ID, "action": "resend"})
    assert response.status_code == 409
    assert "Wait" in response.content.decode()
    assert len(mail.outbox) == 1

    VerificationCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    response = en.post("/accounts/verify/", {"identifier": PERSONAL_ID, "action": "resend"})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    second = last_code()
    if first != second:
        response = en.post("/accounts/verify/", {"identifier": PERSONAL_ID, "code": first})
        assert response.status_code == 422
    response = en.post("/accounts/verify/", {"identifier": PERSONAL_ID, "code": second})
    assert response.status_code == 302
    assert User.objects.get(username=PERSONAL_ID).is_active


def test_phone_only_registration_sends_the_code_through_the_sms_sender(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="motcua.accounts.sms"):
        response = register(client, email="")
    assert response.status_code == 302
    assert mail.outbox == []
    assert "was NOT sent" in caplog.text
    found = re.search(r"\b(\d{6})\b", caplog.text)  # the message is in Vietnamese
    assert found, caplog.text
    code = found.group(1)
    response = client.post("/accounts/verify/", {"identifier": "0987654321", "code": code})
    assert response.status_code == 302
    assert User.objects.get(username=PERSONAL_ID).is_active


def test_duplicate_identity_number_is_a_field_error_and_keeps_what_was_typed(en: Any) -> None:
    register(en)
    response = en.post(
        "/accounts/register/",
        registration(full_name="Người Thứ Hai", email="khac@example.test", phone=""),
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_personal_id_error"' in body
    assert "An account with this identity number already exists" in body
    assert 'value="Người Thứ Hai"' in body
    assert 'value="khac@example.test"' in body
    assert User.objects.filter(citizen_profile__personal_id=PERSONAL_ID).count() == 1
    assert CitizenProfile.objects.filter(personal_id=PERSONAL_ID).count() == 1


def test_invalid_identity_number_error_is_vietnamese_next_to_the_field(client: Any) -> None:
    response = client.post("/accounts/register/", registration(personal_id="00109065432"))
    assert response.status_code == 422
    body = response.content.decode()
    assert "Số định danh cá nhân phải có đúng 12 chữ số" in body
    assert 'id="id_personal_id_error"' in body
    # birth year in the number must match the date of birth
    response = client.post("/accounts/register/", registration(birth_date="1991-03-12"))
    assert "không khớp ngày sinh" in response.content.decode()
    # Django's own messages are Vietnamese too
    response = client.post("/accounts/register/", registration(full_name=""))
    assert response.status_code == 400
    assert "Trường này là bắt buộc." in response.content.decode()
    assert not User.objects.exists()


def test_contact_consent_and_password_rules(en: Any) -> None:
    response = en.post("/accounts/register/", registration(phone="", email=""))
    assert "Give a phone number or an e-mail address" in response.content.decode()
    response = en.post("/accounts/register/", registration(phone="12345"))
    assert "A phone number has 10 digits" in response.content.decode()
    response = en.post("/accounts/register/", registration(consent=None))
    assert response.status_code == 400
    assert "You must agree to the processing of your personal data." in response.content.decode()
    response = en.post(
        "/accounts/register/", registration(password1="12345678", password2="12345678")
    )
    body = response.content.decode()
    assert 'id="id_password1_error"' in body
    assert "too common" in body
    response = en.post("/accounts/register/", registration(password2="something-else-2026"))
    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


def test_counter_created_profile_is_linked_not_duplicated(client: Any) -> None:
    profile = CitizenProfile.objects.create(
        kind=CitizenProfile.Kind.PERSON,
        personal_id=PERSONAL_ID,
        full_name="Phạm Văn Đăng Ký",
        address="12 Hàng Bạc",
    )
    response = register(client)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.user is not None
    assert profile.user.username == PERSONAL_ID
    assert profile.address == "12 Hàng Bạc"  # kept
    assert profile.email == "dangky@example.test"  # filled in where empty
    assert CitizenProfile.objects.filter(personal_id=PERSONAL_ID).count() == 1


def test_counter_profile_with_other_details_is_not_taken_over(en: Any) -> None:
    CitizenProfile.objects.create(
        kind=CitizenProfile.Kind.PERSON,
        personal_id=PERSONAL_ID,
        full_name="Nguyễn Thị Khác",
    )
    response = en.post("/accounts/register/", registration())
    assert response.status_code == 422
    assert "do not match the profile registered" in response.content.decode()
    assert CitizenProfile.objects.get(personal_id=PERSONAL_ID).user is None
    assert not User.objects.exists()


def test_password_reset_by_code(client: Any) -> None:
    register(client)
    client.post("/accounts/verify/", {"identifier": PERSONAL_ID, "code": last_code()})
    response = client.post("/accounts/password/reset/", {"identifier": "dangky@example.test"})
    assert response.status_code == 302
    code = last_code()
    new_password = "Sen-hồng-2027?"
    response = client.post(
        "/accounts/password/reset/confirm/",
        {
            "identifier": "dangky@example.test",
            "code": code,
            "password1": new_password,
            "password2": new_password,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username=PERSONAL_ID)
    assert user.check_password(new_password)
    assert not client.login(username=PERSONAL_ID, password=PASSWORD)
    assert client.login(username=PERSONAL_ID, password=new_password)


def test_reset_for_unknown_identifier_says_the_same_and_sends_nothing(client: Any) -> None:
    response = client.post("/accounts/password/reset/", {"identifier": "khongco@example.test"})
    assert response.status_code == 302
    assert mail.outbox == []
