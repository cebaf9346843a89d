"""Properties of the formulas over random counts (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from motcua.indicators.engine import DVCQG_2026, Group, MetricInput, payment_total, score_card

CODES = [ind.code for ind in DVCQG_2026.indicators]
counts = st.integers(min_value=0, max_value=10_000_000)


@st.composite
def fraction_counts(draw: st.DrawFn) -> tuple[int, int]:
    denominator = draw(counts)
    return draw(st.integers(min_value=0, max_value=denominator)), denominator


@given(st.sampled_from(CODES), fraction_counts(), st.integers(min_value=0, max_value=10))
def test_score_is_bounded_and_monotonic(code: str, nd: tuple[int, int], more: int) -> None:
    ind = DVCQG_2026.indicator(code)
    num, den = nd
    result = ind.score(num, den)
    assert result.score is not None
    assert 0 <= result.score <= ind.max_score
    if den:
        assert result.ratio == Fraction(num, den) * 100
        better = ind.score(min(num + more, den), den)
        assert better.score is not None and better.score >= result.score
        if num == den:
            assert result.score == ind.max_score
        if num * ind.target.denominator >= den * ind.target.numerator:
            assert result.score == ind.max_score  # at or above the threshold: full marks
        else:
            assert result.score < ind.max_score


@given(fraction_counts(), fraction_counts(), st.integers(min_value=0, max_value=5000))
def test_payment_total_matches_the_portal_formula_when_c_is_at_most_80_percent(
    a: tuple[int, int], b: tuple[int, int], extra: int
) -> None:
    paid, obliged = a
    paid_formalities, fee_formalities = b
    fee_formalities += extra  # leaves room for C ≤ 80 %
    synced_formalities = fee_formalities * 4 // 5
    params = {
        "totalDossierOnlinePaymentSuccess": paid,
        "totalDossierFinancialObligation": obliged,
        "totalDossierOnlineFormalityPaymentSuccess": min(paid_formalities, fee_formalities),
        "totalFeeFormality": fee_formalities,
        "totalFeeDossierFormality": synced_formalities,
    }

    def ratio(n: int, d: int) -> Fraction:
        return Fraction(n, d) if d else Fraction(0)

    big_a = ratio(paid, obliged)
    big_b = ratio(params["totalDossierOnlineFormalityPaymentSuccess"], fee_formalities)
    big_c = ratio(synced_formalities, fee_formalities)
    portal = 6 * big_a + min(Fraction(2), Fraction(5, 2) * big_b) + Fraction(5, 2) * big_c
    assert payment_total(params).score == portal


@given(st.dictionaries(st.sampled_from(CODES), fraction_counts()))
def test_score_card_adds_up(inputs: dict[str, tuple[int, int]]) -> None:
    card = score_card({code: MetricInput(n, d) for code, (n, d) in inputs.items()})
    scores = [s for g in card.groups for s in g.scores]
    assert card.total == sum(s.score for s in scores if s.score is not None)
    assert card.complete == (len(inputs) == len(CODES))
    for group in card.groups:
        assert 0 <= group.score <= group.max_score
    assert [g.group for g in card.groups] == list(Group)
