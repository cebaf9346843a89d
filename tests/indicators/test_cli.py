"""``motcua indicators score``: one indicator from raw counts on the command line."""

from __future__ import annotations

import json

import pytest

from motcua.indicators.cli import main


def run(capsys: pytest.CaptureFixture[str], *words: str) -> tuple[int, str, str]:
    status = main(list(words))
    out, err = capsys.readouterr()
    return status, out, err


def test_score_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "score", "--metric", "PROGRESS_ON_TIME", "--numerator", "998", "--denominator", "1000",
        "--json",
    )  # fmt: skip
    assert status == 0
    data = json.loads(out)
    assert {k: data[k] for k in ("metric", "ratio", "score", "max_score")} == {
        "metric": "PROGRESS_ON_TIME",
        "ratio": 99.8,
        "score": 19.96,
        "max_score": 20,
    }


def test_payment_total_with_named_params(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "score", "--metric", "PAYMENT_TOTAL",
        "--param", "totalDossierOnlinePaymentSuccess=74",
        "--param", "totalDossierFinancialObligation=100",
        "--param", "totalDossierOnlineFormalityPaymentSuccess=30",
        "--param", "totalFeeFormality=50",
        "--param", "totalFeeDossierFormality=40",
        "--json",
    )  # fmt: skip
    assert status == 0
    data = json.loads(out)
    assert data["score"] == 7.94 and data["max_score"] == 10
    assert [part["score"] for part in data["parts"]] == [4.44, 2.0, 1.5]


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "score", "--metric", "REUSED_DIGITIZED_DATA", "--numerator", "2",
        "--denominator", "5",
    )  # fmt: skip
    assert status == 0
    assert out.strip() == "REUSED_DIGITIZED_DATA: 1.0 / 2 (ratio 40.00 %)"


@pytest.mark.parametrize(
    ("words", "option"),
    [
        (["--metric", "NOPE", "--numerator", "1", "--denominator", "2"], "--metric"),
        (["--metric", "PUBLISH_ON_TIME", "--numerator", "x", "--denominator", "2"], "--numerator"),
        (["--metric", "PUBLISH_ON_TIME", "--numerator", "3", "--denominator", "2"], "--numerator"),
        (["--metric", "PUBLISH_ON_TIME", "--numerator", "1"], "--denominator"),
        (
            ["--metric", "PUBLISH_ON_TIME", "--numerator", "1", "--denominator", "-2"],
            "--denominator",
        ),
        (
            ["--metric", "DOSSIER_SYNC", "--numerator", "1", "--denominator", "2", "--param", "x"],
            "--param",
        ),
        (["--metric", "PAYMENT_TOTAL", "--param", "totalFeeFormality=1"], "--param total"),
    ],
)
def test_bad_input_exits_2_naming_the_option(
    capsys: pytest.CaptureFixture[str], words: list[str], option: str
) -> None:
    status, out, err = run(capsys, "score", *words)
    assert status == 2
    assert out == ""
    assert option in err and " / " in err
    assert "Traceback" not in err


def test_missing_metric_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["score", "--numerator", "1"])
    assert exc.value.code == 2
    assert "--metric" in capsys.readouterr().err


def test_scorecard_needs_a_period(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys)
    assert status == 2 and "--period" in err
