"""URLs of the back office's work pages (names are prefixed by ``backoffice:``).

Mounted at ``/staff/work/``: the processor's and approver's inbox, and the dossier page used
by every staff role (``backoffice:dossier`` with the dossier code).
"""

from django.urls import URLPattern, path

from motcua.backoffice import work_views

urlpatterns: list[URLPattern] = [
    path("", work_views.inbox, name="work-inbox"),
    path("dossiers/<str:code>/", work_views.dossier_detail, name="dossier"),
    path(
        "dossiers/<str:code>/applicant/",
        work_views.dossier_applicant,
        name="dossier-applicant",
    ),
    path(
        "dossiers/<str:code>/act/<slug:action>/",
        work_views.dossier_action,
        name="dossier-action",
    ),
]
