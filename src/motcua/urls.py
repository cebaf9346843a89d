"""Top-level URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from motcua.accounts import views as accounts_views
from motcua.core import views as core_views
from motcua.feedback import views as feedback_views

admin.site.site_header = _("motcua administration")
admin.site.site_title = _("motcua administration")
admin.site.index_title = _("Catalogue, organisation and users")

urlpatterns = [
    # first: the API's hot public reads (the progress lookup) skip the pages' patterns
    path("api/", include("motcua.api.urls")),
    path("feedback/", include("motcua.feedback.urls")),
    # public copies of report photos only (EXIF removed); originals are never served
    re_path(r"^media/(?P<path>feedback/public/.+)$", feedback_views.public_photo),
    path("", include("motcua.portal.urls")),
    path("", include("motcua.people.urls")),
    path("staff/indicators/", include("motcua.indicators.urls")),
    path("staff/feedback/", include("motcua.feedback.staff_urls")),
    path("staff/", include("motcua.backoffice.urls")),
    path("documents/", include("motcua.documents.urls")),
    # the site-wide "login" name (LOGIN_URL) is the accounts app's page (docs/accounts.md)
    path("accounts/login/", accounts_views.LoginView.as_view(), name="login"),
    path("accounts/", include("motcua.accounts.urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/home/", core_views.home_after_login, name="home-after-login"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler400 = "motcua.core.views.bad_request"
handler403 = "motcua.core.views.permission_denied"
handler404 = "motcua.core.views.page_not_found"
handler500 = "motcua.core.views.server_error"
