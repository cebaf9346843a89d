"""Actors and helpers of the feedback tests (Hà Nội reference data from tests/conftest.py).

* ``dispatcher``: supervisor at Văn phòng UBND Thành phố (H26.01, city level);
* ``ba_dinh_receiver`` / ``ba_dinh_processor``: staff of UBND Phường Ba Đình (H26.00004);
* ``ngoc_ha_receiver``: receiver of UBND Phường Ngọc Hà (H26.00008), another commune;
* ``citizen`` / ``other_citizen``: citizen accounts.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from motcua.feedback.models import Report, RoutingRule
from motcua.feedback.services import report_submit
from motcua.org.models import AdministrativeUnit, Agency, User
from motcua.org.roles import Role
from motcua.workcal.selectors import calendar_cache_clear
from motcua.workcal.types import VN_TZ
from tests.factories import UserFactory, staff

BA_DINH = "00004"
NGOC_HA = "00008"
BA_DINH_AGENCY = "H26.00004"
NGOC_HA_AGENCY = "H26.00008"
# Two points in Phường Ba Đình, about 111 m apart (0.001° of latitude), and one 2 km away.
POINT_A = (21.0340, 105.8400)
POINT_B = (21.0350, 105.8400)
POINT_FAR = (21.0520, 105.8400)


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


@dataclass
class FeedbackActors:
    dispatcher: User
    ba_dinh_receiver: User
    ba_dinh_processor: User
    ngoc_ha_receiver: User
    city_supervisor_elsewhere: User
    citizen: User
    other_citizen: User


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar_cache_clear()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fb(reference: None) -> FeedbackActors:
    return FeedbackActors(
        dispatcher=staff(Role.SUPERVISOR, agency_code="H26.01"),
        ba_dinh_receiver=staff(Role.RECEIVER, agency_code=BA_DINH_AGENCY),
        ba_dinh_processor=staff(Role.PROCESSOR, agency_code=BA_DINH_AGENCY),
        ngoc_ha_receiver=staff(Role.RECEIVER, agency_code=NGOC_HA_AGENCY),
        city_supervisor_elsewhere=staff(Role.SUPERVISOR, agency_code=NGOC_HA_AGENCY),
        citizen=UserFactory(roles=[Role.CITIZEN]),
        other_citizen=UserFactory(roles=[Role.CITIZEN]),
    )


@pytest.fixture
def rules(reference: None) -> None:
    """Lighting in every commune → Sở Xây dựng; waste in Ba Đình → UBND Ba Đình."""
    RoutingRule.objects.create(category="lighting", agency=Agency.objects.get(code="H26.04"))
    RoutingRule.objects.create(
        category="waste",
        commune=AdministrativeUnit.objects.get(code=BA_DINH),
        agency=Agency.objects.get(code=BA_DINH_AGENCY),
    )
    RoutingRule.objects.create(category="waste", agency=Agency.objects.get(code="H26.05"))


def jpeg_bytes(
    *, gps: tuple[float, float] | None = None, size: tuple[int, int] = (40, 30)
) -> bytes:
    img = Image.new("RGB", size, (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    if gps is not None:
        lat, lon = gps
        ifd = exif.get_ifd(0x8825)
        ifd.update(
            {
                1: "N",
                2: (float(int(lat)), float(int((lat % 1) * 60)), round(((lat * 60) % 1) * 60, 4)),
                3: "E",
                4: (float(int(lon)), float(int((lon % 1) * 60)), round(((lon * 60) % 1) * 60, 4)),
            }
        )
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(data: bytes, name: str = "anh.jpg", content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def submit(
    actor: User | None,
    *,
    category: str = "waste",
    text: str = "Rác thải tập kết trái phép ở đầu ngõ 12 suốt ba ngày",
    commune: str = BA_DINH,
    at: dt.datetime | None = None,
    point: tuple[float, float] | None = POINT_A,
    **kwargs: Any,
) -> Report:
    latitude = kwargs.pop("latitude", point[0] if point else None)
    longitude = kwargs.pop("longitude", point[1] if point else None)
    return report_submit(
        actor=actor,
        category=category,
        text=text,
        commune_code=commune,
        address=kwargs.pop("address", "Ngõ 12 Đội Cấn"),
        latitude=latitude,
        longitude=longitude,
        at=at or vn(2026, 11, 16, 9),
        **kwargs,
    )
