"""No page of the counter needs a query per row: the number of queries does not grow with the
rows shown (few rows vs many rows), and stays under a fixed ceiling."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from motcua.backoffice.counter_services import Decision, counter_decide
from motcua.catalog.demo import demo_required_documents_ensure
from motcua.dossiers import services as s
from motcua.dossiers.states import State
from tests.backoffice.conftest import PROCEDURE, Actors, Login, drive

pytestmark = pytest.mark.django_db

#: Session, user, roles, counts, the page's rows, pagination, the confirmation panel…
CEILING = 15


def queries(client: Client, url: str, **params: str) -> int:
    """Queries of a warm request (reference rows such as the user's service point come from
    the process's reference cache once read: the first request reads them)."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context)


def online(actors: Actors, n: int) -> None:
    for _ in range(n):
        s.dossier_submit(actor=actors.citizen, procedure_code=PROCEDURE)


def test_intake_queue(actors: Actors, login: Login) -> None:
    client = login(actors.receiver)
    url = reverse("backoffice:counter_queue")
    online(actors, 2)
    few = queries(client, url)
    online(actors, 18)
    many = queries(client, url)
    assert many <= CEILING
    assert many == few
    assert client.get(url).content.decode().count('href="/staff/counter/dossiers/') == 20


def test_results_queue(actors: Actors, login: Login) -> None:
    client = login(actors.receiver)
    url = reverse("backoffice:counter_results")
    drive(actors, State.FINISHED)
    few = queries(client, url)
    for _ in range(9):
        drive(actors, State.FINISHED)
    many = queries(client, url)
    assert many <= CEILING
    assert many == few


def test_waiting_queue(actors: Actors, login: Login) -> None:
    client = login(actors.receiver)
    url = reverse("backoffice:counter_waiting")

    def waiting(n: int) -> None:
        for _ in range(n):
            d = drive(actors, State.SUBMITTED)
            s.dossier_request_supplement(
                dossier=d, actor=actors.receiver, items=["Tờ khai"], reason="Thiếu"
            )

    waiting(1)
    few = queries(client, url)
    waiting(7)
    many = queries(client, url)
    assert many <= CEILING
    assert many == few


def test_search_and_done_today(actors: Actors, login: Login) -> None:
    demo_required_documents_ensure()
    client = login(actors.receiver)
    url = reverse("backoffice:counter")
    one = queries(client, url, q="khai tu")
    many = queries(client, url, q="dang ky")  # two dozen procedures
    assert many <= CEILING
    assert many == one
    # "done at this counter today": one row per act, no query per row
    online(actors, 6)
    before = queries(client, url)
    for dossier in s.Dossier.objects.filter(state=State.SUBMITTED):
        counter_decide(dossier=dossier, actor=actors.receiver, decision=Decision.RECEIVE)
    after = queries(client, url)
    assert after <= CEILING
    assert after == before


def test_intake_form_with_and_without_a_checklist(actors: Actors, login: Login) -> None:
    demo_required_documents_ensure()
    client = login(actors.receiver)
    listed = queries(client, reverse("backoffice:counter_intake", args=["1.001193"]))
    assert listed <= CEILING
    unlisted = queries(client, reverse("backoffice:counter_intake", args=["1.000689"]))
    assert listed == unlisted
