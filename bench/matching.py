"""Group formation at scale: time to a proposal, and its score against the greedy baseline.

An instance like a large programme: N mentees and M mentors of twelve communities (a
heritage language each, some speaking a second one that other communities speak too), in
professions with sub-fields, mixed English levels, mentors leading one to three groups, a
few pins and exclusions. For each repetition (a new random instance per seed):

* exact: ``services.matching.solver.solve`` (the integer program under its time limit), the
  time from the problem to the groups, including the greedy run it measures itself against,
  run ``--runs`` times on the same instance (median; every run must give the same groups);
* greedy: ``services.matching.greedy.greedy_groups`` alone, timed separately;
* both scored with ``MatchingProblem.score``, and every proposal checked against the hard rules;
* end to end (``--end-to-end``, once per instance): the ``propose_groups`` use case on an
  embedded SQLite store holding the instance's people as aggregates, with its read models
  (load 1,200 aggregates through the tenant check, solve, record the proposal event).

Reported: medians of the time to proposal and of the scores, the score ratio exact / greedy,
the mentees each places, the solver's status and gap.

    .venv/bin/python bench/matching.py [--mentees 1000] [--mentors 200] [--repeat 5] \
        [--runs 3] [--end-to-end]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from domain.base import CommandMetadata, acting_as
from domain.cohort import Cohort
from domain.matching.problem import MatchingProblem, violations
from domain.matching.profiles import KeptApart, MenteeProfile, MentorProfile, Pinned
from domain.people import Mentee, Mentor
from domain.pin import Pin, pin_id_for
from domain.values import EnglishLevel, LicenceStatus
from gateway.bootstrap import build_platform
from projections.matching.queries import ReadModelCandidates
from services.context import Role, TenantContext
from services.matching.commands import ProposeGroups
from services.matching.greedy import greedy_groups
from services.matching.solver import DEFAULT_TIME_LIMIT, solve
from services.matching.use_cases import propose_groups
from services.settings import Settings

GOAL_SECONDS = 10.0

# (heritage language, background, origins, professions, second languages)
COMMUNITIES = (
    ("Romanian", "Romanian", ("Romania", "Moldova"), ("Engineering / Civil", "Engineering / Electrical", "Information technology / Software"), ("French", "Italian")),
    ("Hindi", "Indian", ("India",), ("Information technology / Software", "Business / Finance", "Engineering / Mechanical"), ("Punjabi", "Gujarati")),
    ("Arabic", "Iraqi", ("Iraq",), ("Engineering / Civil", "Architecture"), ("Kurdish",)),
    ("Filipino", "Filipino", ("Philippines",), ("Accounting", "Healthcare / Nursing"), ("Cebuano",)),
    ("Spanish", "Hispanic", ("Mexico", "Colombia", "Peru", "Venezuela"), ("Information technology / Data", "Engineering / Civil", "Healthcare / Medicine"), ("Portuguese", "French")),
    ("Mandarin", "Chinese", ("China",), ("Engineering / Electrical", "Accounting", "Information technology / Software"), ("Cantonese",)),
    ("Portuguese", "Brazilian", ("Brazil",), ("Engineering / Mechanical", "Business / Marketing"), ("Spanish",)),
    ("Farsi", "Iranian", ("Iran",), ("Engineering / Civil", "Healthcare / Pharmacy"), ("Arabic",)),
    ("Urdu", "Pakistani", ("Pakistan",), ("Information technology / Software", "Accounting"), ("Punjabi",)),
    ("Tamil", "Sri Lankan", ("Sri Lanka",), ("Engineering / Electrical", "Information technology / Data"), ("English",)),
    ("Ukrainian", "Ukrainian", ("Ukraine",), ("Engineering / Mechanical", "Healthcare / Medicine"), ("Russian",)),
    ("Korean", "Korean", ("Korea",), ("Business / Finance", "Engineering / Electrical"), ()),
)  # fmt: skip
SHARES = (14, 14, 10, 10, 12, 8, 6, 6, 6, 5, 5, 4)
LEVELS = (EnglishLevel.BASIC, EnglishLevel.INTERMEDIATE, EnglishLevel.INTERMEDIATE,
          EnglishLevel.ADVANCED, EnglishLevel.ADVANCED, EnglishLevel.FLUENT)  # fmt: skip


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _languages(rng: random.Random, community: tuple[Any, ...]) -> tuple[str, ...]:
    languages = [community[0], "English"]
    if community[4] and rng.random() < 0.3:
        languages.append(rng.choice(community[4]))
    return tuple(dict.fromkeys(languages))


def instance(seed: int, mentees: int, mentors: int, min_size: int = 5, max_size: int = 6) -> MatchingProblem:  # fmt: skip
    """A random programme of ``mentees`` and ``mentors``, the same for the same seed."""
    rng = random.Random(seed)
    mentor_profiles = []
    for _ in range(mentors):
        c = rng.choices(COMMUNITIES, SHARES)[0]
        mentor_profiles.append(
            MentorProfile(
                id=_uuid(rng),
                profession=rng.choice(c[3]),
                cultural_background=c[1],
                languages=_languages(rng, c),
                licence_status=rng.choice(list(LicenceStatus)),
                capacity=(capacity := rng.choices((1, 2, 3), (6, 3, 1))[0]),
                free_groups=capacity,
            )
        )
    mentee_profiles = []
    for _ in range(mentees):
        c = rng.choices(COMMUNITIES, SHARES)[0]
        mentee_profiles.append(
            MenteeProfile(
                id=_uuid(rng),
                profession=rng.choice(c[3]),
                origin=rng.choice(c[2]),
                languages=_languages(rng, c),
                english_level=rng.choice(LEVELS),
                licensed=rng.random() < 0.05,
            )
        )
    draft = MatchingProblem(min_size, max_size, tuple(mentee_profiles), tuple(mentor_profiles))
    # A few pins (to a mentor who may lead them) and exclusions, as a coordinator sets them.
    pinned: list[Pinned] = []
    per_mentor: dict[uuid.UUID, int] = {}
    for mentee in rng.sample(draft.mentees, k=min(20, mentees)):
        options = [t for t in draft.mentors if draft.shared_languages(mentee, t)]
        if options:
            mentor = rng.choice(options)
            if per_mentor.get(mentor.id, 0) < 2:
                per_mentor[mentor.id] = per_mentor.get(mentor.id, 0) + 1
                pinned.append(Pinned(mentee.id, mentor.id))
    pinned_ids = {p.mentee_id for p in pinned}
    free = [m for m in draft.mentees if m.id not in pinned_ids]
    apart = [KeptApart(a.id, b.id) for a, b in (rng.sample(free, k=2) for _ in range(20))]
    return MatchingProblem(
        min_size, max_size, draft.mentees, draft.mentors, tuple(pinned), tuple(apart)
    )


def end_to_end(problem: MatchingProblem) -> float:
    """Seconds the ``propose_groups`` use case takes on a store holding ``problem``'s people."""
    with tempfile.TemporaryDirectory() as folder:
        platform = build_platform(Settings(database_url=f"sqlite:///{folder}/events.db"))
        try:
            store = platform.store
            tenant = pin_id_for("bench")
            ctx = TenantContext(tenant, Role.COORDINATOR, "bench-coordinator")
            with acting_as(CommandMetadata("bench", "bench-setup")):
                pin = Pin.register("bench", "Bench PIN", ["Many"], ["Engineering"])
                cohort = Cohort.plan(tenant, "Round", date(2026, 9, 7), date(2027, 1, 15))
                people: list[Aggregate] = [pin, cohort]
                for t in problem.mentors:
                    people.append(
                        Mentor.enrol(tenant, "Mentor", None, t.profession, list(t.languages),
                                     t.cultural_background, t.licence_status, t.capacity)
                    )  # fmt: skip
                for m in problem.mentees:
                    people.append(
                        Mentee.enrol(tenant, "Mentee", None, m.profession, m.origin,
                                     list(m.languages), m.english_level, None, date(2026, 6, 1))
                    )  # fmt: skip
                for start in range(0, len(people), 200):
                    store.save(*people[start : start + 200])
            platform.catch_up(store.recorder.max_notification_id() or 0)
            candidates = ReadModelCandidates(platform.read_models)
            started = time.perf_counter()
            propose_groups(store, ProposeGroups(cohort.id), ctx, candidates)
            return time.perf_counter() - started
        finally:
            platform.close()


