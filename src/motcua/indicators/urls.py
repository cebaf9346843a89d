"""URLs of the Decision 766 dashboard (namespace ``indicators``, mounted at
``/staff/indicators/``)."""

from django.urls import URLPattern, path

from motcua.indicators import views

app_name = "indicators"

urlpatterns: list[URLPattern] = [
    path("", views.scorecard, name="scorecard"),
    path("group/<slug:code>/", views.group, name="group"),
    path("dossiers/", views.dossiers, name="dossiers"),
    path("trends/", views.trends, name="trends"),
    path("worst/", views.worst, name="worst"),
]
