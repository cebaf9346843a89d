"""Models of the REST API layer: the stored answers of idempotent requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The answer given to one ``Idempotency-Key`` of one user (see motcua.api.idempotency).

    The row is inserted when the request starts, in the request's transaction, and filled with
    the answer before that transaction commits, so other transactions only ever see complete
    rows. Keys are unique per user; requests without a signed-in user share one key space
    (``user`` empty), so anonymous clients must use unguessable keys (UUIDs).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(
        _("request fingerprint"),
        max_length=64,
        help_text=_("SHA-256 of the method, path, query and body of the first request."),
    )
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=Q(user__isnull=False),
                name="api_idempotency_unique_user_key",
            ),
            # NULLs are distinct in a plain unique index: anonymous keys need their own.
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(user__isnull=True),
                name="api_idempotency_unique_anonymous_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
