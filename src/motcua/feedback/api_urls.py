"""REST endpoints of the feedback app, included under ``/api/v1/`` by :mod:`motcua.api.urls`."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from motcua.feedback.apis import ReportViewSet

router = SimpleRouter()
router.register("feedback/reports", ReportViewSet, basename="feedback-report")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
