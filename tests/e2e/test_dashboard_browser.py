"""A supervisor opens the Decision 766 dashboard in Chromium, reads the total score, drills
into a group and down to the dossiers behind a number, and downloads the Excel workbook,
which is opened with openpyxl and checked against the JSON output. Screenshots go to
test-results/ and (with MOTCUA_DOCS_SCREENSHOTS=1) to the user guide."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from motcua.indicators.exports import SCORECARD_TABLE_ROW
from motcua.indicators.selectors import parse_period, parse_scope, scorecard_for
from motcua.org.roles import Role
from tests.dossiers.conftest import Actors, _fresh_calendar, actors  # noqa: F401 - fixtures
from tests.e2e.conftest import guide_copy
from tests.factories import PASSWORD, staff
from tests.indicators import dashboard_fixtures
from tests.indicators.dashboard_fixtures import NOW, build_month

frozen_now = dashboard_fixtures.frozen_now

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

QUERY = "period=2026-11&scope=city"


def _shot(page: Any, shots: Path, name: str, *, full: bool = True) -> None:
    page.screenshot(path=str(shots / name), full_page=full)
    guide_copy(shots / name)


def test_supervisor_reads_drills_and_exports(
    live_server: Any,
    page: Any,
    shots: Path,
    actors: Actors,  # noqa: F811
    frozen_now: dt.datetime,
) -> None:
    from playwright.sync_api import expect

    month = build_month(actors)
    user = staff(Role.SUPERVISOR, agency_code="H26.30", username="giamsat_766")
    expected = scorecard_for(parse_period("2026-11"), parse_scope("city"), now=NOW)

    start = f"/staff/indicators/?{QUERY}"
    page.goto(f"{live_server.url}/accounts/login/?{urlencode({'next': start})}")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}{start}")
    assert page.locator("html").get_attribute("lang") == "vi"

    # the total score, as the selectors compute it
    total = page.locator("#total-score")
    assert float(total.get_attribute("data-value")) == expected["total"]
    assert total.inner_text() == f"{expected['total']:.2f}".rstrip("0").rstrip(".").replace(
        ".", ","
    )
    assert float(page.locator("#total-change").get_attribute("data-value")) == expected["change"]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 1366, width
    _shot(page, shots, "dashboard-scorecard.png")

    # drill into the progress group
    progress = expected["groups"][1]
    assert progress["group"] == "progress"
    page.locator("#group-progress a.group-link").click()
    page.wait_for_url("**/staff/indicators/group/progress/?*")
    assert float(page.locator("#group-score").get_attribute("data-value")) == progress["score"]
    row = page.locator('#table-indicators tr[data-metric="PROGRESS_ON_TIME"]')
    numerator = progress["indicators"][0]["numerator"]
    link = row.locator('td[data-col="numerator"] a')
    assert int(link.inner_text()) == numerator == 2
    _shot(page, shots, "dashboard-group.png")

    # …and down to the dossiers behind the numerator
    link.click()
    page.wait_for_url("**/staff/indicators/dossiers/?*metric=PROGRESS_ON_TIME*part=numerator*")
    expect(page.locator("#rows tbody tr")).to_have_count(numerator)
    codes = set(page.locator("#rows tbody th.code").all_inner_texts())
    assert codes == {month.early.code, month.online.code}
    assert month.early.applicant.full_name not in page.content()  # masked
    _shot(page, shots, "dashboard-dossiers.png")

    # trends and the worst ten
    page.goto(f"{live_server.url}/staff/indicators/trends/?{QUERY}")
    expect(page.locator("svg.chart")).to_have_count(7)
    last = page.locator("#chart-total circle").last
    assert last.get_attribute("data-label") == "2026-11"
    assert float(last.get_attribute("data-value")) == expected["total"]
    _shot(page, shots, "dashboard-trends.png")
    page.goto(f"{live_server.url}/staff/indicators/worst/?{QUERY}")
    expect(page.locator('#table-worst-agencies tr[data-key="H26.05"]')).to_have_count(1)
    _shot(page, shots, "dashboard-worst.png")

    # the Excel workbook, checked against the JSON output
    page.goto(f"{live_server.url}{start}")
    with page.expect_download() as info:
        page.locator("#export-xlsx").click()
    download = info.value
    target = shots / "bo-chi-so-766.xlsx"
    download.save_as(str(target))
    assert download.suggested_filename == "bo-chi-so-766-2026-11-city.xlsx"
    json_href = page.locator("#export-json").get_attribute("href")
    data = json.loads(page.request.get(f"{live_server.url}/staff/indicators/{json_href}").text())
    assert data == expected

    wb = load_workbook(target)
    ws = wb.worksheets[0]
    assert ws.cell(2, 2).value == data["period"]["label"]
    assert ws.cell(3, 2).value == data["scope"]
    assert ws.cell(5, 2).value == data["total"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=SCORECARD_TABLE_ROW + 1, values_only=True)}
    for group in data["groups"]:
        assert rows[group["group"]][7] == group["score"]
        for ind in group["indicators"]:
            assert rows[ind["metric"]][4:9] == (
                ind["numerator"],
                ind["denominator"],
                ind["ratio"],
                ind["score"],
                ind["max_score"],
            ), ind["metric"]
    assert rows["TOTAL"][7] == data["total"]
    figures = {r[0]: r[2] for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert figures == data["figures"]
