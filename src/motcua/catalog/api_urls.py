"""REST endpoints of the catalogue, included under ``/api/v1/`` by :mod:`motcua.api.urls`."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from motcua.catalog import apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("procedures/", apis.ProcedureListApi.as_view(), name="procedure-list"),
    # Any segment: a malformed code is a JSON 404 from the view, like an unknown one.
    path("procedures/<str:code>/", apis.ProcedureDetailApi.as_view(), name="procedure-detail"),
]
