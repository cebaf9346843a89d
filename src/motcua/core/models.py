"""Shared models: the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One audited action: a change made through a service, or a staff read of personal data.

    Rows are written by :func:`motcua.core.services.audit_record` only and never updated.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class DeferredIndex(models.Model):
    """A PostgreSQL index dropped for a bulk load and not yet re-created.

    Written in the same transaction as the ``DROP INDEX`` (by
    :func:`motcua.simulate.indexes.indexes_defer`), deleted in the same transaction as the
    ``CREATE INDEX`` that restores it, so an interrupted load never loses an index definition:
    the next run (or ``motcua simulate --restore-indexes``) re-creates what is listed here.
    """

    table = models.CharField(_("table"), max_length=63)
    name = models.CharField(_("index name"), max_length=63, unique=True)
    definition = models.TextField(_("definition"))
    deferred_at = models.DateTimeField(_("deferred at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deferred index")
        verbose_name_plural = _("deferred indexes")
        ordering = ["table", "name"]

    def __str__(self) -> str:
        return self.name
