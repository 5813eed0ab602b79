"""Core selects compiled once and run by the database driver itself: for the statements every hot request runs.

A request for one payslip runs two one-row selects (the token, then the payslip). Through SQLAlchemy each cost
about three times what the driver spends on it: the compiled-cache lookup, the execution context, the result's
set-up from the cursor's `description` (which psycopg builds anew each time). `DriverSelect` keeps the Core
statement as the one definition of the query, compiles it once per dialect, and runs the SQL text on the raw
DBAPI connection under the caller's session, so the statement runs inside whatever transaction (or AUTOCOMMIT)
the session's connection is in, exactly as `session.execute` would. Values come back as SQLAlchemy would load
them, and parameters go in as SQLAlchemy would send them: each column's result processor and each parameter's
bind processor, as the dialect adapts the type (`type_descriptor`), is applied (SQLite's datetimes as SQLAlchemy's
text, its booleans as `bool`); where a type has none the driver's values pass as they are. A statement with an
expanding `IN` list is refused: its SQL text depends on each call's list, so it cannot be compiled once. For one
row, or a page of rows with few conversions: the punch page (100 rows, four converted columns each) was slower
this way than through SQLAlchemy's compiled row handling.

`joined_select` puts two such selects into one statement (the caller's token or login beside the rows a route
reads for it), where each round trip costs more than the rows it brings.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Dialect, Select, literal_column, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter


class _Compiled(NamedTuple):
    sql: str
    names: tuple[str, ...]  # the parameters, in order where they are positional (SQLite's `?`)
    positional: bool  # False: named (psycopg's %(name)s)
    fixed: dict[str, Any]  # the statement's own bound values (`status == 'locked'`), bind-processed
    binders: Mapping[str, Callable[[Any], Any]]  # parameter → its type's bind processor (SQLite's datetime → text)
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, result processor)


class DriverSelect:
    """`statement` run by the driver: `first`/`all` give named tuples of the selected columns, in order (fields
    named by the columns' keys, as on SQLAlchemy's rows). `order`: its ORDER BY, given here rather than on
    `statement` so that `joined_select` can order the joined rows the same way."""

    def __init__(self, statement: Select[*tuple[Any, ...]], order: Sequence[ColumnElement[Any]] = ()) -> None:
        self.statement = statement.order_by(*order)
        self.order = tuple(order)
        self._row: Any = namedtuple("Row", [column.key for column in statement.selected_columns], rename=True)  # type: ignore[misc]
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            if any(bind.expanding for bind in compiled.binds.values()):
                raise TypeError(f"DriverSelect cannot run an expanding IN list: {compiled.string}")
            positional = bool(compiled.positional)
            names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.params)
            processors = tuple(
                (i, processor)
                for i, column in enumerate(self.statement.selected_columns)
                if (processor := dialect.type_descriptor(column.type).result_processor(dialect, None)) is not None
            )
            binders = {
                name: processor
                for name, bind in compiled.binds.items()
                if (processor := dialect.type_descriptor(bind.type).bind_processor(dialect)) is not None
            }
            fixed = {
                name: binders[name](value) if name in binders else value
                for name, value in compiled.params.items()
                if value is not None
            }
            found = _Compiled(compiled.string, names, positional, fixed, binders, processors)
            self._by_dialect[dialect.name] = found
        return found

    def statement_for(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL text for `dialect` and its arguments for `params`, in the driver's form (a list for SQLite's
        `?`, a mapping for psycopg's `%(name)s`): for a caller that runs it on a driver connection of its own
        (`api.loop_reads`)."""
        compiled = self._compiled(dialect)
        given = dict(compiled.fixed)  # bind-processed once, at compiling
        for name, value in params.items():
            processor = compiled.binders.get(name)
            given[name] = value if processor is None else processor(value)
        if compiled.positional:
            return compiled.sql, [given[name] for name in compiled.names]
        return compiled.sql, {name: given[name] for name in compiled.names}

    def loaded(self, dialect: Dialect, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """The driver's `rows` of this statement as named tuples, each value loaded as SQLAlchemy would."""
        make = self._row._make
        return [make(values) for values in self._values(dialect, rows)]

    def _values(self, dialect: Dialect, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """`rows` with each value loaded as SQLAlchemy would (the rows themselves where no column converts)."""
        processors = self._compiled(dialect).processors
        if not processors:
            return rows
        loaded = []
        for row in rows:
            values = list(row)
            for i, processor in processors:
                values[i] = processor(values[i])
            loaded.append(values)
        return loaded

    def _rows(self, session: Session, params: Mapping[str, Any], many: bool) -> list[Any]:
        connection = session.connection()
        sql, arguments = self.statement_for(connection.dialect, params)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, arguments)
            if many:
                rows = cursor.fetchall()
            else:
                row = cursor.fetchone()
                rows = [] if row is None else [row]
        finally:
            cursor.close()
        return self.loaded(connection.dialect, rows)

    def first(self, session: Session, params: Mapping[str, Any]) -> Any:
        """The first row for `params` (the statement's bound parameters by name), or None."""
        rows = self._rows(session, params, many=False)
        return rows[0] if rows else None

    def all(self, session: Session, params: Mapping[str, Any]) -> list[Any]:
        """Every row for `params`."""
        return self._rows(session, params, many=True)


class _Joined(DriverSelect):
    """`caller`'s row beside each row of `body`; rows load as pairs (caller's row, body's row or None)."""

    def __init__(self, caller: DriverSelect, body: DriverSelect) -> None:
        left = caller.statement.subquery("caller")
        right = body.statement.add_columns(literal_column("1").label("body_found")).subquery("body")
        adapt = ClauseAdapter(right)
        super().__init__(
            select(*left.c, *right.c).select_from(left.outerjoin(right, true())),
            [adapt.traverse(term) for term in body.order],
        )
        self._caller, self._body, self._width = caller._row, body._row, len(left.c)

    def loaded(self, dialect: Dialect, rows: Sequence[Sequence[Any]]) -> list[Any]:
        width = self._width
        return [
            (self._caller._make(row[:width]), None if row[-1] is None else self._body._make(row[width:-1]))
            for row in self._values(dialect, rows)
        ]


@functools.cache
def joined_select(caller: DriverSelect, body: DriverSelect) -> DriverSelect:
    """One statement for two: `caller`'s row (a one-row select) beside each of `body`'s rows, in `body`'s order
    and within its LIMIT, for the parameters of both (their names must differ). Each row is a pair: the caller's
    row and the body's, the body's None when it found nothing (the caller's row alone); no row at all when
    `caller` found none. Built once per pair."""
    return _Joined(caller, body)
