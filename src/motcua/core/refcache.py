"""A small in-process cache of reference rows (agencies, service points, procedure versions).

Every dossier transition needs the dossier's agencies, service point and procedure version.
They change a few times a year, while a busy one-stop makes hundreds of transitions a
second: reading them with the dossier (a join over seven tables) cost more than the rest of
the transition. :class:`ReferenceCache` keeps rows by primary key for ``ttl`` seconds:

* a save or delete of a cached model in this process clears its cache at once (signals);
* another process sees a change within ``ttl`` seconds;
* cached instances are shared: callers must treat them as read-only (the services do:
  they assign them to foreign keys, never change their fields).

:func:`clear_all` empties every cache (the test suite calls it before each test, because a
rolled-back test may leave a primary key that the next test reuses for another row).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models.signals import post_delete, post_save

M = TypeVar("M", bound=models.Model)

_registry: list[ReferenceCache[Any]] = []


class ReferenceCache(Generic[M]):
    """Rows of ``model`` by primary key, read with ``select_related`` and kept ``ttl`` s."""

    def __init__(
        self,
        model: type[M],
        *,
        select_related: Sequence[str] = (),
        ttl: float = 60.0,
        invalidated_by: Sequence[type[models.Model]] = (),
    ) -> None:
        self.model = model
        self.select_related = tuple(select_related)
        self.ttl = ttl
        self._rows: dict[Any, tuple[float, M]] = {}
        self._lock = threading.Lock()
        senders: list[type[models.Model]] = [model, *invalidated_by]
        for sender in senders:
            post_save.connect(self._on_change, sender=sender, weak=False)
            post_delete.connect(self._on_change, sender=sender, weak=False)
        _registry.append(self)

    def _on_change(self, **_: Any) -> None:
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def get(self, pk: Any) -> M:
        """The row with primary key ``pk`` (``DoesNotExist`` if there is none)."""
        now = time.monotonic()
        hit = self._rows.get(pk)
        if hit is not None and hit[0] > now:
            return hit[1]
        query = self.model._default_manager.all()
        if self.select_related:
            query = query.select_related(*self.select_related)
        row = query.get(pk=pk)
        with self._lock:
            self._rows[pk] = (now + self.ttl, row)
        return row

    def attach(self, instance: models.Model, *fields: str) -> None:
        """Fill the foreign keys ``fields`` of ``instance`` from the cache (no query when hit).

        A foreign key left empty stays empty; one already loaded is replaced by the cached row
        with the same key.
        """
        for name in fields:
            field = instance._meta.get_field(name)
            if not isinstance(field, models.ForeignKey):
                raise TypeError(f"{name} is not a foreign key of {instance._meta.label}")
            value = getattr(instance, field.attname)
            if value is not None:
                field.set_cached_value(instance, self.get(value))


def clear_all() -> None:
    """Empty every reference cache of this process."""
    for cache in _registry:
        cache.clear()
