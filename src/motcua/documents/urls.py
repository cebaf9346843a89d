"""URLs of the generated documents (forms 01–06, stop notice), electronic results and
signature verification."""

from django.urls import URLPattern, path

from motcua.documents import views

app_name = "documents"

urlpatterns: list[URLPattern] = [
    path("dossiers/<str:code>/forms/<str:form>/", views.dossier_form, name="dossier_form"),
    path("register/", views.register, name="register"),
    path("<int:pk>/download/", views.download, name="download"),
    path("verify/", views.verify, name="verify"),
    path("results/<int:pk>/download/", views.result_download, name="result_download"),
]
