from django.urls import path

from motcua.portal import my_views, store_views, submit_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("procedures/<str:code>/", views.procedure_detail, name="procedure"),
    path("procedures/<str:code>/submit/", submit_views.submit_start, name="submit"),
    path("sectors/<slug:code>/", views.sector_detail, name="sector"),
    path("life-events/", views.life_events, name="life-events"),
    path("life-events/<slug:slug>/", views.life_event, name="life-event"),
    path("lookup/", views.lookup, name="lookup"),
    path("me/", views.my_home, name="my-home"),
    path("me/drafts/<int:pk>/", submit_views.draft_edit, name="draft"),
    path("me/drafts/<int:pk>/review/", submit_views.draft_review, name="draft-review"),
    path("me/drafts/<int:pk>/delete/", submit_views.draft_delete, name="draft-delete"),
    path("me/store/", store_views.store_page, name="store"),
    path("me/store/<int:pk>/file/", store_views.store_file, name="store-file"),
    path("me/store/<int:pk>/withdraw/", store_views.store_withdraw, name="store-withdraw"),
    path("me/dossiers/", my_views.my_dossiers, name="my-dossiers"),
    path("me/dossiers/<str:code>/", my_views.my_dossier, name="my-dossier"),
    path("me/dossiers/<str:code>/rate/", my_views.my_dossier_rate, name="my-dossier-rate"),
    path(
        "me/dossiers/<str:code>/supplement/",
        my_views.my_dossier_supplement,
        name="my-dossier-supplement",
    ),
    path(
        "me/dossiers/<str:code>/withdraw/", my_views.my_dossier_withdraw, name="my-dossier-withdraw"
    ),
    path("me/dossiers/<str:code>/receipt/", my_views.my_dossier_receipt, name="my-dossier-receipt"),
]
