from django.urls import path

from motcua.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("procedures/<str:code>/", views.procedure_detail, name="procedure"),
    path("me/", views.my_home, name="my-home"),
]
