"""A read-model row becomes a GraphQL type by one conversion, from text or typed values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import strawberry

from domain.values import EnglishLevel, OutcomeKind
from gateway.conversion import FromRow
from gateway.types import Mentee, Outcome


@strawberry.type
class Entry(FromRow):
    at: datetime
    kind: OutcomeKind | None


@strawberry.type
class Journal(FromRow, renamed={"entries": "items"}):
    title: str
    entries: list[Entry]


MENTEE = {
    "id": "7c0e8a44-4a51-4d43-9a8f-1d2ad6c3b2b1",
    "name": "Amal",
    "email": None,
    "profession": "nurse",
    "origin": "Syria",
    "languages": ["ar", "en"],
    "goals": None,
}


def test_a_stored_row_and_a_typed_row_give_the_same_mentee() -> None:
    level = next(iter(EnglishLevel))
    stored = SimpleNamespace(**MENTEE, english_level=level.value, enrolled_on="2024-03-01")
    typed = SimpleNamespace(**MENTEE, english_level=level, enrolled_on=date(2024, 3, 1))

    assert Mentee.of(stored) == Mentee.of(typed)
    mentee = Mentee.of(stored)
    assert mentee.english_level is level
    assert mentee.enrolled_on == date(2024, 3, 1)
    assert mentee.email is None
    assert mentee.languages == ["ar", "en"]
    assert mentee.languages is not stored.languages  # copied


def test_an_empty_cohort_id_is_no_cohort_and_given_fields_are_not_read() -> None:
    row = SimpleNamespace(id="o1", kind="job_in_field", occurred_on="2024-05-01", cohort_id="")
    outcome = Outcome.of(row, evidence="a contract")

    assert outcome.cohort_id is None
    assert outcome.evidence == "a contract"
    assert outcome.kind is OutcomeKind.JOB_IN_FIELD


def test_nested_rows_are_converted_under_their_renamed_attribute() -> None:
    moment = datetime(2024, 1, 2, 3, 4, tzinfo=UTC)
    row = SimpleNamespace(
        title="log",
        items=[
            SimpleNamespace(at=moment.isoformat(), kind=None),
            SimpleNamespace(at=moment, kind=""),
        ],
    )

    journal = Journal.of(row)

    assert [e.at for e in journal.entries] == [moment, moment]
    assert [e.kind for e in journal.entries] == [None, None]


def test_a_rename_of_no_field_fails_when_the_type_is_defined() -> None:
    with pytest.raises(TypeError, match="no field nope"):

        class Wrong(FromRow, renamed={"nope": "x"}):
            x: int
