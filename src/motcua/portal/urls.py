from django.urls import path

from motcua.portal import my_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("procedures/<str:code>/", views.procedure_detail, name="procedure"),
    path("sectors/<slug:code>/", views.sector_detail, name="sector"),
    path("lookup/", views.lookup, name="lookup"),
    path("me/", views.my_home, name="my-home"),
    path("me/dossiers/", my_views.my_dossiers, name="my-dossiers"),
    path("me/dossiers/<str:code>/", my_views.my_dossier, name="my-dossier"),
    path("me/dossiers/<str:code>/rate/", my_views.my_dossier_rate, name="my-dossier-rate"),
]
