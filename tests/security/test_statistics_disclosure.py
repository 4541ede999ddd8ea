"""Public statistics never disclose a count under the threshold: not in a cell, not by
subtracting, not by combining every breakdown of a release, not to a PIN that knows all its
own counts, not to a funder that knows the exact totals.

Two programmes on each store, released by the platform admin over GraphQL and read back with
no token: ``PROGRAMME`` below (four PINs, some small and some large, one large PIN running two
small rounds: arec 12 mentees in two rounds of 6, iccc 11, cniea 5, chc 12 in two
professions), and the demo's. Each release is judged by an auditor written apart from the
platform's protection (tests/security/statistics_auditor.py), against the true counters.
Run with ``-s`` to see its figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from math import inf
from typing import Any
from uuid import UUID

import pytest

from domain.pin import pin_id_for
from domain.values import EnglishLevel, OutcomeKind
from gateway.bootstrap import Platform, build_platform
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.demo import seed_demo
from tests.conftest import GraphQLClient
from tests.security.conftest import caught_up, serving, store_settings
from tests.security.statistics_auditor import (
    DIMENSIONS,
    STATISTICS,
    THRESHOLD,
    Attacker,
    Audit,
    Microdata,
    Published,
    Rounds,
    Truth,
    attackers,
    audit,
    names,
    read_published,
    read_truth,
    true_value,
)

ADMIN = TenantContext(tenant_id=UUID(int=0), role=Role.ADMIN, actor="platform-admin")
RELEASE = "mutation { releaseNetworkStatistics { id position threshold } }"

# PIN -> rounds -> groups: (profession, mentees, mentees with a job in their field)
PROGRAMME: dict[str, list[list[tuple[str, int, int]]]] = {
    "arec": [[("Engineering", 6, 5)], [("Engineering", 6, 5)]],
    "iccc": [[("Accounting", 6, 2), ("Accounting", 5, 1)]],
    "cniea": [[("Engineering", 5, 1)]],
    "chc": [[("Engineering", 6, 6), ("Accounting", 6, 6)]],
}


def seed(platform: Platform) -> None:
    store = platform.store
    for slug, rounds in PROGRAMME.items():
        professions = sorted({profession for groups in rounds for profession, _, _ in groups})
        register = c.RegisterPin(slug, f"{slug.upper()} network", ["X"], professions)
        uc.register_pin(store, register, ADMIN)
        ctx = TenantContext(pin_id_for(slug), Role.COORDINATOR, f"{slug}-coordinator")
        for number, groups in enumerate(rounds, start=1):
            cohort = uc.plan_cohort(
                store, c.PlanCohort(f"Round {number}", date(2024, 1, 8), date(2024, 4, 30)), ctx
            ).id
            for profession, size, jobs in groups:
                mentor = uc.enrol_mentor(
                    store, c.EnrolMentor("A mentor", profession, ["Romanian"], "Romanian"), ctx
                ).id
                group = uc.form_group_in_cohort(store, c.FormGroup(cohort, mentor, "G"), ctx).id
                mentees = []
                for _ in range(size):
                    mentee = uc.enrol_mentee(
                        store,
                        c.EnrolMentee(
                            "A newcomer",
                            profession,
                            "Romania",
                            ["Romanian"],
                            EnglishLevel.BASIC,
                            date(2024, 1, 2),
                        ),
                        ctx,
                    ).id
                    uc.add_mentee_to_group(store, c.AddMenteeToGroup(group, mentee), ctx)
                    mentees.append(mentee)
                uc.schedule_session(store, c.ScheduleSession(group, date(2024, 2, 5), "A"), ctx)
                uc.record_session_held(store, c.RecordSessionHeld(group, 1), ctx)
                uc.record_attendance(
                    store, c.RecordAttendance(group, 1, mentees[1:], mentees[:1]), ctx
                )
                for mentee in mentees[:jobs]:
                    uc.record_outcome(
                        store,
                        c.RecordOutcome(mentee, OutcomeKind.JOB_IN_FIELD, date(2024, 4, 2), "e"),
                        ctx,
                    )
    caught_up(platform)


def seed_the_demo(platform: Platform) -> None:
    seed_demo(platform.store, today=date(2026, 11, 1))
    caught_up(platform)


SEEDS = {"programme": seed, "demo": seed_the_demo}


def read_back(platform: Platform) -> Truth:
    """The true counters, read as the platform's owner (no row-level security)."""
    with platform.read_models.transaction() as tx:
        return read_truth(lambda sql: tx.execute(sql).fetchall())


@dataclass
class Released:
    """A release as the public reads it, and the truth behind it."""

    name: str
    platform: Platform
    client: GraphQLClient
    breakdowns: dict[str, dict[str, Any]]
    truth: Truth

    @cached_property
    def published(self) -> Published:
        return read_published(self.breakdowns)

    @cached_property
    def names(self) -> dict[str, str]:
        return names(self.breakdowns)

    def audit(
        self, who: str, published: Published | None = None, exact_within: float = inf
    ) -> list[Audit]:
        found = attackers(self.truth.microdata, self.truth.rounds)
        chosen = {
            "anyone": [a for a in found if a.name == "anyone"],
            "each PIN": [a for a in found if a.tenant],
            "a funder": [a for a in found if a.sums],
        }[who]
        release = [(published or self.published, self.truth.microdata)]
        return [
            audit(release, self.truth.rounds, attacker, exact_within=exact_within)
            for attacker in chosen
        ]


