"""Personal identity numbers (12 digits) and tax codes (check digit)."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.people.identity import (
    IdentityError,
    mask_identifier,
    parse_personal_id,
    tax_check_digit,
    validate_tax_code,
)


def test_valid_number_is_decoded() -> None:
    info = parse_personal_id("001090123456")
    assert info.province_code == "001"
    assert info.province_name == "Hà Nội"
    assert info.century_start == 1900
    assert info.sex == "male"
    assert info.birth_year == 1990
    assert info.warnings == ()


@pytest.mark.parametrize(
    ("number", "sex", "year"),
    [
        ("079301004321", "female", 2001),  # TP.HCM, 2000s female
        ("031200123456", "male", 2000),  # Hải Phòng, 2000s male
        ("001185000001", "female", 1985),
    ],
)
def test_century_and_sex_digit(number: str, sex: str, year: int) -> None:
    info = parse_personal_id(number)
    assert (info.sex, info.birth_year) == (sex, year)


@pytest.mark.parametrize("number", ["00109012345", "0010901234567", ""])
def test_wrong_length_is_rejected(number: str) -> None:
    with pytest.raises(IdentityError) as err:
        parse_personal_id(number)
    assert err.value.code in {"personal_id_length", "personal_id_digits"}


def test_letters_are_rejected() -> None:
    with pytest.raises(IdentityError) as err:
        parse_personal_id("00109012345A")
    assert err.value.code == "personal_id_digits"
    assert "chữ số" in err.value.message_vi


def test_birth_year_must_match_date_of_birth() -> None:
    with pytest.raises(IdentityError) as err:
        parse_personal_id("001090123456", birth_date=dt.date(1991, 1, 1))
    assert err.value.code == "personal_id_birth_year"
    parse_personal_id("001090123456", birth_date=dt.date(1990, 12, 31))


def test_sex_digit_must_match_declared_sex() -> None:
    with pytest.raises(IdentityError) as err:
        parse_personal_id("001090123456", sex="female")
    assert err.value.code == "personal_id_sex"


def test_century_digit_giving_a_future_birth_year_is_rejected() -> None:
    # digit 4 = 2 → 2000s; "99" → 2099, which has not happened yet
    with pytest.raises(IdentityError) as err:
        parse_personal_id("001299123456")
    assert err.value.code == "personal_id_century"


def test_unknown_province_prefix_only_warns() -> None:
    info = parse_personal_id("003090123456")  # 003 is not a province code
    assert info.province_name is None
    assert len(info.warnings) == 1
    assert "003" in info.warnings[0]


def test_province_table_has_the_63_provinces() -> None:
    from motcua.people.identity import province_codes

    codes = province_codes()
    assert len(codes) == 63
    assert codes["079"] == "Hồ Chí Minh"


# ------------------------------------------------------------------ tax codes


def test_tax_check_digit_weights() -> None:
    # 0·31+1·29+0·23+1·19+2·17+3·13+4·7+5·5+6·3 = 192; 192 mod 11 = 5; 10 − 5 = 5
    assert tax_check_digit("010123456") == 5


def test_valid_tax_codes() -> None:
    assert validate_tax_code("0101234565") == "0101234565"
    assert validate_tax_code(" 0101234565-001 ") == "0101234565-001"


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("0101234564", "tax_code_check_digit"),
        ("010123456", "tax_code_format"),
        ("0101234565-01", "tax_code_format"),
        ("0101234565-000", "tax_code_suffix"),
        ("01012345AB", "tax_code_format"),
    ],
)
def test_invalid_tax_codes(code: str, rule: str) -> None:
    with pytest.raises(IdentityError) as err:
        validate_tax_code(code)
    assert err.value.code == rule


def test_a_prefix_whose_check_would_be_ten_is_never_valid() -> None:
    assert tax_check_digit("010987654") is None
    for last in "0123456789":
        with pytest.raises(IdentityError):
            validate_tax_code("010987654" + last)


def test_masking_keeps_only_the_last_four() -> None:
    assert mask_identifier("001090123456") == "••••••••3456"
    assert mask_identifier("12") == "••"
