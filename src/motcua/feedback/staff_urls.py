"""URLs of the staff report pages, mounted at ``/staff/feedback/`` (namespace
``feedback_staff``)."""

from django.urls import URLPattern, path

from motcua.feedback import staff_views

app_name = "feedback_staff"

urlpatterns: list[URLPattern] = [
    path("", staff_views.queue, name="queue"),
    path("<int:pk>/", staff_views.report_page, name="report"),
    path("<int:pk>/act/<slug:action>/", staff_views.report_action, name="action"),
]
