"""Sending a verification code by text message: a small interface and a log-only default.

The notification adapter (integrations) will replace the default; until then a code meant for
a phone is written to the log, and the log line says that no message was sent.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from motcua.people.identity import mask_identifier

logger = logging.getLogger("motcua.accounts.sms")


class SmsSender(Protocol):
    def send(self, *, phone: str, text: str) -> None:
        """Send ``text`` to ``phone``; raise an exception when it cannot be sent."""


class LogSmsSender:
    """Writes the message to the log instead of sending it (development default)."""

    def send(self, *, phone: str, text: str) -> None:
        logger.warning(
            "No SMS gateway is configured: the text message to %s was NOT sent, "
            "it is only written here: %s",
            mask_identifier(phone),
            text,
        )


def sms_sender() -> SmsSender:
    """The sender named by ``MOTCUA_ACCOUNTS_SMS_SENDER`` (a dotted path), else the log sender."""
    path: str = getattr(settings, "MOTCUA_ACCOUNTS_SMS_SENDER", "") or ""
    if not path:
        return LogSmsSender()
    sender: SmsSender = import_string(path)()
    return sender
