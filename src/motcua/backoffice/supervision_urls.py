"""URLs of the back office's supervision pages (names are prefixed by ``backoffice:``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
