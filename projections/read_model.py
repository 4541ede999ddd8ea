"""One declaration per read-model table, from which its copying handlers are derived.

A declaration names the table, its key and its columns (eventsourcing's examples keep each
statement next to the table it serves). A column takes the event's payload field of the same
name unless the declaration says otherwise: ``tenant_id`` is the event's PIN, ``seq`` its
store position and ``id`` its aggregate, unless ``sources`` maps them elsewhere; ``personal``
columns hold the opened text of a sealed field (``projections.privacy.personal.opened``), ``json``
columns a payload list as JSON; ``defaults`` are left to the database on insert (the values a
rebuild's fold gives them). From that come the live INSERT, UPDATE and DELETE statements and
the rows of a rebuild (``projections.rebuild_fold.Fold``), in the columns' order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from domain.envelope import EventEnvelope
from projections.database import Executor
from projections.handling import FoldFn, Handling

if TYPE_CHECKING:
    from projections.rebuild_fold import Fold


def to_json(value: Any) -> str:
    """A payload value as the read models keep JSON."""
    return json.dumps(value, ensure_ascii=False)


def _personal(opened: Any) -> str | None:
    """A personal field as the projection opened it (``{"value": ...}``), or None."""
    return None if opened is None else str(opened["value"])


@dataclass(frozen=True)
class Source:
    """Where a column's value comes from in an event: an expression over the envelope ``e``
    and its payload ``p``, with the functions it calls (``uses``)."""

    expression: str
    uses: tuple[tuple[str, Any], ...] = ()


aggregate_id = Source("e.aggregate_id")
tenant_id = Source("e.tenant_id")
position = Source("e.position")
occurred_at = Source("e.occurred_at")


def envelope(attribute: str) -> Source:
    """An attribute of the envelope (``aggregate_version``, ``event_type``)."""
    assert attribute.isidentifier(), attribute
    return Source(f"e.{attribute}")


def field(name: str) -> Source:
    """The payload field ``name`` (for a column of another name).

    None where the event has no such field: events stored before a field was added lack
    it. A column that may not be empty still refuses it (NOT NULL), as a poison event.
    """
    return Source(f"p.get({name!r})")


def personal(name: str) -> Source:
    """The opened text of the sealed personal field ``name``, or None (also where the event
    has no such field)."""
    return Source(f"_personal(p.get({name!r}))", (("_personal", _personal),))


def json_field(name: str) -> Source:
    return Source(f"_json(p[{name!r}])", (("_json", to_json),))


def constant(value: str | int | None) -> Source:
    return Source(repr(value))


def computed(function: Callable[[EventEnvelope], Any]) -> Source:
    """The value ``function`` computes from the event."""
    name = f"_computed_{id(function)}"
    return Source(f"{name}(e)", ((name, function),))


def _generated(parameters: str, body: Sequence[str], sources: Sequence[Source]) -> Any:
    """A function of ``parameters`` (``e`` among them) running ``body`` with the names the
    ``sources`` use, ``p`` the event's payload.

    Generated as ``dataclasses`` generates ``__init__``: a rebuild calls these once per
    event, and they run as fast as the hand-written code they replace (a call per column
    did not).
    """
    namespace: dict[str, Any] = {name: value for s in sources for name, value in s.uses}
    lines = [f"def generated({parameters}):", "    p = e.payload", *(f"    {b}" for b in body)]
    exec("\n".join(lines), namespace)  # noqa: S102
    return namespace["generated"]


def _compiled(
    sources: Sequence[Source], shape: str, key: Sequence[int] = ()
) -> Callable[[EventEnvelope], Any]:
    """A function from an event to the values of ``sources``: a list, a tuple, the single
    value (shape "one"), or (shape "keyed") the list with its ``key`` values before it."""
    values = ", ".join(s.expression for s in sources)
    keyed = ", ".join(f"row[{i}]" for i in key)
    body = {
        "list": [f"return [{values}]"],
        "tuple": [f"return ({values},)" if sources else "return ()"],
        "one": [f"return {values}"],
        "keyed": [f"row = [{values}]", f"return ({keyed}{',' if len(key) > 1 else ''}), row"],
    }[shape]
    function: Callable[[EventEnvelope], Any] = _generated("e", body, sources)
    return function


@dataclass(frozen=True)
class Add:
    """An update that moves a count by ``by`` (``mentee_count = mentee_count + 1``)."""

    by: int


CONVENTIONS: Mapping[str, Source] = {"tenant_id": tenant_id, "seq": position, "id": aggregate_id}


class ReadModel:
    """A table of the read models: subclass it with the class attributes below."""

    table: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]  # in the order a rebuild's rows keep them
    key: ClassVar[tuple[str, ...]] = ("id",)
    sources: ClassVar[Mapping[str, Source]] = {}
    personal: ClassVar[tuple[str, ...]] = ()
    json: ClassVar[tuple[str, ...]] = ()
    defaults: ClassVar[Mapping[str, Any]] = {}
    appended: ClassVar[bool] = False  # rows never changed once written (no key in a rebuild)

    # derived from the above
    insert_sql: ClassVar[str]
    insert: ClassVar[Handling]
    delete: ClassVar[Handling]
    values: ClassVar[Callable[[EventEnvelope], list[Any]]]  # the inserted columns' values
    row: ClassVar[Callable[[EventEnvelope], list[Any]]]  # as a rebuild keeps it
    key_of: ClassVar[Callable[[EventEnvelope], Any]]  # the key of the row the event is about
    fold_insert: ClassVar[FoldFn]  # ``insert`` in a rebuild
    appended_row: ClassVar[Callable[[EventEnvelope], tuple[Any, ...]]]  # if ``appended``
    _key_values: ClassVar[Callable[[EventEnvelope], list[Any]]]
    _key_index: ClassVar[tuple[int, ...]]
    _keyed_row: ClassVar[Callable[[EventEnvelope], tuple[Any, list[Any]]]]
    _where: ClassVar[str]
    _delete_sql: ClassVar[str]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        inserted = [c for c in cls.columns if c not in cls.defaults]
        row = [
            constant(cls.defaults[c]) if c in cls.defaults else cls.source(c) for c in cls.columns
        ]
        cls.insert_sql = (
            f"INSERT INTO {cls.table} ({', '.join(inserted)}) "
            f"VALUES ({', '.join('?' * len(inserted))})"
        )
        cls.values = _compiled([cls.source(c) for c in inserted], "list")
        cls.row = _compiled(row, "list")
        cls.appended_row = _compiled(row, "tuple")
        keys = [cls.source(c) for c in cls.key]
        cls.key_of = _compiled(keys, "one" if len(keys) == 1 else "tuple")
        cls._key_values = _compiled(keys, "list")
        cls._key_index = tuple(cls.columns.index(c) for c in cls.key)
        cls._keyed_row = _compiled(row, "keyed", cls._key_index)
        cls._where = " AND ".join(f"{c} = ?" for c in cls.key)
        cls._delete_sql = f"DELETE FROM {cls.table} WHERE {cls._where}"
        cls.fold_insert = _inserting(cls)
        cls.insert = Handling(cls._insert, cls.fold_insert)
        cls.delete = Handling(cls._delete, cls.fold_delete)

    @classmethod
    def source(cls, column: str) -> Source:
        """Where ``column`` takes its value from in the event that inserts a row."""
        if column in cls.sources:
            return cls.sources[column]
        if column in cls.personal:
            return personal(column)
        if column in cls.json:
            return json_field(column)
        return CONVENTIONS.get(column) or field(column)

    @classmethod
    def update(cls, *copied: str, **changes: Source | Add) -> Handling:
        """The event sets these columns (or moves these counts) of the row it is about.

        ``copied`` columns take their values as on insert (``source``).
        """
        changes = {**{c: cls.source(c) for c in copied}, **changes}
        sets = ", ".join(
            f"{c} = {c} + ?" if isinstance(how, Add) else f"{c} = ?" for c, how in changes.items()
        )
        sql = f"UPDATE {cls.table} SET {sets} WHERE {cls._where}"
        given = [constant(how.by) if isinstance(how, Add) else how for how in changes.values()]
        keys = [cls.source(c) for c in cls.key]
        values = _compiled([*given, *keys], "list")
        key = keys[0].expression if len(keys) == 1 else f"({', '.join(k.expression for k in keys)})"
        fold: FoldFn = _generated(
            "f, e",
            [
                f"row = f.rows[{cls.table!r}].get({key})",
                "if row is None:",
                "    return  # as an UPDATE of no row",
                *(
                    f"row[{cls.columns.index(c)}] += {how.by}"
                    if isinstance(how, Add)
                    else f"row[{cls.columns.index(c)}] = {how.expression}"
                    for c, how in changes.items()
                ),
            ],
            [*given, *keys],
        )

        def apply(tx: Executor, e: EventEnvelope) -> None:
            tx.execute(sql, values(e))

        return Handling(apply, fold)

    @classmethod
    def _insert(cls, tx: Executor, e: EventEnvelope) -> None:
        tx.execute(cls.insert_sql, cls.values(e))

    @classmethod
    def _delete(cls, tx: Executor, e: EventEnvelope) -> None:
        tx.execute(cls._delete_sql, cls._key_values(e))

    @classmethod
    def fold_delete(cls, f: Fold, e: EventEnvelope) -> None:
        f.rows[cls.table].pop(cls.key_of(e), None)


def _inserting(model: type[ReadModel]) -> FoldFn:
    """``model``'s insert in a rebuild: a row kept by its key, or appended to be written."""
    table = model.table
    if model.appended:
        appended_row = model.appended_row

        def append(f: Fold, e: EventEnvelope) -> None:
            f.appended[table].append(appended_row(e))

        return append
    keyed_row = model._keyed_row

    def insert(f: Fold, e: EventEnvelope) -> None:
        f.insert(table, *keyed_row(e))

    return insert
