"""Loading Hà Nội's reference data: counts, idempotence, and rejection of bad rows."""

from __future__ import annotations

import csv
import importlib.resources
import shutil
from pathlib import Path

import pytest

from motcua.catalog.models import Procedure, ProcedureVersion, Sector, TimeLimitUnit
from motcua.catalog.reference import ReferenceDataError, load_reference
from motcua.org.models import AdministrativeUnit, Agency, ServicePoint

pytestmark = pytest.mark.usefixtures("reference")

DATA_FILES = (
    "hanoi_units.csv",
    "hanoi_agencies.csv",
    "hanoi_service_points.csv",
    "procedures_hanoi.csv",
)


def _copy_data(tmp_path: Path) -> Path:
    package = importlib.resources.files("motcua.data")
    for name in DATA_FILES:
        with importlib.resources.as_file(package.joinpath(name)) as source:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def _counts() -> dict[str, int]:
    return {
        "units": AdministrativeUnit.objects.count(),
        "agencies": Agency.objects.count(),
        "points": ServicePoint.objects.count(),
        "procedures": Procedure.objects.count(),
        "versions": ProcedureVersion.objects.count(),
        "sectors": Sector.objects.count(),
    }


def test_counts_match_the_shipped_files() -> None:
    assert AdministrativeUnit.objects.filter(kind="ward").count() == 51
    assert AdministrativeUnit.objects.filter(kind="commune").count() == 75
    assert AdministrativeUnit.objects.get(code="01").children.count() == 126
    assert Procedure.objects.count() == 62
    # a People's Committee and a one-stop point for every commune
    assert Agency.objects.filter(level="commune", kind="peoples_committee").count() == 126
    assert ServicePoint.objects.filter(kind="commune_one_stop").count() == 126
    # the Service Center: 12 branches and 30 reception points
    assert ServicePoint.objects.filter(kind="branch").count() == 12
    assert ServicePoint.objects.filter(kind="reception_point").count() == 30
    city = Agency.objects.get(code="000.00.00.H26")
    assert city.code_source == Agency.CodeSource.OFFICIAL
    assert {"Sở Tư pháp", "Sở Xây dựng", "Sở Nông nghiệp và Môi trường", "Sở Tài chính"} <= set(
        Agency.objects.filter(kind="department").values_list("short_name", flat=True)
    )


def test_every_sector_has_an_owning_department() -> None:
    assert not Sector.objects.filter(owner_agency__isnull=True).exists()
    civil_status = Sector.objects.get(name="Hộ tịch")
    assert civil_status.owner_agency is not None
    assert civil_status.owner_agency.code == "H26.02"


def test_procedure_fields_and_missing_values_stay_missing() -> None:
    birth = ProcedureVersion.objects.get(procedure__code="1.001193")
    assert birth.name == "Thủ tục đăng ký khai sinh"
    assert birth.search_text == "thu tuc dang ky khai sinh"
    assert birth.time_limit_unit == TimeLimitUnit.SAME_DAY
    assert birth.time_limit_value is None
    assert birth.competent_agency_text == ""  # not published: not invented
    assert birth.online_level == ""
    assert birth.cutoff_applies is True
    marriage = ProcedureVersion.objects.get(procedure__code="1.000894")
    assert (marriage.time_limit_value, marriage.time_limit_unit) == (1, "")
    assert not marriage.has_time_limit
    residence = ProcedureVersion.objects.get(procedure__code="1.004222")
    assert (residence.time_limit_value, residence.time_limit_unit) == (7, "working_days")
    assert residence.levels == "commune"
    fees = list(residence.fees.values_list("description", "amount"))
    assert len(fees) == 1
    assert fees[0][0].startswith("Trực tiếp 20.000 đ/lần")
    assert fees[0][1] is None  # described in the source, not given as a number
    records = ProcedureVersion.objects.get(procedure__code="3.000333")
    assert records.competent_agency is not None  # city-level: the owning department
    assert records.competent_agency.code == "H26.07"


def test_loading_again_changes_nothing(tmp_path: Path) -> None:
    before = _counts()
    report = load_reference()
    assert _counts() == before
    assert report.created == {}
    assert report.updated == {}
    assert sum(report.unchanged.values()) > 0


def test_loading_from_an_updated_directory_updates_in_place(tmp_path: Path) -> None:
    directory = _copy_data(tmp_path)
    path = directory / "procedures_hanoi.csv"
    rows, fields = _read_rows(path)
    rows[0]["online_level"] = "full"
    _write_rows(path, rows, fields)
    before = _counts()
    report = load_reference(directory)
    assert _counts() == before
    assert report.updated == {"procedure versions": 1}
    code = rows[0]["code"]
    assert ProcedureVersion.objects.get(procedure__code=code).online_level == "full"


def _read_rows(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows, list(rows[0])


def _write_rows(path: Path, rows: list[dict[str, str]], fields: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_a_malformed_row_is_reported_with_its_line_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    directory = _copy_data(tmp_path)
    units_path = directory / "hanoi_units.csv"
    units, unit_fields = _read_rows(units_path)
    # a new, valid unit first (it must not be written) ...
    units.insert(0, {**units[0], "code": "99999", "name_vi": "Phường Thử Nghiệm"})
    _write_rows(units_path, units, unit_fields)
    procedures_path = directory / "procedures_hanoi.csv"
    procedures, fields = _read_rows(procedures_path)
    # ... and bad rows later: data row 5 is file line 6 (line 1 is the header)
    procedures[4]["time_limit_value"] = "ba"
    procedures[6]["time_limit_unit"] = "fortnights"
    procedures[7]["code"] = "1.00123"
    _write_rows(procedures_path, procedures, fields)

    before = _counts()
    with pytest.raises(ReferenceDataError) as err:
        load_reference(directory)
    found = {(e.file, e.line, e.field) for e in err.value.errors}
    assert found == {
        ("procedures_hanoi.csv", 6, "time_limit_value"),
        ("procedures_hanoi.csv", 8, "time_limit_unit"),
        ("procedures_hanoi.csv", 9, "code"),
    }
    assert "procedures_hanoi.csv:6: time_limit_value" in str(err.value)
    assert _counts() == before
    assert not AdministrativeUnit.objects.filter(code="99999").exists()


def test_duplicate_codes_and_unknown_references_are_caught(tmp_path: Path) -> None:
    directory = _copy_data(tmp_path)
    path = directory / "hanoi_service_points.csv"
    points, fields = _read_rows(path)
    points[2]["code"] = points[1]["code"]
    points[3]["agency_code"] = "H26.99"
    _write_rows(path, points, fields)
    with pytest.raises(ReferenceDataError) as err:
        load_reference(directory)
    messages = {(e.line, e.field) for e in err.value.errors}
    assert (4, "code") in messages
    assert (5, "agency_code") in messages


def test_a_missing_column_is_reported(tmp_path: Path) -> None:
    directory = _copy_data(tmp_path)
    (directory / "hanoi_units.csv").write_text("code,name_vi\n00004,Phường Ba Đình\n")
    with pytest.raises(ReferenceDataError) as err:
        load_reference(directory)
    assert err.value.errors[0].file == "hanoi_units.csv"
    assert err.value.errors[0].line == 1
    assert "kind" in err.value.errors[0].field
