"""Fixtures of the document tests: dossiers driven through the lifecycle services, and helpers
that read the generated PDFs back (text with pypdf, page size, signature with pyHanko).

The actors come from tests/dossiers/conftest.py: ``receiver`` at branch H26.30.01 of the
Service Center (H26.30), ``processor``/``approver`` of Sở Nông nghiệp và Môi trường (H26.05),
competent for procedure 1.012783 (5 working days).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from io import BytesIO

import pytest
from pypdf import PdfReader

from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import DocumentItem
from motcua.org.models import User
from motcua.org.roles import Role
from tests.dossiers.conftest import PROCEDURE, Actors, _fresh_calendar, actors, vn  # noqa: F401
from tests.factories import staff

A5 = (419.53, 595.28)
A4_LANDSCAPE = (841.89, 595.28)
APPLICANT_ADDRESS = "Số 12 phố Hàng Bạc, phường Hoàn Kiếm"
APPLICANT_PHONE = "0912345678"


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, NFC-normalised, whitespace collapsed."""
    reader = PdfReader(BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(BytesIO(data))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def assert_size(data: bytes, size: tuple[float, float]) -> None:
    sizes = page_sizes(data)
    assert sizes, "no pages"
    for width, height in sizes:
        assert abs(width - size[0]) <= 1 and abs(height - size[1]) <= 1, sizes


@pytest.fixture
def media(settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Generated files go to a temporary media folder."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")  # type: ignore[attr-defined]


@pytest.fixture
def people(actors: Actors) -> Actors:  # noqa: F811
    """The actors, with a reachable applicant (address and phone on the forms)."""
    actors.profile.address = APPLICANT_ADDRESS
    actors.profile.phone = APPLICANT_PHONE
    actors.profile.save(update_fields=["address", "phone"])
    return actors


def intake(actors: Actors, at: dt.datetime) -> Dossier:  # noqa: F811
    return s.dossier_intake(
        actor=actors.receiver,
        procedure_code=PROCEDURE,
        applicant=actors.profile,
        subject="Cấp đổi sổ đỏ do bị rách",
        documents=[
            DocumentItem(name="Đơn đề nghị cấp đổi Giấy chứng nhận", count=1),
            DocumentItem(name="Bản gốc Giấy chứng nhận đã cấp", copy_kind="original", count=1),
        ],
        at=at,
    )


def received(actors: Actors, start: dt.datetime) -> Dossier:  # noqa: F811
    d = intake(actors, start)
    return s.dossier_receive(dossier=d, actor=actors.receiver, at=start + dt.timedelta(minutes=5))


def processing(actors: Actors, start: dt.datetime) -> Dossier:  # noqa: F811
    d = received(actors, start)
    return s.dossier_forward(dossier=d, actor=actors.receiver, at=start + dt.timedelta(minutes=30))


@pytest.fixture
def supervisor(actors: Actors) -> User:  # noqa: F811
    return staff(Role.SUPERVISOR, agency_code="H26.30")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: pytest.FixtureRequest) -> None:
    """The actors' passwords are hashed with Argon2 by default: slow and not under test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
