"""A person's profession is one their PIN lists: the PIN's vocabulary, a sub-field free."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.pin import Pin

LISTED = ["Engineering", "Information technology", "Architecture / Landscape"]


@pytest.fixture
def chc() -> Pin:
    return Pin.register("chc", "CHC", ["Hispanic"], LISTED)


class TestListedProfessions:
    def test_a_listed_profession_is_taken_in_the_pins_spelling(self, chc: Pin) -> None:
        assert chc.listed_profession("Engineering") == "Engineering"
        assert chc.listed_profession("  information   TECHNOLOGY ") == "Information technology"

    def test_a_sub_field_may_follow_a_listed_profession(self, chc: Pin) -> None:
        assert chc.listed_profession("engineering / Civil") == "Engineering / Civil"
        assert chc.listed_profession("Engineering/Structural  design") == (
            "Engineering / Structural design"
        )
        assert chc.listed_profession("Engineering /") == "Engineering"

    def test_a_listed_profession_with_its_sub_field_is_taken_whole(self, chc: Pin) -> None:
        assert chc.listed_profession("architecture/landscape") == "Architecture / Landscape"

    def test_only_the_sub_field_a_pin_lists_goes_with_a_profession_it_lists_so(
        self, chc: Pin
    ) -> None:
        with pytest.raises(InvalidValue, match="profession must be one that CHC lists"):
            chc.listed_profession("Architecture")
        with pytest.raises(InvalidValue):
            chc.listed_profession("Architecture / Interior")

    def test_a_profession_the_pin_does_not_list_is_refused_with_the_ones_it_does(
        self, chc: Pin
    ) -> None:
        with pytest.raises(InvalidValue) as refused:
            chc.listed_profession("Underwater basket weaving")

        message = str(refused.value)
        assert message.startswith("profession ")
        assert "Engineering, Information technology, Architecture / Landscape" in message
        assert "'Underwater basket weaving' is not" in message

    def test_a_listed_word_as_the_sub_field_does_not_make_a_profession_listed(
        self, chc: Pin
    ) -> None:
        with pytest.raises(InvalidValue):
            chc.listed_profession("Plumbing / Engineering")

    def test_an_empty_profession_is_refused(self, chc: Pin) -> None:
        with pytest.raises(InvalidValue, match="profession must not be empty"):
            chc.listed_profession("   ")

    def test_the_first_of_two_spellings_a_pin_lists_is_kept(self) -> None:
        pin = Pin.register("iccc", "ICCC", ["Indian"], ["Business", "business"])
        assert pin.listed_profession("BUSINESS") == "Business"

    def test_the_list_of_an_updated_profile_is_the_one_checked(self, chc: Pin) -> None:
        chc.update_profile("CHC", ["Hispanic"], ["Healthcare"])

        assert chc.listed_profession("healthcare / Nursing") == "Healthcare / Nursing"
        with pytest.raises(InvalidValue, match=r"\(Healthcare\)"):
            chc.listed_profession("Engineering")


def _key(profession: str) -> str:
    return " ".join(profession.casefold().split())


def _as_typed(profession: str, data: st.DataObject) -> str:
    """The same profession as a coordinator may type it: other case, other spacing."""
    letters = [
        data.draw(
            st.sampled_from(sorted(c for c in {ch, ch.upper(), ch.lower()} if _key(c) == _key(ch)))
        )
        for ch in profession
    ]
    spaces = st.sampled_from([" ", "  ", "\t"])
    words = "".join(letters).split()
    return data.draw(spaces) + "".join(w + data.draw(spaces) for w in words)


NAMES = st.text(
    st.characters(whitelist_categories=("L", "N"), whitelist_characters=" -&"),
    min_size=1,
    max_size=60,
).filter(str.strip)


@given(listed=st.lists(NAMES, min_size=1, max_size=5), data=st.data())
def test_any_listed_profession_is_accepted_with_or_without_a_sub_field(
    listed: list[str], data: st.DataObject
) -> None:
    pin = Pin.register("afca", "AFCA", ["Filipino"], listed)
    profession = data.draw(st.sampled_from(pin.professions))
    sub_field = data.draw(st.none() | NAMES)
    if sub_field is not None:
        sub_field = _as_typed(sub_field, data)
    no_sub_field = data.draw(st.sampled_from(["", "/", " / "]))
    typed = _as_typed(profession, data) + (f"/{sub_field}" if sub_field else no_sub_field)

    taken = pin.listed_profession(typed)

    spelled = next(p for p in pin.professions if _key(p) == _key(profession))  # the first
    assert taken == (f"{spelled} / {' '.join(sub_field.split())}" if sub_field else spelled)


@given(listed=st.lists(NAMES, min_size=1, max_size=5), typed=NAMES, sub_field=st.none() | NAMES)
def test_any_profession_the_pin_does_not_list_is_refused(
    listed: list[str], typed: str, sub_field: str | None
) -> None:
    pin = Pin.register("afca", "AFCA", ["Filipino"], listed)
    assume(_key(typed) not in {_key(p) for p in pin.professions})

    with pytest.raises(InvalidValue, match=r"^profession must be one that AFCA lists"):
        pin.listed_profession(typed + (f" / {sub_field}" if sub_field else ""))
