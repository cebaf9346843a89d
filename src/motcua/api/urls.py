"""URLs under ``/api/``: version 1 of the API, its OpenAPI schema and Swagger UI.

Route names live in the ``api`` namespace (``reverse("api:procedure-list")``).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path

from motcua.api.apis import ApiRootView, SchemaView, SwaggerView, TokenObtainView
from motcua.api.errors import api_not_found

app_name = "api"

v1_patterns: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
    path("", include("motcua.catalog.api_urls")),
    path("", include("motcua.dossiers.api_urls")),
    path("", include("motcua.feedback.api_urls")),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", ApiRootView.as_view(version_patterns=v1_patterns), name="root"),
    path("v1/", include(v1_patterns)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/ is a JSON 404, never the HTML page of the site.
    re_path(r"^.*$", api_not_found),
]
