"""Loading the reference data shipped in ``motcua/data`` (or an updated copy of it).

Every row of every file is validated before anything is written; a single bad row makes the
whole load fail with the file, line and field of each problem, and nothing is written (the
writes run in one transaction). Loading twice changes nothing the second time.

Files (see ``motcua/data/README.md`` for their sources):

* ``hanoi_units.csv``          the 126 commune-level units of Hà Nội (two-level model, 1/7/2025);
* ``hanoi_agencies.csv``       the City People's Committee, departments, police, Service Center;
* ``hanoi_service_points.csv`` the Service Center's branches and reception points;
* ``procedures_hanoi.csv``     the 62 procedures with their sector, levels, limits and fees.

Derived from the units: a People's Committee (``H26.<unit code>``) and a one-stop point
(``H26.<unit code>.01``) for every commune.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.resources
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.text import slugify

from motcua.catalog.models import (
    PROCEDURE_CODE_RE,
    Fee,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    Sector,
    TimeLimitUnit,
)
from motcua.core.text import fold
from motcua.org.models import AGENCY_CODE_RE, AdministrativeUnit, Agency, ServicePoint

CITY_CODE = "01"
CITY_NAME = "Thành phố Hà Nội"
CITY_AGENCY_CODE = "000.00.00.H26"
SERVICE_CENTER_CODE = "H26.30"
PROVINCE_PREFIX = "H26"
# The crawled catalogue describes procedures as they apply under the two-level model.
CATALOGUE_EFFECTIVE_FROM = dt.date(2025, 7, 1)
TWO_LEVEL_START = dt.date(2025, 7, 1)

UNIT_KINDS = {
    "phường": AdministrativeUnit.Kind.WARD,
    "xã": AdministrativeUnit.Kind.COMMUNE,
    "đặc khu": AdministrativeUnit.Kind.SPECIAL_ZONE,
}
LEVEL_VALUES = {choice.value for choice in Level}
UNIT_VALUES = {choice.value for choice in TimeLimitUnit}
ONLINE_VALUES = {choice.value for choice in OnlineLevel}
AGENCY_KINDS = {choice.value for choice in Agency.Kind}
AGENCY_LEVELS = {choice.value for choice in Agency.Level}
POINT_KINDS = {choice.value for choice in ServicePoint.Kind}


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ReferenceDataError(Exception):
    """One or more rows are invalid; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  {error}" for error in errors)
        super().__init__(
            f"Dữ liệu tham chiếu có {len(errors)} lỗi, không ghi gì vào cơ sở dữ liệu / "
            f"reference data has {len(errors)} error(s); nothing was written:\n{lines}"
        )


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return "; ".join(
            f"{kind}: +{self.created.get(kind, 0)} ~{self.updated.get(kind, 0)} "
            f"={self.unchanged.get(kind, 0)}"
            for kind in kinds
        )


# ------------------------------------------------------------------ parsed rows


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    source: str


@dataclass(frozen=True)
class AgencyRow:
    code: str
    name: str
    short_name: str
    kind: str
    level: str
    parent_code: str
    sectors: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class PointRow:
    code: str
    name: str
    kind: str
    agency_code: str
    parent_code: str
    source: str


@dataclass(frozen=True)
class ProcedureRow:
    code: str
    name: str
    sector: str
    levels: tuple[str, ...]
    competent_agency_text: str
    time_limit_value: int | None
    time_limit_unit: str
    fee: str
    online_level: str
    source: str
    note: str


@dataclass
class ParsedReference:
    units: list[UnitRow]
    agencies: list[AgencyRow]
    points: list[PointRow]
    procedures: list[ProcedureRow]


# ------------------------------------------------------------------ reading and validation


