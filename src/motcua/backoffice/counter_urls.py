"""URLs of the back office's counter pages (names are prefixed by ``backoffice:``)."""

from django.urls import URLPattern, path

from motcua.backoffice import counter_views as views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="counter"),
    path("queue/", views.queue, {"queue": "intake"}, name="counter_queue"),
    path("waiting/", views.queue, {"queue": "waiting"}, name="counter_waiting"),
    path("results/", views.queue, {"queue": "results"}, name="counter_results"),
    path("intake/<str:code>/", views.intake, name="counter_intake"),
    path("applicant/", views.applicant_lookup, name="counter_applicant"),
    path("dossiers/<str:identifier>/", views.dossier_page, name="counter_dossier"),
    path(
        "dossiers/<str:identifier>/supplement/",
        views.supplement_received,
        name="counter_supplement_received",
    ),
    path("dossiers/<str:identifier>/return/", views.return_result, name="counter_return"),
    path("dossiers/<str:identifier>/applicant/", views.applicant_reveal, name="counter_reveal"),
]
