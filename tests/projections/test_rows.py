"""Read-model rows decode by column name to real types, the same from either store.

SQLite keeps dates, times, enums and lists as text and flags as 0/1; a PostgreSQL column may
hold the text as well, or the value in its own type (date, timestamptz, jsonb, boolean).
Either way a row reads the same: a ``date``, an enum member, a ``list``, a ``bool``; None
where the column is empty.
"""

from __future__ import annotations

import json
import sqlite3
import types
from collections.abc import Iterator, Mapping
from dataclasses import fields
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from domain.privacy import Purpose
from domain.proposal import ProposalState
from domain.values import CohortState, EnglishLevel, LicenceStatus, OutcomeKind, ParticipantKind
from projections import rows as r
from tests.conftest import require_service

ENROLLED = date(2024, 3, 4)
AT = datetime(2024, 3, 4, 9, 30, 15, 250000, tzinfo=UTC)

# One row of each kind, with every nullable column empty in one of them at least.
EXAMPLES: list[r.Row] = [
    r.CohortRow("c1", "Spring", ENROLLED, date(2024, 6, 1), 8, 3, 6, CohortState.RUNNING, 2, 9),
    r.GroupRow("g1", "c1", "Nurses", "m1", 3, 6, 8, 5, 2),
    r.MentorRow("m1", "Amal", None, "nurse", ["ar", "en"], "Sudanese", LicenceStatus.LICENSED, 4),
    r.MenteeRow(
        "e1", "Omar", "o@x.ca", "nurse", "Syria", ["ar"], EnglishLevel.BASIC, None, ENROLLED
    ),
    r.SessionRow("g1", 1, ENROLLED, "Licensing", True),
    r.AttendanceRow("g1", 1, "e1", False),
    r.OutcomeRow("o1", "e1", OutcomeKind.JOB_IN_FIELD, ENROLLED, "Offer letter", None),
    r.TrainingRow("m1", "Safeguarding", ENROLLED),
    r.PinRow("t1", "arec", "AREC", ["Arabic"], []),
    r.ActivityRow("a1", "t1", "AREC", "Evening", ENROLLED, "Talks", 30),
    r.RegistrationRow("a1", "", "t2", ParticipantKind.MENTOR, None),
    r.ApiKeyRow("k1", "t1", "Import", "coordinator", "h", None, False, AT),
    r.ApiKeyRow("k2", "t1", "Import", "coordinator", "h", AT, True, AT),
    r.FeedRow(7, "MenteeEnrolled", "e1", AT),
    r.ProposalRow(
        "p1", "c1", ProposalState.PROPOSED, {"groups": []}, {"method": "milp"}, {}, 0, [], None, AT
    ),
    r.FollowUpRow("e1", "Omar", "c1", "", None, 3, ENROLLED, None, None, None, None, None, True),
    r.FollowUpRow(
        "e1",
        "Omar",
        "c1",
        "Spring",
        ENROLLED,
        6,
        ENROLLED,
        ENROLLED,
        "o1",
        OutcomeKind.BUSINESS_STARTED,
        ENROLLED,
        "Shop",
        False,
    ),
    r.ConsentRow(Purpose.SHARING, False, AT),
    r.ConsentRow(Purpose.FOLLOW_UP, True, None),
]


def stored(value: Any) -> Any:
    """A field's value as SQLite keeps it (and as PostgreSQL does in a text column)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def _values(row: r.Row) -> dict[str, Any]:
    return {f.name: getattr(row, f.name) for f in fields(row)}  # type: ignore[arg-type]


def sqlite_record(values: Mapping[str, Any]) -> sqlite3.Row:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    columns = ", ".join(f"? AS {name}" for name in values)
    record: sqlite3.Row = conn.execute(f"SELECT {columns}", list(values.values())).fetchone()
    conn.close()
    return record


@pytest.fixture(scope="module")
def postgres() -> Iterator[psycopg.Connection[dict[str, Any]]]:
    url = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    with psycopg.connect(url, row_factory=dict_row, autocommit=True) as conn:
        yield conn


def _pg_type(value: Any) -> str:
    """The column type PostgreSQL would give the value natively (text where it has none)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, datetime):
        return "timestamptz"
    if isinstance(value, date):
        return "date"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, list | dict):
        return "jsonb"
    return "text"


