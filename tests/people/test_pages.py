"""The mandate pages (citizens) and the agent pages: who may open them, what they show, and
that they do not grow in queries with the number of rows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.dossiers.services import dossier_submit
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.models import AgentConsent, CitizenProfile, Mandate
from motcua.people.services import agent_consent_confirm, agent_consent_request, mandate_grant
from tests.factories import CitizenProfileFactory, UserFactory
from tests.people.conftest import PROCEDURE, Cast, citizen, sent_code, wrong

pytestmark = pytest.mark.django_db

MANDATES = "/me/mandates/"
AGENT = "/agent/"


def _client(user: User | None, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def _grant(cast: Cast, grantee: CitizenProfile | None = None) -> Mandate:
    person = grantee or cast.grantee
    now = timezone.now()
    return mandate_grant(
        grantor_user=cast.grantor_user,
        grantee_identifier=str(person.personal_id),
        grantee_name=person.full_name,
        scope=Mandate.Scope.ALL,
        procedure_ids=[],
        sector_ids=[],
        valid_from=now - dt.timedelta(minutes=1),
        valid_to=now + dt.timedelta(days=10),
    )


def _form(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "grantee_id": "",
        "grantee_name": "",
        "scope": "all",
        "valid_from": today.isoformat(),
        "valid_to": (today + dt.timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return data


# ------------------------------------------------------------------------------ access
def test_urls_are_where_the_site_mounts_them() -> None:
    assert reverse("people:mandates") == MANDATES
    assert reverse("people:agent-home") == AGENT
    assert reverse("people:agent-consent", kwargs={"pk": 7}) == "/agent/consent/7/"


def test_anonymous_people_are_sent_to_log_in(cast: Cast) -> None:
    for url in (MANDATES, AGENT, "/agent/consent/1/", "/me/mandates/1/revoke/"):
        response = _client(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_mandate_pages_are_for_citizens_and_agent_pages_for_agents(cast: Cast) -> None:
    assert _client(cast.agent_user).get(MANDATES).status_code == 403
    assert _client(cast.grantor_user).get(AGENT).status_code == 403
    assert (
        _client(cast.grantor_user)
        .post(reverse("people:agent-consent-start"), {"applicant_id": "x", "procedure_code": "y"})
        .status_code
        == 403
    )
    lonely_agent = UserFactory(roles=[Role.AGENT])  # agent role, but no active agent
    assert _client(lonely_agent).get(AGENT).status_code == 403
    cast.agent.is_active = False
    cast.agent.save(update_fields=["is_active"])
    assert _client(cast.agent_user).get(AGENT).status_code == 403


# ------------------------------------------------------------------------------ mandates
def test_grant_through_the_page(cast: Cast) -> None:
    client = _client(cast.grantor_user)
    page = client.get(MANDATES)
    assert page.status_code == 200
    assert 'name="grantee_id"' in page.content.decode()

    response = client.post(
        MANDATES,
        _form(grantee_id=cast.grantee.personal_id, grantee_name="Lê Thị Hoa"),
    )
    assert response.status_code == 302 and response["Location"] == MANDATES
    mandate = Mandate.objects.get()
    assert (mandate.grantor, mandate.grantee, mandate.scope) == (
        cast.grantor,
        cast.grantee,
        Mandate.Scope.ALL,
    )
    # the whole last day is covered, in Hà Nội time
    last = timezone.localtime(mandate.valid_to - dt.timedelta(microseconds=1))
    assert last.date() == timezone.localdate() + dt.timedelta(days=30)
    assert (last.hour, last.minute) == (23, 59)

    html = client.get(MANDATES).content.decode()
    number = str(cast.grantee.personal_id)
    assert "Lê Thị Hoa" in html
    assert "••••••••" + number[-4:] in html
    assert number not in html  # the identity number is masked
    assert "in force" in html
    assert reverse("people:mandate-revoke", kwargs={"pk": mandate.pk}) in html

    received = _client(cast.grantee_user).get(MANDATES).content.decode()
    assert "Nguyễn Văn An" in received
    assert str(cast.grantor.personal_id) not in received


def test_a_refused_grant_keeps_what_was_typed_and_marks_the_field(cast: Cast) -> None:
    response = _client(cast.grantor_user).post(
        MANDATES,
        _form(
            grantee_id=cast.grantee.personal_id,
            grantee_name="Người Không Khớp",
            scope="procedures",
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_procedures_error"' in html
    assert "Choose at least one procedure." in html
    assert 'id="id_grantee_id_error"' in html
    assert 'value="Người Không Khớp"' in html
    assert f'value="{cast.grantee.personal_id}"' in html
    assert re.search(r'<input type="radio" name="scope" value="procedures"[^>]* checked>', html)
    assert "Lê Thị Hoa" not in html  # the known person's name is not revealed
    assert not Mandate.objects.exists()


def test_a_form_error_is_shown_next_to_the_field(cast: Cast) -> None:
    response = _client(cast.grantor_user).post(MANDATES, _form(grantee_id="", valid_to=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_grantee_id_error"' in html and 'id="id_valid_to_error"' in html
    assert 'aria-invalid="true"' in html


def test_revoke_needs_the_confirmation_box(cast: Cast) -> None:
    mandate = _grant(cast)
    url = reverse("people:mandate-revoke", kwargs={"pk": mandate.pk})
    client = _client(cast.grantor_user)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="confirm"' in page.content.decode()
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "Tick the box to confirm the revocation." in refused.content.decode()
    mandate.refresh_from_db()
    assert mandate.revoked_at is None

    done = client.post(url, {"confirm": "on"})
    assert done.status_code == 302 and done["Location"] == MANDATES
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None
    assert "revoked" in client.get(MANDATES).content.decode()
    again = client.post(url, {"confirm": "on"})
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="people.mandate_revoked").count() == 1


def test_another_citizen_cannot_revoke(cast: Cast) -> None:
    mandate = _grant(cast)
    url = reverse("people:mandate-revoke", kwargs={"pk": mandate.pk})
    for user in (cast.grantee_user, cast.stranger_user):
        assert _client(user).get(url).status_code == 403
        assert _client(user).post(url, {"confirm": "on"}).status_code == 403
    mandate.refresh_from_db()
    assert mandate.revoked_at is None
    missing = reverse("people:mandate-revoke", kwargs={"pk": mandate.pk + 1000})
    assert _client(cast.grantor_user).get(missing).status_code == 404


def test_mandate_page_queries_do_not_grow_with_rows(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    client = _client(cast.grantor_user)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(MANDATES).status_code == 200
        return len(ctx.captured_queries)

    _grant(cast)
    few = count()
    for n in range(6):
        _, profile = citizen(f"Người Được Ủy Quyền {n}")
        _grant(cast, grantee=profile)
    assert count() == few
    with django_assert_max_num_queries(25):
        client.get(MANDATES)


# ------------------------------------------------------------------------------ agents
def test_agent_flow_from_code_to_the_submission_page(cast: Cast) -> None:
    client = _client(cast.agent_user)
    home = client.get(AGENT)
    assert home.status_code == 200
    assert cast.agent.name in home.content.decode()

    started = client.post(
        reverse("people:agent-consent-start"),
        {"applicant_id": cast.applicant.personal_id, "procedure_code": PROCEDURE},
    )
    consent = AgentConsent.objects.get()
    assert started.status_code == 302
    assert started["Location"] == reverse("people:agent-consent", kwargs={"pk": consent.pk})
    code = sent_code()

    page = client.get(started["Location"]).content.decode()
    assert "b•••@example.test" in page
    assert str(cast.applicant.personal_id) not in page
    assert code not in page

    bad = client.post(started["Location"], {"code": wrong(code)})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert 'id="id_code_error"' in html and "4 tries left" in html

    good = client.post(started["Location"], {"code": code})
    assert good.status_code == 302
    assert good["Location"] == (
        reverse("portal:submit", args=[PROCEDURE]) + f"?consent={consent.pk}"
    )
    consent.refresh_from_db()
    assert consent.confirmed_at is not None
    after = client.get(started["Location"]).content.decode()
    assert f"?consent={consent.pk}" in after  # a link on to the submission


def test_start_errors_are_shown_next_to_the_fields(cast: Cast) -> None:
    response = _client(cast.agent_user).post(
        reverse("people:agent-consent-start"),
        {"applicant_id": "001190099999", "procedure_code": "9.999999"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_applicant_id_error"' in html and 'id="id_procedure_code_error"' in html
    assert 'value="9.999999"' in html
    assert mail.outbox == []


def test_another_agent_cannot_open_the_consent(cast: Cast) -> None:
    consent = agent_consent_request(
        agent_user=cast.agent_user,
        applicant_identifier=str(cast.applicant.personal_id),
        procedure_code=PROCEDURE,
    )
    url = reverse("people:agent-consent", kwargs={"pk": consent.pk})
    other = _client(cast.other_agent_user)
    assert other.get(url).status_code == 404
    assert other.post(url, {"code": sent_code()}).status_code == 404
    colleague = UserFactory(roles=[Role.AGENT])  # same agent, another account
    cast.agent.accounts.add(colleague)
    assert _client(colleague).get(url).status_code == 404
    consent.refresh_from_db()
    assert consent.confirmed_at is None and consent.attempts == 0


def test_agent_page_masks_applicants_and_does_not_grow_in_queries(cast: Cast) -> None:
    client = _client(cast.agent_user)

    def submit(n: int) -> None:
        applicant = CitizenProfileFactory(full_name=f"Hoàng Thị Mười {n}")
        dossier_submit(
            actor=cast.agent_user,
            procedure_code=PROCEDURE,
            applicant=applicant,
            applicant_consent=True,
        )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(AGENT)
            assert response.status_code == 200
        return len(ctx.captured_queries)

    submit(0)
    few = count()
    for n in range(1, 6):
        submit(n)
    assert count() == few
    html = client.get(AGENT).content.decode()
    assert "Hoàng T. M. 5" in html or "Hoàng T. M." in html
    assert "Hoàng Thị Mười" not in html
    assert html.count("<tr>") >= 6


def test_confirmed_consent_page_links_on(cast: Cast) -> None:
    consent = agent_consent_request(
        agent_user=cast.agent_user,
        applicant_identifier=str(cast.applicant.personal_id),
        procedure_code=PROCEDURE,
    )
    agent_consent_confirm(consent=consent, agent_user=cast.agent_user, code=sent_code())
    html = _client(cast.agent_user, "vi").get(
        reverse("people:agent-consent", kwargs={"pk": consent.pk})
    )
    assert html.status_code == 200
    assert reverse("portal:submit", args=[PROCEDURE]) in html.content.decode()
