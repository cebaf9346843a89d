"""Text helpers for Vietnamese: accent folding for search on every database."""

from __future__ import annotations

import unicodedata


def strip_marks(text: str) -> str:
    """Vietnamese without diacritics, case and spacing kept: "Hồ sơ Đã" → "Ho so Da"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case ``text`` without Vietnamese diacritics: "Đăng ký khai sinh" → "dang ky khai sinh".

    Used for the normalised search columns (the SQLite path) and to fold queries; PostgreSQL
    searches additionally use ``unaccent``.
    """
    return " ".join(strip_marks(text).lower().split())
