"""``motcua whatif``: the city's reform questions re-scored on a copy of a simulated month;
the real tables are never touched."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.apps import apps

from motcua.cli import main
from motcua.dossiers.models import Dossier, DossierStep
from motcua.indicators.selectors import indicator_inputs, parse_period, parse_scope
from motcua.indicators.whatif import (
    MODELLED,
    Delegation,
    HalvedStep,
    count_inputs,
    load,
    scope_sets,
    whatif,
)
from motcua.org.models import Agency
from motcua.simulate.run import simulate
from motcua.workcal.types import VN_TZ

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 2, 10, tzinfo=VN_TZ)
PERIOD = "2026-03"
LAND = "1.012783"  # city level: Sở Nông nghiệp và Môi trường (H26.05), 5 working days


@pytest.fixture
def month(reference: None) -> None:
    """A simulated March 2026, seen from 2 April (some dossiers still open)."""
    simulate(
        dossiers=1500,
        first=dt.date(2026, 3, 2),
        last=dt.date(2026, 3, 31),
        seed=4,
        horizon=NOW,
    )


def _checksum() -> tuple[dict[str, int], str]:
    counts = {m._meta.label: m.objects.count() for m in apps.get_models()}
    digest = hashlib.sha256()
    for row in Dossier.objects.order_by("pk").values_list():
        digest.update(repr(row).encode())
    for row in DossierStep.objects.order_by("pk").values_list():
        digest.update(repr(row).encode())
    return counts, digest.hexdigest()


@pytest.mark.parametrize("raw", ["city", "agency:H26.05", "agency:H26.30", f"procedure:{LAND}"])
def test_before_is_the_selectors_count(month: None, raw: str) -> None:
    period, scope = parse_period(PERIOD), parse_scope(raw)
    rows, versions, _world = load(period, as_of=NOW)
    mine = count_inputs(rows, scope_sets(scope), versions, as_of=NOW)
    theirs = indicator_inputs(period, scope, now=NOW, recompute=True)
    for name in MODELLED:
        if name in theirs:
            assert mine[name] == theirs[name], name
        else:
            assert name not in mine, name


def test_before_is_the_selectors_count_for_a_commune(month: None) -> None:
    busiest = (
        Dossier.objects.filter(competent_agency__level=Agency.Level.COMMUNE)
        .values_list("competent_agency__administrative_unit__code", flat=True)
        .first()
    )
    period, scope = parse_period(PERIOD), parse_scope(f"commune:{busiest}")
    rows, versions, _world = load(period, as_of=NOW)
    mine = count_inputs(rows, scope_sets(scope), versions, as_of=NOW)
    theirs = indicator_inputs(period, scope, now=NOW, recompute=True)
    assert mine["PROGRESS_ON_TIME"] == theirs["PROGRESS_ON_TIME"]
    assert mine["ONLINE_DOSSIER_SHARE"] == theirs["ONLINE_DOSSIER_SHARE"]


def test_delegation_moves_the_dossiers_and_writes_nothing(month: None) -> None:
    before = _checksum()
    period = parse_period(PERIOD)
    land = Dossier.objects.filter(
        procedure_version__procedure__code=LAND, received_at__gte=period.start_at,
        received_at__lt=period.end_at,
    ).count()  # fmt: skip
    assert land > 0
    department = whatif(period, parse_scope("agency:H26.05"), Delegation(LAND), now=NOW)
    city = whatif(period, parse_scope("city"), Delegation(LAND), now=NOW)
    assert _checksum() == before
    assert department["effect"]["dossiers"] == land == city["effect"]["dossiers"]
    assert department["effect"]["moved"] == land
    assert all(code.startswith("H26.") for code in department["effect"]["moved_to"])
    by_metric = {i["metric"]: i for i in department["indicators"]}
    progress = by_metric["PROGRESS_ON_TIME"]
    # the department keeps no dossier of the procedure it handed to the communes
    assert progress["after"]["denominator"] == progress["before"]["denominator"] - land
    # city-wide: the same dossiers, the same limit, so the same on-time count
    city_progress = {i["metric"]: i for i in city["indicators"]}["PROGRESS_ON_TIME"]
    assert city_progress["before"] == city_progress["after"]
    # the department's catalogue loses the procedure (indicators 3.1–3.2)
    provided = by_metric["ONLINE_SERVICE_PROVIDED"]
    if provided["before"]["denominator"] is not None:
        assert provided["after"]["denominator"] in (None, provided["before"]["denominator"] - 1)


def test_halving_a_step_makes_some_late_and_writes_nothing(month: None) -> None:
    before = _checksum()
    data = whatif(
        parse_period(PERIOD), parse_scope("city"), HalvedStep("thẩm định  HỒ SƠ"), now=NOW
    )
    assert _checksum() == before
    effect = data["effect"]
    assert effect["steps"] > 0
    assert effect["steps_late_after"] > effect["steps_late_before"]
    assert effect["limits_cut"] > 0
    progress = {i["metric"]: i for i in data["indicators"]}["PROGRESS_ON_TIME"]
    assert progress["after"]["numerator"] < progress["before"]["numerator"]
    assert progress["after"]["denominator"] == progress["before"]["denominator"]
    assert data["total"]["after"] < data["total"]["before"]


def test_command_line(month: None, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["whatif", "--period", PERIOD, "--halve-step", "Thẩm định hồ sơ", "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    data: dict[str, Any] = json.loads(out)
    assert data["change"] == {"halve_step": "Thẩm định hồ sơ"}
    assert {"before", "after", "change"} <= set(data["total"])
    assert main(["whatif", "--period", PERIOD, "--delegate", LAND]) == 2
    assert "--delegate" in capsys.readouterr().err
    assert main(["whatif", "--period", PERIOD, "--delegate", "9.999999:commune"]) == 2
    assert main(["whatif", "--period", PERIOD, "--delegate", f"{LAND}:commune"]) == 0
    assert "tổng điểm / total" in capsys.readouterr().out


def test_the_core_agrees_with_the_clock_constant() -> None:
    from motcua.dossiers.clock import MIN_STEP_SECONDS as CLOCK_MIN
    from motcua.indicators.whatif import MIN_STEP_SECONDS

    assert MIN_STEP_SECONDS == CLOCK_MIN
