"""Shared fixtures: Hà Nội's reference data is loaded once into the test database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from motcua.catalog.reference import load_reference
from motcua.core import refcache
from motcua.integrations import services as outbox_services
from motcua.org.models import AdministrativeUnit
from motcua.org.services import roles_ensure


def _ensure_reference() -> None:
    if not AdministrativeUnit.objects.exists():
        load_reference()
    roles_ensure()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        _ensure_reference()
    yield


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """A test starts with empty in-process caches: a rolled-back test may leave primary keys
    that the next one reuses for other rows; rate-limit counters start at zero."""
    cache.clear()
    refcache.clear_all()
    outbox_services._kick_window.reset()


@pytest.fixture
def reference(db: None) -> None:
    """Reference data present (re-loaded if a transactional test flushed it)."""
    _ensure_reference()
