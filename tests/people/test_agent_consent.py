"""A service agent submits in a citizen's name only with the citizen's one-time consent code;
agents' dossiers are counted separately."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from motcua.catalog.models import Procedure
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.models import AuditEvent
from motcua.dossiers.models import Dossier, SubmitterKind
from motcua.dossiers.services import dossier_submit
from motcua.org.roles import Role
from motcua.people import selectors
from motcua.people.models import AgentConsent
from motcua.people.services import (
    CONSENT_USE_WINDOW,
    agent_consent_confirm,
    agent_consent_request,
    agent_consent_take,
    agent_consent_use,
)
from tests.factories import CitizenProfileFactory, UserFactory
from tests.people.conftest import NOT_ONLINE, OTHER_PROCEDURE, PROCEDURE, Cast, sent_code, wrong

pytestmark = pytest.mark.django_db


def _request(
    cast: Cast, applicant_id: str | None = None, procedure: str = PROCEDURE
) -> AgentConsent:
    return agent_consent_request(
        agent_user=cast.agent_user,
        applicant_identifier=applicant_id or str(cast.applicant.personal_id),
        procedure_code=procedure,
    )


def _confirmed(cast: Cast) -> AgentConsent:
    consent = _request(cast)
    return agent_consent_confirm(consent=consent, agent_user=cast.agent_user, code=sent_code())


def _submit_with(cast: Cast, consent_id: int, procedure: str = PROCEDURE) -> Dossier:
    """What the submission page does: take the consent, submit, mark it used — one
    transaction."""
    with transaction.atomic():
        consent = agent_consent_take(
            consent_id=consent_id,
            agent_user=cast.agent_user,
            applicant=cast.applicant,
            procedure=Procedure.objects.get(code=procedure),
        )
        dossier = dossier_submit(
            actor=cast.agent_user,
            procedure_code=procedure,
            applicant=cast.applicant,
            applicant_consent=True,
        )
        agent_consent_use(consent, dossier)
    return dossier


def _error(call: object) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as caught, translation.override("en"):
        call()
    return caught.value


# ------------------------------------------------------------------------------ request
def test_request_sends_a_code_and_keeps_only_its_hash(cast: Cast) -> None:
    consent = _request(cast)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["binh@example.test"]
    code = sent_code()
    assert cast.agent.name in message.body and PROCEDURE in message.body
    assert code not in consent.code_hash and len(consent.code_hash) >= 40
    assert consent.sent_to == "b•••@example.test"
    assert (consent.agent, consent.requested_by, consent.applicant) == (
        cast.agent,
        cast.agent_user,
        cast.applicant,
    )
    assert consent.procedure.code == PROCEDURE
    assert consent.expires_at - consent.created_at == dt.timedelta(minutes=10)
    assert consent.confirmed_at is None and consent.used_by is None
    event = AuditEvent.objects.get(action="people.agent_consent_requested")
    assert event.actor == cast.agent_user
    assert code not in str(event.data)


def test_the_code_goes_by_text_message_when_there_is_no_e_mail(
    cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    phone_only = CitizenProfileFactory(full_name="Đinh Văn Bảo", phone="0987654321")
    with caplog.at_level("WARNING", logger="motcua.accounts.sms"):
        consent = _request(cast, applicant_id=str(phone_only.personal_id))
    assert mail.outbox == []
    assert consent.sent_to.endswith("321") and "0987654" not in consent.sent_to
    found = re.search(r"\b(\d{6})\b", caplog.text)
    assert found, caplog.text
    confirmed = agent_consent_confirm(
        consent=consent, agent_user=cast.agent_user, code=found.group(1)
    )
    assert confirmed.confirmed_at is not None


def test_the_contact_of_the_linked_account_is_used(cast: Cast) -> None:
    user = UserFactory(roles=[Role.CITIZEN], email="cuc@example.test")
    profile = CitizenProfileFactory(full_name="Vũ Thị Cúc", user=user)
    consent = _request(cast, applicant_id=str(profile.personal_id))
    assert mail.outbox[-1].to == ["cuc@example.test"]
    assert consent.sent_to == "c•••@example.test"


def test_request_refusals_name_the_field(cast: Cast) -> None:
    no_contact = CitizenProfileFactory(full_name="Mai Văn Tư")
    error = _error(lambda: _request(cast, applicant_id=str(no_contact.personal_id)))
    assert set(error.fields) == {"applicant_id"}
    assert "portal account" in str(error.field_texts("en")["applicant_id"])

    error = _error(lambda: _request(cast, applicant_id="001190099999"))
    assert set(error.fields) == {"applicant_id"}

    error = _error(lambda: _request(cast, procedure="9.999999"))
    assert error.field_texts("en") == {
        "procedure_code": ["No procedure with this code is in force."]
    }
    error = _error(lambda: _request(cast, procedure=NOT_ONLINE))
    assert error.field_texts("en") == {
        "procedure_code": ["This procedure cannot be submitted online."]
    }
    assert mail.outbox == []
    assert not AgentConsent.objects.exists()


def test_only_an_active_agent_asks(cast: Cast) -> None:
    for user in (cast.grantor_user, UserFactory(roles=[Role.AGENT])):
        error = _error(
            lambda user=user: agent_consent_request(
                agent_user=user,
                applicant_identifier=str(cast.applicant.personal_id),
                procedure_code=PROCEDURE,
            )
        )
        assert error.kind is ErrorKind.FORBIDDEN
    cast.agent.is_active = False
    cast.agent.save(update_fields=["is_active"])
    assert _error(lambda: _request(cast)).kind is ErrorKind.FORBIDDEN
    assert mail.outbox == []


def test_codes_are_throttled_and_a_new_one_replaces_the_old(cast: Cast) -> None:
    first = _request(cast)
    first_code = sent_code()
    error = _error(lambda: _request(cast))
    assert error.code == "people.consent_too_soon"
    assert len(mail.outbox) == 1
    # a while later the agent asks again: the first code stops working
    AgentConsent.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=2)
    )
    second = _request(cast)
    assert second.pk != first.pk
    error = _error(
        lambda: agent_consent_confirm(consent=first, agent_user=cast.agent_user, code=first_code)
    )
    assert error.code == "people.consent_expired"
    assert agent_consent_confirm(
        consent=second, agent_user=cast.agent_user, code=sent_code()
    ).confirmed_at


# ------------------------------------------------------------------------------ confirm
def test_wrong_codes_count_and_lock_after_five(cast: Cast) -> None:
    consent = _request(cast)
    code = sent_code()
    for left in (4, 3, 2, 1):
        error = _error(
            lambda: agent_consent_confirm(
                consent=consent, agent_user=cast.agent_user, code=wrong(code)
            )
        )
        assert error.field_texts("en") == {"code": [f"The code is wrong. {left} tries left."]}
    error = _error(
        lambda: agent_consent_confirm(consent=consent, agent_user=cast.agent_user, code=wrong(code))
    )
    assert error.field_texts("en") == {"code": ["Too many wrong tries. Ask for a new code."]}
    consent.refresh_from_db()
    assert consent.attempts == 5
    # even the right code no longer works
    error = _error(
        lambda: agent_consent_confirm(consent=consent, agent_user=cast.agent_user, code=code)
    )
    assert error.code == "people.consent_locked"
    consent.refresh_from_db()
    assert consent.confirmed_at is None


def test_an_expired_code_is_refused(cast: Cast) -> None:
    consent = _request(cast)
    AgentConsent.objects.filter(pk=consent.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    error = _error(
        lambda: agent_consent_confirm(consent=consent, agent_user=cast.agent_user, code=sent_code())
    )
    assert error.code == "people.consent_expired"
    assert "code" in error.fields


def test_another_agent_cannot_confirm_or_take(cast: Cast) -> None:
    consent = _request(cast)
    code = sent_code()
    error = _error(
        lambda: agent_consent_confirm(consent=consent, agent_user=cast.other_agent_user, code=code)
    )
    assert error.kind is ErrorKind.FORBIDDEN
    consent.refresh_from_db()
    assert consent.attempts == 0 and consent.confirmed_at is None
    agent_consent_confirm(consent=consent, agent_user=cast.agent_user, code=code)
    error = _error(
        lambda: agent_consent_take(
            consent_id=consent.pk,
            agent_user=cast.other_agent_user,
            applicant=cast.applicant,
            procedure=consent.procedure,
        )
    )
    assert error.kind is ErrorKind.FORBIDDEN


def test_confirmation_is_recorded(cast: Cast) -> None:
    consent = _confirmed(cast)
    assert consent.confirmed_at is not None
    event = AuditEvent.objects.get(action="people.agent_consent_confirmed")
    assert event.actor == cast.agent_user and event.object_id == str(consent.pk)
    error = _error(
        lambda: agent_consent_confirm(consent=consent, agent_user=cast.agent_user, code="000000")
    )
    assert error.code == "people.consent_done"


# ------------------------------------------------------------------------------ take and use
def test_a_confirmed_consent_serves_one_submission(cast: Cast) -> None:
    consent = _confirmed(cast)
    dossier = _submit_with(cast, consent.pk)
    assert dossier.applicant == cast.applicant
    assert dossier.submitter == cast.agent_user
    assert dossier.submitter_kind == SubmitterKind.AGENT
    assert dossier.agent == cast.agent
    consent.refresh_from_db()
    assert consent.used_by == dossier
    assert AuditEvent.objects.filter(
        action="people.agent_consent_used", object_id=str(consent.pk)
    ).exists()
    # reused: refused, and nothing is submitted
    before = Dossier.objects.count()
    error = _error(lambda: _submit_with(cast, consent.pk))
    assert error.code == "people.consent_used"
    assert Dossier.objects.count() == before


def test_use_refuses_a_consent_already_used(cast: Cast) -> None:
    consent = _confirmed(cast)
    dossier = _submit_with(cast, consent.pk)
    stale = AgentConsent.objects.get(pk=consent.pk)
    stale.used_by = None  # a copy read before the first submission committed
    other = dossier_submit(
        actor=cast.agent_user,
        procedure_code=PROCEDURE,
        applicant=cast.applicant,
        applicant_consent=True,
    )
    error = _error(lambda: agent_consent_use(stale, other))
    assert error.code == "people.consent_used"
    assert AgentConsent.objects.get(pk=consent.pk).used_by == dossier


def test_take_refuses_unconfirmed_expired_and_mismatched_consents(cast: Cast) -> None:
    procedure = Procedure.objects.get(code=PROCEDURE)

    def take(consent_id: int, **kwargs: object) -> AgentConsent:
        args: dict[str, object] = {
            "consent_id": consent_id,
            "agent_user": cast.agent_user,
            "applicant": cast.applicant,
            "procedure": procedure,
        }
        args.update(kwargs)
        return agent_consent_take(**args)  # type: ignore[arg-type]

    consent = _request(cast)
    assert _error(lambda: take(consent.pk)).code == "people.consent_unconfirmed"
    agent_consent_confirm(consent=consent, agent_user=cast.agent_user, code=sent_code())
    assert take(consent.pk).pk == consent.pk
    other_person = CitizenProfileFactory(full_name="Lý Văn Năm")
    assert _error(lambda: take(consent.pk, applicant=other_person)).code == (
        "people.consent_mismatch"
    )
    other_procedure = Procedure.objects.get(code=OTHER_PROCEDURE)
    assert _error(lambda: take(consent.pk, procedure=other_procedure)).code == (
        "people.consent_mismatch"
    )
    AgentConsent.objects.filter(pk=consent.pk).update(
        confirmed_at=timezone.now() - CONSENT_USE_WINDOW - dt.timedelta(seconds=1)
    )
    assert _error(lambda: take(consent.pk)).code == "people.consent_expired"


# ------------------------------------------------------------------------------ reports
def test_agent_dossiers_and_figures_count_agents_separately(cast: Cast) -> None:
    mine = _submit_with(cast, _confirmed(cast).pk)
    other_applicant = CitizenProfileFactory(full_name="Tạ Văn Sáu", email="sau@example.test")
    theirs = dossier_submit(
        actor=cast.other_agent_user,
        procedure_code=PROCEDURE,
        applicant=other_applicant,
        applicant_consent=True,
    )
    dossier_submit(actor=cast.grantor_user, procedure_code=PROCEDURE)  # not an agent's
    assert list(selectors.agent_dossiers(cast.agent)) == [mine]
    assert list(selectors.agent_dossiers(cast.other_agent)) == [theirs]
    counts = selectors.agent_counts(cast.agent)
    assert (counts.total, counts.waiting, counts.open, counts.closed) == (1, 1, 0, 0)

    now = timezone.now()
    figures = selectors.agent_figures(now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    by_agent = {f.agent_id: f for f in figures}
    assert set(by_agent) == {cast.agent.pk, cast.other_agent.pk}
    assert by_agent[cast.agent.pk].submitted == 1
    assert by_agent[cast.agent.pk].tax_code == cast.agent.tax_code
    assert by_agent[cast.agent.pk].received == 0
    assert by_agent[cast.other_agent.pk].submitted == 1
    assert selectors.agent_figures(now + dt.timedelta(hours=1), now + dt.timedelta(hours=2)) == []
