"""The rules of group formation: shared language, culture, profession, weights, pins."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValue, InvariantViolation
from domain.matching.problem import MatchingProblem, deal, violations
from domain.matching.profiles import (
    Criterion,
    KeptApart,
    Pinned,
    ProposedGroup,
    Weights,
    profession_parts,
    same_culture,
)
from domain.values import EnglishLevel, LicenceStatus
from tests.matching.helpers import mentee, mentor


def test_english_alone_does_not_make_a_shared_language() -> None:
    romanian, arab = mentee("Romanian"), mentor("Arabic")
    problem = MatchingProblem(5, 6, (romanian,), (arab,))

    assert problem.shared_languages(romanian, arab) == ()
    assert not problem.may_lead(arab, romanian)


def test_a_mentee_who_speaks_only_english_shares_it_with_any_mentor_who_does() -> None:
    newcomer = mentee("English", origin="Nigeria")
    problem = MatchingProblem(5, 6, (newcomer,), (mentor("Arabic"),))

    assert problem.shared_languages(newcomer, problem.mentors[0]) == ("English",)


def test_a_second_heritage_language_makes_a_pair() -> None:
    bilingual = mentee("Romanian", also=("French",))
    francophone = mentor("Arabic", also=("French",))
    problem = MatchingProblem(5, 6, (bilingual,), (francophone,))

    assert problem.shared_languages(bilingual, francophone) == ("French",)


@pytest.mark.parametrize(
    ("origin", "background"),
    [("Romania", "Romanian"), ("Iraq", "Iraqi"), ("Mexico", "Hispanic"),
     ("Philippines", "Filipino"), ("India", "Indian"), ("Colombia", "Colombian")],
)  # fmt: skip
def test_a_country_and_its_community_share_a_cultural_background(
    origin: str, background: str
) -> None:
    assert same_culture(origin, background)


@pytest.mark.parametrize(
    ("origin", "background"), [("Iran", "Iraqi"), ("India", "Indonesian"), ("Romania", "Hispanic")]
)
def test_different_backgrounds_are_told_apart(origin: str, background: str) -> None:
    assert not same_culture(origin, background)


def test_a_profession_may_name_its_sub_field_after_a_slash() -> None:
    assert profession_parts("Engineering / Civil") == ("engineering", "civil")
    assert profession_parts("Accounting") == ("accounting", None)


def test_a_pair_scores_what_mentee_and_mentor_share() -> None:
    civil = mentee("Romanian", "Engineering / Civil")
    licensed = mentor("Romanian", "Engineering / Civil", licence=LicenceStatus.LICENSED)
    problem = MatchingProblem(5, 6, (civil,), (licensed,), weights=Weights())

    assert problem.pair_points(civil, licensed) == {
        Criterion.PLACED: 10,
        Criterion.PROFESSION: 8,
        Criterion.SUB_FIELD: 2,
        Criterion.CULTURE: 3,
        Criterion.LICENCE: 2,
    }


def test_the_licence_path_needs_a_licensed_mentor_and_an_unlicensed_mentee() -> None:
    already = mentee("Romanian", "Engineering / Civil", licensed=True)
    unlicensed_mentor = mentor("Romanian", "Engineering / Civil", licence=LicenceStatus.IN_PROGRESS)
    problem = MatchingProblem(5, 6, (already,), (unlicensed_mentor,))

    assert problem.pair_points(already, unlicensed_mentor)[Criterion.LICENCE] == 0


def test_a_group_scores_its_mix_of_english_levels() -> None:
    levels = [EnglishLevel.BASIC, EnglishLevel.BASIC, EnglishLevel.ADVANCED, EnglishLevel.FLUENT]
    people = tuple(mentee(level=level) for level in levels)
    problem = MatchingProblem(1, 6, people, (mentor(),), weights=Weights(english_mix=2))

    assert problem.english_mix([m.id for m in people]) == 2 * 2  # three levels: two beyond one


def test_dealing_spreads_each_english_level_over_the_groups() -> None:
    levels = [EnglishLevel.BASIC] * 4 + [EnglishLevel.FLUENT] * 6
    people = tuple(mentee(level=level) for level in levels)
    lead = mentor(capacity=2)
    problem = MatchingProblem(5, 6, people, (lead,))

    groups = deal(problem, lead.id, [m.id for m in people], 2)

    assert [len(g.mentee_ids) for g in groups] == [5, 5]
    assert all(problem.english_mix(g.mentee_ids) == 1 for g in groups)


@pytest.mark.parametrize("field", ["placed", "profession", "english_mix"])
def test_weights_are_whole_numbers_from_0_to_100(field: str) -> None:
    with pytest.raises(InvalidValue, match=field):
        Weights(**{field: 101})


def test_being_placed_always_counts() -> None:
    with pytest.raises(InvalidValue, match="placed"):
        Weights(placed=0)


def test_a_pin_cannot_override_the_language_rule() -> None:
    romanian, arab = mentee("Romanian"), mentor("Arabic")

    with pytest.raises(InvariantViolation, match="share no language"):
        MatchingProblem(5, 6, (romanian,), (arab,), pinned=(Pinned(romanian.id, arab.id),))


def test_a_mentor_cannot_be_pinned_more_mentees_than_their_groups_hold() -> None:
    lead = mentor(capacity=1)
    people = tuple(mentee() for _ in range(7))
    pins = tuple(Pinned(m.id, lead.id) for m in people)

    with pytest.raises(InvariantViolation, match="7 mentees are pinned"):
        MatchingProblem(5, 6, people, (lead,), pinned=pins)


def test_people_kept_apart_must_be_candidates() -> None:
    someone = mentee()
    with pytest.raises(InvalidValue, match="kept apart"):
        MatchingProblem(5, 6, (someone,), (mentor(),), apart=(KeptApart(someone.id, mentee().id),))


def test_violations_name_each_broken_rule() -> None:
    lead, arab = mentor("Romanian"), mentee("Arabic")
    a, b = mentee(), mentee()
    problem = MatchingProblem(2, 3, (arab, a, b), (lead,), apart=(KeptApart(a.id, b.id),))

    found = violations(problem, [ProposedGroup(lead.id, (arab.id, a.id, b.id))])

    assert any("shares no language" in v for v in found)
    assert any("kept apart" in v for v in found)
