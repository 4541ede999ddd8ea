"""Small-cell suppression: no count under the threshold can be read or derived."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.disclosure import suppress

cells = st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 60), max_size=8)


@given(cells, st.integers(1, 20))
def test_no_visible_count_is_under_the_threshold(values: dict[str, int], threshold: int) -> None:
    published = suppress(values, threshold)
    shown = [v for v in published.cells.values() if v is not None]
    assert all(v >= threshold for v in shown)
    assert published.total is None or published.total >= threshold


@given(cells, st.integers(1, 20))
def test_the_total_never_gives_away_a_single_hidden_cell(
    values: dict[str, int], threshold: int
) -> None:
    published = suppress(values, threshold)
    hidden = [k for k, v in published.cells.items() if v is None]
    if published.total is not None:
        assert len(hidden) != 1
        assert published.total == sum(values.values())


@given(cells, st.integers(1, 20))
def test_visible_counts_are_the_true_counts(values: dict[str, int], threshold: int) -> None:
    published = suppress(values, threshold)
    for key, shown in published.cells.items():
        assert shown is None or shown == values[key]


def test_one_small_pin_makes_the_next_smallest_one_suppressed_too() -> None:
    published = suppress({"arec": 17, "iccc": 12, "afca": 3}, threshold=10)
    assert published.cells == {"arec": 17, "iccc": None, "afca": None}
    assert published.total == 32


def test_a_lone_small_cell_hides_the_total() -> None:
    assert suppress({"chc": 4}).total is None
