"""Citizen notices (outbox topic notify.citizen): e-mail through Django's mail backend and SMS
through the local SMS gateway simulator over real HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail

from motcua.dossiers import services as s
from motcua.feedback.models import Report, ReportFollower
from motcua.integrations.models import OutboxMessage
from motcua.integrations.notify import Notice, normalise_mobile, notice_for, sms_text
from motcua.integrations.services import outbox_deliver
from motcua.integrations.sms_simulator import DEFAULT_TOKEN, SmsSimulator
from tests.dossiers import conftest as dossier_fixtures
from tests.dossiers.conftest import Actors, take_in, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbox_settings")]

actors = dossier_fixtures.actors  # the dossier tests' fixture


@pytest.fixture
def sms(settings: Any) -> Iterator[SmsSimulator]:
    with SmsSimulator() as simulator:
        settings.MOTCUA_SMS_URL = simulator.url
        settings.MOTCUA_SMS_TOKEN = DEFAULT_TOKEN
        settings.MOTCUA_SMS_SENDER = "HANOI"
        yield simulator


def _notices() -> Any:
    return OutboxMessage.objects.filter(topic=s.CITIZEN_NOTICE_TOPIC).order_by("pk")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "84912345678"),
        ("+84 912 345 678", "84912345678"),
        ("84-35.123.4567", "84351234567"),
        ("0243 825 1234", ""),  # a Hà Nội landline: no SMS
        ("091234567", ""),
        ("", ""),
    ],
)
def test_mobile_numbers_are_put_in_international_form(raw: str, expected: str) -> None:
    assert normalise_mobile(raw) == expected


def test_received_notice_goes_by_sms_and_email_in_vietnamese(
    actors: Actors, sms: SmsSimulator, settings: Any
) -> None:
    settings.MOTCUA_PUBLIC_BASE_URL = "https://dichvucong.hanoi.example"
    actors.profile.email = "Binh.Tran@example.vn"
    actors.profile.phone = "0912 345 678"
    actors.profile.save()
    start = vn(2026, 11, 2, 9)
    d = take_in(actors, start)
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=start + dt.timedelta(minutes=1))
    assert d.code is not None

    outbox_deliver()

    assert set(_notices().values_list("status", flat=True)) == {"delivered"}
    assert len(sms.messages) == 1
    text = sms.messages[0].text
    assert sms.messages[0].to == "84912345678"
    assert sms.messages[0].sender == "HANOI"
    assert d.code in text
    assert "Ho so" in text and "ồ" not in text  # no diacritics in an SMS
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["binh.tran@example.vn"]
    assert d.code in email.subject
    assert f"Hồ sơ {d.code} đã được tiếp nhận" in email.body
    assert f"https://dichvucong.hanoi.example/lookup/?code={d.code}" in email.body
    # the applicant's name and identity number are never in a notice
    assert actors.profile.full_name not in email.body + text
    assert str(actors.profile.personal_id) not in email.body + text


def test_a_gateway_outage_is_retried_and_a_bad_number_is_not(
    actors: Actors, sms: SmsSimulator, settings: Any
) -> None:
    actors.profile.phone = "0987654321"
    actors.profile.save()
    start = vn(2026, 11, 2, 9)
    s.dossier_receive(dossier=take_in(actors, start), actor=actors.receiver, at=start)
    sms.fail_next(1)
    outbox_deliver()
    message = _notices().last()
    assert message is not None
    assert message.status == OutboxMessage.Status.FAILED  # will be retried
    assert message.attempts == 1
    assert "503" in message.last_error
    assert sms.messages == []
    outbox_deliver(now=message.available_at)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert len(sms.messages) == 1

    settings.MOTCUA_SMS_TOKEN = "wrong"
    start = vn(2026, 11, 3, 9)
    s.dossier_receive(dossier=take_in(actors, start), actor=actors.receiver, at=start)
    outbox_deliver()
    refused = _notices().last()
    assert refused is not None
    assert refused.status == OutboxMessage.Status.DEAD  # 401: retrying cannot help
    assert "401" in refused.last_error


def test_no_contact_means_nothing_to_send(actors: Actors) -> None:
    actors.profile.email = ""
    actors.profile.phone = ""
    actors.profile.save()
    start = vn(2026, 11, 2, 9)
    s.dossier_receive(dossier=take_in(actors, start), actor=actors.receiver, at=start)
    outbox_deliver()
    message = _notices().last()
    assert message is not None
    assert message.status == OutboxMessage.Status.DELIVERED
    assert "no e-mail or mobile" in message.last_error
    assert mail.outbox == []


def test_phone_only_without_gateway_stays_unsent_but_is_not_an_error(actors: Actors) -> None:
    actors.profile.email = ""
    actors.profile.phone = "0912345678"
    actors.profile.save()
    start = vn(2026, 11, 2, 9)
    s.dossier_receive(dossier=take_in(actors, start), actor=actors.receiver, at=start)
    outbox_deliver()
    message = _notices().last()
    assert message is not None
    assert message.status == OutboxMessage.Status.DELIVERED
    assert "no SMS gateway" in message.last_error


def test_report_notice_reaches_anonymous_reporters_and_followers(
    actors: Actors, reference: None
) -> None:
    from motcua.org.models import AdministrativeUnit

    commune = AdministrativeUnit.objects.filter(kind="ward").first() or (
        AdministrativeUnit.objects.first()
    )
    assert commune is not None
    report = Report.objects.create(
        category="waste",
        text="Rác tập kết trái phép",
        commune=commune,
        contact_name="Nguyễn Văn An",
        contact_email="an@example.vn",
        contact_phone="0912000111",
        submitted_at=vn(2026, 11, 2, 9),
    )
    ReportFollower.objects.create(
        report=report, contact_email="hang@example.vn", at=vn(2026, 11, 2, 10)
    )
    notice = notice_for(
        {"template": "feedback.answered", "reports": [report.pk], "user_ids": [], "answer": 1}
    )
    assert {r.email for r in notice.recipients} == {"an@example.vn", "hang@example.vn"}
    assert notice.text == f"Phản ánh số {report.pk} của ông/bà đã có trả lời."
    assert notice.link.endswith(f"/feedback/{report.pk}/")
    assert "Nguyễn Văn An" not in notice.text


def test_sms_text_is_cut_to_two_segments() -> None:
    notice = Notice("s", "Hồ sơ " + "rất dài " * 80, "https://x.example/lookup/")
    text = sms_text(notice)
    assert len(text) == 320
    assert text.startswith("Ho so rat dai")
    assert text.endswith("…")
