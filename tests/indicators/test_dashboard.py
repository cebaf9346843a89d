"""The supervisor's Decision 766 dashboard: who may see what, bad input, the numbers on the
pages equal ``scorecard_for``'s, the drill-down lists hold the counted dossiers, and the
exports equal the JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from motcua.indicators import dashboard
from motcua.indicators.cli import main
from motcua.indicators.exports import SCORECARD_TABLE_ROW
from motcua.indicators.selectors import (
    Scope,
    indicator_inputs,
    parse_period,
    parse_scope,
    scorecard_for,
)
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from tests.dossiers.conftest import Actors, _fresh_calendar, actors  # noqa: F401 - fixtures
from tests.factories import staff
from tests.indicators import dashboard_fixtures
from tests.indicators.dashboard_fixtures import NOW, Month, build_month

frozen_now = dashboard_fixtures.frozen_now

pytestmark = pytest.mark.django_db

BASE = "/staff/indicators/"
Q = "period=2026-11&scope=city"


@pytest.fixture
def month(actors: Actors) -> Month:  # noqa: F811 - the fixture
    return build_month(actors)


@pytest.fixture
def city_supervisor(reference: None) -> User:
    return staff(Role.SUPERVISOR, agency_code="H26.30")


@pytest.fixture
def agency_supervisor(reference: None) -> User:
    return staff(Role.SUPERVISOR, agency_code="H26.05")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _data_value(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*data-value="([^"]*)"', html)
    assert found, element_id
    return found.group(1)


# --------------------------------------------------------------------------- permissions
def test_anonymous_goes_to_login(reference: None) -> None:
    response = Client().get(BASE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.RECEIVER, Role.PROCESSOR, Role.APPROVER, Role.CITIZEN])
def test_non_supervisors_get_403(reference: None, role: Role) -> None:
    client = _client(staff(role, agency_code="H26.30"))
    for path in ("", "group/progress/", "dossiers/", "trends/", "worst/"):
        assert client.get(f"{BASE}{path}?{Q}").status_code == 403, path


def test_agency_supervisor_is_limited_to_their_agency(
    month: Month, agency_supervisor: User, frozen_now: dt.datetime
) -> None:
    client = _client(agency_supervisor)
    # default: their own agency
    response = client.get(BASE)
    assert response.status_code == 200
    assert response.context["sel"].scope.label == "agency:H26.05"
    choices = {c.value for c in response.context["sel"].choices}
    assert "city" not in choices and "agency:H26.05" in choices
    assert "agency:H26.07" not in choices
    # the city or another agency: 403, on every page and export
    for scope in ("city", "agency:H26.07", "agency:H26.30"):
        for path in ("", "group/progress/", "trends/", "worst/"):
            url = f"{BASE}{path}?period=2026-11&scope={scope}"
            assert client.get(url).status_code == 403, url
        assert client.get(f"{BASE}?period=2026-11&scope={scope}&format=json").status_code == 403
    assert client.get(f"{BASE}?period=2026-11&scope=agency:H26.05").status_code == 200


def test_sub_agency_is_in_scope(reference: None) -> None:
    parent = Agency.objects.get(code="H26.05")
    child = Agency.objects.filter(parent=parent).first()
    if child is None:
        child = Agency.objects.create(
            code="H26.05.99",
            name="Chi cục thử nghiệm",
            kind=parent.kind,
            level=parent.level,
            parent=parent,
        )
    supervisor = staff(Role.SUPERVISOR, agency_code="H26.05")
    assert dashboard.scope_allowed(supervisor, Scope(child))
    assert not dashboard.scope_allowed(supervisor, Scope())
    city = staff(Role.SUPERVISOR, agency_code="H26.30")
    assert dashboard.scope_allowed(city, Scope(child)) and dashboard.scope_allowed(city, Scope())


def test_supervisor_without_agency_sees_nothing(reference: None) -> None:
    from tests.factories import UserFactory

    client = _client(UserFactory(roles=[Role.SUPERVISOR]))
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}?{Q}").status_code == 403


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=2026-13&scope=city", "period"),
        ("period=hello&scope=city", "period"),
        ("kind=month&month=2026-13&scope=city", "month"),
        ("kind=range&from=2026-11-05&to=2026-11-01&scope=city", "from"),
        ("kind=quarter&quarter=5&year=2026&scope=city", "year"),
        ("kind=decade&scope=city", "kind"),
        ("period=2026-11&scope=agency:NOPE", "scope"),
        ("period=2026-11&scope=region:1", "scope"),
        ("period=2026-11&scope=city&format=pdf", "format"),
        ("period=2020-01&scope=city", "period"),
        ("period=0001-01&scope=city", "period"),
        ("period=9999&scope=city", "period"),
    ],
)
def test_bad_input_is_a_400_with_the_error_next_to_the_field(
    city_supervisor: User, query: str, field: str
) -> None:
    client = _client(city_supervisor)
    for path in ("group/progress/", "trends/", "worst/", "dossiers/"):
        assert client.get(f"{BASE}{path}?{query}").status_code == 400, path
    response = client.get(f"{BASE}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    errors = response.context["sel"].errors
    assert field in errors
    if field not in {"format"}:
        assert f'id="error-{field}"' in html
        # the Vietnamese message of IndicatorInputError
        assert re.search(r"không hợp lệ|không có cơ quan|phải|chưa có bộ chỉ số", errors[field])
    assert 'id="errors"' in html


@pytest.mark.parametrize(
    "query",
    [
        "metric=PUBLISH_ON_TIME&part=numerator",
        "metric=ONLINE_SERVICE_PROVIDED&part=numerator",
        "metric=PROGRESS_ON_TIME&part=sideways",
        "metric=&part=numerator",
        "metric=LOST_TIME",
        "metric=PROGRESS_ON_TIME&part=numerator&page=0",
        "metric=PROGRESS_ON_TIME&part=numerator&page=abc",
        "metric=PROGRESS_ON_TIME&part=numerator&page=99",
    ],
)
def test_bad_drill_down_is_a_400(city_supervisor: User, query: str) -> None:
    response = _client(city_supervisor).get(f"{BASE}dossiers/?{Q}&{query}")
    assert response.status_code == 400
    assert 'id="errors"' in response.content.decode()


def test_unknown_group_is_a_404(city_supervisor: User) -> None:
    assert _client(city_supervisor).get(f"{BASE}group/nothing/?{Q}").status_code == 404


def test_drill_down_refusal_says_why(city_supervisor: User) -> None:
    response = _client(city_supervisor).get(
        f"{BASE}dossiers/?{Q}&metric=ONLINE_SERVICE_PROVIDED&part=numerator"
    )
    assert "ONLINE_SERVICE_PROVIDED" in response.context["sel"].errors["metric"]


# --------------------------------------------------------------------------- numbers
def test_scorecard_page_shows_scorecard_for(
    month: Month, city_supervisor: User, frozen_now: dt.datetime
) -> None:
    response = _client(city_supervisor).get(f"{BASE}?{Q}")
    assert response.status_code == 200
    html = response.content.decode()
    data = scorecard_for(parse_period("2026-11"), parse_scope("city"), now=NOW)
    assert float(_data_value(html, "total-score")) == data["total"]
    assert float(_data_value(html, "total-change")) == data["change"]
    for group in data["groups"]:
        block = re.search(
            rf'id="group-{group["group"]}".*?class="score" data-value="([^"]+)"', html, re.S
        )
        assert block and float(block.group(1)) == group["score"]
        assert f"group/{group['group']}/?period=2026-11&amp;scope=city" in html
    rows = dict(
        re.findall(
            r'<tr data-key="(\w+)"><th scope="row">[^<]*</th><td class="num" '
            r'data-value="([^"]*)"',
            html,
        )
    )
    assert int(rows["dossiers_received"]) == data["figures"]["dossiers_received"] == 5
    # 20 × 2/5 on time
    progress = data["groups"][1]["indicators"][0]
    assert progress["score"] == 8.0


def test_group_page_numbers_and_links(
    month: Month, city_supervisor: User, frozen_now: dt.datetime
) -> None:
    client = _client(city_supervisor)
    response = client.get(f"{BASE}group/progress/?{Q}")
    assert response.status_code == 200
    html = response.content.decode()
    assert float(_data_value(html, "group-score")) == 8.0
    row = re.search(r'<tr data-metric="PROGRESS_ON_TIME">(.*?)</tr>', html, re.S)
    assert row
    numerator = re.search(r'data-col="numerator" data-value="2"><a href="([^"]+)">2</a>', row[1])
    denominator = re.search(
        r'data-col="denominator" data-value="5"><a href="([^"]+)">5</a>', row[1]
    )
    assert numerator and denominator
    # the transparency group: synced dossiers link, the others say why not
    html = client.get(f"{BASE}group/transparency/?{Q}").content.decode()
    sync = re.search(r'<tr data-metric="DOSSIER_SYNC">(.*?)</tr>', html, re.S)
    assert sync and "/staff/indicators/dossiers/?" in sync[1]
    publish = re.search(r'<tr data-metric="PUBLISH_ON_TIME">(.*?)</tr>', html, re.S)
    assert publish and "/staff/indicators/dossiers/" not in publish[1]
    assert 'data-col="why"' in publish[1]
    assert str(dashboard.not_drillable_reason("PUBLISH_ON_TIME", False)) in publish[1]


@pytest.mark.parametrize("metric", dashboard.DRILLABLE)
def test_drill_down_lists_the_counted_dossiers(
    month: Month, city_supervisor: User, frozen_now: dt.datetime, metric: str
) -> None:
    client = _client(city_supervisor)
    inputs = indicator_inputs(parse_period("2026-11"), parse_scope("city"), now=NOW)
    counted = inputs[metric]
    for part, expected in (("numerator", counted.numerator), ("denominator", counted.denominator)):
        response = client.get(f"{BASE}dossiers/?{Q}&metric={metric}&part={part}")
        assert response.status_code == 200
        assert response.context["page"].paginator.count == expected, (metric, part)
    codes = {
        d.code
        for d, _row in client.get(f"{BASE}dossiers/?{Q}&metric={metric}&part=numerator").context[
            "rows"
        ]
    }
    if metric == "PROGRESS_ON_TIME":
        assert codes == {month.early.code, month.online.code}
    elif metric == "DOSSIER_SYNC":
        assert codes == {month.early.code}
    else:
        assert codes == {month.online.code}


def test_drill_down_masks_personal_data_and_links_the_dossier(
    month: Month, city_supervisor: User, frozen_now: dt.datetime
) -> None:
    response = _client(city_supervisor).get(
        f"{BASE}dossiers/?{Q}&metric=PROGRESS_ON_TIME&part=denominator"
    )
    html = response.content.decode()
    full_name = month.early.applicant.full_name
    assert full_name not in html
    assert dashboard.mask_name(month.early.applicant) in html
    assert month.early.applicant.personal_id not in html
    assert f"/staff/dossiers/{month.early.code}/" in html or month.early.code in html
    assert 'data-count="5"' in html


def test_drill_down_stays_within_the_scope(
    month: Month, agency_supervisor: User, frozen_now: dt.datetime
) -> None:
    client = _client(agency_supervisor)
    ok = client.get(
        f"{BASE}dossiers/?period=2026-11&scope=agency:H26.05&metric=PROGRESS_ON_TIME"
        "&part=denominator"
    )
    assert ok.context["page"].paginator.count == 5
    assert (
        client.get(
            f"{BASE}dossiers/?period=2026-11&scope=city&metric=PROGRESS_ON_TIME&part=denominator"
        ).status_code
        == 403
    )


def test_worst_ten_and_its_drill_down(
    month: Month, city_supervisor: User, frozen_now: dt.datetime
) -> None:
    client = _client(city_supervisor)
    response = client.get(f"{BASE}worst/?{Q}")
    assert response.status_code == 200
    agencies = response.context["agencies"]
    assert [r.agency_code for r, _q in agencies] == ["H26.05"]
    row, query = agencies[0]
    assert row.lost_hours == 19.2 and row.over_budget == 1 and row.late == 1
    listed = client.get(f"{BASE}dossiers/?{query}")
    assert [d.code for d, _r in listed.context["rows"]] == [month.slow.code]
    steps = response.context["steps"]
    assert len(steps) == 1 and steps[0][0].step
    body = client.get(f"{BASE}worst/?{Q}&format=csv&list=steps").content.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(body)))
    assert parsed[1][0] == "H26.05" and float(parsed[1][-1]) == 19.2


def test_trends_page(month: Month, city_supervisor: User, frozen_now: dt.datetime) -> None:
    client = _client(city_supervisor)
    response = client.get(f"{BASE}trends/?{Q}")
    assert response.status_code == 200
    table = response.context["table"]
    assert table[0]["label"] == "2025-12" and table[-1]["label"] == "2026-11"
    november = scorecard_for(parse_period("2026-11"), parse_scope("city"), now=NOW, compare=False)
    assert table[-1]["total"] == november["total"]
    october = scorecard_for(parse_period("2026-10"), parse_scope("city"), now=NOW, compare=False)
    assert table[-2]["total"] == october["total"]
    html = response.content.decode()
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 7
    total = ET.fromstring(svgs[0])  # noqa: S314 - our own page
    points = total.findall("{http://www.w3.org/2000/svg}circle")
    assert points[-1].get("data-label") == "2026-11"
    assert float(points[-1].get("data-value")) == november["total"]
    # a period in the future: its months have no figure
    later = client.get(f"{BASE}trends/?period=2027-02&scope=city").context["table"]
    assert later[-1]["total"] is None and later[-4]["total"] is not None


# --------------------------------------------------------------------------- exports
def _json(client: Client, query: str = Q) -> dict[str, Any]:
    response = client.get(f"{BASE}?{query}&format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_json_link_equals_the_command_line(
    month: Month, city_supervisor: User, capsys: pytest.CaptureFixture[str]
) -> None:
    # the page computes "now" as the command line does (no frozen instant)
    data = _json(_client(city_supervisor), "period=2026-11&scope=agency:H26.05")
    assert main(["--period", "2026-11", "--scope", "agency:H26.05", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == data


def test_excel_export_equals_the_json(
    month: Month, city_supervisor: User, frozen_now: dt.datetime
) -> None:
    client = _client(city_supervisor)
    data = _json(client)
    response = client.get(f"{BASE}?{Q}&format=xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    assert ws.cell(2, 2).value == "2026-11" and ws.cell(3, 2).value == "city"
    assert ws.cell(5, 2).value == data["total"]
    by_code = {
        row[1]: row for row in ws.iter_rows(min_row=SCORECARD_TABLE_ROW + 1, values_only=True)
    }
    for group in data["groups"]:
        assert by_code[group["group"]][7] == group["score"]
        for ind in group["indicators"]:
            row = by_code[ind["metric"]]
            assert row[4:9] == (
                ind["numerator"],
                ind["denominator"],
                ind["ratio"],
                ind["score"],
                ind["max_score"],
            )
    assert by_code["TOTAL"][7] == data["total"]
    figures = {row[0]: row[2] for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert figures == data["figures"]


def test_csv_export_equals_the_json(
    month: Month, city_supervisor: User, frozen_now: dt.datetime
) -> None:
    client = _client(city_supervisor)
    data = _json(client)
    body = client.get(f"{BASE}?{Q}&format=csv").content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    by_code = {r[1]: r for r in rows[1:]}
    for group in data["groups"]:
        for ind in group["indicators"]:
            score = by_code[ind["metric"]][7]
            assert (float(score) if score else None) == ind["score"]
    assert float(by_code["TOTAL"][7]) == data["total"]


def test_register_exports_list_the_drill_down(
    month: Month, city_supervisor: User, frozen_now: dt.datetime
) -> None:
    client = _client(city_supervisor)
    query = f"{Q}&metric=PROGRESS_ON_TIME&part=denominator"
    wb = load_workbook(io.BytesIO(client.get(f"{BASE}dossiers/?{query}&format=xlsx").content))
    ws = wb.worksheets[0]
    codes = [
        row[1]
        for row in ws.iter_rows(values_only=True)
        if row[1] and str(row[1]).startswith("H26.30-")
    ]
    assert sorted(codes) == sorted(d.code for d in month.november)
    assert all(
        month.early.applicant.full_name != v for row in ws.iter_rows(values_only=True) for v in row
    )
    body = client.get(f"{BASE}dossiers/?{query}&format=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 + 5
    assert {r[1] for r in rows[1:]} == {d.code for d in month.november}


def test_scope_rules_below_the_agency(reference: None) -> None:
    """A ward's supervisor may read its ward and its own points, not another ward, nor a
    sector or procedure (those span the city); a city-level supervisor may read them all."""
    from motcua.indicators.dashboard import scope_allowed
    from motcua.indicators.selectors import parse_scope
    from motcua.org.models import ServicePoint
    from motcua.org.roles import Role
    from tests.factories import staff

    ward = staff(Role.SUPERVISOR, agency_code="H26.00004")
    city = staff(Role.SUPERVISOR, agency_code="H26.30")
    own_point = ServicePoint.objects.filter(agency__code="H26.00004").first()
    other_point = ServicePoint.objects.exclude(agency__code="H26.00004").first()
    assert other_point is not None
    ward_unit = ward.agency.administrative_unit if ward.agency else None
    assert ward_unit is not None
    sector = parse_scope("procedure:1.012783").procedure
    assert sector is not None
    assert scope_allowed(ward, parse_scope(f"commune:{ward_unit.code}"))
    assert not scope_allowed(ward, parse_scope("commune:00008"))
    assert not scope_allowed(ward, parse_scope(f"point:{other_point.code}"))
    if own_point is not None:
        assert scope_allowed(ward, parse_scope(f"point:{own_point.code}"))
    assert not scope_allowed(ward, parse_scope("procedure:1.012783"))
    assert not scope_allowed(ward, parse_scope("city"))
    for raw in ("city", "commune:00008", f"point:{other_point.code}", "procedure:1.012783"):
        assert scope_allowed(city, parse_scope(raw))
