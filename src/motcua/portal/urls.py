from django.urls import path

from motcua.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("procedures/<str:code>/", views.procedure_detail, name="procedure"),
    path("sectors/<slug:code>/", views.sector_detail, name="sector"),
    path("lookup/", views.lookup, name="lookup"),
    path("me/", views.my_home, name="my-home"),
]
