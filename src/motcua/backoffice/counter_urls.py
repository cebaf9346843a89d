"""URLs of the back office's counter pages (names are prefixed by ``backoffice:``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
