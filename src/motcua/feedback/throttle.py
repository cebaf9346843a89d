"""Rate limits on filing and following reports, shared by the page and the API.

Anonymous reports are allowed (``MOTCUA_FEEDBACK_ALLOW_ANONYMOUS``), so a script could flood
the dispatchers' queue: filing or following a report is counted per client address for an
anonymous caller (rate ``feedback-anon``, environment ``API_FEEDBACK_ANON_RATE``, 10/hour by
default) and per account for a signed-in one (``feedback-user``, ``API_FEEDBACK_USER_RATE``,
60/hour). The counts live in the default cache under Django REST framework's keys, so the page
and ``POST /api/v1/feedback/reports/`` draw on one budget. Staff actions are not limited here.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

ANON_SCOPE = "feedback-anon"
USER_SCOPE = "feedback-user"


def _rates() -> dict[str, str]:
    framework: dict[str, Any] = getattr(settings, "REST_FRAMEWORK", {})
    rates: dict[str, str] = framework.get("DEFAULT_THROTTLE_RATES", {})
    return rates


class SubmitThrottle(SimpleRateThrottle):
    """Per account when signed in, per client address otherwise (read at each request)."""

    def __init__(self) -> None:
        # The rate depends on the caller: chosen in allow_request, not here.
        pass

    def allow_request(self, request: Request, view: Any) -> bool:
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        self.scope = USER_SCOPE if signed_in else ANON_SCOPE
        self.rate = _rates().get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        user = getattr(request, "user", None)
        pk = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
        ident = f"user-{pk}" if pk is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def submit_allowed(request: HttpRequest) -> tuple[bool, int]:
    """Count one submission (or follow) by this caller on a page; ``(allowed, seconds to
    wait when refused)``."""
    throttle = SubmitThrottle()
    drf_request = Request(request)
    user = getattr(request, "user", None)
    if user is not None:
        drf_request.user = user
    if throttle.allow_request(drf_request, APIView()):
        return True, 0
    return False, max(1, math.ceil(throttle.wait() or 1))
