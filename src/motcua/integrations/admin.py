from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from motcua.integrations.models import OutboxMessage
from motcua.integrations.services import outbox_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    """The outbox, read-only; the one action makes chosen messages due now."""

    list_display = (
        "id",
        "topic",
        "key",
        "status",
        "attempts",
        "created_at",
        "available_at",
        "delivered_at",
        "short_error",
    )
    list_filter = ("topic", "status")
    search_fields = ("key",)
    date_hierarchy = "created_at"
    ordering = ("-id",)
    actions = ["retry_now"]
    fields = (
        "topic",
        "key",
        "status",
        "attempts",
        "created_at",
        "available_at",
        "delivered_at",
        "last_error",
        "pretty_payload",
    )
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxMessage) -> str:
        text = obj.last_error
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.display(description=_("payload"))
    def pretty_payload(self, obj: OutboxMessage) -> str:
        text = json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', text)

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        changed = outbox_retry(message_ids=ids, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be retried now.",
                "%(count)d messages will be retried now.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("integrations.change_outboxmessage")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