def run_once(
    seed: int, mentees: int, mentors: int, time_limit: float, runs: int, e2e: bool
) -> dict[str, Any]:
    problem = instance(seed, mentees, mentors)
    timings, results = [], []
    for _ in range(runs):
        started = time.perf_counter()
        groups, report = solve(problem, time_limit)
        timings.append(time.perf_counter() - started)
        results.append(groups)
    assert all(r == results[0] for r in results), "the same instance gave different groups"
    started = time.perf_counter()
    greedy = greedy_groups(problem)
    greedy_seconds = time.perf_counter() - started
    for found in (groups, greedy):
        broken = violations(problem, found)
        assert not broken, broken[:3]
    exact_score, greedy_score = problem.score(groups), problem.score(greedy)
    return {
        "seed": seed,
        "seconds": statistics.median(timings),
        "greedy_seconds": greedy_seconds,
        "end_to_end_seconds": end_to_end(problem) if e2e else None,
        "score": exact_score,
        "greedy_score": greedy_score,
        "ratio": exact_score / greedy_score,
        "placed": sum(len(g.mentee_ids) for g in groups),
        "greedy_placed": sum(len(g.mentee_ids) for g in greedy),
        "groups": len(groups),
        "method": report.method,
        "status": report.status,
        "gap": report.gap,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=1000)
    parser.add_argument("--mentors", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="Solves per instance (median).")
    parser.add_argument("--end-to-end", action="store_true", help="Also time the use case.")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT)
    parser.add_argument("--json", action="store_true", help="Print the raw runs as JSON.")
    args = parser.parse_args()
    runs = []
    for seed in range(1, args.repeat + 1):
        run = run_once(
            seed, args.mentees, args.mentors, args.time_limit, args.runs, args.end_to_end
        )
        runs.append(run)
        print(
            f"seed {seed}: {run['seconds']:.2f} s ({run['method']}, {run['status']}, gap "
            f"{run['gap']}), score {run['score']} vs greedy {run['greedy_score']} "
            f"({run['ratio']:.4f}), placed {run['placed']} vs {run['greedy_placed']} of "
            f"{args.mentees}, greedy {run['greedy_seconds']:.2f} s"
            + (
                f", end to end {run['end_to_end_seconds']:.2f} s"
                if run["end_to_end_seconds"] is not None
                else ""
            ),
            flush=True,
        )
    median = statistics.median
    summary = {
        "mentees": args.mentees,
        "mentors": args.mentors,
        "repeat": args.repeat,
        "time_limit_s": args.time_limit,
        "median_seconds": round(median(r["seconds"] for r in runs), 2),
        "max_seconds": round(max(r["seconds"] for r in runs), 2),
        "median_greedy_seconds": round(median(r["greedy_seconds"] for r in runs), 2),
        "median_end_to_end_seconds": (
            round(median(r["end_to_end_seconds"] for r in runs), 2) if args.end_to_end else None
        ),
        "runs_per_instance": args.runs,
        "median_score": median(r["score"] for r in runs),
        "median_greedy_score": median(r["greedy_score"] for r in runs),
        "median_ratio": round(median(r["ratio"] for r in runs), 4),
        "median_placed": median(r["placed"] for r in runs),
        "median_greedy_placed": median(r["greedy_placed"] for r in runs),
        "optimal_runs": sum(1 for r in runs if r["status"] == "optimal"),
        "goal_seconds": GOAL_SECONDS,
        "goal_met": median(r["seconds"] for r in runs) <= GOAL_SECONDS,
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
    }
    if args.json:
        print(json.dumps(runs, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
