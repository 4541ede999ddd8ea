"""The projection's in-memory facts stay within their bound, however many events pass."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from projections import tenant_views as tv


@settings(max_examples=20, deadline=None)
@given(extra=st.integers(min_value=1, max_value=3 * tv._MAX_FACTS // 2))
def test_facts_are_bounded_and_keep_the_most_recent(extra: int) -> None:
    tv._FACTS.clear()
    people = [str(uuid.uuid4()) for _ in range(tv._MAX_FACTS + extra)]
    for person in people:
        tv._remember("mentees", person, "Engineering")
    assert len(tv._FACTS) == tv._MAX_FACTS
    assert tv._known("mentees", people[-1]) == "Engineering"  # the newest stay
    assert tv._known("mentees", people[extra - 1]) is None  # the oldest went first
    tv._FACTS.clear()


def test_a_fact_used_again_is_kept_over_older_ones() -> None:
    tv._FACTS.clear()
    first = str(uuid.uuid4())
    tv._remember("group", first, "cohort-1")
    for _ in range(tv._MAX_FACTS - 1):
        tv._remember("group", str(uuid.uuid4()), "cohort-2")
    assert tv._known("group", first) == "cohort-1"  # used: now the most recent
    tv._remember("group", str(uuid.uuid4()), "cohort-3")  # one more: the oldest other goes
    assert tv._known("group", first) == "cohort-1"
    assert len(tv._FACTS) == tv._MAX_FACTS
    tv._FACTS.clear()
