"""REST endpoints of the dossiers app, included under ``/api/v1/`` by :mod:`motcua.api.urls`."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from motcua.dossiers.apis import DossierViewSet, LookupView

router = SimpleRouter()
router.register("dossiers", DossierViewSet, basename="dossier")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("lookup/<str:code>/", LookupView.as_view(), name="dossier-lookup"),
]
