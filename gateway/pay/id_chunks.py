"""Queries over a computed list of employee ids, `ID_CHUNK` ids per statement.

`column.in_(ids)` binds one parameter per id, and a pay run's list has one id per employee: psycopg refuses
more than 65,535 parameters in a statement (`number of parameters must be between 0 and 65535`) and SQLite
stops at SQLITE_MAX_VARIABLE_NUMBER. The lists are the employees a run has already read and pays (indexes
into its arrays), so the ids are filtered as that list, not by re-evaluating the scope in a subquery: under
READ COMMITTED a subquery sees an employee hired since the list was read, whose rows would have no index.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

ID_CHUNK = 30_000  # ids per statement: well below psycopg's 65,535 parameters with room for the query's own


def by_id_chunks(
    ids: Iterable[int], query: Callable[[list[int]], Iterable[T]], *, order: Callable[[T], Any] | None = None
) -> Iterator[T]:
    """The rows of `query(chunk)` for each chunk of at most `ID_CHUNK` of `ids`, in the order of the chunks.

    A chunk's query runs when the previous chunk's rows are used up, so a streamed result (yield_per) stays
    streamed. With `order` (the key the query sorts by), the chunks' rows are merged by it instead, so an
    ordered query returns its rows in the same order as one statement over all the ids would.
    """
    listed = list(ids)
    chunks = [listed[start : start + ID_CHUNK] for start in range(0, len(listed), ID_CHUNK)]
    if order is not None:
        yield from heapq.merge(*(query(chunk) for chunk in chunks), key=order)
        return
    for chunk in chunks:
        yield from query(chunk)