def publish(client: GraphQLClient) -> dict[str, dict[str, Any]]:
    """A release by the platform admin, then every breakdown of it as anyone reads it."""
    admin = client.token(Role.ADMIN, tenant=None, subject="platform-admin")
    release = client.data(RELEASE, token=admin)["releaseNetworkStatistics"]
    breakdowns = {
        by: client.data(STATISTICS, {"by": by}, token=None)["networkStatistics"]
        for by in DIMENSIONS
    }
    assert {b["release"]["id"] for b in breakdowns.values()} == {release["id"]}
    return breakdowns


@pytest.fixture(
    scope="module",
    params=[
        ("sqlite", "programme"),
        ("sqlite", "demo"),
        ("postgres", "programme"),
        ("postgres", "demo"),
    ],
    ids="-".join,
)
def released(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Released]:
    store, programme = request.param
    directory = tmp_path_factory.mktemp(f"statistics-{store}-{programme}")
    # Releases by the admin only: the follower's first scheduled one would race with it.
    with store_settings(store, directory, statistics_release_interval=0) as settings:
        platform = build_platform(settings)
        try:
            SEEDS[programme](platform)
            with serving(platform, settings) as client:
                breakdowns = publish(client)
                yield Released(
                    f"{store}-{programme}", platform, client, breakdowns, read_back(platform)
                )
        finally:
            platform.close()


def values(entries: list[dict[str, Any]]) -> dict[str, int | None]:
    return {e["metric"]: e["value"] for e in entries}


def report(released: Released, audits: list[Audit]) -> str:
    figures = "\n".join(a.summary(released.names) for a in audits)
    print(f"\n[{released.name}]\n{figures}")
    return figures


@pytest.mark.parametrize("who", ["anyone", "each PIN", "a funder"])
def test_no_hidden_count_is_pinned_down_by_anyone_or_by_any_pin(
    released: Released, who: str
) -> None:
    audits = released.audit(who)
    figures = report(released, audits)
    assert all(a.intervals for a in audits), figures  # there are small counts to protect
    disclosed = [line for a in audits for line in a.disclosed(released.names)]
    assert not disclosed, f"{figures}\nDisclosed:\n" + "\n".join(disclosed)


def suppressed_per_breakdown(microdata: Microdata, published: Published) -> Published:
    """The protection statistics had before releases: every breakdown of every metric on its
    own, cells under the threshold hidden, then the smallest visible ones until the hidden
    cells add up to the threshold (or the total hidden), never one hidden cell alone."""
    breakdowns: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for dimension, key, metric in published:
        breakdowns[dimension, metric][key] = true_value(microdata, (dimension, key, metric))
    shown: Published = {}
    total_shown: dict[str, bool] = defaultdict(bool)
    for (dimension, metric), cells in breakdowns.items():
        hidden = {key for key, value in cells.items() if value < THRESHOLD}
        total_hidden = sum(cells.values()) < THRESHOLD
        while (
            hidden
            and not total_hidden
            and (len(hidden) == 1 or sum(cells[key] for key in hidden) < THRESHOLD)
        ):
            smallest = sorted((v, key) for key, v in cells.items() if key not in hidden)
            if smallest:
                hidden.add(smallest[0][1])
            else:
                total_hidden = True
        for key, value in cells.items():
            shown[dimension, key, metric] = None if key in hidden else value
        total_shown[metric] |= not total_hidden
    for metric, visible in total_shown.items():
        total = true_value(microdata, ("TOTAL", "all", metric))
        shown["TOTAL", "all", metric] = total if visible else None
    return shown


def test_the_auditor_finds_what_suppressing_each_breakdown_on_its_own_gives_away(
    released: Released,
) -> None:
    """The audit can fail: on the protection the statistics had before (each breakdown on its
    own), it works out hidden counts as a PIN subtracting itself, and on the programme of the
    issue (cohorts nested in PINs) publicly as well."""
    broken = suppressed_per_breakdown(released.truth.microdata, released.published)
    attackers = ("anyone", "each PIN") if released.name.endswith("programme") else ("each PIN",)
    for who in attackers:
        audits = released.audit(who, broken)
        figures = report(released, audits)
        assert any(a.pinned for a in audits), figures


def test_no_breakdown_shows_a_small_count_or_a_derived_one(released: Released) -> None:
    for by, stats in released.breakdowns.items():
        assert stats["threshold"] == THRESHOLD
        for entries in [cell["values"] for cell in stats["cells"]] + [stats["total"]]:
            shown = values(entries)
            assert "attendance_recorded" not in shown  # recorded - present: absences
            assert all(e["suppressed"] == (e["value"] is None) for e in entries)
            assert all(v is None or v == 0 or v >= THRESHOLD for v in shown.values()), (by, shown)
        for cell in stats["cells"]:
            shown = values(cell["values"])
            if cell["attendanceRate"] is not None:  # a rate would give a hidden count back
                assert shown["attendance_present"] is not None
                assert shown["attendance_absent"] is not None


