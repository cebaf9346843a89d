"""Decision 766/QĐ-TTg scoring engine: formulas of the real-time service-quality index.

Framework-free (no Django import): the callers count, this module scores. Everything here is
pure and exact (``fractions.Fraction`` inside; rounded to 2 decimals only on output).

Rules (``docs/indicators.md`` and ``domain-vn.md`` §6 give the sources):

* Quyết định 766/QĐ-TTg (23/6/2022) "Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục
  vụ người dân, doanh nghiệp ... theo thời gian thực", as the national portal (DVCQG) operates
  it in 2026: six groups — transparency 18, progress 20, online service 12, online payment 10,
  digitization 22, satisfaction 18 — total 100.
* Every indicator is ``ratio = numerator / denominator`` (shown in percent) and
  ``score = min(max, max × ratio / target)``: ``target = 100 %`` is linear (full marks only at
  100 %), ``target = 80 %`` gives full marks from 80 % (online services, payment, reuse),
  ``target = 90 %`` from 90 % (dossier satisfaction).
* **Empty denominators** are handled by a stated policy per indicator (:class:`EmptyPolicy`):
  full marks when nothing could go wrong and the portal gives them (no petitions; no procedure
  under the unit's authority — "indicators not applicable get full marks"), zero for dossier
  counts (observed on the portal for ``DOSSIER_RECEIVING_SATISFACTION``), the previous year's
  average for ``DOSSIER_SYNC``. ``score`` is ``None`` only when an input is missing: a number
  is never made up.
* Indicators are named by the portal's metric codes where it has them; others by our own
  codes (``ONLINE_*``, ``PAYMENT_*``, ``PROGRESS_ON_TIME``).

Rule sets are versioned by ``effective_from`` (:func:`ruleset_for`), like the deadline rules of
``motcua.workcal``. The split of the online-service group's 12 points is not published: the
chosen split (4 / 4 / 4) lives in the rule set and :func:`with_online_split` replaces it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

__all__ = [
    "DVCQG_2026",
    "RULE_SETS",
    "EmptyPolicy",
    "Group",
    "GroupScore",
    "Indicator",
    "IndicatorInputError",
    "IndicatorRuleSet",
    "MetricInput",
    "Score",
    "Scorecard",
    "parse_params",
    "payment_total",
    "round2",
    "ruleset_for",
    "score_card",
    "score_metric",
    "sync_fallback_denominator",
    "to_number",
    "with_online_split",
]

Number = int | Fraction

HUNDRED = Fraction(100)


class IndicatorInputError(ValueError):
    """Bad input to a formula: names the field and says what is wrong in Vietnamese and English."""

    def __init__(self, field_name: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{field_name}: {message_en}")
        self.field = field_name
        self.message_vi = message_vi
        self.message_en = message_en


class Group(enum.StrEnum):
    """The six groups shown by the national portal (API fields CKMB, TDGQ, TTTT, CLGQ, MDSH,
    MDHL)."""

    TRANSPARENCY = "transparency"  # Công khai minh bạch — 18
    PROGRESS = "progress"  # Tiến độ giải quyết — 20
    ONLINE_SERVICE = "online_service"  # Dịch vụ công trực tuyến — 12
    ONLINE_PAYMENT = "online_payment"  # Thanh toán trực tuyến — 10
    DIGITIZATION = "digitization"  # Số hóa hồ sơ — 22
    SATISFACTION = "satisfaction"  # Mức độ hài lòng — 18


GROUP_MAX: dict[Group, int] = {
    Group.TRANSPARENCY: 18,
    Group.PROGRESS: 20,
    Group.ONLINE_SERVICE: 12,
    Group.ONLINE_PAYMENT: 10,
    Group.DIGITIZATION: 22,
    Group.SATISFACTION: 18,
}

GROUP_NAMES_VI: dict[Group, str] = {
    Group.TRANSPARENCY: "Công khai, minh bạch",
    Group.PROGRESS: "Tiến độ giải quyết",
    Group.ONLINE_SERVICE: "Dịch vụ công trực tuyến",
    Group.ONLINE_PAYMENT: "Thanh toán trực tuyến",
    Group.DIGITIZATION: "Số hóa hồ sơ",
    Group.SATISFACTION: "Mức độ hài lòng",
}


class EmptyPolicy(enum.StrEnum):
    """What an indicator scores when its denominator is 0."""

    FULL = "full"  # full marks: nothing was due, nothing can have failed
    ZERO = "zero"  # 0 points
    FALLBACK = "fallback"  # use the ``fallbackDenominator`` param; 0 points if it is 0 too


@dataclass(frozen=True, slots=True)
class Score:
    """One indicator's result. ``ratio`` is in percent; ``None`` when the denominator is 0."""

    metric: str
    numerator: Fraction | None
    denominator: Fraction | None
    ratio: Fraction | None
    score: Fraction | None
    max_score: int
    note: str = ""
    parts: tuple[Score, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ratio and score rounded half up to 2 decimals, counts as numbers."""
        result: dict[str, Any] = {
            "metric": self.metric,
            "numerator": to_number(self.numerator),
            "denominator": to_number(self.denominator),
            "ratio": round2(self.ratio),
            "score": round2(self.score),
            "max_score": self.max_score,
        }
        if self.note:
            result["note"] = self.note
        if self.parts:
            result["parts"] = [part.as_dict() for part in self.parts]
        return result


Prepare = Callable[[Fraction, Fraction, Mapping[str, Fraction]], tuple[Fraction, Fraction, str]]


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: ``score = min(max, max × (numerator / denominator) / target)``.

    ``ref`` is its number in the portal's formula document (e.g. ``"1.4"``); ``rule`` cites the
    rule it implements; ``portal_code`` says whether ``code`` is the portal's own metric code.
    ``params`` names the extra inputs it reads (see :meth:`score`).
    """

    code: str
    group: Group
    ref: str
    name_en: str
    name_vi: str
    max_score: int
    rule: str
    target: Fraction = Fraction(1)
    on_empty: EmptyPolicy = EmptyPolicy.ZERO
    portal_code: bool = True
    params: tuple[str, ...] = ()
    prepare: Prepare | None = None

    def score(
        self,
        numerator: Number,
        denominator: Number,
        params: Mapping[str, Number] | None = None,
    ) -> Score:
        """Score raw counts. Raises :class:`IndicatorInputError` for negative counts, a
        numerator above its denominator, or an unknown param."""
        given = _check_params(self, params)
        num = _count("numerator", numerator)
        den = _count("denominator", denominator)
        note = ""
        used_fallback = False
        if self.prepare is not None:
            num, den, note = self.prepare(num, den, given)
        if den == 0 and self.on_empty is EmptyPolicy.FALLBACK:
            fallback = given.get("fallbackDenominator", Fraction(0))
            if fallback > 0:
                den, used_fallback = fallback, True
                note = _join(note, "denominator from fallbackDenominator (previous year average)")
        if den == 0:
            if self.on_empty is EmptyPolicy.FULL:
                points, why = Fraction(self.max_score), "empty denominator: full marks"
            else:
                points, why = Fraction(0), "empty denominator: 0 points"
            return Score(self.code, num, den, None, points, self.max_score, _join(note, why))
        if num > den and not used_fallback:
            raise IndicatorInputError(
                "numerator",
                f"tử số ({to_number(num)}) lớn hơn mẫu số ({to_number(den)}).",
                f"the numerator ({to_number(num)}) exceeds the denominator ({to_number(den)}).",
            )
        ratio = min(num / den, Fraction(1))
        points = min(Fraction(self.max_score), self.max_score * ratio / self.target)
        return Score(self.code, num, den, ratio * HUNDRED, points, self.max_score, note)


@dataclass(frozen=True, slots=True)
class IndicatorRuleSet:
    """The indicators in force from ``effective_from`` (validated: each group's maxima add up
    to the group's maximum, 100 in all)."""

    version: str
    effective_from: date
    legal_basis: str
    indicators: tuple[Indicator, ...]
    notes: str = ""
    by_code: dict[str, Indicator] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        codes = [ind.code for ind in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError(f"{self.version}: duplicate indicator codes")
        for group, maximum in GROUP_MAX.items():
            total = sum(ind.max_score for ind in self.indicators if ind.group is group)
            if total != maximum:
                raise ValueError(f"{self.version}: group {group} sums to {total}, not {maximum}")
        object.__setattr__(self, "by_code", {ind.code: ind for ind in self.indicators})

    def indicator(self, code: str) -> Indicator:
        """The indicator named ``code`` (case-insensitive); :class:`IndicatorInputError` if
        unknown."""
        found = self.by_code.get(code.strip().upper())
        if found is None:
            known = ", ".join(sorted([*self.by_code, PAYMENT_TOTAL]))
            raise IndicatorInputError(
                "metric",
                f"không có chỉ số mã {code!r}; các mã: {known}.",
                f"there is no indicator {code!r}; known codes: {known}.",
            )
        return found

    def in_group(self, group: Group) -> tuple[Indicator, ...]:
        return tuple(ind for ind in self.indicators if ind.group is group)


# --------------------------------------------------------------------------- inputs helpers


def to_number(value: Fraction | None) -> int | float | None:
    """An exact count as an int when whole, else a float (for JSON)."""
    if value is None:
        return None
    if value.denominator == 1:
        return int(value)
    return float(value)


def round2(value: Fraction | None) -> float | None:
    """Round half up to 2 decimals (how ratios and scores are shown); ``None`` stays."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


def _count(name: str, value: Number | float) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        raise IndicatorInputError(
            name, f"{name} phải là một số.", f"{name} must be a number (got {value!r})."
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise IndicatorInputError(
            name, f"{name} phải là một số hữu hạn.", f"{name} must be a finite number."
        )
    exact = Fraction(value)
    if exact < 0:
        raise IndicatorInputError(
            name, f"{name} không được âm.", f"{name} must not be negative (got {value})."
        )
    return exact


def _check_params(ind: Indicator, params: Mapping[str, Number] | None) -> dict[str, Fraction]:
    given: dict[str, Fraction] = {}
    for name, value in (params or {}).items():
        if name not in ind.params:
            allowed = ", ".join(ind.params) or "(none)"
            raise IndicatorInputError(
                name,
                f"chỉ số {ind.code} không có tham số {name!r}; tham số hợp lệ: {allowed}.",
                f"indicator {ind.code} has no param {name!r}; valid params: {allowed}.",
            )
        given[name] = _count(name, value)
    return given


def sync_fallback_denominator(previous_year_total: int, period: str) -> Fraction:
    """DOSSIER_SYNC's denominator when both national counts are 0 (formula doc 1.4): the
    previous year's total / 12 for a month, / 4 for a quarter, itself for a year."""
    divisor = {"month": 12, "quarter": 4, "year": 1}.get(period)
    if divisor is None:
        raise IndicatorInputError(
            "period",
            "kỳ phải là month, quarter hoặc year.",
            f"period must be month, quarter or year (got {period!r}).",
        )
    return _count("previous_year_total", previous_year_total) / divisor


def _sync_prepare(
    num: Fraction, den: Fraction, params: Mapping[str, Fraction]
) -> tuple[Fraction, Fraction, str]:
    """1.4: denominator = max(dossiers in the national reporting system, dossiers on DVCQG)."""
    portal = params.get("portalDossiers")
    if portal is not None and portal > den:
        return num, portal, "denominator = portalDossiers (larger of the two national counts)"
    return num, den, ""


def _online_share_prepare(
    num: Fraction, den: Fraction, params: Mapping[str, Fraction]
) -> tuple[Fraction, Fraction, str]:
    """3.3: online share × sync rate (``syncRate`` in percent; 100 when not given)."""
    rate = params.get("syncRate")
    if rate is None:
        return num, den, ""
    if rate > HUNDRED:
        raise IndicatorInputError(
            "syncRate",
            "syncRate không được quá 100.",
            f"syncRate must be at most 100 (got {rate}).",
        )
    if num > den:
        return num, den, ""  # refused by the caller with the numerator message
    return num * rate / HUNDRED, den, f"numerator × syncRate {to_number(rate)} %"


def _receiving_satisfaction_prepare(
    num: Fraction, den: Fraction, params: Mapping[str, Fraction]
) -> tuple[Fraction, Fraction, str]:
    """5.4: ratio = 100 % − (% overdue + % with PAKN or dislike); from params when given."""
    overdue = params.get("overdueDossiers")
    complained = params.get("complainedDossiers")
    if overdue is None and complained is None:
        return num, den, ""
    lost = (overdue or Fraction(0)) + (complained or Fraction(0))
    if lost > den:
        raise IndicatorInputError(
            "overdueDossiers",
            "số hồ sơ quá hạn cộng hồ sơ bị phản ánh vượt quá mẫu số.",
            "overdueDossiers + complainedDossiers exceed the denominator.",
        )
    return den - lost, den, "numerator = denominator − overdueDossiers − complainedDossiers"


# --------------------------------------------------------------------------- the 2026 rule set

_DOC = "Mô tả công thức tính chỉ số 766 (DVCQG), "
_API = "scoring observed on the DVCQG reporting API (2026)"
EIGHTY = Fraction(4, 5)
NINETY = Fraction(9, 10)

PAYMENT_TOTAL = "PAYMENT_TOTAL"

_INDICATORS_2026: tuple[Indicator, ...] = (
    # ---------------------------------------------------------------- 1. transparency (18)
    Indicator(
        "PUBLISH_ON_TIME",
        Group.TRANSPARENCY,
        "1.1",
        "Procedures announced on time",
        "TTHC được công bố đúng hạn",
        6,
        _DOC + "1.1: TTHC announced on time / TTHC to announce in the period × 100; "
        "score = 6 × ratio (" + _API + ").",
        on_empty=EmptyPolicy.FULL,
    ),
    Indicator(
        "PUBLIC_UPDATE_ON_TIME",
        Group.TRANSPARENCY,
        "1.2",
        "Procedures published on the national database on time",
        "TTHC được cập nhật, công khai đúng hạn",
        4,
        _DOC + "1.2: TTHC published on time / TTHC to publish × 100; score = 4 × ratio.",
        on_empty=EmptyPolicy.FULL,
    ),
    Indicator(
        "PUBLIC_CONTENT_FULL",
        Group.TRANSPARENCY,
        "1.3",
        "Procedures published with full content",
        "TTHC được công khai đầy đủ nội dung",
        2,
        _DOC + "1.3: TTHC with every ND 63/2010 Art 8.2 component / TTHC published × 100; "
        "score = 2 × ratio.",
        on_empty=EmptyPolicy.FULL,
    ),
    Indicator(
        "DOSSIER_SYNC",
        Group.TRANSPARENCY,
        "1.4",
        "Dossiers synchronised to the national portal",
        "Hồ sơ đồng bộ trạng thái lên Cổng DVCQG",
        6,
        _DOC + "1.4: synced dossiers received in the period / max(dossiers in the national "
        "reporting system, dossiers on DVCQG) × 100; both 0 ⇒ previous year's total / 12 "
        "(month) or / 4 (quarter); score = 6 × ratio.",
        on_empty=EmptyPolicy.FALLBACK,
        params=("portalDossiers", "fallbackDenominator"),
        prepare=_sync_prepare,
    ),
    # ---------------------------------------------------------------- 2. progress (20)
    Indicator(
        "PROGRESS_ON_TIME",
        Group.PROGRESS,
        "2.1",
        "Dossiers handled early or on time",
        "Hồ sơ xử lý trước hạn, đúng hạn",
        20,
        _DOC + "2.1: (finished on time + in process within time) / dossiers received and "
        "processed in the period × 100; score = 20 × totalOnTime / totalReceived (" + _API + ").",
        portal_code=False,
    ),
    # ---------------------------------------------------------------- 3. online service (12)
    Indicator(
        "ONLINE_SERVICE_PROVIDED",
        Group.ONLINE_SERVICE,
        "3.1",
        "Procedures offered as online services",
        "TTHC cung cấp dịch vụ công trực tuyến",
        4,
        _DOC + "3.1: TTHC with an online service / TTHC under the unit's authority; ≥ 80 % ⇒ "
        "full marks, else ratio × max / 80 %. Share of the 12 points: our choice (4), "
        "docs/indicators.md.",
        target=EIGHTY,
        on_empty=EmptyPolicy.FULL,
        portal_code=False,
    ),
    Indicator(
        "ONLINE_SERVICE_USED",
        Group.ONLINE_SERVICE,
        "3.2",
        "Online services that received at least one dossier",
        "DVCTT có phát sinh hồ sơ",
        4,
        _DOC + "3.2: online services with ≥ 1 online dossier / online services of the TTHC "
        "(published or testing); linear. Share of the 12 points: our choice (4).",
        on_empty=EmptyPolicy.FULL,
        portal_code=False,
    ),
    Indicator(
        "ONLINE_DOSSIER_SHARE",
        Group.ONLINE_SERVICE,
        "3.3",
        "Dossiers received online",
        "Hồ sơ tiếp nhận trực tuyến",
        4,
        _DOC + "3.3: dossiers received online (with an electronic result when the result is "
        "a document) / dossiers received × sync rate; ≥ 50 % online ⇒ full marks. Share of the "
        "12 points: our choice (4).",
        target=Fraction(1, 2),
        portal_code=False,
        params=("syncRate",),
        prepare=_online_share_prepare,
    ),
    # ---------------------------------------------------------------- 3b. online payment (10)
    Indicator(
        "PAYMENT_FEE_FORMALITY_PROVIDED",
        Group.ONLINE_PAYMENT,
        "3.5",
        "Fee-bearing procedures whose fees are provided on the national portal",
        "TTHC có nghĩa vụ tài chính được cung cấp trên Cổng DVCQG",
        2,
        _DOC + "3.5: TTHC with synced fee data (totalFeeDossierFormality) / TTHC with fees in "
        "the national database (totalFeeFormality); ≥ 80 % ⇒ full marks. The portal's "
        "observed term is 2.5 × ratio, uncapped (" + _API + "); we cap it at the 2 points "
        "(docs/indicators.md). Empty denominator: 0, as observed.",
        target=EIGHTY,
        portal_code=False,
    ),
    Indicator(
        "PAYMENT_FORMALITY_ONLINE_TRANSACTION",
        Group.ONLINE_PAYMENT,
        "3.5b",
        "Fee-bearing procedures with an online payment",
        "TTHC có giao dịch thanh toán trực tuyến",
        2,
        _DOC + "3.5b: TTHC with ≥ 1 successful online payment "
        "(totalDossierOnlineFormalityPaymentSuccess) / totalFeeFormality; min(2, 2.5 × ratio) "
        "(" + _API + "). Empty denominator: 0, as observed.",
        target=EIGHTY,
        portal_code=False,
    ),
    Indicator(
        "PAYMENT_DOSSIER_ONLINE",
        Group.ONLINE_PAYMENT,
        "3.6",
        "Dossiers paid online",
        "Hồ sơ thanh toán trực tuyến",
        6,
        _DOC + "3.6: totalDossierOnlinePaymentSuccess / totalDossierFinancialObligation × 100; "
        "linear, full marks at 100 %.",
        portal_code=False,
    ),
    # ---------------------------------------------------------------- 4. digitization (22)
    Indicator(
        "ORIGINAL_RESULT_AVAILABLE",
        Group.DIGITIZATION,
        "4.1",
        "Dossiers with an electronic result",
        "Hồ sơ có kết quả điện tử",
        6,
        _DOC + "4.1: dossiers synced with a link to the result file / dossiers of TTHC whose "
        "result is a document × 100; score = 6 × ratio.",
    ),
    Indicator(
        "SO_HOA_GIAY_TO_GIAI_QUYET",
        Group.DIGITIZATION,
        "4.2",
        "Digitized dossiers",
        "Hồ sơ thực hiện số hóa",
        4,
        _DOC + "4.2: dossiers with attached component files and result / dossiers under the "
        "unit's authority × 100; the document says ≥ 80 % ⇒ full, the portal scores "
        "min(4, 4 × ratio) (" + _API + "): we follow the portal.",
    ),
    Indicator(
        "ELECTRONIC_CERTIFIED_COPY",
        Group.DIGITIZATION,
        "4.x",
        "Communes issuing electronic certified copies",
        "Chứng thực bản sao điện tử từ bản chính",
        2,
        "METRICS row 14: communes providing e-certified copies / communes; score = 2 × ratio.",
        on_empty=EmptyPolicy.FULL,
    ),
    Indicator(
        "REUSED_DIGITIZED_DATA",
        Group.DIGITIZATION,
        "4.3",
        "Dossiers reusing digitized data",
        "Khai thác, sử dụng lại dữ liệu số hóa",
        2,
        _DOC + "4.3: dossiers with ≥ 1 component flagged reused / dossiers received × 100; "
        "≥ 80 % ⇒ full marks: min(2, 2 × ratio / 80 %) (" + _API + ").",
        target=EIGHTY,
    ),
    Indicator(
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
        Group.DIGITIZATION,
        "4.4",
        "Dossiers connected to the citizen's data store on the national portal",
        "Hồ sơ số hóa có kết nối, chia sẻ phục vụ tái sử dụng",
        4,
        _DOC + "4.4: dossiers with a component from the personal data store or a result "
        "synced to the citizen's list / dossiers received × 100; score = 4 × ratio.",
    ),
    Indicator(
        "CITIZEN_DATA_CONNECTED_DOSSIER",
        Group.DIGITIZATION,
        "4.5b",
        "Dossiers using population data",
        "Hồ sơ sử dụng dữ liệu dân cư",
        2,
        _DOC + "4.5: dossiers with a VNeID-authenticated account or data from the population "
        "database / dossiers × 100; score = 2 × ratio.",
    ),
    Indicator(
        "CITIZEN_DATA_CONNECTED_FORMALITY",
        Group.DIGITIZATION,
        "4.5a",
        "Procedures connected to population data",
        "TTHC kết nối dữ liệu dân cư",
        2,
        _DOC + "4.5: TTHC with such dossiers / TTHC whose subjects are citizens; "
        "score = 2 × ratio.",
        on_empty=EmptyPolicy.FULL,
    ),
    # ---------------------------------------------------------------- 5. satisfaction (18)
    Indicator(
        "PETITION_PROCESSING_ON_TIME",
        Group.SATISFACTION,
        "5.2",
        "Petitions handled on time",
        "Phản ánh, kiến nghị xử lý đúng hạn",
        6,
        _DOC + "5.2: (PAKN handled on time + in process within time) / PAKN under the unit's "
        "authority × 100; score = 6 × ratio; 6 when there is no PAKN (" + _API + ").",
        on_empty=EmptyPolicy.FULL,
    ),
    Indicator(
        "PETITION_HANDLING_SATISFACTION",
        Group.SATISFACTION,
        "5.3",
        "Satisfaction with petition handling",
        "Hài lòng trong xử lý phản ánh, kiến nghị",
        6,
        _DOC + "5.3: (PAKN − rated unsatisfied − late − repeated) / PAKN first received in "
        "the period × 100; score = 6 × ratio; 6 when there is no PAKN (" + _API + ").",
        on_empty=EmptyPolicy.FULL,
    ),
    Indicator(
        "DOSSIER_RECEIVING_SATISFACTION",
        Group.SATISFACTION,
        "5.4",
        "Satisfaction with receiving and handling dossiers",
        "Hài lòng trong tiếp nhận, giải quyết TTHC",
        6,
        _DOC + "5.4: 100 % − (% overdue dossiers + % dossiers with PAKN or 'dislike'); "
        "≥ 90 % ⇒ full marks, else ratio × 6 / 90 %; 0 when there are no dossiers "
        "(" + _API + ").",
        target=NINETY,
        params=("overdueDossiers", "complainedDossiers"),
        prepare=_receiving_satisfaction_prepare,
    ),
)

DVCQG_2026 = IndicatorRuleSet(
    version="QD766-DVCQG-2026",
    effective_from=date(2022, 6, 23),
    legal_basis=(
        "Quyết định 766/QĐ-TTg (23/6/2022), as operated by the national portal (DVCQG) in 2026: "
        "6 groups 18/20/12/10/22/18"
    ),
    indicators=_INDICATORS_2026,
    notes=(
        "The 2022 appendix text was not retrieved; this is the portal's operational method "
        "observed in 2026, applied from the decision's date. The online-service split "
        "(4/4/4) is our choice."
    ),
)

#: Every rule set, oldest first.
RULE_SETS: tuple[IndicatorRuleSet, ...] = (DVCQG_2026,)


def ruleset_for(day: date, rule_sets: tuple[IndicatorRuleSet, ...] = RULE_SETS) -> IndicatorRuleSet:
    """The rule set in force on ``day`` (the latest with ``effective_from`` ≤ ``day``)."""
    chosen = [rs for rs in rule_sets if rs.effective_from <= day]
    if not chosen:
        first = min(rs.effective_from for rs in rule_sets)
        raise IndicatorInputError(
            "period",
            f"chưa có bộ chỉ số trước {first:%d/%m/%Y}.",
            f"no indicator rule set before {first.isoformat()}.",
        )
    return max(chosen, key=lambda rs: rs.effective_from)


def with_online_split(
    ruleset: IndicatorRuleSet,
    maxima: Mapping[str, int],
    targets: Mapping[str, Fraction] | None = None,
    version: str | None = None,
) -> IndicatorRuleSet:
    """A copy of ``ruleset`` with other maxima (and targets) for the online-service indicators:
    the way to replace our 4/4/4 split when the national method is known. The maxima must still
    add up to 12 (checked)."""
    online = {ind.code for ind in ruleset.in_group(Group.ONLINE_SERVICE)}
    unknown = set(maxima) - online
    if unknown:
        raise ValueError(f"not online-service indicators: {sorted(unknown)}")
    targets = targets or {}
    indicators = tuple(
        replace(
            ind,
            max_score=maxima.get(ind.code, ind.max_score),
            target=targets.get(ind.code, ind.target),
        )
        if ind.code in online
        else ind
        for ind in ruleset.indicators
    )
    return IndicatorRuleSet(
        version=version or f"{ruleset.version}+online-split",
        effective_from=ruleset.effective_from,
        legal_basis=ruleset.legal_basis,
        indicators=indicators,
        notes=ruleset.notes,
    )


# --------------------------------------------------------------------------- PAYMENT_TOTAL

PAYMENT_PARAMS: tuple[str, ...] = (
    "totalDossierOnlinePaymentSuccess",
    "totalDossierFinancialObligation",
    "totalDossierOnlineFormalityPaymentSuccess",
    "totalFeeFormality",
    "totalFeeDossierFormality",
)


def payment_total(params: Mapping[str, Number], ruleset: IndicatorRuleSet = DVCQG_2026) -> Score:
    """The online-payment group's score from the portal's named inputs (``PAYMENT_TOTAL``):

    ``6·A + min(2, 2.5·B) + min(2, 2.5·C)`` with
    A = ``totalDossierOnlinePaymentSuccess / totalDossierFinancialObligation`` (3.6),
    B = ``totalDossierOnlineFormalityPaymentSuccess / totalFeeFormality`` (3.5b),
    C = ``totalFeeDossierFormality / totalFeeFormality`` (3.5); a ratio with a 0 denominator
    is 0. This is the formula reverse-engineered from the portal's API (984 observations,
    within 0.015 points) except that the portal's ``2.5·C`` is uncapped: we cap it at its 2
    points so the group cannot exceed 10 (docs/indicators.md). Every param is required.
    ``ratio`` is the score as a percentage of 10.
    """
    missing = [name for name in PAYMENT_PARAMS if name not in params]
    extra = sorted(set(params) - set(PAYMENT_PARAMS))
    if extra:
        raise IndicatorInputError(
            extra[0],
            f"PAYMENT_TOTAL không có tham số {extra[0]!r}; tham số: {', '.join(PAYMENT_PARAMS)}.",
            f"PAYMENT_TOTAL has no param {extra[0]!r}; params: {', '.join(PAYMENT_PARAMS)}.",
        )
    if missing:
        raise IndicatorInputError(
            missing[0],
            f"PAYMENT_TOTAL thiếu tham số {', '.join(missing)}.",
            f"PAYMENT_TOTAL needs the param(s) {', '.join(missing)}.",
        )
    p = params
    pairs = (
        (
            "PAYMENT_DOSSIER_ONLINE",
            "totalDossierOnlinePaymentSuccess",
            "totalDossierFinancialObligation",
        ),
        ("PAYMENT_FEE_FORMALITY_PROVIDED", "totalFeeDossierFormality", "totalFeeFormality"),
        (
            "PAYMENT_FORMALITY_ONLINE_TRANSACTION",
            "totalDossierOnlineFormalityPaymentSuccess",
            "totalFeeFormality",
        ),
    )
    parts: list[Score] = []
    for code, num_name, den_name in pairs:
        try:
            parts.append(ruleset.indicator(code).score(p[num_name], p[den_name]))
        except IndicatorInputError as exc:
            field_name = {"numerator": num_name, "denominator": den_name}.get(exc.field, exc.field)
            raise IndicatorInputError(field_name, exc.message_vi, exc.message_en) from exc
    total = sum((part.score or Fraction(0) for part in parts), Fraction(0))
    maximum = GROUP_MAX[Group.ONLINE_PAYMENT]
    return Score(
        PAYMENT_TOTAL, None, None, total / maximum * HUNDRED, total, maximum, parts=tuple(parts)
    )


# --------------------------------------------------------------------------- entry points


def score_metric(
    metric: str,
    numerator: Number | None = None,
    denominator: Number | None = None,
    params: Mapping[str, Number] | None = None,
    *,
    ruleset: IndicatorRuleSet = DVCQG_2026,
) -> dict[str, Any]:
    """One indicator from raw counts: ``{"metric", "ratio", "score", "max_score", …}``.

    ``PAYMENT_TOTAL`` takes its inputs as params named as the portal names them (see
    :func:`payment_total`); every other metric needs ``numerator`` and ``denominator``.
    """
    if metric.strip().upper() == PAYMENT_TOTAL:
        return payment_total(params or {}, ruleset).as_dict()
    indicator = ruleset.indicator(metric)
    if numerator is None:
        raise IndicatorInputError(
            "numerator", "thiếu tử số (--numerator).", "the numerator is missing (--numerator)."
        )
    if denominator is None:
        raise IndicatorInputError(
            "denominator",
            "thiếu mẫu số (--denominator).",
            "the denominator is missing (--denominator).",
        )
    return indicator.score(numerator, denominator, params).as_dict()


@dataclass(frozen=True, slots=True)
class MetricInput:
    """Counts for one indicator; ``None`` (no input at all) means "no data yet"."""

    numerator: Number
    denominator: Number
    params: Mapping[str, Number] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupScore:
    group: Group
    max_score: int
    score: Fraction
    scores: tuple[Score, ...]
    missing: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group.value,
            "name_vi": GROUP_NAMES_VI[self.group],
            "score": round2(self.score),
            "max_score": self.max_score,
            "complete": not self.missing,
            "indicators": [s.as_dict() for s in self.scores],
        }


@dataclass(frozen=True, slots=True)
class Scorecard:
    """Scores per group. An indicator without input is listed with ``score: null`` and the note
    "no data yet"; ``total`` adds the indicators that have data and ``complete`` says whether
    that is all of them."""

    ruleset: str
    groups: tuple[GroupScore, ...]

    @property
    def total(self) -> Fraction:
        return sum((g.score for g in self.groups), Fraction(0))

    @property
    def complete(self) -> bool:
        return all(not g.missing for g in self.groups)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ruleset": self.ruleset,
            "total": round2(self.total),
            "max_score": sum(g.max_score for g in self.groups),
            "complete": self.complete,
            "groups": [g.as_dict() for g in self.groups],
        }


