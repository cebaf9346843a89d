from django.urls import include, path

from motcua.backoffice import views

app_name = "backoffice"

# Each area of the back office keeps its own URL module (counter, work inboxes, supervision).
urlpatterns = [
    path("", views.home, name="home"),
    path("counter/", include("motcua.backoffice.counter_urls")),
    path("work/", include("motcua.backoffice.work_urls")),
    path("supervision/", include("motcua.backoffice.supervision_urls")),
]
