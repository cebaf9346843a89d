"""Citizen satisfaction ratings of Circular 01/2018/TT-VPCP, Chapter III (Arts 12–15):
the nine indices, the aggregation and the thresholds. Framework-free.

Each rated dossier scores each index 2, 1 or 0 (Art 13); an index without data is left out.
Aggregation (Art 15): the score of index *i* over a set of dossiers is the sum of the dossiers'
scores on *i* divided by the number of dossiers that have a score on *i*, to one decimal.

* An **official** is judged on indices 1, 2, 3, 4 and 7 (Art 15): total ≥ 5 → 100 % of the
  task done; 3.5 to < 5 → 70 to < 100 %; < 3.5 → < 70 %.
* A **unit** (agency) is judged on the total of all its indices: ≥ 15 excellent (xuất sắc);
  12 to < 15 good (tốt); 9 to < 12 fair (khá); 6 to < 9 average (trung bình); < 6 weak (yếu).

The thresholds apply to the total of the indices that have data (the circular leaves out an
index that lacks data and does not rescale the thresholds). Our reading, written where it is
used: the sums are taken after each index is rounded to one decimal, as the circular publishes
index scores, and halves round up (ROUND_HALF_UP, the usual Vietnamese rounding).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CRITERIA",
    "OFFICIAL_INDICES",
    "Aggregate",
    "Criterion",
    "aggregate",
    "index_scores",
    "official_band",
    "unit_band",
]

ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Criterion:
    number: int
    name_vi: str
    name_en: str
    per_dossier: bool  # rated per dossier (Art 14.1) or for the unit (Art 14.2)


CRITERIA: tuple[Criterion, ...] = (
    Criterion(1, "Thời gian giải quyết so với quy định", "Total time against the time limit", True),
    Criterion(
        2,
        "Thời gian của từng cơ quan tham gia so với quy định",
        "Time of each agency taking part against its share",
        True,
    ),
    Criterion(
        3,
        "Số lần liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ",
        "Times the reception point had to be contacted to complete the dossier",
        True,
    ),
    Criterion(4, "Số cơ quan phải liên hệ", "Number of agencies contacted", True),
    Criterion(
        5,
        "Tiếp nhận, giải quyết tại Bộ phận Một cửa",
        "Received and resolved at the one-stop section",
        False,
    ),
    Criterion(6, "Công khai thủ tục hành chính", "Publication of the procedure", True),
    Criterion(7, "Thái độ của cán bộ, công chức", "Officials' attitude", True),
    Criterion(8, "Xử lý phản ánh, kiến nghị", "Handling of reports and petitions", False),
    Criterion(9, "Cung cấp dịch vụ công trực tuyến", "Online public services", False),
)

#: The indices on which an official is judged (Art 15).
OFFICIAL_INDICES = (1, 2, 3, 4, 7)
_NUMBERS = tuple(c.number for c in CRITERIA)


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def index_scores(ratings: Iterable[Mapping[int, int | None]]) -> dict[int, Decimal | None]:
    """Per index, the mean of the scores given (one decimal), ``None`` when none was given.

    ``ratings``: one mapping per dossier, index number → 0, 1, 2 or ``None`` (not rated).
    """
    sums = dict.fromkeys(_NUMBERS, 0)
    counts = dict.fromkeys(_NUMBERS, 0)
    for rating in ratings:
        for number, score in rating.items():
            if score is None:
                continue
            if number not in sums or score not in (0, 1, 2):
                raise ValueError(f"index {number}: score {score!r} is not 0, 1 or 2")
            sums[number] += score
            counts[number] += 1
    return {
        n: (_one_decimal(Decimal(sums[n]) / counts[n]) if counts[n] else None) for n in _NUMBERS
    }


def official_band(total: Decimal | None) -> str | None:
    """``"full"`` (100 % of the task), ``"partial"`` (70 to < 100 %), ``"low"`` (< 70 %)."""
    if total is None:
        return None
    if total >= 5:
        return "full"
    if total >= Decimal("3.5"):
        return "partial"
    return "low"


def unit_band(total: Decimal | None) -> str | None:
    """``"excellent"`` ≥ 15, ``"good"`` ≥ 12, ``"fair"`` ≥ 9, ``"average"`` ≥ 6, else
    ``"weak"``."""
    if total is None:
        return None
    for floor, band in ((15, "excellent"), (12, "good"), (9, "fair"), (6, "average")):
        if total >= floor:
            return band
    return "weak"


@dataclass(frozen=True, slots=True)
class Aggregate:
    dossiers: int
    indices: dict[int, Decimal | None]
    official_total: Decimal | None  # indices 1, 2, 3, 4, 7 that have data
    official_band: str | None
    unit_total: Decimal | None  # all indices that have data
    unit_band: str | None


def _total(scores: Mapping[int, Decimal | None], numbers: Iterable[int]) -> Decimal | None:
    present = [score for n in numbers if (score := scores.get(n)) is not None]
    if not present:
        return None
    total = Decimal(0)
    for score in present:
        total += score
    return total


def aggregate(ratings: Iterable[Mapping[int, int | None]]) -> Aggregate:
    """Index scores, the official's and the unit's totals and bands over ``ratings``."""
    rows = list(ratings)
    scores = index_scores(rows)
    official = _total(scores, OFFICIAL_INDICES)
    unit = _total(scores, _NUMBERS)
    return Aggregate(
        dossiers=len(rows),
        indices=scores,
        official_total=official,
        official_band=official_band(official),
        unit_total=unit,
        unit_band=unit_band(unit),
    )
