"""URLs of the back office's work pages (names are prefixed by ``backoffice:``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