class _FileChecker:
    """Reads one CSV file, checks its header, and collects errors per line and field."""

    def __init__(
        self, name: str, handle: IO[str], required: list[str], errors: list[RowError]
    ) -> None:
        self.name = name
        self.errors = errors
        self.reader = csv.DictReader(handle)
        header = self.reader.fieldnames or []
        missing = [column for column in required if column not in header]
        self.ok = not missing
        if missing:
            self.error(1, ",".join(missing), "missing column(s) / thiếu cột")

    def error(self, line: int, field_name: str, message: str) -> None:
        self.errors.append(RowError(self.name, line, field_name, message))

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        if not self.ok:
            return
        for row in self.reader:
            line = self.reader.line_num
            if None in row:  # more cells than columns
                self.error(line, "(row)", "too many cells / thừa ô dữ liệu")
                continue
            # NFC: the published files mix composed and decomposed Vietnamese letters.
            yield (
                line,
                {
                    key: unicodedata.normalize("NFC", (value or "").strip())
                    for key, value in row.items()
                },
            )

    def require(self, line: int, row: dict[str, str], name: str) -> str:
        value = row.get(name, "")
        if not value:
            self.error(line, name, "required / bắt buộc")
        return value

    def match(self, line: int, row: dict[str, str], name: str, pattern: str, rule: str) -> str:
        value = self.require(line, row, name)
        if value and not re.match(pattern, value):
            self.error(line, name, f"{value!r} is not {rule} / không đúng dạng {rule}")
        return value

    def choice(
        self,
        line: int,
        row: dict[str, str],
        name: str,
        allowed: set[str],
        *,
        blank_ok: bool = False,
    ) -> str:
        value = row.get(name, "")
        if not value and blank_ok:
            return value
        if value not in allowed:
            self.error(
                line,
                name,
                f"{value!r} is not one of {sorted(allowed)} / không thuộc {sorted(allowed)}",
            )
        return value

    def unique(self, line: int, name: str, value: str, seen: dict[str, int]) -> None:
        if value in seen:
            first = seen[value]
            self.error(line, name, f"{value!r} repeats line {first} / trùng dòng {first}")
        else:
            seen[value] = line


Opener = Callable[[str], Any]


def _open_from(directory: Path | None) -> Opener:
    if directory is None:
        package = importlib.resources.files("motcua.data")
        return lambda name: io.TextIOWrapper(
            package.joinpath(name).open("rb"), encoding="utf-8", newline=""
        )
    return lambda name: (directory / name).open(encoding="utf-8", newline="")


@contextmanager
def _checked(
    opener: Opener, name: str, required: list[str], errors: list[RowError]
) -> Iterator[_FileChecker]:
    try:
        handle = opener(name)
    except FileNotFoundError:
        errors.append(RowError(name, 0, "(file)", "file not found / không tìm thấy tệp"))
        yield _FileChecker(name, io.StringIO(""), [], [])
        return
    with handle:
        yield _FileChecker(name, handle, required, errors)


