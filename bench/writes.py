"""Use-case commands per second on PostgreSQL vs raw ``Application.save`` of the same events.

Each repetition, on one fresh database:

* use cases: ``enrol_mentee`` N/2 times, then ``record_outcome`` for each of those mentees
  (each loads the PIN or the mentee, checks, and saves one event);
* raw: the same aggregates built directly with the domain (``Mentee.enrol``,
  ``mentee.record_outcome``) and saved one per ``store.save`` call, with the same command
  metadata, so the same events of the same size are written.

The two sides run interleaved in chunks of 100 commands, alternating which goes first, so
table growth and bursts of load from neighbours on the shared cores hit both alike.
Reported: commands (= events) per second, the median over repetitions, and the ratio
use cases / raw measured in each repetition (goal >= 0.5).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any
from uuid import UUID

from domain.base import CommandMetadata, acting_as
from domain.people import Mentee
from domain.values import EnglishLevel, OutcomeKind
from services import commands as c
from services import use_cases as uc
from services.context import TenantContext
from services.store import MentoringStore, build_store

import common

GOAL = 0.5


def enrol_command(i: int) -> c.EnrolMentee:
    return c.EnrolMentee(
        name=f"Newcomer {i}",
        profession="Engineering",
        origin="Romania",
        languages=["Romanian", "English"],
        english_level=EnglishLevel.INTERMEDIATE,
        enrolled_on=date(2024, 1, 2),
        email=f"newcomer{i}@example.org",
        goals="Work as a licensed engineer",
    )


def outcome_command(mentee_id: UUID) -> c.RecordOutcome:
    return c.RecordOutcome(mentee_id, OutcomeKind.JOB_IN_FIELD, date(2024, 6, 1), "Offer letter")


def run_use_cases(store: MentoringStore, ctx: TenantContext, n: int) -> tuple[float, list[float]]:
    """n/2 enrolments then n/2 outcomes through the use cases; (seconds, latencies)."""
    latencies: list[float] = []
    ids: list[UUID] = []
    clock = time.perf_counter
    started = clock()
    for i in range(n // 2):
        t = clock()
        ids.append(uc.enrol_mentee(store, enrol_command(i), ctx).id)
        latencies.append(clock() - t)
    for mentee_id in ids:
        t = clock()
        uc.record_outcome(store, outcome_command(mentee_id), ctx)
        latencies.append(clock() - t)
    return clock() - started, latencies


def run_raw(store: MentoringStore, ctx: TenantContext, n: int) -> tuple[float, list[float]]:
    """The same events: aggregates built with the domain, saved one per call."""
    latencies: list[float] = []
    mentees: list[Mentee] = []
    clock = time.perf_counter
    with acting_as(CommandMetadata(actor=ctx.actor, correlation_id=ctx.correlation_id)):
        started = clock()
        for i in range(n // 2):
            t = clock()
            cmd = enrol_command(i)
            mentee = Mentee.enrol(
                ctx.tenant_id,
                name=cmd.name,
                email=cmd.email,
                profession=cmd.profession,
                origin=cmd.origin,
                languages=cmd.languages,
                english_level=cmd.english_level,
                goals=cmd.goals,
                enrolled_on=cmd.enrolled_on,
            )
            store.save(mentee)
            mentees.append(mentee)
            latencies.append(clock() - t)
        for mentee in mentees:
            t = clock()
            cmd2 = outcome_command(mentee.id)
            mentee.record_outcome(cmd2.kind, cmd2.occurred_on, cmd2.evidence)
            store.save(mentee)
            latencies.append(clock() - t)
        return clock() - started, latencies


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--commands", type=int, default=2000, help="commands per side per repetition")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--chunk", type=int, default=100, help="commands per side per interleaved chunk")
    p.add_argument("--warmup", type=int, default=200, help="commands per side before measuring")
    p.add_argument(
        "--experiment-no-pre-ping",
        action="store_true",
        help="experiment: a third side, the use cases on a store built with POSTGRES_PRE_PING=n "
        "(build_store sets y: one extra round trip per connection checkout)",
    )
    args = p.parse_args()

    server, _ = common.service_urls()
    info = common.machine()
    reps: list[dict[str, Any]] = []
    sides = ["use_cases", "raw"]
    with common.fresh_database(server) as url:
        store = build_store(common.settings_for(url))
        stores = {"use_cases": store, "raw": store}
        if args.experiment_no_pre_ping:
            # A second store on the same database whose pool does not ping each connection
            # it hands out; interleaved with the others, so the difference is in the same run.
            import services.store as store_module

            class NoPrePing(MentoringStore):
                name = MentoringStore.name  # the same tables (a subclass would get its own)

                def __init__(self, env: Any = None, **kwargs: Any) -> None:
                    super().__init__(env={**(env or {}), "POSTGRES_PRE_PING": "n"}, **kwargs)

            store_module.MentoringStore = NoPrePing  # type: ignore[misc]
            stores["use_cases_no_pre_ping"] = build_store(common.settings_for(url))
            store_module.MentoringStore = MentoringStore  # type: ignore[misc]
            sides.append("use_cases_no_pre_ping")
        ctx = common.register_pins(store)[0]
        for side in sides:
            (run_raw if side == "raw" else run_use_cases)(stores[side], ctx, args.warmup)
        for r in range(args.repeat):
            # Interleave the sides in chunks, rotating which goes first, so that a burst
            # of load from a neighbour on the shared cores hits every side alike.
            totals = dict.fromkeys(sides, 0.0)
            lats: dict[str, list[float]] = {side: [] for side in sides}
            for k in range(args.commands // args.chunk):
                for side in sides[k % len(sides) :] + sides[: k % len(sides)]:
                    run = run_raw if side == "raw" else run_use_cases
                    seconds, lat = run(stores[side], ctx, args.chunk)
                    totals[side] += seconds
                    lats[side] += lat
            rep: dict[str, Any] = {}
            for side in sides:
                rep[side] = {
                    "seconds": totals[side],
                    "per_second": len(lats[side]) / totals[side],
                    "p50_ms": common.percentile(lats[side], 50) * 1000,
                    "p99_ms": common.percentile(lats[side], 99) * 1000,
                }
            rep["ratio"] = rep["use_cases"]["per_second"] / rep["raw"]["per_second"]
            if args.experiment_no_pre_ping:
                rep["no_pre_ping_gain"] = (
                    rep["use_cases_no_pre_ping"]["per_second"] / rep["use_cases"]["per_second"]
                )
            reps.append(rep)
            common.log(
                f"rep {r + 1}: "
                + ", ".join(f"{side} {rep[side]['per_second']:,.0f}/s" for side in sides)
                + f", ratio {rep['ratio']:.2f}"
            )
        if args.profile:  # a separate, unmeasured pass: the profiler slows what it watches
            with common.profiled(args.profile):
                run_use_cases(store, ctx, args.commands)
        for s in set(stores.values()):
            s.close()

    def med(side: str, key: str) -> float:
        return common.median([rep[side][key] for rep in reps])

    ratio = common.median([rep["ratio"] for rep in reps])
    results = {
        "benchmark": "writes",
        "machine": info,
        "commands_per_side": args.commands,
        "repetitions": args.repeat,
        "experiment_no_pre_ping": args.experiment_no_pre_ping,
        "use_cases_per_second": med("use_cases", "per_second"),
        "raw_save_per_second": med("raw", "per_second"),
        "ratio_median": ratio,
        "ratio_of_medians": med("use_cases", "per_second") / med("raw", "per_second"),
        "goal": f">= {GOAL}",
        "goal_met": ratio >= GOAL,
        "latency_ms": {
            side: {"p50": med(side, "p50_ms"), "p99": med(side, "p99_ms")} for side in sides
        },
        "runs": reps,
    }
    rows = [
        [
            "use cases (enrol_mentee, record_outcome)",
            med("use_cases", "per_second"),
            common.spread([rep["use_cases"]["per_second"] for rep in reps]),
            med("use_cases", "p50_ms"),
            med("use_cases", "p99_ms"),
        ],
        [
            "raw Application.save, 1 aggregate/call",
            med("raw", "per_second"),
            common.spread([rep["raw"]["per_second"] for rep in reps]),
            med("raw", "p50_ms"),
            med("raw", "p99_ms"),
        ],
    ]
    if args.experiment_no_pre_ping:
        results["use_cases_no_pre_ping_per_second"] = med("use_cases_no_pre_ping", "per_second")
        results["no_pre_ping_gain_median"] = common.median([r["no_pre_ping_gain"] for r in reps])
        rows.append(
            [
                "use cases, store with POSTGRES_PRE_PING=n",
                med("use_cases_no_pre_ping", "per_second"),
                common.spread([rep["use_cases_no_pre_ping"]["per_second"] for rep in reps]),
                med("use_cases_no_pre_ping", "p50_ms"),
                med("use_cases_no_pre_ping", "p99_ms"),
            ]
        )
    text = common.table(
        f"writes on PostgreSQL: {args.commands} commands per side, {args.repeat} repetitions "
        f"(medians; {info['cores']} cores, load {info['loadavg_1m_at_start']})",
        ["path", "commands/s", "range", "p50 ms", "p99 ms"],
        rows,
    )
    text += (
        f"\nratio use cases / raw: median {ratio:.2f} (per repetition: "
        + ", ".join(f"{rep['ratio']:.2f}" for rep in reps)
        + f"); goal >= {GOAL}: {'met' if results['goal_met'] else 'NOT met'}"
    )
    if args.experiment_no_pre_ping:
        text += (
            f"\nexperiment: use cases without pre-ping / with: median "
            f"{results['no_pre_ping_gain_median']:.2f}"
        )
    common.emit(args, results, text)


if __name__ == "__main__":
    main()
