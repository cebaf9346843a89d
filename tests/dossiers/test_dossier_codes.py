"""Dossier codes: both formats, per-agency daily sequences, gap-free under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from motcua.dossiers.codes import NATIONAL_7, TT01_2018, format_for, parse_code
from motcua.dossiers.models import DossierCodeCounter
from motcua.dossiers.services import dossier_code_allocate
from motcua.org.models import Agency

DAY = dt.date(2026, 11, 23)


def test_circular_01_2018_format() -> None:
    assert format_for(DAY) is TT01_2018
    assert TT01_2018.format("000.00.00.H26", DAY, 7) == "000.00.00.H26-261123-0007"
    with pytest.raises(ValueError, match="4"):
        TT01_2018.format("H26.02", DAY, 10_000)


@pytest.mark.parametrize(
    ("code", "agency", "day", "seq", "fmt"),
    [
        ("000.A0.01.H26-210212-9090", "000.A0.01.H26", dt.date(2021, 2, 12), 9090, TT01_2018),
        ("G09.20-20260609-0092637", "G09.20", dt.date(2026, 6, 9), 92637, NATIONAL_7),
    ],
)
def test_both_published_forms_are_recognised(
    code: str, agency: str, day: dt.date, seq: int, fmt: object
) -> None:
    parsed = parse_code(code)
    assert (parsed.agency_code, parsed.day, parsed.sequence, parsed.format) == (
        agency,
        day,
        seq,
        fmt,
    )


@pytest.mark.parametrize(
    "code", ["H26.02-261332-0001", "h26.02-261123-0001", "H26.02-261123-001", "", "H26.02"]
)
def test_malformed_codes_are_rejected_in_both_languages(code: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_code(code)
    assert "mã hồ sơ" in str(err.value)
    assert "dossier code" in str(err.value)


@pytest.mark.usefixtures("reference")
def test_sequence_per_agency_per_day() -> None:
    justice = Agency.objects.get(code="H26.02")
    ward = Agency.objects.get(code="H26.00004")
    with transaction.atomic():
        first = dossier_code_allocate(agency=justice, day=DAY)
        second = dossier_code_allocate(agency=justice, day=DAY)
        other_agency = dossier_code_allocate(agency=ward, day=DAY)
        next_day = dossier_code_allocate(agency=justice, day=DAY + dt.timedelta(days=1))
    assert (first, second) == ("H26.02-261123-0001", "H26.02-261123-0002")
    assert other_agency == "H26.00004-261123-0001"
    assert next_day == "H26.02-261124-0001"


@pytest.mark.usefixtures("reference")
def test_a_rolled_back_reception_gives_its_number_back() -> None:
    justice = Agency.objects.get(code="H26.02")
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        assert dossier_code_allocate(agency=justice, day=DAY).endswith("-0001")
        raise RuntimeError("boom")
    with transaction.atomic():
        assert dossier_code_allocate(agency=justice, day=DAY).endswith("-0001")


@pytest.mark.django_db(transaction=True)
def test_allocation_outside_a_transaction_is_refused(reference: None) -> None:
    justice = Agency.objects.get(code="H26.02")
    with pytest.raises(RuntimeError, match="inside"):
        dossier_code_allocate(agency=justice, day=DAY)
    assert not DossierCodeCounter.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_32_concurrent_receptions_get_codes_1_to_32_without_gaps(reference: None) -> None:
    agency = Agency.objects.get(code="H26.30")
    codes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(32)
    lock = threading.Lock()

    def receive() -> None:
        try:
            start.wait()
            with transaction.atomic():
                code = dossier_code_allocate(agency=agency, day=DAY)
            with lock:
                codes.append(code)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(codes) == [f"H26.30-261123-{n:04d}" for n in range(1, 33)]
    assert DossierCodeCounter.objects.get(agency=agency, day=DAY).last_value == 32
