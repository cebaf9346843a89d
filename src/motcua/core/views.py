"""Views shared by every part of the site: landing after login, health check, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from motcua.org.roles import Role


@login_required
def home_after_login(request: HttpRequest) -> HttpResponse:
    """Send each person to the page of their role."""
    user = request.user
    role = user.primary_role  # type: ignore[union-attr]
    if role is Role.ADMIN:
        return redirect("admin:index")
    if role is not None and role.is_staff_role:
        return redirect("backoffice:home")
    return redirect("portal:my-home")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})


def _error(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "error.html", {"status": status}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
