"""Reads compiled once give exactly what the queryset gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction

from motcua.core.compiled import CompiledRead
from motcua.dossiers.models import Dossier, DossierStep
from motcua.dossiers.services import dossier_forward, dossier_receive
from tests.dossiers.conftest import Actors, take_in, vn

pytestmark = pytest.mark.django_db

BY_PK = CompiledRead(Dossier, lambda pk: Dossier.objects.filter(pk=pk).order_by())
STEPS = CompiledRead(
    DossierStep, lambda dossier: DossierStep.objects.filter(dossier_id=dossier).order_by("order")
)


def _fields(obj: object, model: type[Dossier] | type[DossierStep]) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


def test_a_compiled_read_builds_the_same_instances_as_the_queryset(actors: Actors) -> None:
    d = take_in(actors, vn(2026, 11, 2, 9))
    d = dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 11, 2, 9, 5))
    d = dossier_forward(dossier=d, actor=actors.receiver, at=vn(2026, 11, 2, 9, 10))
    (fast,) = BY_PK.fetch(d.pk)
    slow = Dossier.objects.get(pk=d.pk)
    assert _fields(fast, Dossier) == _fields(slow, Dossier)
    assert fast.received_at is not None and fast.received_at.tzinfo is not None  # converted
    assert not fast._state.adding and fast._state.db == "default"
    steps = STEPS.fetch(d.pk)
    expected = list(DossierStep.objects.filter(dossier=d).order_by("order"))
    assert [_fields(s, DossierStep) for s in steps] == [_fields(s, DossierStep) for s in expected]
    assert len(steps) >= 2
    assert BY_PK.fetch(-1) == []


def test_a_locking_read_is_compiled_inside_the_transaction(actors: Actors) -> None:
    d = take_in(actors, vn(2026, 11, 2, 9))
    locking = CompiledRead(
        Dossier, lambda pk: Dossier.objects.select_for_update().filter(pk=pk).order_by()
    )
    with transaction.atomic():
        (row,) = locking.fetch(d.pk)
    assert row.pk == d.pk and row.reference == d.reference


def test_reads_that_would_differ_from_the_queryset_are_refused() -> None:
    joined = CompiledRead(
        Dossier, lambda pk: Dossier.objects.select_related("current_agency").filter(pk=pk)
    )
    with pytest.raises(ValueError, match="own columns"):
        joined.fetch(1)
    two = CompiledRead(Dossier, lambda pk: Dossier.objects.filter(pk=pk, event_count=pk))
    with pytest.raises(ValueError, match="expected 1 placeholders, found 2"):
        two.fetch(1)
