"""Dossier codes (mã số hồ sơ). Pure Python.

Circular 01/2018/TT-VPCP Art 19: ``<receiving agency code>-YYMMDD-XXXX`` — the identifier of the
receiving authority, the reception date and a 4-digit sequence number within the day
(real Hà Nội example ``000.A0.01.H26-210212-9090``). A newer form seen on national-portal
synchronisation is ``<agency>-YYYYMMDD-NNNNNNN`` (8-digit date, 7-digit sequence); whether
Circular 03/2025 adopts it is unconfirmed, so both are accepted and the format is chosen by
effective date (:data:`CODE_FORMATS`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

AGENCY_PART = r"[0-9A-Z]+(?:\.[0-9A-Z]+)*"


@dataclass(frozen=True)
class CodeFormat:
    name: str
    effective_from: dt.date
    date_format: str
    sequence_digits: int
    pattern: re.Pattern[str]

    def format(self, agency_code: str, day: dt.date, sequence: int) -> str:
        if not 1 <= sequence < 10**self.sequence_digits:
            raise ValueError(
                f"sequence {sequence} does not fit {self.sequence_digits} digits "
                f"({self.name}) / số thứ tự {sequence} vượt quá {self.sequence_digits} chữ số"
            )
        return f"{agency_code}-{day.strftime(self.date_format)}-{sequence:0{self.sequence_digits}d}"


TT01_2018 = CodeFormat(
    name="TT01-2018",
    effective_from=dt.date(2019, 1, 6),
    date_format="%y%m%d",
    sequence_digits=4,
    pattern=re.compile(rf"^(?P<agency>{AGENCY_PART})-(?P<date>\d{{6}})-(?P<seq>\d{{4}})$"),
)
NATIONAL_7 = CodeFormat(
    name="DVCQG-7",
    effective_from=dt.date.max,  # accepted when read; not issued until its legal basis is known
    date_format="%Y%m%d",
    sequence_digits=7,
    pattern=re.compile(rf"^(?P<agency>{AGENCY_PART})-(?P<date>\d{{8}})-(?P<seq>\d{{7}})$"),
)
CODE_FORMATS: tuple[CodeFormat, ...] = (TT01_2018, NATIONAL_7)


def format_for(day: dt.date) -> CodeFormat:
    """The format in which a dossier received on ``day`` is numbered."""
    issued = [f for f in CODE_FORMATS if f.effective_from <= day]
    if not issued:
        raise LookupError(f"no dossier code format is in force on {day.isoformat()}")
    return max(issued, key=lambda f: f.effective_from)


@dataclass(frozen=True)
class ParsedCode:
    agency_code: str
    day: dt.date
    sequence: int
    format: CodeFormat


def parse_code(code: str) -> ParsedCode:
    """Recognise either format; raise ValueError with a bilingual sentence otherwise.
    (Use only for validation and display: the code carries no other meaning.)"""
    for fmt in CODE_FORMATS:
        match = fmt.pattern.match(code.strip())
        if match is None:
            continue
        try:
            day = dt.datetime.strptime(match["date"], fmt.date_format).date()  # noqa: DTZ007
        except ValueError:
            break
        return ParsedCode(match["agency"], day, int(match["seq"]), fmt)
    raise ValueError(
        f"{code!r} không phải mã hồ sơ dạng <mã cơ quan>-YYMMDD-NNNN / "
        f"{code!r} is not a dossier code of the form <agency code>-YYMMDD-NNNN"
    )
