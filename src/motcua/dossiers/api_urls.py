"""REST endpoints of the dossiers app, included under ``/api/v1/`` by :mod:`motcua.api.urls`."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
