"""Validation of Vietnamese identity numbers and tax codes. Pure Python, no Django.

Personal identity number (số định danh cá nhân, printed on the CCCD / thẻ căn cước), per Decree
137/2015 Art 13 and Circular 07/2016/TT-BCA: 12 digits =
  d1–d3  province (or country) of birth registration (province_codes.csv),
  d4     century and sex: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s,
         8/9 = 2300s,
  d5–d6  last two digits of the birth year,
  d7–d12 random.
An unknown province prefix is a *warning*, never a rejection (overseas births and post-2025
codes are not in our table; verify through VNeID instead).

Tax code (mã số thuế, also the enterprise code since 2015): 10 digits whose 10th is a check digit
computed with the weights 31, 29, 23, 19, 17, 13, 7, 5, 3 over the first nine:
check = 10 − (Σ dᵢ·wᵢ mod 11); a remainder giving 10 is never issued. A dependent unit (branch)
adds a hyphen and a three-digit suffix 001–999 (13 digits in all).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import importlib.resources
import re
from dataclasses import dataclass, field

PERSONAL_ID_RE = re.compile(r"^\d{12}$")
TAX_CODE_RE = re.compile(r"^(\d{10})(?:-(\d{3}))?$")
TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


class IdentityError(ValueError):
    """An identity number or tax code breaks a rule. ``code`` is machine-readable."""

    def __init__(self, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(frozen=True)
class PersonalIdInfo:
    number: str
    province_code: str
    province_name: str | None
    century_start: int
    sex: str  # "male" | "female"
    birth_year: int
    warnings: tuple[str, ...] = field(default=())


@functools.cache
def province_codes() -> dict[str, str]:
    """Map of 3-digit birth-registration province codes to province names (63 provinces)."""
    data = importlib.resources.files("motcua.data").joinpath("province_codes.csv")
    with data.open(encoding="utf-8") as handle:
        return {row["cccd_prefix"]: row["province_name"] for row in csv.DictReader(handle)}


def parse_personal_id(
    number: str, *, birth_date: dt.date | None = None, sex: str | None = None
) -> PersonalIdInfo:
    """Validate a 12-digit personal identity number and decode its six coded digits.

    ``birth_date`` and ``sex``, when known, are cross-checked against digits 4–6.
    Raises :class:`IdentityError`; an unknown province prefix only adds a warning.
    """
    cleaned = number.strip().replace(" ", "")
    if not cleaned.isdigit():
        raise IdentityError(
            "personal_id_digits",
            "Số định danh cá nhân chỉ gồm chữ số.",
            "A personal identity number has digits only.",
        )
    if not PERSONAL_ID_RE.match(cleaned):
        raise IdentityError(
            "personal_id_length",
            f"Số định danh cá nhân phải có đúng 12 chữ số (nhận được {len(cleaned)}).",
            f"A personal identity number has exactly 12 digits (got {len(cleaned)}).",
        )
    province = cleaned[:3]
    century_digit = int(cleaned[3])
    century_start = 1900 + 100 * (century_digit // 2)
    person_sex = "male" if century_digit % 2 == 0 else "female"
    birth_year = century_start + int(cleaned[4:6])

    warnings: list[str] = []
    names = province_codes()
    if province not in names:
        warnings.append(
            f"Mã tỉnh {province} không có trong danh mục; cần xác minh qua VNeID. / "
            f"Province code {province} is not in the code list; verify through VNeID."
        )
    today = dt.datetime.now(dt.UTC).date()
    if birth_year > today.year:
        raise IdentityError(
            "personal_id_century",
            f"Chữ số thứ 4 ({century_digit}) cho năm sinh {birth_year}, sau năm hiện tại.",
            f"Digit 4 ({century_digit}) gives birth year {birth_year}, which is in the future.",
        )
    if birth_date is not None and birth_date.year != birth_year:
        raise IdentityError(
            "personal_id_birth_year",
            f"Chữ số 4–6 cho năm sinh {birth_year}, không khớp ngày sinh {birth_date:%d/%m/%Y}.",
            f"Digits 4–6 give birth year {birth_year}, "
            f"which does not match the date of birth {birth_date.isoformat()}.",
        )
    if sex is not None and sex != person_sex:
        raise IdentityError(
            "personal_id_sex",
            "Chữ số thứ 4 không khớp giới tính đã khai.",
            "Digit 4 does not match the declared sex.",
        )
    return PersonalIdInfo(
        number=cleaned,
        province_code=province,
        province_name=names.get(province),
        century_start=century_start,
        sex=person_sex,
        birth_year=birth_year,
        warnings=tuple(warnings),
    )


def tax_check_digit(first_nine: str) -> int | None:
    """The check digit of a tax code's first nine digits, or None if no valid code exists."""
    total = sum(int(d) * w for d, w in zip(first_nine, TAX_WEIGHTS, strict=True))
    check = 10 - total % 11
    return None if check == 10 else check % 10


def validate_tax_code(code: str) -> str:
    """Validate a 10-digit tax/enterprise code or its 13-digit branch form; return it cleaned."""
    cleaned = code.strip().replace(" ", "")
    match = TAX_CODE_RE.match(cleaned)
    if match is None:
        raise IdentityError(
            "tax_code_format",
            "Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu '-' và 3 chữ số cho đơn vị phụ thuộc.",
            "A tax code has 10 digits, or 10 digits, '-' and 3 digits for a dependent unit.",
        )
    main, suffix = match.group(1), match.group(2)
    expected = tax_check_digit(main[:9])
    if expected is None or expected != int(main[9]):
        raise IdentityError(
            "tax_code_check_digit",
            "Chữ số kiểm tra (chữ số thứ 10) của mã số thuế không đúng.",
            "The check digit (10th digit) of the tax code is wrong.",
        )
    if suffix is not None and suffix == "000":
        raise IdentityError(
            "tax_code_suffix",
            "Ba chữ số của đơn vị phụ thuộc phải từ 001 đến 999.",
            "The dependent unit's three digits run from 001 to 999.",
        )
    return cleaned


def mask_identifier(value: str, visible: int = 4) -> str:
    """Mask all but the last ``visible`` characters: personal data shown only where needed."""
    if len(value) <= visible:
        return "•" * len(value)
    return "•" * (len(value) - visible) + value[-visible:]


def mask_email(value: str) -> str:
    """``a•••@example.vn``: enough for the owner to recognise the address, no more."""
    if "@" not in value:
        return mask_identifier(value, 0)
    local, domain = value.split("@", 1)
    return f"{local[:1]}•••@{domain}" if local else f"•••@{domain}"
