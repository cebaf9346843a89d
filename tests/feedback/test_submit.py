"""Submitting a report: field checks, the city boundary, photos checked before storing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.models import AuditEvent
from motcua.feedback.models import Report, ReportPhoto
from tests.feedback.conftest import (
    BA_DINH,
    POINT_A,
    FeedbackActors,
    jpeg_bytes,
    submit,
    upload,
    vn,
)

pytestmark = pytest.mark.django_db


def test_logged_in_citizen_submits_with_audit(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    assert report.reporter == fb.citizen
    assert report.commune.code == BA_DINH
    assert report.text_folded.startswith("rac thai tap ket")
    assert (report.latitude, report.longitude) == POINT_A
    assert AuditEvent.objects.filter(action="feedback.submit", object_id=str(report.pk)).exists()


def test_field_errors_are_named_together(fb: FeedbackActors) -> None:
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, category="potholes", text="ngắn", commune="99999", point=None)
    assert err.value.kind is ErrorKind.INVALID
    assert set(err.value.fields) == {"category", "text", "commune"}
    assert "Hà Nội" in err.value.field_texts("vi")["commune"][0]
    assert Report.objects.count() == 0


def test_location_outside_the_city_is_refused(fb: FeedbackActors) -> None:
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, point=(10.7769, 106.7009))  # Hồ Chí Minh City
    assert err.value.code == "feedback.outside_city"
    assert "latitude" in err.value.fields
    assert Report.objects.count() == 0


def test_half_a_position_is_refused(fb: FeedbackActors) -> None:
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, point=None, latitude=21.03)
    assert "longitude" in err.value.fields


def test_address_or_position_needed(fb: FeedbackActors) -> None:
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, point=None, address="")
    assert "address" in err.value.fields


def test_anonymous_needs_a_contact(fb: FeedbackActors) -> None:
    with pytest.raises(DomainError) as err:
        submit(None)
    assert "contact_phone" in err.value.fields
    with pytest.raises(DomainError) as err:
        submit(None, contact_phone="12345")
    assert "contact_phone" in err.value.fields
    report = submit(None, contact_phone="0912 345 678")
    assert report.reporter is None
    assert report.contact_phone == "0912345678"


def test_anonymous_can_be_switched_off(fb: FeedbackActors, settings: Any) -> None:
    settings.MOTCUA_FEEDBACK_ALLOW_ANONYMOUS = False
    with pytest.raises(DomainError) as err:
        submit(None, contact_phone="0912345678")
    assert err.value.kind is ErrorKind.FORBIDDEN


def test_unknown_dossier_or_procedure_code(fb: FeedbackActors) -> None:
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, category="procedure", dossier_code="H26.05-261116-9999")
    assert "dossier_code" in err.value.fields
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, category="procedure", procedure_code="9.999999")
    assert "procedure_code" in err.value.fields


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_not_an_image_is_refused_before_storing(fb: FeedbackActors, settings: Any) -> None:
    fake = upload(b"%PDF-1.7 not a photo at all", name="anh.jpg")
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, photos=[upload(jpeg_bytes()), fake])
    assert err.value.code == "feedback.photo_not_image"
    assert "photos[1]" in err.value.fields
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert _files_under(Path(settings.MEDIA_ROOT)) == []


def test_gif_is_not_accepted(fb: FeedbackActors) -> None:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, photos=[upload(out.getvalue(), "a.gif", "image/gif")])
    assert err.value.code == "feedback.photo_not_image"


def test_too_large_photo_is_refused(fb: FeedbackActors, settings: Any) -> None:
    settings.MOTCUA_FEEDBACK_PHOTO_MAX_BYTES = 500
    big = jpeg_bytes(size=(300, 300))
    assert len(big) > 500
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, photos=[upload(big)])
    assert err.value.code == "feedback.photo_too_large"
    assert Report.objects.count() == 0


def test_too_many_photos(fb: FeedbackActors) -> None:
    with pytest.raises(DomainError) as err:
        submit(fb.citizen, photos=[upload(jpeg_bytes()) for _ in range(6)])
    assert err.value.code == "feedback.too_many_photos"


def test_photo_stored_with_exif_stripped_from_public_copy(fb: FeedbackActors) -> None:
    data = jpeg_bytes(gps=(21.0345, 105.8412))
    report = submit(fb.citizen, point=None, photos=[upload(data)], at=vn(2026, 11, 16, 9))
    photo = ReportPhoto.objects.get(report=report)
    assert photo.content_type == "image/jpeg"
    assert photo.size == len(data)
    assert len(photo.sha256) == 64
    assert photo.exif_latitude == pytest.approx(21.0345, abs=1e-4)
    assert photo.exif_longitude == pytest.approx(105.8412, abs=1e-4)
    # No position typed: the photo's position (inside the city) is used.
    assert report.latitude == pytest.approx(21.0345, abs=1e-4)
    with photo.file.open("rb") as f:
        original = f.read()
    with photo.public_file.open("rb") as f:
        public = f.read()
    assert b"SecretCameraMaker" in original
    assert b"SecretCameraMaker" not in public
    with Image.open(io.BytesIO(public)) as img:
        assert not img.getexif().get_ifd(0x8825)
        assert img.size == (40, 30)
