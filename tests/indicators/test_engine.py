"""Worked examples for every Decision 766 indicator (motcua.indicators.engine)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

import motcua
from motcua.indicators.engine import (
    DVCQG_2026,
    GROUP_MAX,
    EmptyPolicy,
    Group,
    IndicatorInputError,
    MetricInput,
    parse_params,
    ruleset_for,
    score_card,
    score_metric,
    sync_fallback_denominator,
    with_online_split,
)


def score(metric: str, num: int, den: int, **params: int) -> float | None:
    result = score_metric(metric, num, den, params)
    assert result["metric"] == metric
    value = result["score"]
    assert value is None or isinstance(value, float)
    return value


def test_groups_add_up_to_100() -> None:
    assert sum(GROUP_MAX.values()) == 100
    for group, maximum in GROUP_MAX.items():
        assert sum(i.max_score for i in DVCQG_2026.in_group(group)) == maximum
    assert [GROUP_MAX[g] for g in Group] == [18, 20, 12, 10, 22, 18]


def test_ruleset_rejects_groups_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match="online_service"):
        with_online_split(DVCQG_2026, {"ONLINE_SERVICE_PROVIDED": 5})


# ---------------------------------------------------------------- transparency


@pytest.mark.parametrize(
    ("metric", "maximum"),
    [("PUBLISH_ON_TIME", 6), ("PUBLIC_UPDATE_ON_TIME", 4), ("PUBLIC_CONTENT_FULL", 2)],
)
def test_transparency_linear_and_full_when_nothing_due(metric: str, maximum: int) -> None:
    # 45 of 50 on time: 90 % of the maximum
    result = score_metric(metric, 45, 50)
    assert result["ratio"] == 90.0
    assert result["score"] == round(maximum * 0.9, 2)
    assert result["max_score"] == maximum
    assert score(metric, 50, 50) == maximum
    assert score(metric, 0, 50) == 0.0
    empty = score_metric(metric, 0, 0)
    assert empty["score"] == maximum and empty["ratio"] is None
    assert "full marks" in empty["note"]


def test_publish_on_time_rounding_half_up() -> None:
    # 6 × 1/3 = 2.000; 6 × 2/3 = 4.00; 6 × 1/8 = 0.75; 6 × 7/16 = 2.625 -> 2.63
    assert score("PUBLISH_ON_TIME", 7, 16) == 2.63
    assert score_metric("PUBLISH_ON_TIME", 1, 3)["ratio"] == 33.33


def test_dossier_sync_uses_the_larger_national_count() -> None:
    # 900 synced; reporting system has 1,000 dossiers, DVCQG 1,200 -> 900/1200 = 75 %
    result = score_metric("DOSSIER_SYNC", 900, 1000, {"portalDossiers": 1200})
    assert result["denominator"] == 1200
    assert result["ratio"] == 75.0
    assert result["score"] == 4.5
    # the smaller portal count does not lower the denominator
    assert score_metric("DOSSIER_SYNC", 900, 1000, {"portalDossiers": 10})["ratio"] == 90.0


def test_dossier_sync_empty_denominator_falls_back_to_previous_year() -> None:
    # both national counts 0; previous year 2,400 dossiers -> 200 a month
    fallback = sync_fallback_denominator(2400, "month")
    assert fallback == 200
    assert sync_fallback_denominator(2400, "quarter") == 600
    result = score_metric("DOSSIER_SYNC", 50, 0, {"fallbackDenominator": fallback})
    assert result["denominator"] == 200
    assert result["ratio"] == 25.0 and result["score"] == 1.5
    # synced above the fallback average: capped at full marks, not refused
    assert score("DOSSIER_SYNC", 300, 0, fallbackDenominator=200) == 6.0
    # no fallback either: 0 points
    assert score("DOSSIER_SYNC", 0, 0) == 0.0
    with pytest.raises(IndicatorInputError) as err:
        sync_fallback_denominator(10, "week")
    assert err.value.field == "period"


# ---------------------------------------------------------------- progress


def test_progress_on_time() -> None:
    # Hà Nội 2024 style: 509,772 on time of 510,535 -> 20 × 0.998505… = 19.97
    result = score_metric("PROGRESS_ON_TIME", 509_772, 510_535)
    assert result["ratio"] == 99.85
    assert result["score"] == 19.97
    assert score("PROGRESS_ON_TIME", 3, 4) == 15.0
    assert score("PROGRESS_ON_TIME", 0, 0) == 0.0  # no dossiers: 0 (stated policy)


# ---------------------------------------------------------------- online service


def test_online_service_provided_full_from_80_percent() -> None:
    assert score("ONLINE_SERVICE_PROVIDED", 80, 100) == 4.0  # threshold edge: full
    assert score("ONLINE_SERVICE_PROVIDED", 79, 100) == 3.95  # 4 × 0.79 / 0.8
    assert score("ONLINE_SERVICE_PROVIDED", 40, 100) == 2.0
    assert score("ONLINE_SERVICE_PROVIDED", 0, 0) == 4.0  # no procedure under authority


def test_online_service_used_linear() -> None:
    assert score("ONLINE_SERVICE_USED", 80, 100) == 3.2
    assert score("ONLINE_SERVICE_USED", 0, 0) == 4.0


def test_online_dossier_share_full_from_50_percent_times_sync_rate() -> None:
    assert score("ONLINE_DOSSIER_SHARE", 50, 100) == 4.0  # edge: 50 % -> full
    assert score("ONLINE_DOSSIER_SHARE", 49, 100) == 3.92
    # 60 % online × 75 % synced = 45 % -> 4 × 0.45 / 0.5 = 3.6
    result = score_metric("ONLINE_DOSSIER_SHARE", 60, 100, {"syncRate": 75})
    assert result["ratio"] == 45.0 and result["score"] == 3.6
    assert score("ONLINE_DOSSIER_SHARE", 0, 0) == 0.0
    with pytest.raises(IndicatorInputError) as err:
        score_metric("ONLINE_DOSSIER_SHARE", 1, 2, {"syncRate": 101})
    assert err.value.field == "syncRate"


def test_online_split_is_replaceable() -> None:
    other = with_online_split(
        DVCQG_2026,
        {"ONLINE_SERVICE_PROVIDED": 6, "ONLINE_SERVICE_USED": 2, "ONLINE_DOSSIER_SHARE": 4},
        version="test-6-2-4",
    )
    assert other.version == "test-6-2-4"
    assert score_metric("ONLINE_SERVICE_PROVIDED", 40, 100, ruleset=other)["score"] == 3.0
    assert score_metric("ONLINE_SERVICE_PROVIDED", 40, 100)["score"] == 2.0  # original kept
    with pytest.raises(ValueError, match="not online-service"):
        with_online_split(DVCQG_2026, {"PUBLISH_ON_TIME": 6})


# ---------------------------------------------------------------- online payment


def payment(**overrides: int) -> dict[str, int]:
    base = {
        "totalDossierOnlinePaymentSuccess": 74,
        "totalDossierFinancialObligation": 100,
        "totalDossierOnlineFormalityPaymentSuccess": 30,
        "totalFeeFormality": 50,
        "totalFeeDossierFormality": 40,
    }
    return {**base, **overrides}


def test_payment_total_worked_example() -> None:
    # A = 74/100 -> 6 × 0.74 = 4.44
    # C = totalFeeDossierFormality / totalFeeFormality = 40/50 = 80 % -> 2 (edge)
    # B = totalDossierOnlineFormalityPaymentSuccess / totalFeeFormality = 30/50 -> 2.5 × 0.6
    result = score_metric("PAYMENT_TOTAL", params=payment())
    assert [p["metric"] for p in result["parts"]] == [
        "PAYMENT_DOSSIER_ONLINE",
        "PAYMENT_FEE_FORMALITY_PROVIDED",
        "PAYMENT_FORMALITY_ONLINE_TRANSACTION",
    ]
    assert [p["score"] for p in result["parts"]] == [4.44, 2.0, 1.5]
    assert result["score"] == 7.94
    assert result["max_score"] == 10
    assert result["ratio"] == 79.4
    # 741/1000 -> 4.446; 2.5 × 33/50 = 1.65; 2 -> 8.096 -> 8.1 (exact sum, then rounded)
    odd = score_metric(
        "PAYMENT_TOTAL",
        params=payment(
            totalDossierOnlinePaymentSuccess=741,
            totalDossierFinancialObligation=1000,
            totalDossierOnlineFormalityPaymentSuccess=33,
        ),
    )
    assert odd["score"] == 8.1


def test_payment_total_threshold_edges_and_empty() -> None:
    full = score_metric(
        "PAYMENT_TOTAL",
        params=payment(
            totalDossierOnlinePaymentSuccess=100, totalDossierOnlineFormalityPaymentSuccess=40
        ),
    )
    assert full["score"] == 10.0  # B = 40/50 = 80 % -> full
    below = score_metric(
        "PAYMENT_TOTAL",
        params=payment(
            totalDossierOnlinePaymentSuccess=100, totalDossierOnlineFormalityPaymentSuccess=39
        ),
    )
    assert below["score"] == 9.95  # 6 + 2 + 2.5 × 0.78
    # C above 80 %: capped at its 2 points (the portal's observed term is uncapped)
    capped = score_metric("PAYMENT_TOTAL", params=payment(totalFeeDossierFormality=50))
    assert capped["parts"][1]["score"] == 2.0
    # no fee-bearing procedures or dossiers: every ratio 0, as observed on the portal
    empty = score_metric("PAYMENT_TOTAL", params=dict.fromkeys(payment(), 0))
    assert [p["score"] for p in empty["parts"]] == [0.0, 0.0, 0.0]
    assert empty["score"] == 0.0


def test_payment_total_input_errors_name_the_param() -> None:
    params = payment()
    del params["totalFeeFormality"]
    with pytest.raises(IndicatorInputError) as err:
        score_metric("PAYMENT_TOTAL", params=params)
    assert err.value.field == "totalFeeFormality"
    with pytest.raises(IndicatorInputError) as err:
        score_metric("PAYMENT_TOTAL", params=payment(totalDossierOnlinePaymentSuccess=101))
    assert err.value.field == "totalDossierOnlinePaymentSuccess"
    with pytest.raises(IndicatorInputError) as err:
        score_metric("PAYMENT_TOTAL", params={**payment(), "bogus": 1})
    assert err.value.field == "bogus"


def test_payment_indicators_individually() -> None:
    assert score("PAYMENT_DOSSIER_ONLINE", 741, 1000) == 4.45  # 6 × 0.741 = 4.446
    assert score("PAYMENT_DOSSIER_ONLINE", 0, 0) == 0.0
    assert score("PAYMENT_FEE_FORMALITY_PROVIDED", 7, 10) == 1.75
    assert score("PAYMENT_FORMALITY_ONLINE_TRANSACTION", 9, 10) == 2.0
    assert score("PAYMENT_FEE_FORMALITY_PROVIDED", 0, 0) == 0.0
    assert score("PAYMENT_FORMALITY_ONLINE_TRANSACTION", 0, 0) == 0.0


# ---------------------------------------------------------------- digitization


@pytest.mark.parametrize(
    ("metric", "maximum"),
    [
        ("ORIGINAL_RESULT_AVAILABLE", 6),
        ("SO_HOA_GIAY_TO_GIAI_QUYET", 4),
        ("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", 4),
        ("CITIZEN_DATA_CONNECTED_DOSSIER", 2),
    ],
)
def test_digitization_linear_dossier_indicators(metric: str, maximum: int) -> None:
    assert score(metric, 80, 100) == round(maximum * 0.8, 2)  # no 80 % threshold here
    assert score(metric, 100, 100) == maximum
    assert score(metric, 0, 0) == 0.0


def test_digitization_procedure_level_indicators_full_when_empty() -> None:
    assert score("CITIZEN_DATA_CONNECTED_FORMALITY", 1, 4) == 0.5
    assert score("CITIZEN_DATA_CONNECTED_FORMALITY", 0, 0) == 2.0
    assert score("ELECTRONIC_CERTIFIED_COPY", 63, 126) == 1.0
    assert score("ELECTRONIC_CERTIFIED_COPY", 0, 0) == 2.0


def test_reused_digitized_data_full_from_80_percent() -> None:
    assert score("REUSED_DIGITIZED_DATA", 80, 100) == 2.0
    assert score("REUSED_DIGITIZED_DATA", 79, 100) == 1.98  # 2 × 0.79 / 0.8 = 1.975
    assert score("REUSED_DIGITIZED_DATA", 40, 100) == 1.0
    assert score("REUSED_DIGITIZED_DATA", 0, 0) == 0.0


# ---------------------------------------------------------------- satisfaction


@pytest.mark.parametrize(
    "metric", ["PETITION_PROCESSING_ON_TIME", "PETITION_HANDLING_SATISFACTION"]
)
def test_petitions_linear_and_six_when_none(metric: str) -> None:
    # iHanoi 07/2024: 523 resolved, 97.45 % on time ≈ 510/523
    result = score_metric(metric, 510, 523)
    assert result["ratio"] == 97.51
    assert result["score"] == 5.85
    assert score(metric, 0, 0) == 6.0


def test_dossier_receiving_satisfaction_90_percent_threshold() -> None:
    assert score("DOSSIER_RECEIVING_SATISFACTION", 90, 100) == 6.0  # edge
    assert score("DOSSIER_RECEIVING_SATISFACTION", 89, 100) == 5.93  # 6 × .89/.9 = 5.9333
    assert score("DOSSIER_RECEIVING_SATISFACTION", 0, 0) == 0.0
    # 1,000 dossiers, 30 overdue, 50 with a PAKN or dislike: 100 % − 3 % − 5 % = 92 % -> 6
    result = score_metric(
        "DOSSIER_RECEIVING_SATISFACTION",
        0,
        1000,
        {"overdueDossiers": 30, "complainedDossiers": 50},
    )
    assert result["numerator"] == 920 and result["ratio"] == 92.0 and result["score"] == 6.0
    # 100 overdue + 50 complaints = 85 % -> 6 × .85 / .9 = 5.67
    assert (
        score("DOSSIER_RECEIVING_SATISFACTION", 0, 1000, overdueDossiers=100, complainedDossiers=50)
        == 5.67
    )
    with pytest.raises(IndicatorInputError):
        score_metric("DOSSIER_RECEIVING_SATISFACTION", 0, 10, {"overdueDossiers": 11})


# ---------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    ("num", "den", "field_name"),
    [
        (5, 4, "numerator"),
        (-1, 4, "numerator"),
        (1, -4, "denominator"),
        (float("nan"), 4, "numerator"),
    ],
)
def test_bad_counts_are_refused_naming_the_field(num: float, den: int, field_name: str) -> None:
    with pytest.raises(IndicatorInputError) as err:
        score_metric("PUBLISH_ON_TIME", num, den)  # type: ignore[arg-type]
    assert err.value.field == field_name
    assert err.value.message_vi and err.value.message_en


def test_unknown_metric_and_param() -> None:
    with pytest.raises(IndicatorInputError) as err:
        score_metric("NOPE", 1, 2)
    assert err.value.field == "metric" and "PROGRESS_ON_TIME" in err.value.message_en
    with pytest.raises(IndicatorInputError) as err:
        score_metric("PUBLISH_ON_TIME", 1, 2, {"syncRate": 5})
    assert err.value.field == "syncRate"
    with pytest.raises(IndicatorInputError) as err:
        score_metric("PUBLISH_ON_TIME", None, 2)
    assert err.value.field == "numerator"
    assert score_metric("publish_on_time", 1, 2)["metric"] == "PUBLISH_ON_TIME"


def test_parse_params() -> None:
    assert parse_params(["syncRate=75", "x = 1.5"]) == {"syncRate": 75, "x": Fraction(3, 2)}
    for bad, field_name in (("syncRate", "param"), ("=3", "param"), ("syncRate=abc", "syncRate")):
        with pytest.raises(IndicatorInputError) as err:
            parse_params([bad])
        assert err.value.field == field_name


# ---------------------------------------------------------------- rule sets, scorecard


def test_ruleset_for_effective_date() -> None:
    assert ruleset_for(date(2026, 10, 1)) is DVCQG_2026
    assert ruleset_for(date(2022, 6, 23)) is DVCQG_2026
    with pytest.raises(IndicatorInputError) as err:
        ruleset_for(date(2022, 6, 22))
    assert err.value.field == "period"


def test_every_indicator_cites_its_rule_and_states_empty_handling() -> None:
    for ind in DVCQG_2026.indicators:
        assert ind.rule and ind.name_vi and ind.name_en, ind.code
        assert isinstance(ind.on_empty, EmptyPolicy)
        assert 0 < ind.target <= 1


def test_score_card_totals_and_no_data() -> None:
    card = score_card(
        {
            "PROGRESS_ON_TIME": MetricInput(3, 4),
            "DOSSIER_SYNC": MetricInput(1, 2),
            "PETITION_PROCESSING_ON_TIME": MetricInput(0, 0),
        }
    )
    data = card.as_dict()
    assert data["total"] == 15.0 + 3.0 + 6.0
    assert data["max_score"] == 100
    assert data["complete"] is False
    transparency = data["groups"][0]
    assert transparency["group"] == "transparency" and transparency["score"] == 3.0
    publish = transparency["indicators"][0]
    assert publish["metric"] == "PUBLISH_ON_TIME"
    assert publish["score"] is None and publish["note"] == "no data yet"
    with pytest.raises(IndicatorInputError):
        score_card({"NOPE": MetricInput(1, 1)})


def test_score_card_complete_when_every_input_given() -> None:
    inputs = {ind.code: MetricInput(1, 1) for ind in DVCQG_2026.indicators}
    data = score_card(inputs).as_dict()
    assert data["complete"] is True
    assert data["total"] == 100.0


SCRIPT = """
import sys
sys.modules["django"] = None
import motcua.indicators.engine
import motcua.indicators.cli
from motcua.indicators.engine import score_metric
assert score_metric("PROGRESS_ON_TIME", 1, 2)["score"] == 10.0
words = ["score", "--metric", "PUBLISH_ON_TIME", "--numerator", "1", "--denominator", "2"]
assert motcua.indicators.cli.main([*words, "--json"]) == 0
loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
assert loaded == ["django"], loaded
print("ok")
"""


def test_engine_imports_without_django() -> None:
    src = str(Path(motcua.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": src}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