NO_DATA = "no data yet"


def score_card(
    inputs: Mapping[str, MetricInput], ruleset: IndicatorRuleSet = DVCQG_2026
) -> Scorecard:
    """Score every indicator of ``ruleset`` that has an input; list the others as no data."""
    unknown = sorted(set(inputs) - set(ruleset.by_code))
    if unknown:
        ruleset.indicator(unknown[0])  # raises with the list of known codes
    groups: list[GroupScore] = []
    for group, maximum in GROUP_MAX.items():
        scores: list[Score] = []
        missing: list[str] = []
        for ind in ruleset.in_group(group):
            given = inputs.get(ind.code)
            if given is None:
                missing.append(ind.code)
                scores.append(Score(ind.code, None, None, None, None, ind.max_score, NO_DATA))
            else:
                scores.append(ind.score(given.numerator, given.denominator, given.params))
        points = sum((s.score for s in scores if s.score is not None), Fraction(0))
        groups.append(GroupScore(group, maximum, points, tuple(scores), tuple(missing)))
    return Scorecard(ruleset.version, tuple(groups))


def parse_params(words: Iterable[str]) -> dict[str, Fraction]:
    """``name=value`` words (CLI ``--param``) as exact numbers; errors name the param."""
    result: dict[str, Fraction] = {}
    for word in words:
        name, sep, raw = word.partition("=")
        name = name.strip()
        if not sep or not name:
            raise IndicatorInputError(
                "param",
                f"tham số phải có dạng tên=giá_trị (nhận được {word!r}).",
                f"a param must look like name=value (got {word!r}).",
            )
        try:
            value = Fraction(raw.strip())
        except (ValueError, ZeroDivisionError):
            raise IndicatorInputError(
                name,
                f"giá trị của {name} phải là một số (nhận được {raw!r}).",
                f"the value of {name} must be a number (got {raw!r}).",
            ) from None
        result[name] = value
    return result
