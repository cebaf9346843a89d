"""Photo checks for reports: real image type, size, EXIF location, a public copy without EXIF.

Everything here runs *before* anything is stored: :func:`photo_check` reads the upload into
memory (bounded by the size limit), lets Pillow identify the format from the bytes (the name
and the browser's content type are not trusted), reads the GPS position from EXIF when present
and re-encodes the pixels into a public copy that carries no metadata.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from motcua.core.errors import DomainError, ErrorKind

# Pillow format -> (content type, extension).
ALLOWED_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PHOTOS = 5
_GPS_IFD = 0x8825


def max_photo_bytes() -> int:
    return int(getattr(settings, "MOTCUA_FEEDBACK_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_photos() -> int:
    return int(getattr(settings, "MOTCUA_FEEDBACK_MAX_PHOTOS", DEFAULT_MAX_PHOTOS))


@dataclass(frozen=True)
class CheckedPhoto:
    """A photo that passed the checks, ready to store."""

    original: bytes
    public: bytes
    content_type: str
    extension: str
    sha256: str
    latitude: float | None
    longitude: float | None

    @property
    def size(self) -> int:
        return len(self.original)


def _read_bounded(upload: IO[bytes] | Any, limit: int) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data: bytes = upload.read(limit + 1)
    return data


def _to_degrees(value: Any) -> float:
    d, m, s = (float(part) for part in value)
    return d + m / 60.0 + s / 3600.0


def _exif_position(image: Image.Image) -> tuple[float | None, float | None]:
    try:
        gps = image.getexif().get_ifd(_GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None, None
        lat = _to_degrees(gps[2])
        lon = _to_degrees(gps[4])
        if str(gps.get(1, "N")).upper().startswith("S"):
            lat = -lat
        if str(gps.get(3, "E")).upper().startswith("W"):
            lon = -lon
    except (ValueError, TypeError, ZeroDivisionError, KeyError):
        return None, None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None, None
    return lat, lon


def photo_check(upload: IO[bytes] | Any, *, field: str) -> CheckedPhoto:
    """Check one uploaded photo; :class:`DomainError` naming ``field`` when refused."""
    limit = max_photo_bytes()
    data = _read_bounded(upload, limit)
    if len(data) > limit:
        raise DomainError(
            "feedback.photo_too_large",
            _("A photo is too large."),
            kind=ErrorKind.INVALID,
            fields={
                field: format_lazy(
                    _("The photo is larger than {mb} MB."), mb=f"{limit / (1024 * 1024):g}"
                )
            },
        )
    if not data:
        raise DomainError(
            "feedback.photo_empty",
            _("A photo is empty."),
            kind=ErrorKind.INVALID,
            fields={field: _("The file is empty.")},
        )
    not_image = DomainError(
        "feedback.photo_not_image",
        _("A file is not a photo."),
        kind=ErrorKind.INVALID,
        fields={field: _("Only JPEG, PNG or WebP photos are accepted.")},
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                probe.verify()
            if fmt not in ALLOWED_FORMATS:
                raise not_image
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                lat, lon = _exif_position(image)
                upright = ImageOps.exif_transpose(image)
                public = _reencode(upright, fmt)
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise not_image from exc
    content_type, extension = ALLOWED_FORMATS[fmt]
    return CheckedPhoto(
        original=data,
        public=public,
        content_type=content_type,
        extension=extension,
        sha256=hashlib.sha256(data).hexdigest(),
        latitude=lat,
        longitude=lon,
    )


def _reencode(image: Image.Image, fmt: str) -> bytes:
    """The pixels only: no EXIF, XMP, ICC or text chunks are copied."""
    mode = image.mode
    if fmt == "JPEG" and mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    if image.mode == "P" and image.getpalette() is not None:
        palette = image.getpalette()
        if palette is not None:
            clean.putpalette(palette)
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=88)
    else:
        clean.save(out, fmt)
    return out.getvalue()