def parse_reference(directory: Path | None = None) -> ParsedReference:
    """Read and validate every file; raise :class:`ReferenceDataError` listing every bad row."""
    opener = _open_from(directory)
    errors: list[RowError] = []
    parsed = ParsedReference(units=[], agencies=[], points=[], procedures=[])

    with _checked(opener, "hanoi_units.csv", ["code", "name_vi", "kind", "source"], errors) as f:
        seen: dict[str, int] = {}
        for line, row in f.rows():
            code = f.match(line, row, "code", r"^\d{5}$", "a 5-digit unit code")
            name = f.require(line, row, "name_vi")
            kind = f.choice(line, row, "kind", set(UNIT_KINDS))
            f.unique(line, "code", code, seen)
            parsed.units.append(UnitRow(code, name, kind, row.get("source", "")))

    with _checked(
        opener,
        "hanoi_agencies.csv",
        ["code", "name", "kind", "level", "parent_code", "sectors", "source"],
        errors,
    ) as f:
        seen = {}
        for line, row in f.rows():
            code = f.match(line, row, "code", AGENCY_CODE_RE, "an agency code (QĐ 20/2020)")
            if code and len(code) > 35:
                f.error(line, "code", "longer than 35 characters / dài quá 35 ký tự")
            name = f.require(line, row, "name")
            kind = f.choice(line, row, "kind", AGENCY_KINDS)
            level = f.choice(line, row, "level", AGENCY_LEVELS)
            f.unique(line, "code", code, seen)
            sectors = tuple(s.strip() for s in row.get("sectors", "").split(";") if s.strip())
            parsed.agencies.append(
                AgencyRow(
                    code,
                    name,
                    row.get("short_name", ""),
                    kind,
                    level,
                    row.get("parent_code", ""),
                    sectors,
                    row.get("source", ""),
                )
            )
        known = set(seen)
        for agency in parsed.agencies:
            if agency.parent_code and agency.parent_code not in known:
                f.error(
                    seen.get(agency.code, 0),
                    "parent_code",
                    f"unknown agency {agency.parent_code!r} / không có cơ quan này",
                )

    agency_codes = {a.code for a in parsed.agencies}
    with _checked(
        opener,
        "hanoi_service_points.csv",
        ["code", "name", "kind", "agency_code", "parent_code", "source"],
        errors,
    ) as f:
        seen = {}
        for line, row in f.rows():
            code = f.match(line, row, "code", AGENCY_CODE_RE, "a service point code")
            name = f.require(line, row, "name")
            kind = f.choice(line, row, "kind", POINT_KINDS)
            agency_code = f.require(line, row, "agency_code")
            if agency_code and agency_code not in agency_codes:
                f.error(line, "agency_code", f"unknown agency {agency_code!r} / không có cơ quan")
            f.unique(line, "code", code, seen)
            parsed.points.append(
                PointRow(
                    code, name, kind, agency_code, row.get("parent_code", ""), row.get("source", "")
                )
            )
        for point in parsed.points:
            if point.parent_code and point.parent_code not in seen:
                f.error(
                    seen.get(point.code, 0),
                    "parent_code",
                    f"unknown service point {point.parent_code!r} / không có điểm này",
                )

    with _checked(
        opener,
        "procedures_hanoi.csv",
        [
            "code",
            "name_vi",
            "field",
            "level",
            "competent_agency",
            "time_limit_value",
            "time_limit_unit",
            "fee",
            "online_level",
            "source",
            "note",
        ],
        errors,
    ) as f:
        seen = {}
        for line, row in f.rows():
            code = f.match(line, row, "code", PROCEDURE_CODE_RE, "a procedure code d.dddddd")
            name = f.require(line, row, "name_vi")
            sector = f.require(line, row, "field")
            levels: list[str] = []
            for token in (t.strip() for t in row.get("level", "").split(";")):
                value = token.split(" ")[0]  # "district (trước 01/7/2025)" → "district"
                if not value:
                    continue
                if value not in LEVEL_VALUES:
                    f.error(
                        line,
                        "level",
                        f"{token!r} is not one of {sorted(LEVEL_VALUES)} / "
                        "cấp thực hiện không hợp lệ",
                    )
                levels.append(value)
            raw_limit = row.get("time_limit_value", "")
            limit: int | None = None
            if raw_limit:
                if not raw_limit.isdigit():
                    f.error(
                        line,
                        "time_limit_value",
                        f"{raw_limit!r} is not a whole number ≥ 0 / không phải số nguyên ≥ 0",
                    )
                else:
                    limit = int(raw_limit)
            unit = f.choice(line, row, "time_limit_unit", UNIT_VALUES, blank_ok=True)
            online = f.choice(line, row, "online_level", ONLINE_VALUES, blank_ok=True)
            f.unique(line, "code", code, seen)
            parsed.procedures.append(
                ProcedureRow(
                    code,
                    name,
                    sector,
                    tuple(levels),
                    row.get("competent_agency", ""),
                    limit,
                    unit,
                    row.get("fee", ""),
                    online,
                    row.get("source", ""),
                    row.get("note", ""),
                )
            )

    if errors:
        raise ReferenceDataError(errors)
    return parsed


# ------------------------------------------------------------------ writing


def _upsert(
    model: Any, lookup: dict[str, Any], values: dict[str, Any], kind: str, report: LoadReport
) -> Any:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.count(kind, "created")
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.count(kind, "updated")
    else:
        report.count(kind, "unchanged")
    return obj


def commune_agency_code(unit_code: str) -> str:
    return f"{PROVINCE_PREFIX}.{unit_code}"


