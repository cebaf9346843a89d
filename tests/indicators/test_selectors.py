"""The scorecard's inputs counted from dossiers built through the lifecycle services."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from motcua.catalog.models import OnlineLevel, ProcedureVersion, Sector
from motcua.catalog.selectors import versions_in_force
from motcua.dossiers import services as s
from motcua.dossiers.models import Channel, Dossier, StepOutcome
from motcua.indicators.cli import main
from motcua.indicators.engine import IndicatorInputError
from motcua.indicators.selectors import (
    indicator_inputs,
    parse_period,
    parse_scope,
    scorecard_for,
)
from motcua.integrations.models import OutboxMessage
from tests.dossiers.conftest import (  # noqa: F401 - fixtures
    PROCEDURE,
    Actors,
    _fresh_calendar,
    actors,
    take_in,
    vn,
)

pytestmark = pytest.mark.django_db


def _processing(people: Actors, start: dt.datetime) -> Dossier:
    d = take_in(people, start)
    d = s.dossier_receive(dossier=d, actor=people.receiver, at=start + dt.timedelta(minutes=1))
    return s.dossier_forward(dossier=d, actor=people.receiver, at=start + dt.timedelta(minutes=30))


@pytest.fixture
def november(actors: Actors) -> dict[str, Dossier]:  # noqa: F811 - the fixture
    # early: finished on Wed 4 Nov (due Mon 9 Nov)
    early = _processing(actors, vn(2026, 11, 2, 9))
    early = s.dossier_forward(dossier=early, actor=actors.processor, at=vn(2026, 11, 3, 10))
    early = s.dossier_approve(dossier=early, actor=actors.approver, at=vn(2026, 11, 4, 10))
    early = s.dossier_finish(dossier=early, actor=actors.processor, at=vn(2026, 11, 4, 11))
    assert early.outcome == StepOutcome.EARLY
    # late apology: counted late although still open
    late = _processing(actors, vn(2026, 11, 2, 10))
    late = s.dossier_apologize(
        dossier=late,
        actor=actors.approver,
        reason="Cần xác minh thực địa",
        new_appointment_at=vn(2026, 11, 12, 17),
        at=vn(2026, 11, 9, 9),
    )
    assert late.forced_late
    # open, due Tue 10 Nov 17:00
    open_ = _processing(actors, vn(2026, 11, 3, 9))
    # October: outside the period
    october = _processing(actors, vn(2026, 10, 29, 9))
    # the early dossier's national-portal messages were all delivered, the others' not
    OutboxMessage.objects.filter(topic=s.NATIONAL_PORTAL_TOPIC, key=early.reference).update(
        status=OutboxMessage.Status.DELIVERED
    )
    return {"early": early, "late": late, "open": open_, "october": october}


def test_inputs_for_a_month(november: dict[str, Dossier]) -> None:
    period = parse_period("2026-11")
    # on 5 Nov the open dossier is within time: early + open on time, late not
    inputs = indicator_inputs(period, parse_scope("city"), now=vn(2026, 11, 5, 12))
    assert (inputs["PROGRESS_ON_TIME"].numerator, inputs["PROGRESS_ON_TIME"].denominator) == (2, 3)
    assert (inputs["DOSSIER_SYNC"].numerator, inputs["DOSSIER_SYNC"].denominator) == (1, 3)
    assert inputs["ONLINE_DOSSIER_SHARE"].numerator == 0  # all taken in at the counter
    # on 20 Nov the open dossier is past due (10 Nov)
    later = indicator_inputs(period, parse_scope("city"), now=vn(2026, 11, 20, 12))
    assert later["PROGRESS_ON_TIME"].numerator == 1


def test_scorecard_for_a_month(november: dict[str, Dossier]) -> None:
    data = scorecard_for(parse_period("2026-11"), parse_scope("city"), now=vn(2026, 11, 5, 12))
    assert data["period"] == {
        "label": "2026-11",
        "kind": "month",
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    assert data["scope"] == "city"
    by_code = {i["metric"]: i for g in data["groups"] for i in g["indicators"]}
    assert by_code["PROGRESS_ON_TIME"]["score"] == 13.33  # 20 × 2/3
    assert by_code["DOSSIER_SYNC"]["score"] == 2.0  # 6 × 1/3
    assert by_code["ONLINE_DOSSIER_SHARE"]["score"] == 0.0
    assert by_code["PUBLISH_ON_TIME"]["score"] is None
    assert by_code["PUBLISH_ON_TIME"]["note"] == "no data yet"
    assert data["complete"] is False
    assert by_code["ONLINE_SERVICE_USED"]["score"] == 0.0  # no dossier online in November
    provided = by_code["ONLINE_SERVICE_PROVIDED"]
    assert provided["denominator"] > 0 and provided["score"] is not None
    # no citizen report in November: 5.2 and 5.3 get the portal's full 6 each
    assert by_code["PETITION_PROCESSING_ON_TIME"]["score"] == 6.0
    assert by_code["PETITION_HANDLING_SATISFACTION"]["score"] == 6.0
    assert data["total"] == round(13.33 + 2.0 + provided["score"] + 12.0, 2)


def test_agency_scope(november: dict[str, Dossier]) -> None:
    now = vn(2026, 11, 5, 12)
    competent = indicator_inputs(parse_period("2026-11"), parse_scope("agency:H26.05"), now=now)
    assert competent["PROGRESS_ON_TIME"].denominator == 3
    police = indicator_inputs(parse_period("2026-11"), parse_scope("agency:H26.07"), now=now)
    assert police["PROGRESS_ON_TIME"].denominator == 0
    with pytest.raises(IndicatorInputError) as err:
        parse_scope("agency:NOPE")
    assert err.value.field == "scope"


def test_quarter_and_range_periods(november: dict[str, Dossier]) -> None:
    now = vn(2026, 11, 5, 12)
    q4 = indicator_inputs(parse_period("2026-Q4"), parse_scope("city"), now=now)
    assert q4["PROGRESS_ON_TIME"].denominator == 4
    days = indicator_inputs(parse_period("2026-11-02..2026-11-02"), parse_scope("city"), now=now)
    assert days["PROGRESS_ON_TIME"].denominator == 2


@pytest.mark.parametrize("raw", ["2026-13", "2026-Q5", "26-10", "2026-11-05..2026-11-01", ""])
def test_bad_periods(raw: str) -> None:
    with pytest.raises(IndicatorInputError) as err:
        parse_period(raw)
    assert err.value.field == "period"


def test_parse_period_bounds() -> None:
    dec = parse_period("2026-12")
    assert (dec.start, dec.end) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    year = parse_period("2026")
    assert (year.start, year.end) == (dt.date(2026, 1, 1), dt.date(2027, 1, 1))


def test_cli_scorecard_json(
    november: dict[str, Dossier], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--period", "2026-11", "--scope", "agency:H26.05", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scope"] == "agency:H26.05" and data["max_score"] == 100
    progress = data["groups"][1]["indicators"][0]
    assert progress["metric"] == "PROGRESS_ON_TIME" and progress["denominator"] == 3


def test_cli_scorecard_bad_scope(reference: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--period", "2026-11", "--scope", "agency:NOPE"]) == 2
    err = capsys.readouterr().err
    assert "--scope" in err and "NOPE" in err


def test_online_dossier_and_online_services(
    november: dict[str, Dossier],
    actors: Actors,  # noqa: F811 - the fixture
) -> None:
    submitted = s.dossier_submit(
        actor=actors.citizen, procedure_code=PROCEDURE, at=vn(2026, 11, 4, 8)
    )
    online = s.dossier_receive(dossier=submitted, actor=actors.receiver, at=vn(2026, 11, 4, 9))
    assert online.channel == Channel.ONLINE and online.received_at is not None
    period, now = parse_period("2026-11"), vn(2026, 11, 5, 12)
    city = indicator_inputs(period, parse_scope("city"), now=now)
    share = city["ONLINE_DOSSIER_SHARE"]
    assert (share.numerator, share.denominator) == (1, 4)
    assert share.params["syncRate"] == 25  # 1 of 4 dossiers synced
    # scope H26.05: the reference data records no online level for its procedures -> no data
    scoped = indicator_inputs(period, parse_scope("agency:H26.05"), now=now)
    assert "ONLINE_SERVICE_PROVIDED" not in scoped and "ONLINE_SERVICE_USED" not in scoped
    # once the catalogue records the procedure as toàn trình, it counts (and was used online)
    ProcedureVersion.objects.filter(procedure__code=PROCEDURE).update(online_level=OnlineLevel.FULL)
    versions = (
        versions_in_force(on=dt.date(2026, 11, 30))
        .filter(competent_agency__code="H26.05")
        .exclude(online_level="")
    )
    offered = versions.exclude(online_level=OnlineLevel.NONE).count()
    assert offered >= 1
    scoped = indicator_inputs(period, parse_scope("agency:H26.05"), now=now)
    provided = scoped["ONLINE_SERVICE_PROVIDED"]
    assert (provided.numerator, provided.denominator) == (offered, versions.count())
    used = scoped["ONLINE_SERVICE_USED"]
    assert (used.numerator, used.denominator) == (1, offered)
    # October had no online dossier
    october = indicator_inputs(parse_period("2026-10"), parse_scope("agency:H26.05"), now=now)
    assert october["ONLINE_SERVICE_USED"].numerator == 0


def test_previous_period_comparison(november: dict[str, Dossier]) -> None:
    data = scorecard_for(parse_period("2026-11"), parse_scope("city"), now=vn(2026, 11, 5, 12))
    previous = data["previous"]
    assert previous["period"]["label"] == "2026-10"
    # October: the one dossier received 29 Oct is still open and within time on 5 Nov
    october = {i["metric"]: i for g in data["groups"] for i in g["indicators"]}
    assert october["PROGRESS_ON_TIME"]["change"] == round(13.33 - 20.0, 2)
    assert october["PUBLISH_ON_TIME"]["change"] is None
    assert data["change"] == round(data["total"] - previous["total"], 2)


def test_previous_periods() -> None:
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2026-Q1").previous().label == "2025-Q4"
    q = parse_period("2026-Q3").previous()
    assert (q.start, q.end) == (dt.date(2026, 4, 1), dt.date(2026, 7, 1))
    assert parse_period("2026").previous().label == "2025"
    r = parse_period("2026-11-10..2026-11-14").previous()
    assert (r.start, r.last_day) == (dt.date(2026, 11, 5), dt.date(2026, 11, 9))


def test_figures(november: dict[str, Dossier]) -> None:
    data = scorecard_for(parse_period("2026-11"), parse_scope("city"), now=vn(2026, 11, 5, 12))
    figures = data["figures"]
    assert figures["dossiers_received"] == 3
    assert (figures["dossiers_counter"], figures["dossiers_online"], figures["dossiers_post"]) == (
        3,
        0,
        0,
    )
    assert figures["dossiers_on_time"] == 2 and figures["on_time_rate"] == 66.67
    in_force = versions_in_force(on=dt.date(2026, 11, 30))
    assert figures["procedures_in_force"] == in_force.count()
    assert figures["procedures_full_online"] == in_force.filter(online_level="full").count()
    assert (
        figures["procedures_full_online"]
        + figures["procedures_partly_online"]
        + figures["procedures_not_online"]
        + figures["procedures_level_unknown"]
        == figures["procedures_in_force"]
    )
    unknown = in_force.filter(online_level="").count()
    assert figures["procedures_level_unknown"] == unknown
    provided = next(
        i
        for g in data["groups"]
        for i in g["indicators"]
        if i["metric"] == "ONLINE_SERVICE_PROVIDED"
    )
    assert provided["denominator"] == figures["procedures_in_force"] - unknown
    if unknown:
        assert f"{unknown} procedures without a recorded online level" in provided["note"]
    empty = scorecard_for(parse_period("2025-01"), parse_scope("city"), now=vn(2026, 11, 5, 12))
    assert empty["figures"]["on_time_rate"] is None


def test_cli_scorecard_text(
    november: dict[str, Dossier], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--period", "2026-11"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2026-11 — city: ")
    assert "PROGRESS_ON_TIME: " in out and "PUBLISH_ON_TIME: —/— → — / 6 (no data yet)" in out


def test_scopes_below_the_agency(november: dict[str, Dossier]) -> None:
    """The three November dossiers were received at point H26.30.01 for procedure 1.012783."""
    now = vn(2026, 11, 5, 12)
    period = parse_period("2026-11")
    version = november["early"].procedure_version

    def received(scope: str) -> int:
        return indicator_inputs(period, parse_scope(scope), now=now)["PROGRESS_ON_TIME"].denominator

    assert received("point:H26.30.01") == 3
    assert received("point:H26.30.02") == 0
    assert received(f"procedure:{PROCEDURE}") == 3
    assert received(f"sector:{version.sector.code}") == 3
    other_sector = Sector.objects.exclude(pk=version.sector_id).first()
    assert other_sector is not None
    assert received(f"sector:{other_sector.code}") == 0
    # the branch H26.30.01 is a city-level point: none of them was received in Phường Ba Đình
    assert received("commune:00004") == 0
    # a service point has no catalogue of its own: the online-service indicators have no data
    at_point = scorecard_for(period, parse_scope("point:H26.30.01"), now=now, compare=False)
    by_code = {i["metric"]: i for g in at_point["groups"] for i in g["indicators"]}
    assert by_code["ONLINE_SERVICE_PROVIDED"]["score"] is None
    assert by_code["PETITION_PROCESSING_ON_TIME"]["score"] is None
    assert at_point["scope"] == "point:H26.30.01"
    # a procedure's catalogue is its version in force
    ProcedureVersion.objects.filter(pk=version.pk).update(online_level=OnlineLevel.FULL)
    one = indicator_inputs(period, parse_scope(f"procedure:{PROCEDURE}"), now=now)
    provided = one["ONLINE_SERVICE_PROVIDED"]
    assert (provided.numerator, provided.denominator) == (1, 1)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("point:NOPE", "điểm tiếp nhận"),
        ("commune:01", "xã, phường"),  # the city itself is not a commune scope
        ("sector:nope", "lĩnh vực"),
        ("procedure:9.999999", "thủ tục"),
        ("district:001", "không hợp lệ"),
        ("agency:", "không hợp lệ"),
    ],
)
def test_bad_scopes_name_the_field(raw: str, says: str) -> None:
    with pytest.raises(IndicatorInputError) as err:
        parse_scope(raw)
    assert err.value.field == "scope"
    assert says in err.value.message_vi
