"""The projection's in-memory facts stay within their bound, however many events pass."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.facts import MAX_FACTS, Facts


@settings(max_examples=20, deadline=None)
@given(extra=st.integers(min_value=1, max_value=3 * MAX_FACTS // 2))
def test_facts_are_bounded_and_keep_the_most_recent(extra: int) -> None:
    facts = Facts()
    people = [str(uuid.uuid4()) for _ in range(MAX_FACTS + extra)]
    for person in people:
        facts.remember("mentees", person, "Engineering")
    assert len(facts) == MAX_FACTS
    assert facts.known("mentees", people[-1]) == "Engineering"  # the newest stay
    assert facts.known("mentees", people[extra - 1]) is None  # the oldest went first


def test_a_fact_used_again_is_kept_over_older_ones() -> None:
    facts = Facts()
    first = str(uuid.uuid4())
    facts.remember("group", first, "cohort-1")
    for _ in range(MAX_FACTS - 1):
        facts.remember("group", str(uuid.uuid4()), "cohort-2")
    assert facts.known("group", first) == "cohort-1"  # used: now the most recent
    facts.remember("group", str(uuid.uuid4()), "cohort-3")  # one more: the oldest other goes
    assert facts.known("group", first) == "cohort-1"
    assert len(facts) == MAX_FACTS


def test_each_projection_keeps_its_own_facts(tmp_path: object) -> None:
    from pathlib import Path

    from projections.database import SQLiteReadModels
    from projections.tenant_views import TenantViews

    assert isinstance(tmp_path, Path)
    one, other = (SQLiteReadModels(tmp_path / f"{n}.db") for n in ("one", "other"))
    try:
        first, second = TenantViews(one), TenantViews(other)
        first.facts.remember("group", "g", "cohort-1")
        assert second.facts.known("group", "g") is None
    finally:
        one.close()
        other.close()
