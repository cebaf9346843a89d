"""Text helpers for Vietnamese: accent folding for search on every database."""

from __future__ import annotations

import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case ``text`` without Vietnamese diacritics: "Đăng ký khai sinh" → "dang ky khai sinh".

    Used for the normalised search columns (the SQLite path) and to fold queries; PostgreSQL
    searches additionally use ``unaccent``.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
