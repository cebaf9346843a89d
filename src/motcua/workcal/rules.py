"""Versioned deadline rule sets, chosen by the date a dossier was received.

A dossier keeps the rule set in force on its reception date, also when the clock restarts
after a supplement. The numbers that the law may change live here; the arithmetic that uses
them lives in :mod:`motcua.workcal.deadlines`.

Legal basis and what is UNCONFIRMED (see ``docs/workcal.md``):

* the clock starts at valid reception (ND 61/2018 Art. 17 / ``NgayTiepNhan``);
* a supplement requested during processing restarts the time limit once the complete
  supplement arrives (ND 61/2018 Art. 19.4);
* the 15:00 cut-off comes from procedure texts ("trường hợp tiếp nhận sau 15 giờ thì trả kết
  quả trong ngày làm việc tiếp theo") and vendor practice; ND 61 Art. 18 itself sets 15:00
  only for *transferring* paper dossiers. Applying it to every day-based limit is a project
  decision, switchable per call;
* appointments at the end of the office day follow vendor practice (not a legal text);
* financial-obligation and citizen-verification pauses extending the deadline: UNCONFIRMED
  (sectoral rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

__all__ = ["ND61_2018", "ND118_2025", "RULE_SETS", "RuleSet", "ruleset_for"]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Parameters of the deadline rules in force from ``effective_from``."""

    version: str
    effective_from: date
    legal_basis: str
    #: Dossiers received at or after this local time count from the next working day.
    cutoff: time = time(15, 0)
    #: A supplement during processing restarts the whole limit (else: it pauses the clock).
    supplement_restarts: bool = True
    #: Other pauses push the due instant by the office time they consumed.
    pauses_extend: bool = True
    notes: str = ""


ND61_2018 = RuleSet(
    version="ND61-2018",
    effective_from=date(2018, 6, 21),
    legal_basis="Nghị định 61/2018/NĐ-CP (23/4/2018), amended by Nghị định 107/2021/NĐ-CP",
    notes="Cut-off 15:00; supplement restarts the limit (Art. 19.4); due at end of office day.",
)

ND118_2025 = RuleSet(
    version="ND118-2025",
    effective_from=date(2025, 7, 1),
    legal_basis="Nghị định 118/2025/NĐ-CP (09/6/2025), amended by Nghị định 367/2025/NĐ-CP",
    notes=(
        "Same rules as ND61-2018: the text of Decree 118/2025 was not available to us and "
        "no secondary source shows a change to the counting rules (UNCONFIRMED). Registered "
        "as its own version so that a difference can be introduced without touching dossiers "
        "received earlier."
    ),
)
"""Decree 118/2025 (in force 1 July 2025). Registered with the *same* rules as Decree
61/2018: we have no evidence of a difference in the counting rules (its full text was not
found; see domain-vn.md §0.1, §3). Change the fields here when the text shows otherwise."""

#: Every rule set, oldest first.
RULE_SETS: tuple[RuleSet, ...] = (ND61_2018, ND118_2025)


def ruleset_for(received_on: date, rule_sets: tuple[RuleSet, ...] = RULE_SETS) -> RuleSet:
    """The rule set in force on ``received_on`` (the latest with ``effective_from`` <= it)."""
    chosen: RuleSet | None = None
    for rs in rule_sets:
        if rs.effective_from <= received_on and (
            chosen is None or rs.effective_from >= chosen.effective_from
        ):
            chosen = rs
    if chosen is None:
        first = min(rs.effective_from for rs in rule_sets)
        raise LookupError(
            f"no deadline rule set is in force on {received_on.isoformat()} "
            f"(the earliest starts on {first.isoformat()})"
        )
    return chosen
