"""Mentees left without a group learn why, and what would place them; groups show what they share."""

from __future__ import annotations

import dataclasses

from domain.matching.explanations import UnplacedReason, evaluate
from domain.matching.problem import MatchingProblem
from domain.matching.profiles import Criterion, KeptApart, MenteeProfile, Weights
from domain.values import EnglishLevel
from services.matching.solver import solve
from tests.matching.helpers import mentee, mentor


def placed(problem: MatchingProblem) -> set[object]:
    groups, _ = solve(problem)
    return {m for g in groups for m in g.mentee_ids}


def reasons(problem: MatchingProblem) -> dict[object, UnplacedReason]:
    groups, _ = solve(problem)
    return {u.mentee_id: u.reason for u in evaluate(problem, groups).unplaced}


def test_no_mentor_speaks_their_language() -> None:
    kurdish = mentee("Kurdish", origin="Iraq")
    problem = MatchingProblem(5, 6, (kurdish, *(mentee() for _ in range(5))), (mentor(),))

    groups, _ = solve(problem)
    [unplaced] = evaluate(problem, groups).unplaced

    assert unplaced.mentee_id == kurdish.id
    assert unplaced.reason == UnplacedReason.NO_SHARED_LANGUAGE
    assert "Kurdish" in unplaced.explanation
    assert "Enrol a mentor who speaks Kurdish" in unplaced.remedies[0].text
    with_kurdish_mentor = dataclasses.replace(
        problem, min_size=1, mentors=(*problem.mentors, mentor("Kurdish"))
    )
    assert kurdish.id in placed(with_kurdish_mentor)


def test_too_few_share_a_language_to_make_a_group() -> None:
    arabic = tuple(mentee("Arabic") for _ in range(3))
    problem = MatchingProblem(5, 6, arabic, (mentor("Arabic"),))

    groups, _ = solve(problem)
    explained = evaluate(problem, groups).unplaced

    assert {u.reason for u in explained} == {UnplacedReason.TOO_FEW_FOR_A_GROUP}
    texts = [r.text for r in explained[0].remedies]
    assert any("2 more mentee(s) who speak Arabic" in t for t in texts)
    assert any("minimum group size to 3" in t for t in texts)
    two_more = dataclasses.replace(problem, mentees=(*arabic, mentee("Arabic"), mentee("Arabic")))
    assert placed(two_more) == {m.id for m in two_more.mentees}
    smaller_groups = dataclasses.replace(problem, min_size=3)
    assert placed(smaller_groups) == {m.id for m in arabic}


def test_every_mentor_who_speaks_their_language_is_full() -> None:
    seven = tuple(mentee() for _ in range(7))
    problem = MatchingProblem(5, 6, seven, (mentor(capacity=1),))

    groups, _ = solve(problem)
    [unplaced] = evaluate(problem, groups).unplaced

    assert unplaced.reason == UnplacedReason.CAPACITY_EXHAUSTED
    texts = [r.text for r in unplaced.remedies]
    assert "Raise the cohort's maximum group size to 7." in texts
    assert any("{mentor} leading 2 groups per round, with 3 more mentee(s)" in t for t in texts)
    assert any("Enrol another mentor who speaks Romanian" in t for t in texts)
    assert placed(dataclasses.replace(problem, max_size=7)) == {m.id for m in seven}


def test_a_remedy_names_the_mentor_when_rendered() -> None:
    problem = MatchingProblem(5, 6, tuple(mentee() for _ in range(7)), (mentor(),))
    groups, _ = solve(problem)
    [unplaced] = evaluate(problem, groups).unplaced

    rendered = [r.render(lambda _: "Ioana Popescu") for r in unplaced.remedies]

    assert any(text.startswith("Ioana Popescu leading 2 groups") for text in rendered)


def test_a_mentee_kept_apart_from_every_mentor_of_their_language() -> None:
    loner = mentee("Arabic")
    arab = mentor("Arabic")
    others = tuple(mentee("Arabic") for _ in range(5))
    problem = MatchingProblem(
        5, 6, (loner, *others), (arab,), apart=(KeptApart(loner.id, arab.id),)
    )

    assert reasons(problem) == {loner.id: UnplacedReason.KEPT_APART}


def test_a_group_explains_what_its_people_share_and_how_it_scores() -> None:
    levels = [EnglishLevel.BASIC, EnglishLevel.INTERMEDIATE, EnglishLevel.ADVANCED]
    six: list[MenteeProfile] = [
        mentee("Romanian", "Engineering / Civil", levels[i % 3]) for i in range(5)
    ]
    six.append(mentee("Romanian", "Accounting", EnglishLevel.FLUENT, origin="Moldova"))
    lead = mentor("Romanian", "Engineering / Civil")
    problem = MatchingProblem(5, 6, tuple(six), (lead,), weights=Weights())

    groups, _ = solve(problem)
    [group] = evaluate(problem, groups).groups

    assert group.languages[0].name == "Romanian"
    assert group.languages[0].mentees == 6
    assert (group.profession.name, group.profession.mentees) == ("Engineering", 5)
    assert group.sub_field is not None
    assert group.sub_field.mentees == 5
    assert (group.culture.name, group.culture.mentees) == ("Romanian", 5)
    assert group.points == {
        Criterion.PLACED: 60,
        Criterion.PROFESSION: 40,
        Criterion.SUB_FIELD: 10,
        Criterion.CULTURE: 15,
        Criterion.LICENCE: 10,
        Criterion.ENGLISH_MIX: 3,
    }
    assert group.score == sum(group.points.values())
    assert group.summary.startswith("6 mentees; all speak Romanian with the mentor; 5 of 6 in")
