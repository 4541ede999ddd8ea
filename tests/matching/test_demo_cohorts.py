"""The demo programme's PINs get groups of 5-6 sharing language and profession.

After the seeded pilot and roll-out, each PIN enrols twelve newcomers of its community (six
in the profession of each of its two mentors) and plans a third round: the proposal places
every newcomer in a group of five or six, led by a mentor who speaks their heritage language
and shares their profession.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.matching.profiles import normalised, profession_parts
from domain.pin import pin_id_for
from domain.proposal import GroupProposal
from domain.values import EnglishLevel
from gateway.bootstrap import Platform, build_platform
from projections.matching.queries import ReadModelCandidates
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.demo import seed_demo
from services.demo_data import NETWORKS
from services.matching import use_cases as mu
from services.matching.commands import AcceptProposal, ProposeGroups
from services.settings import Settings

TODAY = date(2026, 6, 1)
LEVELS = list(EnglishLevel)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    folder: Path = tmp_path_factory.mktemp("demo-matching")
    platform = build_platform(Settings(database_url=f"sqlite:///{folder}/events.db"))
    seed_demo(platform.store, today=TODAY)
    platform.catch_up(platform.store.recorder.max_notification_id() or 0)
    yield platform
    platform.close()


@pytest.mark.parametrize("slug", [n.slug for n in NETWORKS])
def test_each_pins_new_round_gets_groups_sharing_language_and_profession(
    demo: Platform, slug: str
) -> None:
    n = next(x for x in NETWORKS if x.slug == slug)
    ctx = TenantContext(pin_id_for(n.slug), Role.COORDINATOR, f"{n.slug}-coordinator")
    store = demo.store
    cohort = uc.plan_cohort(
        store, c.PlanCohort("Round 3 2026", date(2026, 9, 7), date(2027, 1, 15)), ctx
    )
    newcomers = []
    for i in range(12):
        profession = n.mentor_professions[i % 2]
        languages = [n.language, "English", *n.extra_languages[: i % 2]]
        changed = uc.enrol_mentee(
            store,
            c.EnrolMentee(
                f"{n.first_names[i]} {n.last_names[i]}", profession, n.origins[i % len(n.origins)],
                languages, LEVELS[i % len(LEVELS)], date(2026, 5, 4),
            ),
            ctx,
        )  # fmt: skip
        newcomers.append(changed.id)
    demo.catch_up(changed.position)

    proposed = mu.propose_groups(
        store, ProposeGroups(cohort.id), ctx, ReadModelCandidates(demo.read_models)
    )
    proposal = store.repository.get(proposed.id)
    assert isinstance(proposal, GroupProposal)

    # Only the newcomers wait: the demo's mentees are all in groups of earlier rounds.
    assert {m.id for m in proposal.problem.mentees} == set(newcomers)
    assert proposal.evaluation.unplaced == ()
    assert proposal.report.status == "optimal"
    for group in proposal.evaluation.groups:
        assert 5 <= len(group.mentee_ids) <= 6
        mentor = proposal.problem.mentor_by_id[group.mentor_id]
        for mentee_id in group.mentee_ids:
            mentee = proposal.problem.mentee_by_id[mentee_id]
            assert normalised(n.language) in {normalised(x) for x in mentor.languages}
            assert n.language in proposal.problem.shared_languages(mentee, mentor)
            assert profession_parts(mentee.profession) == profession_parts(mentor.profession)
        assert group.languages[0].name == n.language
        assert group.languages[0].mentees == len(group.mentee_ids)
        assert group.profession.mentees == len(group.mentee_ids)

    accepted = mu.accept_proposal(store, AcceptProposal(proposal.id), ctx)
    demo.catch_up(accepted.position)
    assert len(store.repository.get(cohort.id).group_ids) == len(proposal.evaluation.groups)
