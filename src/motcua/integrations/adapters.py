"""The adapter interface of the outbox and the registry of adapters by topic.

An adapter delivers the payload of one outbox message to one outside system. It either
returns (delivered) or raises :class:`DeliveryError`:

* ``DeliveryError("...")``: a temporary failure (network, HTTP 5xx, timeout). The outbox
  retries with exponential backoff and gives up after ``MOTCUA_OUTBOX_MAX_ATTEMPTS``.
* ``DeliveryError("...", permanent=True)``: retrying cannot help (the other side rejected the
  content). The message is dead at once and waits for an administrator.
* :class:`NotConfiguredError`: the adapter is switched off (no endpoint configured). Nothing
  was sent; the message stays queued, the attempt is not counted, and it is tried again
  later.
* :class:`NothingToDeliver`: the message needs no delivery (e.g. a dossier that has no
  national code yet). It is marked delivered, with the reason kept in ``last_error``.

Any other exception from an adapter is a bug; the outbox records it like a temporary
failure, so a bad message cannot stop the delivery of the others.

Built-in adapters (the national portal, citizen notices) register themselves when their module
is imported; :func:`adapter_for` imports them on first use.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "DeliveryError",
    "NotConfiguredError",
    "NothingToDeliver",
    "OutboxAdapter",
    "adapter_for",
    "register",
    "registered_topics",
    "unregister",
]

# Modules whose import registers the built-in adapters.
BUILTIN_ADAPTER_MODULES = (
    "motcua.integrations.national_portal",
    "motcua.integrations.notify",
)


class DeliveryError(Exception):
    """Delivery of one message failed. ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class NotConfiguredError(DeliveryError):
    """The adapter is disabled: nothing was sent, the message must stay queued."""


class NothingToDeliver(Exception):  # noqa: N818 - an outcome, not an error
    """Nothing of this message is for the outside system; it is done without being sent."""


@runtime_checkable
class OutboxAdapter(Protocol):
    """Delivers the payloads of one topic to an outside system."""

    @property
    def topic(self) -> str: ...

    def deliver(self, message_payload: dict[str, Any]) -> None:
        """Deliver one payload, or raise :class:`DeliveryError`."""


_registry: dict[str, OutboxAdapter] = {}
_lock = threading.Lock()
_builtins_loaded = False


def register(adapter: OutboxAdapter, *, replace: bool = False) -> OutboxAdapter:
    """Make ``adapter`` deliver the messages of ``adapter.topic``.

    Registering a second adapter for a topic is an error unless ``replace`` is true.
    """
    topic = adapter.topic
    if not topic:
        raise ValueError("an outbox adapter needs a non-empty topic")
    with _lock:
        if topic in _registry and _registry[topic] is not adapter and not replace:
            raise ValueError(f"an adapter is already registered for topic {topic!r}")
        _registry[topic] = adapter
    return adapter


def unregister(topic: str) -> OutboxAdapter | None:
    """Remove the adapter of ``topic`` (tests use this); returns it, if there was one."""
    with _lock:
        return _registry.pop(topic, None)


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    for module in BUILTIN_ADAPTER_MODULES:
        importlib.import_module(module)
    _builtins_loaded = True


def adapter_for(topic: str) -> OutboxAdapter | None:
    """The adapter registered for ``topic``, or ``None``."""
    _load_builtins()
    with _lock:
        return _registry.get(topic)


def registered_topics() -> list[str]:
    _load_builtins()
    with _lock:
        return sorted(_registry)
