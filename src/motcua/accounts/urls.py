"""Account pages, mounted at /accounts/ (before Django's own login paths)."""

from __future__ import annotations

from django.urls import path

from motcua.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("register/", views.register, name="register"),
    path("verify/", views.verify, name="verify"),
    path("password/reset/", views.reset_request, name="reset-request"),
    path("password/reset/confirm/", views.reset_confirm, name="reset-confirm"),
    path("idp/login/", views.idp_login, name="idp-login"),
    path("idp/callback/", views.idp_callback, name="idp-callback"),
    path("idp/consent/", views.idp_consent, name="idp-consent"),
]