@transaction.atomic
def write_reference(parsed: ParsedReference) -> LoadReport:
    report = LoadReport()
    city = _upsert(
        AdministrativeUnit,
        {"code": CITY_CODE},
        {
            "name": CITY_NAME,
            "kind": AdministrativeUnit.Kind.CITY,
            "parent": None,
            "valid_from": None,
            "source": "QĐ 19/2025/QĐ-TTg (mã 01)",
        },
        "administrative units",
        report,
    )
    units: dict[str, AdministrativeUnit] = {}
    for unit in parsed.units:
        units[unit.code] = _upsert(
            AdministrativeUnit,
            {"code": unit.code},
            {
                "name": unit.name,
                "kind": UNIT_KINDS[unit.kind],
                "parent": city,
                "valid_from": TWO_LEVEL_START,
                "source": unit.source,
            },
            "administrative units",
            report,
        )

    agencies: dict[str, Agency] = {}
    sector_owner: dict[str, str] = {}
    for agency_row in parsed.agencies:  # parents are listed before their children
        official = agency_row.source.startswith("official")
        agencies[agency_row.code] = _upsert(
            Agency,
            {"code": agency_row.code},
            {
                "name": agency_row.name,
                "short_name": agency_row.short_name,
                "kind": agency_row.kind,
                "level": agency_row.level,
                "parent": agencies.get(agency_row.parent_code),
                "administrative_unit": city,
                "code_source": (
                    Agency.CodeSource.OFFICIAL if official else Agency.CodeSource.PROVISIONAL
                ),
                "source": agency_row.source,
            },
            "agencies",
            report,
        )
        for sector_name in agency_row.sectors:
            sector_owner[sector_name] = agency_row.code
    city_agency = agencies.get(CITY_AGENCY_CODE)
    for unit in parsed.units:
        code = commune_agency_code(unit.code)
        agencies[code] = _upsert(
            Agency,
            {"code": code},
            {
                "name": f"Ủy ban nhân dân {unit.name}",
                "short_name": f"UBND {unit.name}",
                "kind": Agency.Kind.PEOPLES_COMMITTEE,
                "level": Agency.Level.COMMUNE,
                "parent": city_agency,
                "administrative_unit": units[unit.code],
                "code_source": Agency.CodeSource.PROVISIONAL,
                "source": "provisional: H26.<commune code of QĐ 19/2025/QĐ-TTg>",
            },
            "agencies",
            report,
        )

    points: dict[str, ServicePoint] = {}
    for point in parsed.points:
        points[point.code] = _upsert(
            ServicePoint,
            {"code": point.code},
            {
                "name": point.name,
                "kind": point.kind,
                "agency": agencies[point.agency_code],
                "parent": points.get(point.parent_code),
                "administrative_unit": city,
                "source": point.source,
            },
            "service points",
            report,
        )
    for unit in parsed.units:
        code = f"{commune_agency_code(unit.code)}.01"
        _upsert(
            ServicePoint,
            {"code": code},
            {
                "name": f"Bộ phận Một cửa {unit.name}",
                "kind": ServicePoint.Kind.COMMUNE_ONE_STOP,
                "agency": agencies[commune_agency_code(unit.code)],
                "parent": None,
                "administrative_unit": units[unit.code],
                "source": "one one-stop point per commune (published-figures.md, 01/7/2025)",
            },
            "service points",
            report,
        )

    sectors: dict[str, Sector] = {}
    for row in parsed.procedures:
        if row.sector not in sectors:
            owner = agencies.get(sector_owner.get(row.sector, ""))
            sectors[row.sector] = _upsert(
                Sector,
                {"code": slugify(fold(row.sector))[:100]},
                {"name": row.sector, "owner_agency": owner},
                "sectors",
                report,
            )

    for row in parsed.procedures:
        procedure = Procedure.objects.filter(code=row.code).first()
        if procedure is None:
            procedure = Procedure.objects.create(code=row.code)
            report.count("procedures", "created")
        else:
            report.count("procedures", "unchanged")
        sector = sectors[row.sector]
        owner = sector.owner_agency
        version = _upsert(
            ProcedureVersion,
            {"procedure": procedure, "effective_from": CATALOGUE_EFFECTIVE_FROM},
            {
                "name": row.name,
                "search_text": fold(row.name)[:500],
                "sector": sector,
                "levels": ";".join(row.levels),
                "owner_agency": owner,
                "competent_agency": owner if row.levels == ("city",) else None,
                "competent_agency_text": row.competent_agency_text,
                "time_limit_value": row.time_limit_value,
                "time_limit_unit": row.time_limit_unit,
                "online_level": row.online_level,
                "source": row.source,
                "note": row.note,
            },
            "procedure versions",
            report,
        )
        fees = [row.fee] if row.fee else []
        if sorted(version.fees.values_list("description", flat=True)) != sorted(fees):
            version.fees.all().delete()
            Fee.objects.bulk_create(Fee(version=version, description=text) for text in fees)
    return report


def load_reference(directory: Path | None = None) -> LoadReport:
    """Validate every file, then write everything in one transaction (idempotent)."""
    return write_reference(parse_reference(directory))
