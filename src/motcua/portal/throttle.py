"""Rate limit of the public lookup page, shared with the API's ``lookup`` throttle.

The page counts its lookups in the same cache entries as ``GET /api/v1/lookup/{code}/``
(Django REST framework's ``throttle_lookup_<client address>`` in the default cache), so a
client cannot double its budget by alternating between the page and the API. The rate is
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["lookup"]`` (environment ``API_LOOKUP_RATE``,
60/minute by default), read at every request. The client is told apart as DRF does: the
address in ``REMOTE_ADDR``, or in ``X-Forwarded-For`` when ``NUM_PROXIES`` is set.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

SCOPE = "lookup"


class LookupThrottle(SimpleRateThrottle):
    scope = SCOPE

    def get_rate(self) -> str | None:
        framework: dict[str, Any] = getattr(settings, "REST_FRAMEWORK", {})
        rates: dict[str, str] = framework.get("DEFAULT_THROTTLE_RATES", {})
        return rates.get(SCOPE)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def lookup_allowed(request: HttpRequest) -> tuple[bool, int]:
    """Count one lookup of this client; ``(allowed, seconds to wait when refused)``."""
    throttle = LookupThrottle()
    # DRF's throttle reads only the client address (request.META) from these two
    if throttle.allow_request(Request(request), APIView()):
        return True, 0
    wait = throttle.wait()
    return False, max(1, math.ceil(wait or 1))
