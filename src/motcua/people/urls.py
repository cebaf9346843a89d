"""Mandate and service-agent pages. Mounted at the site root (``/me/mandates/``, ``/agent/``)."""

from django.urls import path

from motcua.people import views

app_name = "people"

urlpatterns = [
    path("me/mandates/", views.my_mandates, name="mandates"),
    path("me/mandates/<int:pk>/revoke/", views.mandate_revoke, name="mandate-revoke"),
    path("agent/", views.agent_home, name="agent-home"),
    path("agent/consent/", views.agent_consent_start, name="agent-consent-start"),
    path("agent/consent/<int:pk>/", views.agent_consent, name="agent-consent"),
]
