"""URLs of the generated documents (forms 01–06, stop notice) and signature verification."""

from django.urls import URLPattern

app_name = "documents"

urlpatterns: list[URLPattern] = []
