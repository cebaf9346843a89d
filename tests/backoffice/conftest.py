"""Fixtures shared by the back-office page tests (counter, work inboxes, supervision).

They reuse the actors of ``tests/dossiers/conftest.py`` (same users, same procedure):

* ``actors.receiver``: receiver at branch H26.30.01 of the Service Center (agency H26.30);
* ``actors.other_receiver``: receiver at branch H26.30.02 of the same agency;
* ``actors.processor`` / ``actors.approver``: Sở Nông nghiệp và Môi trường (H26.05), competent
  for 1.012783 (5 working days);
* ``actors.police_processor``: Công an Thành phố (H26.07);
* ``actors.citizen`` / ``actors.profile``: a citizen account and its profile.

Added here: ``commune_receiver`` (a receiver of another agency: Phường Ba Đình's one-stop),
``login`` (a Django test client logged in as a user) and ``drive`` (dossiers brought to a
state through the lifecycle services, with explicit instants in the past).

Each helper's own fixtures go in its own module (e.g. ``tests/backoffice/work_fixtures.py``)
so that this file stays shared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier
from motcua.dossiers.states import State
from motcua.org.models import User
from motcua.org.roles import Role
from tests.dossiers.conftest import (  # noqa: F401 - fixtures re-exported for this folder
    PROCEDURE,
    Actors,
    _fresh_calendar,
    actors,
    take_in,
    vn,
)
from tests.factories import staff

#: A Monday in the past (the services refuse instants in the future).
MONDAY = vn(2026, 11, 2, 9)

Login = Callable[[User], Client]


@pytest.fixture
def commune_receiver(reference: None) -> User:
    """A receiver of another agency: the one-stop of Phường Ba Đình."""
    return staff(Role.RECEIVER, agency_code="H26.00004", point_code="H26.00004.01")


@pytest.fixture
def login(db: None) -> Login:
    """``login(user)`` → a test client with that user's session."""

    def _login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login


def drive(people: Actors, state: str, *, start: dt.datetime = MONDAY) -> Dossier:
    """A dossier of ``PROCEDURE`` taken in at ``people.receiver``'s counter and driven to
    ``state`` (submitted, received, processing, finished or returned) from ``start``."""
    minute = dt.timedelta(minutes=1)
    d = take_in(people, start)
    if state == State.SUBMITTED:
        return d
    d = s.dossier_receive(dossier=d, actor=people.receiver, at=start + minute)
    if state == State.RECEIVED:
        return d
    d = s.dossier_forward(dossier=d, actor=people.receiver, at=start + 2 * minute)
    if state == State.PROCESSING:
        return d
    d = s.dossier_forward(dossier=d, actor=people.processor, at=start + 3 * minute)
    d = s.dossier_approve(dossier=d, actor=people.approver, at=start + 4 * minute)
    d = s.dossier_finish(dossier=d, actor=people.processor, at=start + 5 * minute)
    if state == State.FINISHED:
        return d
    d = s.dossier_return_result(
        dossier=d, actor=people.receiver, method="counter", at=start + 6 * minute
    )
    if state == State.RETURNED:
        return d
    raise ValueError(f"drive() does not reach {state!r}")
