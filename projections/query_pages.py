"""What the read-model queries share: a page in ``seq`` order, rows by id, rows listed by key.

Every statement selects the columns of the row it returns, by name, and decodes them with the
row's own ``decode`` (projections/rows.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Generic, TypeVar

from projections.database import Executor
from projections.rows import Row

T = TypeVar("T")
R = TypeVar("R", bound=Row)
K = TypeVar("K", bound=Hashable)
MAX_PAGE = 100

Filters = list[tuple[str, Any]]
"""(SQL condition, parameter) pairs of a page's WHERE clause; shared with gateway/read_plan.py,
which plans the same pages into one statement."""


def in_pin(tenant_id: str, *conditions: tuple[str, Any]) -> Filters:
    """The filters of a page of the PIN's rows: each (SQL condition, parameter) of
    ``conditions`` whose parameter is given (not None), in their order."""
    given = [(condition, value) for condition, value in conditions if value is not None]
    return [("tenant_id = ?", tenant_id), *given]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[tuple[int, T]]  # (seq, row): seq is the stable paging key
    total: int
    has_next: bool
    has_previous: bool


def page(
    conn: Executor,
    table: str,
    filters: Sequence[tuple[str, Any]],
    first: int,
    after: int | None,
    row: type[R],
) -> Page[R]:
    """A page of ``table`` in ``seq`` order; ``filters`` are (SQL condition, parameter)."""
    first = max(0, min(first, MAX_PAGE))
    where = " AND ".join(cond for cond, _ in filters) or "1=1"
    params = [p for _, p in filters]
    total = conn.execute(f"SELECT count(*) AS n FROM {table} WHERE {where}", params).fetchone()["n"]
    cursor_filter = " AND seq > ?" if after is not None else ""
    rows = conn.execute(
        f"SELECT seq, {row.select()} FROM {table} "
        f"WHERE {where}{cursor_filter} ORDER BY seq LIMIT ?",
        [*params, *([after] if after is not None else []), first + 1],
    ).fetchall()
    return Page(
        items=[(r["seq"], row.decode(r)) for r in rows[:first]],
        total=int(total),
        has_next=len(rows) > first,
        has_previous=after is not None,
    )


def one(conn: Executor, table: str, tenant_id: str, ident: str, row: type[R]) -> R | None:
    """The row of ``table`` with id ``ident`` in the PIN, if there is one."""
    found = conn.execute(
        f"SELECT {row.select()} FROM {table} WHERE tenant_id = ? AND id = ?",
        (tenant_id, ident),
    ).fetchone()
    return row.decode(found) if found else None


def marks(values: Sequence[Any]) -> str:
    """The placeholders of an ``IN (...)`` list of ``values``."""
    return ", ".join("?" for _ in values)


def by_id(
    conn: Executor, table: str, tenant_id: str, ids: Sequence[str], row: type[R]
) -> dict[str, R]:
    """The rows of ``table`` in the PIN whose id is among ``ids``, by id."""
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT {row.select()} FROM {table} WHERE tenant_id = ? AND id IN ({marks(ids)})",
        [tenant_id, *ids],
    ).fetchall()
    return {r["id"]: row.decode(r) for r in rows}


ListedIn = Callable[[Executor, str, Sequence[str]], dict[str, list[R]]]
"""A query (conn, tenant id, ids) of the PIN's rows that belong to any of the ids, listed by
the id they belong to."""


def listed_in(row: type[R], table: str, column: str, order_by: str) -> ListedIn[R]:
    """The query of the rows of ``table`` whose ``column`` is among the ids, listed by it."""

    def query(conn: Executor, tenant_id: str, ids: Sequence[str]) -> dict[str, list[R]]:
        sql = (
            f"SELECT {row.select()} FROM {table} "
            f"WHERE tenant_id = ? AND {column} IN ({marks(ids)}) ORDER BY {order_by}"
        )
        return listed_by(itemgetter(column), row, ids, conn, sql, [tenant_id, *ids])

    return query


def listed_by(
    key: Callable[[Any], K],
    row: type[R],
    ids: Sequence[str],
    conn: Executor,
    sql: str,
    params: Sequence[Any],
) -> dict[K, list[R]]:
    """The rows of ``sql`` in their order, each listed under the ``key`` of its record; none
    (and no statement) when there are no ``ids`` to look for."""
    result: dict[K, list[R]] = defaultdict(list)
    if not ids:
        return result
    for record in conn.execute(sql, params).fetchall():
        result[key(record)].append(row.decode(record))
    return result
