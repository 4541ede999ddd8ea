"""The seeded demo, read over GraphQL as each PIN's coordinator would."""

from __future__ import annotations

from collections import Counter
from datetime import date

from gateway.bootstrap import Platform
from services.context import Role
from services.demo import seed_demo
from tests.conftest import GraphQLClient

PILOT = """query($seeded: Int) {
  cohorts(state: CLOSED, consistentWith: $seeded) { edges { node { id name } } }
}"""
PILOT_MENTEES = """query($cohort: ID!) {
  mentees(cohortId: $cohort, first: 100) {
    totalCount
    edges { node { outcomes { kind cohortId } } }
  }
  groups(cohortId: $cohort) { edges { node { menteeCount sessionsHeld mentor { languages } } } }
}"""


def _seed(platform: Platform) -> int:
    """Seed the demo; return the store position a query must be consistent with."""
    seed_demo(platform.store, today=date(2026, 11, 1))
    return platform.store.recorder.max_notification_id() or 0


def test_the_pilot_reads_as_the_article_tells_it(
    platform: Platform, gateway: GraphQLClient
) -> None:
    seeded = _seed(platform)
    mentees = 0
    outcomes: Counter[str] = Counter()
    moved_forward = 0
    group_sizes = []
    for slug in ("arec", "iccc", "cniea"):
        token = gateway.token(Role.COORDINATOR, tenant=slug)
        cohorts = gateway.data(PILOT, {"seeded": seeded}, token=token)["cohorts"]["edges"]
        [pilot] = [c["node"] for c in cohorts if c["node"]["name"] == "Pilot 2024"]
        view = gateway.data(PILOT_MENTEES, {"cohort": pilot["id"]}, token=token)
        mentees += view["mentees"]["totalCount"]
        for edge in view["mentees"]["edges"]:
            kinds = [o["kind"] for o in edge["node"]["outcomes"] if o["cohortId"] == pilot["id"]]
            outcomes.update(kinds)
            moved_forward += bool(kinds)
        for group in view["groups"]["edges"]:
            group_sizes.append(group["node"]["menteeCount"])
            assert group["node"]["sessionsHeld"] == 5

    assert mentees == 17
    assert sorted(group_sizes) == [5, 6, 6]
    assert outcomes == {
        "JOB_IN_FIELD": 6,
        "BUSINESS_STARTED": 1,
        "LICENCE_OBTAINED": 1,
        "LICENSING_EXAM_PASSED": 1,
    }
    assert moved_forward == 8


def test_every_pin_sees_the_shared_activity_but_only_its_own_members_names(
    platform: Platform, gateway: GraphQLClient
) -> None:
    seeded = _seed(platform)
    query = """query($seeded: Int) { sharedActivities(consistentWith: $seeded) {
      title hostName registrations { ownMember name personId } } }"""
    for slug in ("arec", "chc"):
        token = gateway.token(tenant=slug)
        [activity] = gateway.data(query, {"seeded": seeded}, token=token)["sharedActivities"]
        own = [r for r in activity["registrations"] if r["ownMember"]]
        others = [r for r in activity["registrations"] if not r["ownMember"]]
        assert own
        assert others
        assert all(r["name"] for r in own)
        assert all(r["name"] is None and r["personId"] is None for r in others)
