"""A large simulated load sets the written tables' secondary indexes aside and builds them at
its end (``motcua.simulate.indexes``): every index comes back exactly as it was, also when the
load fails, and an index dropped by a run that was killed is re-created by the next run or by
``motcua simulate --restore-indexes``. Primary keys and unique constraints are never dropped."""

from __future__ import annotations

import pytest
from django.db import connection

from motcua.cli import main
from motcua.core.models import DeferredIndex
from motcua.simulate import run as simulate_run
from motcua.simulate.indexes import indexes_defer, indexes_restore, secondary_indexes
from motcua.simulate.run import CHUNK_MODELS, simulate
from tests.indicators.test_simulate import FIRST, HORIZON, LAST

pytestmark = pytest.mark.django_db

TABLES = [m._meta.db_table for m in CHUNK_MODELS]


def _all_indexes() -> set[tuple[str, str, bool, str, str, bool]]:
    """(table, index, unique, columns, column options, partial) of every index of the chunk
    tables (PostgreSQL). Not the text of a partial index's condition: PostgreSQL may spell a
    re-created condition differently (the same ``IN`` list, cast otherwise)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, i.relname, x.indisunique, x.indkey::text, x.indoption::text,"
            " x.indpred IS NOT NULL FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE t.relname = ANY(%s)",
            [TABLES],
        )
        return {
            (str(t), str(i), bool(u), str(k), str(o), bool(p))
            for t, i, u, k, o, p in cursor.fetchall()
        }


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="indexes are set aside on PostgreSQL only"
)


@needs_postgres
def test_a_deferred_load_ends_with_every_index_as_it_was() -> None:
    before = _all_indexes()
    definitions = secondary_indexes(TABLES)
    # the partial and multi-column list indexes are among those set aside; no unique one is
    names = {name for _, name, _ in definitions}
    assert {"dossier_list", "dossier_comp_list", "step_inter_agency"} <= names
    assert not names & {row[1] for row in before if row[2]}
    result = simulate(
        dossiers=80, first=FIRST, last=LAST, seed=3, horizon=HORIZON, defer_indexes=True
    )
    assert result.summary.indexes_deferred == len(definitions) > 20
    assert result.summary.as_dict()["indexes_deferred"] == len(definitions)
    assert _all_indexes() == before
    assert [row[:2] for row in secondary_indexes(TABLES)] == [row[:2] for row in definitions]
    assert not DeferredIndex.objects.exists()


@needs_postgres
def test_a_failed_load_still_gets_its_indexes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _all_indexes()

    def broken(*args: object, **kwargs: object) -> None:
        assert secondary_indexes(TABLES) == []  # set aside while the rows go in
        raise RuntimeError("disk full")

    monkeypatch.setattr(simulate_run, "_write_chunk", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        simulate(dossiers=20, first=FIRST, last=LAST, seed=3, horizon=HORIZON, defer_indexes=True)
    assert _all_indexes() == before
    assert not DeferredIndex.objects.exists()


@needs_postgres
def test_indexes_left_by_a_killed_run_are_restored_by_the_command() -> None:
    before = _all_indexes()
    dropped = indexes_defer(TABLES)  # as a run killed before its end leaves them
    assert dropped and set(dropped) == set(DeferredIndex.objects.values_list("name", flat=True))
    assert _all_indexes() == {row for row in before if row[1] not in dropped}
    assert main(["simulate", "--restore-indexes"]) == 0
    assert _all_indexes() == before
    assert not DeferredIndex.objects.exists()
    # and the next run restores them too, before it decides anything
    indexes_defer(TABLES)
    simulate(dossiers=5, first=FIRST, last=LAST, seed=4, horizon=HORIZON, defer_indexes=False)
    assert _all_indexes() == before
    assert indexes_restore() == []


def test_small_runs_and_sqlite_keep_their_indexes() -> None:
    # the default: only a run that at least doubles the dossiers and adds 100,000 or more
    assert not simulate_run._defer_wanted(None, 99_999)
    assert simulate_run._defer_wanted(None, 100_000) is (connection.vendor == "postgresql")
    result = simulate(dossiers=10, first=FIRST, last=LAST, seed=5, horizon=HORIZON)
    assert result.summary.indexes_deferred == 0
    if connection.vendor != "postgresql":
        assert indexes_defer(TABLES) == []
        assert secondary_indexes(TABLES) == []
    assert not DeferredIndex.objects.exists()
