"""URLconf for the feedback API tests: the API is not mounted under /api/v1/ yet.

schemathesis (``--checks all``) still finds contract mismatches in it (public reads not marked
public in the schema, two responses that differ from their schema, two valid requests
refused); it is mounted in ``motcua.api.urls`` once they are fixed (docs/feedback.md).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include("motcua.feedback.api_urls")),
]