def test_the_seeded_programme_has_small_and_large_cells(released: Released) -> None:
    if not released.name.endswith("programme"):
        pytest.skip("the shape of PROGRAMME")
    served = {
        (dimension, cell["label"]): values(cell["values"])["mentees_served"]
        for dimension, stats in released.breakdowns.items()
        for cell in stats["cells"]
    }
    assert served["PIN", "AREC network"] in (12, None)  # 12, unless needed as a complement
    assert served["COHORT", "CHC Round 1"] in (12, None)  # 12, unless needed as a complement
    assert served["COHORT", "AREC Round 1"] is None  # 6: too few
    assert served["PIN", "CNIEA network"] is None  # 5: too few
    # ...and part of the total, which CNIEA would read its own 5 off otherwise.
    assert served["TOTAL", "all PINs"] is None


# --- the auditor itself, on releases small enough to check by hand -----------------------

ROUNDS = Rounds(
    tenant_of={"a-1": "a", "b-1": "b", "c-1": "c"},
    round_of={"a-1": "Round 1", "b-1": "Round 1", "c-1": "Round 1"},
    max_group_size=dict.fromkeys(("a-1", "b-1", "c-1"), 6),
    planned_sessions=dict.fromkeys(("a-1", "b-1", "c-1"), 5),
)
SERVED = "mentees_served"


def pinned(
    microdata: Microdata, published: Published, attacker: Attacker, exact: bool = True
) -> list[str]:
    found = audit([(published, microdata)], ROUNDS, attacker, exact_within=inf if exact else 0)
    return [f"{i.quantity} of {'/'.join(i.cell)} = {i.true}" for i in found.pinned]


def test_the_auditor_works_out_a_cell_that_the_total_gives_away() -> None:
    microdata = {SERVED: {("a", "a-1", "Eng"): 12, ("b", "b-1", "Eng"): 5}}
    published: Published = {("PIN", "a", SERVED): 12, ("PIN", "b", SERVED): None}
    published["TOTAL", "all", SERVED] = 17
    assert "part of PIN b of PIN/b/mentees_served = 5" in pinned(
        microdata, published, Attacker("anyone")
    )
    # With a second cell hidden, b is anything from 0 to 17.
    published["PIN", "a", SERVED] = None
    assert pinned(microdata, published, Attacker("anyone")) == []


def test_the_auditor_subtracts_a_pins_own_part() -> None:
    """A visible 12 of which a PIN's own part is 3: the other PIN's 9 is no secret to it."""
    microdata = {SERVED: {("a", "a-1", "Eng"): 3, ("b", "b-1", "Eng"): 9}}
    published: Published = {("PROFESSION", "Eng", SERVED): 12}
    assert pinned(microdata, published, Attacker("anyone")) == []
    assert "part of PIN b of PROFESSION/Eng/mentees_served = 9" in pinned(
        microdata, published, Attacker("PIN a", tenant="a")
    )


def test_the_auditor_counts_in_integers() -> None:
    """Three rounds with attendance had a group each, if three groups ran in all: a linear
    bound leaves 0.03 to 2.9 groups, integers leave exactly one."""
    metrics = ("groups", "sessions_held", "attendance_present", "attendance_absent")
    microdata: Microdata = {m: {(t, f"{t}-1", ""): 1 for t in "abc"} for m in metrics}
    microdata["attendance_absent"] = {}
    published: Published = {("TOTAL", "all", "groups"): 3}
    for t in "abc":  # present + absent <= 6 sessions, sessions <= 5 groups, in each round
        published.update({("COHORT", f"{t}-1", m): None for m in metrics})
        published["COHORT", f"{t}-1", "attendance_present"] = 1
    groups = "part of PIN a of COHORT/a-1/groups = 1"
    assert groups in pinned(microdata, published, Attacker("anyone"))
    assert groups not in pinned(microdata, published, Attacker("anyone"), exact=False)


def test_what_a_funder_knew_before_the_release_is_not_counted_against_it() -> None:
    """The programme's total minus round 1's is a's round 2, from the funder's own reports:
    reported as known before, not as given away by the release."""
    rounds = Rounds(
        tenant_of={"a-1": "a", "b-1": "b", "a-2": "a"},
        round_of={"a-1": "Round 1", "b-1": "Round 1", "a-2": "Round 2"},
    )
    microdata = {SERVED: {("a", "a-1", "Eng"): 12, ("b", "b-1", "Eng"): 11, ("a", "a-2", "Eng"): 4}}
    published: Published = {("COHORT", key, SERVED): None for key in ("a-1", "b-1", "a-2")}
    funder = attackers(microdata, rounds)[-1]
    found = audit([(published, microdata)], rounds, funder)
    assert found.pinned == []
    assert [i.cell for i in found.intervals if i.known_before] == [("COHORT", "a-2", SERVED)]
