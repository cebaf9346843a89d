"""URLs of the back office's supervision pages (names are prefixed by ``backoffice:``)."""

from django.urls import URLPattern, path

from motcua.backoffice import supervision_views as views

urlpatterns: list[URLPattern] = [
    path("", views.summary, name="supervision"),
    path("dossiers/", views.dossiers, name="supervision-dossiers"),
]
