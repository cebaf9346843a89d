from django.urls import path

from motcua.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_new, name="new"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/follow/", views.report_follow, name="follow"),
    path("<int:pk>/rate/", views.report_rate, name="rate"),
    path("<int:pk>/reopen/", views.report_reopen, name="reopen"),
]
