"""The transactional outbox: messages for outside systems, written in the business transaction.

A service that changes something an outside system must hear about (the national portal, a
notification gateway) calls :func:`motcua.integrations.services.outbox_enqueue` inside its own
transaction. The message therefore exists if and only if the change committed. A background
task (:mod:`motcua.integrations.tasks`) later hands each message to the adapter registered for
its topic, retries with exponential backoff, and gives up ("dead") after a configured number of
attempts. Messages of one ``(topic, key)`` are delivered strictly in the order they were
written. See docs/integrations.md.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One message waiting for (or done with) delivery to an outside system."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed, will be retried")
        DEAD = "dead", _("dead (no more retries)")

    topic = models.CharField(
        _("topic"),
        max_length=100,
        help_text=_("Which adapter delivers the message, e.g. national_portal.dossier."),
    )
    key = models.CharField(
        _("key"),
        max_length=200,
        help_text=_("Messages with the same topic and key are delivered in order."),
    )
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    available_at = models.DateTimeField(
        _("next attempt"),
        default=timezone.now,
        help_text=_("The message is not picked up before this instant."),
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [
            # The pending queue: "queued and due, oldest first".
            models.Index(
                fields=["available_at", "id"],
                name="integrations_outbox_due",
                condition=Q(status__in=["pending", "failed"]),
            ),
            # "Is an older message with the same topic and key still undelivered?"
            models.Index(
                fields=["topic", "key", "id"],
                name="integrations_outbox_key",
                condition=~Q(status="delivered"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.key} #{self.pk} ({self.status})"


# Statuses of a message that the delivery loop may still pick up.
QUEUED_STATUSES = (OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED)
