"""The public statistics, attacked over HTTP against the real ``mentoring serve``.

Each attack of issue 10 that worked against the live counters, replayed from outside: a
coordinator's own writes between two reads (a), a PIN subtracting its own part (b), every
breakdown combined (c), relations between metrics (d); and the releases themselves (f). The
published numbers are read with no token, as anyone reads them; the true counters behind them
are read from the read models directly, to know what must stay hidden. Each release is judged
by the independent auditor (tests/security/statistics_auditor.py). Run with ``-s`` to see its
figures.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.outside.conftest import SEEDED_PINS, Served
from tests.security.statistics_auditor import (
    DIMENSIONS,
    STATISTICS,
    THRESHOLD,
    Attacker,
    Published,
    Truth,
    attackers,
    audit,
    names,
    read_published,
    read_truth,
    true_value,
)

RELEASE = """mutation {
  releaseNetworkStatistics { id releasedAt position threshold checkpointTreeSize checkpointRoot }
}"""
CHECKPOINT = "mutation { issueAuditCheckpoint { treeSize rootHash } }"
MENTEES = "{ mentees(first: 100) { edges { node { id } } } }"
RECORD_OUTCOME = """mutation($mentee: ID!, $kind: OutcomeKind!) {
  recordOutcome(input: {menteeId: $mentee, kind: $kind, occurredOn: "2026-04-15",
                        evidence: "Offer letter, one more for the statistics"}) { position }
}"""
WAIT = "query($id: ID!, $at: Int) { mentee(id: $id, consistentWith: $at) { id } }"
COORDINATOR = "arec"


def truth(served: Served) -> Truth:
    """The true counters behind the statistics, read as the platform's owner."""
    url = served.env["MENTORING_DATABASE_URL"]
    if url.startswith("sqlite"):
        path = served.logs / "readmodels.db"
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            conn.row_factory = sqlite3.Row
            return read_truth(lambda sql: conn.execute(sql).fetchall())
    with psycopg.connect(url, row_factory=dict_row) as conn:
        conn.execute("SET search_path TO readmodels")
        return read_truth(lambda sql: conn.execute(sql).fetchall())


def admin(served: Served) -> str:
    return served.token(role="admin", tenant=None, subject="platform-admin")


def breakdowns(served: Served) -> dict[str, dict[str, Any]]:
    """Every breakdown of the latest release, as anyone reads it (no token)."""
    answers = {}
    for by in DIMENSIONS:
        body = served.post(STATISTICS, {"by": by}).json()
        assert "errors" not in body, body
        answers[by] = body["data"]["networkStatistics"]
    assert len({a["release"]["id"] for a in answers.values()}) == 1, answers
    return answers


@dataclass
class Release:
    """A release as published, and the counters it was computed from."""

    id: int
    breakdowns: dict[str, dict[str, Any]]
    truth: Truth

    @property
    def published(self) -> Published:
        return read_published(self.breakdowns)

    def tenant(self, slug: str) -> str:
        return next(t for t, s in self.truth.slugs.items() if s == slug)


def release(served: Served, attempts: int = 10) -> Release:
    """A release by the platform admin, read back with the counters it was computed from: the
    same before and after it (a projection still catching up would make them differ)."""
    for _ in range(attempts):
        before = truth(served)
        made = served.data(RELEASE, token=admin(served))["releaseNetworkStatistics"]
        answers = breakdowns(served)
        after = truth(served)
        if before == after and answers["TOTAL"]["release"]["id"] == made["id"]:
            return Release(made["id"], answers, after)
        time.sleep(1)
    raise AssertionError("the counters kept moving around the release")


@pytest.fixture(scope="module")
def current(served: Served) -> Release:
    return release(served)


def visible_differences(state: Release, slug: str) -> dict[str, int]:
    """What a PIN reads off each visible number by subtracting its own part: the others'."""
    tenant = state.tenant(slug)
    own = {
        metric: {c: v for c, v in counts.items() if c[0] == tenant}
        for metric, counts in state.truth.microdata.items()
    }
    return {
        "/".join(key): value - true_value(own, key)
        for key, value in state.published.items()
        if value is not None
    }


def audit_as(state: Release | list[Release], who: str) -> None:
    """The auditor on ``state`` (or several releases) for ``who``, anyone or a PIN's slug:
    its figures printed, and nothing pinned."""
    states = state if isinstance(state, list) else [state]
    last = states[-1]
    found = attackers(last.truth.microdata, last.truth.rounds)
    chosen: Attacker = next(
        a for a in found if (a.name == who if who == "anyone" else a.tenant == last.tenant(who))
    )
    result = audit([(s.published, s.truth.microdata) for s in states], last.truth.rounds, chosen)
    labels = names(last.breakdowns)
    figures = f"release {'+'.join(str(s.id) for s in states)}: {result.summary(labels)}"
    print(figures)
    assert result.intervals, figures
    assert not result.pinned, f"{figures}\n" + "\n".join(result.disclosed(labels))


# --- (b) a PIN subtracting itself ---------------------------------------------------------


@pytest.mark.parametrize("slug", SEEDED_PINS)
def test_a_pin_subtracting_its_own_part_from_a_visible_number_reads_no_small_count(
    served: Served, current: Release, slug: str
) -> None:
    others = visible_differences(current, slug)
    small = {key: rest for key, rest in others.items() if 0 < rest < THRESHOLD}
    assert others, "visible numbers to subtract from"
    assert not small, small


# --- (c) every breakdown combined ---------------------------------------------------------


