"""Staff pages."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from motcua.backoffice import selectors
from motcua.core.permissions import staff_required
from motcua.org.models import User


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The staff home page: one panel per role the person holds, within their scope."""
    user = cast(User, request.user)  # staff_required admits only logged-in staff
    return render(request, "backoffice/home.html", selectors.staff_home(user=user))
