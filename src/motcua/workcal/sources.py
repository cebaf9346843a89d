"""The two data layers below administrator overrides.

* :func:`package_days` — the ``holidays`` PyPI package for Vietnam (``language="vi"``). It
  computes Tết and Giỗ Tổ Hùng Vương on the Vietnamese (UTC+7) lunar calendar and knows some
  government day swaps; a swapped day off is labelled ``"Ngày nghỉ (thay cho ngày DD/MM/YYYY)"``,
  and the date in brackets is the Saturday worked in exchange, which we read as a make-up day.
* :func:`official_entries` — the government announcements shipped in
  ``motcua/data/holidays_vn.csv`` (columns ``date,kind,name,source,note``).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources

from .types import Status

__all__ = [
    "OFFICIAL_KINDS",
    "OfficialEntry",
    "PackageDay",
    "load_official_entries",
    "official_entries",
    "official_years",
    "package_days",
]

#: CSV ``kind`` → status. An empty kind means announced but not confirmed.
OFFICIAL_KINDS: Mapping[str, Status] = {
    "holiday": Status.OFF,
    "compensatory": Status.OFF,
    "swapped_off": Status.OFF,
    "makeup_workday": Status.WORKING,
    "": Status.UNCONFIRMED,
}


@dataclass(frozen=True, slots=True)
class OfficialEntry:
    """One row of ``holidays_vn.csv``."""

    day: date
    kind: str
    name: str
    source: str = ""
    note: str = ""

    @property
    def status(self) -> Status:
        return OFFICIAL_KINDS[self.kind]


@dataclass(frozen=True, slots=True)
class PackageDay:
    """What the ``holidays`` package says about one day."""

    day: date
    status: Status  # OFF, or WORKING for a make-up Saturday read from a swap label
    name: str


def load_official_entries(text: str) -> tuple[OfficialEntry, ...]:
    """Parse CSV text in the ``holidays_vn.csv`` format; reject unknown kinds and duplicates."""
    rows: list[OfficialEntry] = []
    seen: set[date] = set()
    reader = csv.DictReader(io.StringIO(text))
    for line_no, row in enumerate(reader, start=2):
        kind = (row.get("kind") or "").strip()
        if kind not in OFFICIAL_KINDS:
            raise ValueError(f"holidays CSV line {line_no}: unknown kind {kind!r}")
        day = date.fromisoformat((row.get("date") or "").strip())
        if day in seen:
            raise ValueError(f"holidays CSV line {line_no}: duplicate date {day}")
        seen.add(day)
        rows.append(
            OfficialEntry(
                day=day,
                kind=kind,
                name=(row.get("name") or "").strip(),
                source=(row.get("source") or "").strip(),
                note=(row.get("note") or "").strip(),
            )
        )
    rows.sort(key=lambda e: e.day)
    return tuple(rows)


@functools.cache
def official_entries() -> tuple[OfficialEntry, ...]:
    """The announcements shipped with motcua (``motcua/data/holidays_vn.csv``), cached."""
    resource = resources.files("motcua").joinpath("data", "holidays_vn.csv")
    return load_official_entries(resource.read_text(encoding="utf-8"))


def official_years(entries: Iterable[OfficialEntry]) -> frozenset[int]:
    """Years for which the announcements are authoritative.

    A year is *announced* when the CSV lists at least one confirmed ``holiday`` in it. A lone
    spill-over row (``2018-12-31``, swapped off for New Year 2019) does not make 2018 an
    announced year: that row is still applied, on top of the ``holidays`` package.
    """
    return frozenset(e.day.year for e in entries if e.kind == "holiday")


_SWAP_LABEL = re.compile(r"thay cho ngày (\d{2})/(\d{2})/(\d{4})")


@functools.lru_cache(maxsize=8)
def package_days(first_year: int, last_year: int) -> Mapping[date, PackageDay]:
    """Days off (and make-up Saturdays read from swap labels) per the ``holidays`` package."""
    import holidays  # imported lazily: building the table is the only use

    table = holidays.country_holidays("VN", years=range(first_year, last_year + 1), language="vi")
    out: dict[date, PackageDay] = {}
    for day, name in sorted(table.items()):
        label = str(name)
        out[day] = PackageDay(day, Status.OFF, label)
        match = _SWAP_LABEL.search(label)
        if match is not None:
            dd, mm, yyyy = match.groups()
            worked = date(int(yyyy), int(mm), int(dd))
            if first_year <= worked.year <= last_year and worked not in table:
                out[worked] = PackageDay(
                    worked, Status.WORKING, f"Ngày làm bù (cho ngày nghỉ {day:%d/%m/%Y})"
                )
    return out