@pytest.mark.parametrize("who", ["anyone", *SEEDED_PINS])
def test_no_hidden_count_can_be_worked_out_from_every_breakdown_together(
    served: Served, current: Release, who: str
) -> None:
    audit_as(current, who)


# --- (d) relations between metrics --------------------------------------------------------


def test_absences_are_a_count_of_their_own_and_no_rate_gives_one_back(
    served: Served, current: Release
) -> None:
    for by, answer in current.breakdowns.items():
        for cell in [*answer["cells"], {"values": answer["total"], "attendanceRate": None}]:
            shown = {v["metric"]: v["value"] for v in cell["values"]}
            assert "attendance_recorded" not in shown, (by, cell)  # minus present: absences
            if by != "PROFESSION":
                assert "attendance_absent" in shown, (by, cell)
            if cell["attendanceRate"] is not None:
                present, absent = shown["attendance_present"], shown["attendance_absent"]
                assert present is not None, (by, cell)
                assert absent is not None, (by, cell)
                assert cell["attendanceRate"] == round(present / (present + absent), 4)


def test_no_group_size_or_groups_per_cohort_can_be_read(served: Served, current: Release) -> None:
    """Attendance over sessions would give a group's size, and a round's groups are few:
    groups and sessions are not published at all, nor attendance recorded (recorded minus
    present would be the absences)."""
    metrics = {metric for (_, _, metric) in current.published}
    assert {"attendance_present", "attendance_absent", "mentees_served"} <= metrics
    assert not metrics & {"groups", "sessions_held", "attendance_recorded"}


# --- (f) releases -------------------------------------------------------------------------


def test_statistics_name_their_release_and_its_checkpoint(served: Served) -> None:
    tree = served.data(CHECKPOINT, token=admin(served))["issueAuditCheckpoint"]["treeSize"]
    made = served.data(RELEASE, token=admin(served))["releaseNetworkStatistics"]
    assert made["threshold"] == THRESHOLD
    assert made["position"] > 0
    assert made["checkpointTreeSize"] >= tree
    assert len(bytes.fromhex(made["checkpointRoot"])) == 32
    released_at = datetime.fromisoformat(made["releasedAt"])
    assert timedelta(0) <= datetime.now(UTC) - released_at < timedelta(minutes=5)
    for answer in breakdowns(served).values():  # read with no token: public
        assert answer["release"] == made


@pytest.mark.parametrize(
    ("role", "tenant"), [("coordinator", "arec"), ("network", None), ("funder", None)]
)
def test_only_the_platform_admin_releases(served: Served, role: str, tenant: str | None) -> None:
    before = breakdowns(served)["PIN"]["release"]
    body = served.post(RELEASE, token=served.token(role=role, tenant=tenant)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
    anonymous = served.post(RELEASE).json()
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
    assert breakdowns(served)["PIN"]["release"] == before


def test_two_releases_at_the_same_moment_are_both_made(served: Served) -> None:
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: served.post(RELEASE, token=admin(served)).json(), "ab"))
    assert all("errors" not in a for a in answers), answers
    ids = {a["data"]["releaseNetworkStatistics"]["id"] for a in answers}
    assert len(ids) == 2, answers


# --- (a) a coordinator's own writes between reads, and between releases -------------------


@dataclass
class Writer:
    """A coordinator recording outcomes of one kind, one at a time."""

    served: Served
    kind: str
    mentees: Iterator[str]

    def record(self) -> None:
        token = self.served.token(tenant=COORDINATOR)
        mentee = next(self.mentees)
        variables = {"mentee": mentee, "kind": self.kind.removeprefix("outcome_").upper()}
        position = self.served.data(RECORD_OUTCOME, variables, token=token)["recordOutcome"][
            "position"
        ]
        self.served.data(WAIT, {"id": mentee, "at": position}, token=token)


def writer(served: Served, state: Release) -> Writer:
    """Outcomes of the kind whose network total is hidden while other PINs hold a few."""
    tenant = state.tenant(COORDINATOR)

    def others(metric: str) -> int:
        counts = state.truth.microdata.get(metric, {})
        return sum(v for c, v in counts.items() if c[0] != tenant)

    hidden = [
        metric
        for (dimension, _, metric), value in state.published.items()
        if dimension == "TOTAL" and metric.startswith("outcome_") and value is None
    ]
    assert hidden, "a network total hidden to watch"
    kind = min(hidden, key=lambda m: (not 0 < others(m) < THRESHOLD, m))
    token = served.token(tenant=COORDINATOR)
    edges = served.data(MENTEES, token=token)["mentees"]["edges"]
    ids = [edge["node"]["id"] for edge in edges]
    return Writer(served, kind, iter(ids * 3))


def test_own_writes_show_nothing_between_releases_and_nothing_small_at_each(
    served: Served,
) -> None:
    start = release(served)
    write = writer(served, start)
    print(f"\nrecording {write.kind} for {COORDINATOR}, one at a time")
    for _ in range(3):  # between releases: nothing moves, however the counters do
        write.record()
        assert breakdowns(served) == start.breakdowns
    assert truth(served) != start.truth

    states = [release(served)]
    for _ in range(10):  # the worst case: a release after every single write
        write.record()
        state = release(served)
        assert state.id == states[-1].id + 1
        rests = visible_differences(state, COORDINATOR)
        small = {key: rest for key, rest in rests.items() if 0 < rest < THRESHOLD}
        assert not small, (state.id, small)
        audit_as(state, COORDINATOR)
        states.append(state)
    # Over time: every release of the loop together, the others' counters unchanged.
    audit_as(states, COORDINATOR)
