"""Log in with an identity number, phone or e-mail and a password.

Keep Django's ``ModelBackend`` after this one for staff, who log in with their username.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from motcua.accounts import selectors
from motcua.org.models import User


class IdentifierBackend(ModelBackend):
    """Finds a citizen account by identity number, phone or e-mail (one account only)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        if selectors.identifier_kind(username) == "other":
            return None
        user = selectors.citizen_user_by_identifier(username)
        if user is None:
            # Run the hasher anyway, so the answer takes as long as for a known account.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
