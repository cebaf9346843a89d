"""No N+1: the inbox and the dossier page need the same number of queries for 2 rows as for
20 (hand-overs, pauses, appointment changes, dossiers)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier
from tests.backoffice.conftest import Login
from tests.backoffice.work_fixtures import MINUTE, processing, recent_start
from tests.dossiers.conftest import Actors

pytestmark = pytest.mark.django_db

MAX_INBOX = 8
MAX_PAGE = 20


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_inbox_queries_do_not_grow_with_rows(
    actors: Actors, login: Login, django_assert_max_num_queries: Any
) -> None:
    start = recent_start()
    for i in range(2):
        processing(actors, start=start + i * MINUTE * 10)
    client = login(actors.processor)
    client.get("/staff/work/")  # warm the session and the calendar cache
    few = _count(client, "/staff/work/")
    for i in range(2, 20):
        processing(actors, start=start + i * MINUTE * 10)
    with django_assert_max_num_queries(MAX_INBOX):
        response = client.get("/staff/work/")
    assert response.content.decode().count('<tr class="urgency-') == 20
    assert _count(client, "/staff/work/") == few


def _with_history(actors: Actors, cycles: int) -> Dossier:
    start = recent_start()
    d = processing(actors, start=start)
    for i in range(cycles):
        at = start + (10 + 2 * i) * MINUTE
        s.dossier_pause(dossier=d, actor=actors.processor, kind="other", reason=f"#{i}", at=at)
        s.dossier_resume(dossier=d, actor=actors.processor, at=at + MINUTE)
    return d


def test_dossier_page_queries_do_not_grow_with_history(
    actors: Actors, login: Login, django_assert_max_num_queries: Any
) -> None:
    short = _with_history(actors, 0)
    long = _with_history(actors, 10)  # 20 more hand-overs, 10 pauses, 10 appointment changes
    client = login(actors.processor)
    client.get(f"/staff/work/dossiers/{short.code}/")  # warm the session and caches
    few = _count(client, f"/staff/work/dossiers/{short.code}/")
    with django_assert_max_num_queries(MAX_PAGE):
        response = client.get(f"/staff/work/dossiers/{long.code}/")
    assert response.content.decode().count('<tr data-action="pause"') == 10
    assert _count(client, f"/staff/work/dossiers/{long.code}/") == few


def test_action_and_next_dossier_queries_do_not_grow_with_the_queue(
    actors: Actors, login: Login
) -> None:
    start = recent_start()
    dossiers = [processing(actors, start=start + i * MINUTE * 10) for i in range(20)]
    client = login(actors.processor)

    def forward(d: Dossier) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(f"/staff/work/dossiers/{d.code}/act/forward/", {})
        assert response.status_code == 302
        return len(ctx.captured_queries)

    first = forward(dossiers[0])
    assert forward(dossiers[1]) == first
    for d in dossiers[2:18]:
        forward(d)
    assert forward(dossiers[18]) == first  # one dossier left in the queue
