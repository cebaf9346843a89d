"""Access checks shared by the web pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from motcua.org.roles import Role

View = Callable[..., HttpResponse]


def role_required(*roles: Role) -> Callable[[View], View]:
    """Allow the view only to logged-in people holding one of ``roles`` (any staff role when
    none is given); anonymous people are sent to the login page, others get 403."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            held = user.role_codes
            allowed = (
                {r.value for r in roles} if roles else {r.value for r in Role if r.is_staff_role}
            )
            if not held & allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = role_required()