def postgres_record(
    conn: psycopg.Connection[dict[str, Any]], values: Mapping[str, Any], *, native: bool
) -> dict[str, Any]:
    """A dict row of ``values``: as stored (text, and integers for numbers and flags), or
    each in its own type."""

    def cast(value: Any) -> str:
        if native and value is not None:
            return _pg_type(value)
        return "bigint" if isinstance(stored(value), int) else "text"

    columns = ", ".join(f"%s::{cast(v)} AS {name}" for name, v in values.items())
    params = [v if native and isinstance(v, bool | date) else stored(v) for v in values.values()]
    record = conn.execute(f"SELECT {columns}", params).fetchone()
    assert record is not None
    return record


@pytest.mark.parametrize("row", EXAMPLES, ids=lambda row: type(row).__name__)
def test_a_row_reads_its_typed_values_from_a_sqlite_record(row: r.Row) -> None:
    record = sqlite_record({name: stored(v) for name, v in _values(row).items()})
    assert type(row).decode(record) == row


@pytest.mark.parametrize("native", [False, True], ids=["text columns", "typed columns"])
@pytest.mark.parametrize("row", EXAMPLES, ids=lambda row: type(row).__name__)
def test_a_row_reads_the_same_values_from_a_postgresql_record(
    postgres: psycopg.Connection[dict[str, Any]], row: r.Row, native: bool
) -> None:
    record = postgres_record(postgres, _values(row), native=native)
    assert type(row).decode(record) == row


def test_columns_are_read_by_name_whatever_their_order() -> None:
    row = EXAMPLES[0]
    values = dict(reversed(list({n: stored(v) for n, v in _values(row).items()}.items())))
    assert r.CohortRow.decode(sqlite_record({"seq": 4, **values})) == row


def test_a_known_field_is_taken_as_given_instead_of_read() -> None:
    values = {n: stored(v) for n, v in _values(EXAMPLES[-1]).items() if n != "given"}
    assert r.ConsentRow.decode(sqlite_record(values), given=True) == EXAMPLES[-1]


def test_enums_stay_comparable_with_their_text() -> None:
    cohort = r.CohortRow.decode(
        sqlite_record({n: stored(v) for n, v in _values(EXAMPLES[0]).items()})
    )
    assert cohort.state == "running"
    assert f"{cohort.state}" == "running"


def test_a_row_selects_its_own_columns() -> None:
    assert r.TrainingRow.select() == "person_id, name, completed_on"
    assert r.TrainingRow.select("t") == "t.person_id, t.name, t.completed_on"


# Round trips of generated rows: every row kind decoded from a row of this module's rows
# (PrivacyRow's consents come from a JSON object, not a column of their own: left out).
ROW_KINDS = [kind for kind in r.Row.__subclasses__() if kind is not r.PrivacyRow]
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def strategy(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a field annotated ``hint``."""
    if get_origin(hint) in (Union, types.UnionType):
        [present] = [arg for arg in get_args(hint) if arg is not type(None)]
        return st.none() | strategy(present)
    if get_origin(hint) is list:
        return st.lists(TEXT, max_size=4)
    if get_origin(hint) is dict:
        return st.dictionaries(TEXT, JSON, max_size=4)
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(-(2**63), 2**63 - 1)
    if hint is datetime:
        return st.datetimes(timezones=st.just(UTC))
    if hint is date:
        return st.dates()
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(hint)
    assert hint is str, hint
    return TEXT


def generated(kind: type[r.Row]) -> st.SearchStrategy[r.Row]:
    hints = get_type_hints(kind)
    return st.builds(kind, **{f.name: strategy(hints[f.name]) for f in fields(kind)})  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ROW_KINDS, ids=lambda kind: kind.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_generated_row_survives_storing_and_decoding(
    kind: type[r.Row], data: st.DataObject
) -> None:
    row = data.draw(generated(kind))
    assert kind.decode(sqlite_record({n: stored(v) for n, v in _values(row).items()})) == row
