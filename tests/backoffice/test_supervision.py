"""The supervisor's pages: numbers, the lists behind them, scope, permissions, queries."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.backoffice.supervision_selectors import NO_STEP, Cell, DueRow, Summary
from motcua.dossiers.models import DossierStep
from motcua.org.models import User
from motcua.org.roles import Role
from tests.backoffice.conftest import Login
from tests.backoffice.supervision_fixtures import (  # noqa: F401 - fixture
    NOW,
    City,
    build_city,
    frozen_now,
)
from tests.dossiers.conftest import Actors, take_in, vn
from tests.factories import UserFactory, staff

# every page computes its figures at NOW (Monday 9 November 2026, 10:00)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

SUMMARY = "/staff/supervision/"
LIST = "/staff/supervision/dossiers/"
APPRAISAL = "Thẩm định hồ sơ"  # first step of the default plan
APPROVAL = "Phê duyệt, ký kết quả"


@pytest.fixture
def city(actors: Actors, commune_receiver: User) -> City:
    return build_city(actors, commune_receiver)


@pytest.fixture
def supervisor(reference: None) -> User:
    """A supervisor of the Service Center: the whole city."""
    return staff(Role.SUPERVISOR, agency_code="H26.30")


@pytest.fixture
def commune_supervisor(reference: None) -> User:
    return staff(Role.SUPERVISOR, agency_code="H26.00004")


def counts(row: DueRow) -> tuple[float, ...]:
    return (row.open.value, row.waiting.value, row.today.value, row.overdue.value,
            row.step_late.value)  # fmt: skip


def summary_of(client: Client, **params: str) -> Summary:
    response = client.get(SUMMARY, params)
    assert response.status_code == 200, response.content[:2000]
    summary: Summary = response.context["summary"]
    return summary


def listed(client: Client, query: str) -> set[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200, response.content[:2000]
    page = response.context["page"]
    return {getattr(row, "step", row).dossier.code if hasattr(row, "step") else row.code
            for row in page.object_list}  # fmt: skip


# ------------------------------------------------------------------------------ permissions
@pytest.mark.parametrize("role", [Role.RECEIVER, Role.PROCESSOR, Role.APPROVER, Role.ADMIN])
@pytest.mark.parametrize("url", [SUMMARY, LIST])
def test_only_supervisors(login: Login, role: Role, url: str) -> None:
    response = login(staff(role, agency_code="H26.30")).get(url)
    assert response.status_code == 403


def test_citizens_are_refused_and_anonymous_people_go_to_the_login_page(login: Login) -> None:
    citizen = UserFactory(roles=[Role.CITIZEN])
    assert login(citizen).get(SUMMARY).status_code == 403
    response = Client().get(LIST + "?due=overdue")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/staff/supervision/dossiers/")


# ------------------------------------------------------------------------------ the numbers
def test_due_today_and_overdue_by_agency_and_by_step(
    login: Login, supervisor: User, city: City
) -> None:
    client = login(supervisor)
    summary = summary_of(client)
    assert summary.now == NOW and summary.city_wide
    #              open waiting today overdue step late
    by_agency = {row.key: counts(row) for row in summary.by_agency}
    assert by_agency == {
        "H26.05": (5, 3, 1, 2, 2),
        "H26.30": (2, 0, 0, 0, 0),
        "H26.00004": (1, 0, 1, 0, 0),
    }
    assert summary.by_agency[0].key == "H26.05"  # worst first
    assert counts(summary.agency_total) == (8, 3, 2, 2, 2)
    by_step = {row.key: counts(row) for row in summary.by_step}
    assert by_step == {APPRAISAL: (5, 3, 1, 2, 2), NO_STEP: (3, 0, 1, 0, 0)}
    assert counts(summary.step_total) == (8, 3, 2, 2, 2)

    html = client.get(SUMMARY).content.decode()
    assert f'href="{LIST}?agency=H26.05&amp;due=overdue">2</a>' in html
    assert f'href="{LIST}?step=-&amp;due=today">1</a>' in html


def test_each_situation_lists_exactly_its_dossiers(
    login: Login, supervisor: User, city: City
) -> None:
    client = login(supervisor)
    assert listed(client, "due=overdue") == {city.overdue.code, city.paused_after_due.code}
    assert listed(client, "due=waiting") == {
        city.paused_after_due.code,  # due 2 Nov, paused on 4 Nov: still overdue
        city.paused_before_due.code,
        city.supplement.code,  # due 2 Nov but the time limit restarts: never overdue
    }
    assert listed(client, "due=today") == {city.due_today.code, city.commune.code}
    assert listed(client, "due=step_late") == {city.overdue.code, city.due_today.code}
    assert listed(client, "due=open&step=-") == {
        city.at_one_stop.code,
        city.other_point.code,
        city.commune.code,
    }
    # flags on the rows follow the same definitions
    response = client.get(LIST, {"due": "open", "agency": "H26.05"})
    flags = {
        d.code: (d.is_overdue, d.is_due_today, d.is_step_late) for d in response.context["page"]
    }
    assert flags[city.overdue.code] == (True, False, True)
    assert flags[city.due_today.code] == (False, True, True)
    assert flags[city.paused_before_due.code] == (False, False, False)


def _cells(summary: Summary) -> Iterator[tuple[str, Cell, float]]:
    """Every number of the summary, with the row count its list must have."""
    for table, rows in (
        ("agency", [*summary.by_agency, summary.agency_total]),
        ("step", [*summary.by_step, summary.step_total]),
    ):
        for row in rows:
            for name in ("open", "waiting", "today", "overdue", "step_late"):
                cell = getattr(row, name)
                yield f"{table}:{row.key}:{name}", cell, cell.value
    for t in summary.step_times:
        for name in ("count", "median_hours", "p90_hours", "budget_hours", "ratio"):
            yield f"time:{t.step}:{name}", getattr(t, name), t.count.value
        yield f"time:{t.step}:late", t.late, t.late.value
    for load in summary.load_rows:
        for i, cell in enumerate(load.cells):
            yield f"load:{load.code}:{i}", cell, cell.value
        yield f"load:{load.code}:total", load.total, load.total.value
    for i, cell in enumerate(summary.load_day_totals):
        yield f"load:total:{i}", cell, cell.value
    yield "load:total", summary.load_total, summary.load_total.value


@pytest.mark.parametrize("until", ["2026-11-09", "2026-11-05"])
def test_every_number_equals_the_rows_of_its_list(
    login: Login, supervisor: User, city: City, until: str
) -> None:
    client = login(supervisor)
    summary = summary_of(client, until=until)
    checked = 0
    for name, cell, expected in _cells(summary):
        response = client.get(f"{LIST}?{cell.query}")
        assert response.status_code == 200, (name, cell.query)
        page = response.context["page"]
        assert page.paginator.count == expected, (name, cell.query)
        html = response.content.decode()
        assert html.count('<tr class="row">') == expected, (name, cell.query)
        checked += 1 if expected else 0
    assert checked >= 25  # the scenario fills the tables


def test_time_per_step_against_budget(login: Login, supervisor: User, city: City) -> None:
    summary = summary_of(login(supervisor))
    rows = {(r.agency_code, r.step): r for r in summary.step_times}
    appraisal = rows[("H26.05", APPRAISAL)]
    approval = rows[("H26.05", APPROVAL)]
    # office hours of the first step: 2, 2 (10 less a day's pause), 4, 10, 48
    assert appraisal.count.value == 5
    assert appraisal.median_hours.value == pytest.approx(4)
    assert appraisal.p90_hours.value == pytest.approx(10 + 0.6 * (48 - 10))  # type 7
    budgets = DossierStep.objects.filter(dossier__in=city.finished, name=APPRAISAL).values_list(
        "budget_seconds", flat=True
    )
    assert appraisal.budget_hours.value == pytest.approx(statistics.median(budgets) / 3600)
    assert appraisal.budget_hours.value == pytest.approx(28.8)  # 60 % of 48 office hours
    assert appraisal.late.value == 1  # the 48-hour step (form 05: late)
    assert appraisal.losing_time and appraisal.ratio.value == pytest.approx(32.8 / 28.8)
    assert approval.count.value == 5
    assert approval.median_hours.value == approval.p90_hours.value == pytest.approx(1)
    assert approval.late.value == 0 and not approval.losing_time
    # slowest against its budget first
    assert summary.step_times[0] is appraisal

    # the list behind the numbers: slowest first, with the office time of each step
    response = login(supervisor).get(f"{LIST}?{appraisal.p90_hours.query}")
    hours = [round(m.hours, 2) for m in response.context["page"].object_list]
    assert hours == [48, 10, 4, 2, 2]
    late = login(supervisor).get(f"{LIST}?{appraisal.late.query}").context["page"]
    assert [round(m.hours) for m in late.object_list] == [48]


def test_a_shorter_period_leaves_older_steps_out(
    login: Login, supervisor: User, city: City
) -> None:
    summary = summary_of(login(supervisor), until="2026-11-09", days="7")
    rows = {(r.agency_code, r.step): r for r in summary.step_times}
    # only the 48-hour step (finished Wed 4 Nov) and its approval are in 3–9 Nov
    assert rows[("H26.05", APPRAISAL)].count.value == 1
    assert rows[("H26.05", APPRAISAL)].median_hours.value == pytest.approx(48)
    assert (summary.period_from.isoformat(), summary.period_to.isoformat()) == (
        "2026-11-03",
        "2026-11-09",
    )


def test_service_point_load_per_day(login: Login, supervisor: User, city: City) -> None:
    summary = summary_of(login(supervisor), until="2026-11-05")
    days = [d.isoformat() for d in summary.load_days]
    assert days[0] == "2026-10-30" and days[-1] == "2026-11-05" and len(days) == 7
    grid = {
        row.code: {days[i]: c.value for i, c in enumerate(row.cells) if c.value}
        for row in summary.load_rows
    }
    assert grid == {
        "H26.30.01": {"2026-11-02": 2, "2026-11-03": 1},
        "H26.30.02": {"2026-11-04": 1},
        "H26.00004.01": {"2026-11-04": 1},
    }
    assert summary.load_rows[0].code == "H26.30.01"  # busiest first
    assert [c.value for c in summary.load_day_totals] == [0, 0, 0, 2, 1, 2, 0]
    assert summary.load_total.value == 5


def test_reception_day_is_the_day_in_hanoi(login: Login, supervisor: User, actors: Actors) -> None:
    """A dossier received at 06:30 Hà Nội time (23:30 UTC the day before) counts on the
    Hà Nội day."""
    from motcua.dossiers import services as s

    d = take_in(actors, vn(2026, 11, 5, 6, 25))
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 11, 5, 6, 30))
    summary = summary_of(login(supervisor), until="2026-11-05")
    row = next(r for r in summary.load_rows if r.code == "H26.30.01")
    assert [c.value for c in row.cells] == [0, 0, 0, 0, 0, 0, 1]
    assert listed(login(supervisor), row.cells[-1].query) == {d.code}


def test_list_rows_link_to_the_dossier_page_and_show_no_personal_data(
    login: Login, supervisor: User, actors: Actors, city: City
) -> None:
    waiting = take_in(actors, vn(2026, 11, 6, 9))  # submitted: no code yet
    client = login(supervisor)
    html = client.get(LIST, {"agency": "H26.30"}).content.decode()
    assert f'href="/staff/work/dossiers/{city.at_one_stop.code}/"' in html
    assert waiting.reference in html  # identified by its submission number
    profile = actors.profile
    assert profile.personal_id and profile.personal_id not in html and profile.full_name not in html
    steps = client.get(
        LIST,
        {"agency": "H26.05", "done_step": APPRAISAL, "from": "2026-10-01", "to": "2026-11-09"},
    ).content.decode()
    assert f'href="/staff/work/dossiers/{city.finished[0].code}/"' in steps
    assert profile.personal_id not in steps and profile.full_name not in steps


# ------------------------------------------------------------------------------ scope
def test_a_commune_supervisor_sees_only_the_commune(
    login: Login, supervisor: User, commune_supervisor: User, city: City
) -> None:
    client = login(commune_supervisor)
    summary = summary_of(client)
    assert not summary.city_wide
    assert {row.key: counts(row) for row in summary.by_agency} == {"H26.00004": (1, 0, 1, 0, 0)}
    assert summary.step_times == []
    assert [row.code for row in summary.load_rows] == ["H26.00004.01"]
    # the city's other agencies: not on the page, and their lists are empty for this reader
    html = client.get(SUMMARY).content.decode()
    assert "H26.05" not in html and "H26.30.01" not in html
    assert listed(client, "agency=H26.05&due=open") == set()
    assert listed(client, "due=open") == {city.commune.code}
    assert len(listed(login(supervisor), "agency=H26.05&due=open")) == 5


def test_a_department_supervisor_sees_its_own_dossiers(login: Login, city: City) -> None:
    dept = staff(Role.SUPERVISOR, agency_code="H26.05")
    summary = summary_of(login(dept))
    assert not summary.city_wide
    assert counts(summary.agency_total) == (7, 3, 1, 2, 2)  # all but the commune's
    assert listed(login(dept), "due=today") == {city.due_today.code}


def test_a_supervisor_without_an_agency_sees_nothing(login: Login, city: City) -> None:
    nobody = UserFactory(roles=[Role.SUPERVISOR])
    summary = summary_of(login(nobody))
    assert summary.by_agency == [] and summary.step_times == [] and summary.load_rows == []


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("due=late", "due"),
        ("day=2026-13-01", "day"),
        ("day=09/11/2026", "day"),
        ("day=9999-12-31", "day"),
        ("from=0001-01-01&to=0001-01-02", "from"),
        ("agency=XYZ", "agency"),
        ("point=H26.99.99", "point"),
        ("from=2026-11-09&to=2026-11-01", "to"),
        ("from=2026-11-09", "to"),
        ("from=2024-01-01&to=2026-11-01", "from"),
        ("day=2026-11-02&from=2026-11-01&to=2026-11-03", "day"),
        ("done_step=x&due=overdue&from=2026-11-01&to=2026-11-03", "due"),
        ("done_step=x", "from"),
        ("late=1", "late"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=99", "page"),
        ("step=" + "x" * 300, "step"),
    ],
)
def test_bad_list_input_is_a_400_naming_the_field(
    login: Login, supervisor: User, query: str, field: str
) -> None:
    response = login(supervisor).get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert any(f"({field})" in label for label, _ in response.context["errors"])
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("until=2099-01-01", "until"),
        ("until=tomorrow", "until"),
        ("until=0001-01-01", "until"),
        ("days=5", "days"),
    ],
)
def test_bad_summary_input_is_a_400_naming_the_field(
    login: Login, supervisor: User, query: str, field: str
) -> None:
    response = login(supervisor).get(f"{SUMMARY}?{query}")
    assert response.status_code == 400
    assert (
        [label for label, _ in response.context["errors"]]
        == [label for label, _ in response.context["errors"] if f"({field})" in label]
        != []
    )


# ------------------------------------------------------------------------------ queries
def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        SUMMARY,
        f"{LIST}?due=open",
        f"{LIST}?agency=H26.05&done_step={APPRAISAL}&from=2026-10-01&to=2026-11-09",
    ],
)
def test_no_query_per_row(
    login: Login,
    supervisor: User,
    actors: Actors,
    commune_receiver: User,
    django_assert_max_num_queries: object,
    url: str,
) -> None:
    client = login(supervisor)
    build_city(actors, commune_receiver)
    client.get(url)  # warm the calendar cache
    few = _queries(client, url)
    build_city(actors, commune_receiver)  # twice the dossiers, steps and pauses
    assert _queries(client, url) == few
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        client.get(url)


# ------------------------------------------------------------------------------ the page
def test_printable_keyboard_friendly_page_with_a_place_for_the_766_scorecard(
    login: Login, supervisor: User, city: City
) -> None:
    html = login(supervisor).get(SUMMARY).content.decode()
    assert "@media print" in html and "window.print()" in html
    assert 'class="sv-filters no-print"' in html
    # a table of contents to jump to each table, tables with captions and header cells
    for anchor in ("due-by-agency", "due-by-step", "step-times", "point-load", "scorecard-766"):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    assert html.count("<caption>") == 4 and 'scope="row"' in html
    section = re.search(r'<section[^>]*id="scorecard-766".*?</section>', html, re.S)
    assert section is not None
    text = re.sub(r"<[^>]+>|766|QĐ-TTg", " ", section.group(0))
    assert not re.search(r"\d", text), "the scorecard placeholder must show no figure"


def test_the_page_is_in_vietnamese_by_default(login: Login, supervisor: User) -> None:
    html = login(supervisor).get(SUMMARY).content.decode()
    assert '<html lang="vi">' in html
    assert "Trang cán bộ" in html  # breadcrumb back to the staff home
