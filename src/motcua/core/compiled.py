"""Queries compiled once per process: for the few reads every dossier transition makes.

Django compiles a queryset to SQL at every evaluation. For a 50-column model that costs
more Python time than PostgreSQL needs to run the query (docs/performance.md). A
:class:`CompiledRead` asks the ORM for the SQL, the column order and the value converters
once per database connection (alias and thread), then runs the SQL with new parameters and
builds model instances with :meth:`Model.from_db`, exactly as the queryset would.

Only plain reads of one model's concrete columns qualify (no ``select_related``, no
annotations, no deferred fields); the constructor checks it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models.expressions import Col

M = TypeVar("M", bound=models.Model)

#: Stands for the parameters in the queryset the SQL is compiled from: the parameters are
#: integers (primary and foreign keys), and this one fits every integer column but the small
#: ones.
PLACEHOLDER = 2_000_000_001


@dataclass(frozen=True)
class _Statement:
    """SQL compiled by the ORM, with where each call parameter goes and how to convert rows."""

    sql: str
    converters: dict[int, Any]
    compiler: Any
    positions: list[int]  # where each call parameter goes in the statement's parameters
    constants: list[Any]

    def rows(self, connection: Any, values: Sequence[Any]) -> Sequence[Any]:
        """Run the statement with ``values`` in the placeholders; the converted rows."""
        params = list(self.constants)
        for position, value in zip(self.positions, values, strict=True):
            params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: Sequence[Any] = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows


@dataclass(frozen=True)
class _Compiled(_Statement):
    attnames: list[str]


class CompiledRead(Generic[M]):
    """``build(PLACEHOLDER, …)`` returns the queryset; :meth:`fetch` runs it with values."""

    def __init__(self, model: type[M], build: Callable[..., models.QuerySet[M]]) -> None:
        self.model = model
        self.build = build
        # per connection object (one per alias and thread): the compiler keeps its connection
        self._by_connection: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()

    def _compile(self, alias: str, arity: int) -> _Compiled:
        queryset = self.build(*([PLACEHOLDER] * arity))
        compiler = queryset.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet as exc:
            raise ValueError("the placeholder does not fit a filtered column") from exc
        columns = [expression for expression, _, _ in compiler.select]
        if compiler.klass_info is None or compiler.klass_info.get("related_klass_infos"):
            raise ValueError("a compiled read selects one model's own columns")
        if not all(isinstance(c, Col) and c.target.model is self.model for c in columns):
            raise ValueError("a compiled read selects only the model's concrete columns")
        positions = [i for i, value in enumerate(params) if value == PLACEHOLDER]
        if len(positions) != arity:
            raise ValueError(f"expected {arity} placeholders, found {len(positions)}")
        return _Compiled(
            sql=sql,
            attnames=[c.target.attname for c in columns],
            converters=compiler.get_converters(columns),
            compiler=compiler,
            positions=positions,
            constants=list(params),
        )

    def fetch(self, *values: Any, using: str = "default") -> list[M]:
        """The rows for ``values`` (in the order of the placeholders), as model instances."""
        connection = connections[using]
        compiled = self._by_connection.get(connection)
        if compiled is None:
            compiled = self._by_connection[connection] = self._compile(using, len(values))
        rows = compiled.rows(connection, values)
        return [self.model.from_db(using, compiled.attnames, row) for row in rows]


@dataclass(frozen=True)
class _CompiledValues(_Statement):
    names: list[str]


class CompiledValues:
    """A ``values()`` read compiled once per connection: ``build(*markers)`` returns the
    queryset, with each marker (a value that appears nowhere else in the query, such as
    ``"\\x00code"``) where a parameter goes; :meth:`fetch` runs the SQL with real values and
    returns the rows as dictionaries, with the values converted as the queryset would.

    For the hot public reads (the progress lookup) whose joins and column list cost Django
    more to compile than the database to run."""

    def __init__(
        self, build: Callable[..., models.QuerySet[Any, Any]], markers: Sequence[Any]
    ) -> None:
        self.build = build
        self.markers = list(markers)
        self._by_connection: weakref.WeakKeyDictionary[Any, _CompiledValues] = (
            weakref.WeakKeyDictionary()
        )

    def _compile(self, alias: str) -> _CompiledValues:
        queryset = self.build(*self.markers)
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        positions: list[int] = []
        for marker in self.markers:
            found = [i for i, value in enumerate(params) if value == marker]
            if len(found) != 1:
                raise ValueError(f"marker {marker!r} must appear once in the parameters")
            positions.append(found[0])
        selected = getattr(query, "selected", None)
        if selected is not None:
            names = list(selected)
        else:  # pragma: no cover - Django before 5.2
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
        columns = [expression for expression, _, _ in compiler.select]
        if len(names) != len(columns):
            raise ValueError("a compiled values() read needs one name per selected column")
        return _CompiledValues(
            sql=sql,
            names=names,
            converters=compiler.get_converters(columns),
            compiler=compiler,
            positions=positions,
            constants=params,
        )

    def fetch(self, *values: Any, using: str = "default") -> list[dict[str, Any]]:
        """The rows for ``values`` (in the order of the markers), as dictionaries."""
        connection = connections[using]
        compiled = self._by_connection.get(connection)
        if compiled is None:
            compiled = self._by_connection[connection] = self._compile(using)
        names = compiled.names
        return [dict(zip(names, row, strict=True)) for row in compiled.rows(connection, values)]
