from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def brand(request: HttpRequest) -> dict[str, Any]:
    """The deployment's brand (name, colours, logo) for every template."""
    return {"brand": settings.MOTCUA_BRAND}
