"""Memory over many events: RSS of relay, projector (and gateway) against events handled.

A fresh database is filled in bulk with ``--events`` programme events (default 200,000;
``common.generate_events``: every ~285 events a new cohort, 4 groups, 28 people; not
measured). Then ``mentoring relay`` and ``mentoring project`` start as subprocesses on a fresh
6-partition topic (own consumer group, metrics on free ports) and work it off as fast as they
go. With ``--gateway``, ``mentoring serve`` runs too and a reader here asks it GraphQL queries
all along (every PIN in turn, lists, single mentees and groups by id, ``consistentWith`` at
positions up to the applied ones), so its caches see many distinct keys.

Every ``--interval`` seconds: VmRSS of each process (``/proc/PID/status``), events published
(the topic's end offsets) and events applied (the group's committed offsets). Printed: a table
of events vs RSS per process, and per process the RSS after warm-up and at the end and the
slope (least squares, kB per 1,000 events) over the second half of its events, judged flat
when at most ``--flat`` kB per 1,000 events. RSS that steps up and then plateaus (allocator
high water) is flat; RSS that keeps rising with events is an unbounded structure.
``--env MALLOC_ARENA_MAX=2`` (repeatable) passes settings to the processes.

Run: ``.venv/bin/python bench/memory.py [--events 1000000] [--gateway] [--json] [--save F]``
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from lag import start, stop, wait_for_table

from domain.base import CommandMetadata, acting_as
from domain.people import Mentee
from domain.pin import pin_id_for
from domain.values import EnglishLevel
from gateway.auth import issue_token
from services.context import Role
from services.kafka_bus import ensure_topic
from services.store import build_store

import common

PARTITIONS = 6


def rss_kb(pid: int) -> int:
    """The resident memory of process ``pid`` (kB); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Offsets:
    """Events published to the topic and applied by the group, from Kafka's offsets.

    A failed read (a dropped connection) gives the last figures and reconnects next time."""

    def __init__(self, bootstrap: str, topic: str, group: str) -> None:
        self._bootstrap, self._topic, self._group = bootstrap, topic, group
        self._partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        self._clients: tuple[KafkaConsumer, KafkaAdminClient] | None = None
        self.last = (0, 0)
        self.failures = 0

    def read(self) -> tuple[int, int]:
        """(published, applied)."""
        try:
            if self._clients is None:
                self._clients = (
                    KafkaConsumer(bootstrap_servers=self._bootstrap, client_id="bench-memory"),
                    KafkaAdminClient(bootstrap_servers=self._bootstrap, client_id="bench-memory"),
                )
            consumer, admin = self._clients
            published = int(sum(consumer.end_offsets(self._partitions).values()))
            committed = admin.list_group_offsets({self._group: None}).get(self._group, {})
            applied = int(
                sum(
                    o.offset
                    for tp, o in committed.items()
                    if tp.topic == self._topic and o.offset > 0
                )
            )
        except Exception as error:  # a sample is skipped, the run goes on
            self.failures += 1
            common.log(f"could not read the offsets ({error!r}); reconnecting")
            self.close()
            return self.last
        self.last = (published, applied)
        return self.last

    def close(self) -> None:
        if self._clients is not None:
            for client in self._clients:
                with contextlib.suppress(Exception):
                    client.close()
            self._clients = None


class Reader(threading.Thread):
    """Asks the gateway queries across every PIN, many ids and positions, until stopped."""

    LIST = (
        "query L($p: Int) { mentees(first: 20, consistentWith: $p) { totalCount edges { node "
        "{ id name profession } } } groups(first: 5) { edges { node { id name mentor { name } "
        "sessions { number held attendance { menteeId present } } } } } }"
    )
    ONE = "query O($id: ID!) { mentee(id: $id) { id name profession goals } }"
    GROUP = "query G($id: ID!) { group(id: $id) { id name mentees { id name } } }"

    def __init__(self, port: int, secret: str, url: str, applied: list[int]) -> None:
        super().__init__(name="reader", daemon=True)
        settings = common.settings_for(url, jwt_secret=secret)
        self._tokens = [
            (
                slug,
                issue_token(
                    settings,
                    role=Role.COORDINATOR,
                    tenant=slug,
                    subject=f"bench-{slug}",
                    ttl_seconds=86_400,
                ),
            )
            for slug in common.SLUGS
        ]
        self._base = f"http://127.0.0.1:{port}"
        self._applied = applied
        self.stopping = threading.Event()
        self.answers: dict[str, int] = {}
        self.errors: dict[str, int] = {}  # the first error of each answer, by code
        self.ids: dict[str, list[tuple[str, str]]] = {slug: [] for slug in common.SLUGS}

    def _ask(self, http: httpx.Client, token: str, query: str, variables: dict[str, Any]) -> Any:
        try:
            response = http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.json() if response.status_code == 200 else {}
            errors = body.get("errors") or []
            key = str(response.status_code) + (" errors" if errors else "")
            for error in errors[:1]:
                code = (error.get("extensions") or {}).get("code") or "?"
                code += ": " + str(error.get("message", ""))[:70]
                self.errors[code] = self.errors.get(code, 0) + 1
        except (httpx.HTTPError, ValueError):
            body, key = {}, "failed"
        self.answers[key] = self.answers.get(key, 0) + 1
        return body.get("data") or {}

    def run(self) -> None:
        rng = random.Random(7)
        with httpx.Client(base_url=self._base, timeout=10) as http:
            n = 0
            while not self.stopping.is_set():
                slug, token = self._tokens[n % len(self._tokens)]
                n += 1
                known = self.ids[slug]
                if n % 3 == 0 or not known:
                    position = rng.randint(1, max(1, self._applied[0] // 2))
                    data = self._ask(http, token, self.LIST, {"p": position})
                    edges = (data.get("mentees") or {}).get("edges") or []
                    groups = (data.get("groups") or {}).get("edges") or []
                    known += [("mentee", e["node"]["id"]) for e in edges[:3]]
                    known += [("group", g["node"]["id"]) for g in groups[:1]]
                    del known[:-2000]  # the reader's own list stays small
                else:
                    kind, ident = rng.choice(known)
                    self._ask(
                        http, token, self.ONE if kind == "mentee" else self.GROUP, {"id": ident}
                    )


def generate_mentees(store: Any, events: int) -> tuple[int, float]:
    """The soak's event mix, stored fast: PINs, then one ``Mentee.Enrolled`` per new mentee
    (every PIN in turn), 1,000 aggregates per ``store.save``. Returns (events, seconds)."""
    watch = common.Stopwatch()
    tenants = [pin_id_for(s) for s in common.SLUGS]
    with acting_as(CommandMetadata(actor="bench-generator", correlation_id="")):
        pins = common.pin_aggregates()
        store.save(*pins)
        stored = common.pending_events(pins)
        while stored < events:
            batch = []
            for i in range(stored, min(events, stored + 1000)):
                batch.append(
                    Mentee.enrol(
                        tenants[i % len(tenants)],
                        name=f"Newcomer {i}",
                        email=f"newcomer{i}@example.org",
                        profession="Engineering",
                        origin="Romania",
                        languages=["Romanian", "English"],
                        english_level=EnglishLevel.INTERMEDIATE,
                        goals="Work as a licensed engineer",
                        enrolled_on=date(2024, 1, 2),
                    )
                )
            store.save(*batch)
            stored += len(batch)
    return stored, watch.elapsed()


def slope(points: list[tuple[int, int]]) -> float:
    """Least-squares slope of RSS (kB) per 1,000 events."""
    if len(points) < 2:
        return float("nan")
    xs = [x / 1000 for x, _ in points]
    ys = [float(y) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if not sxx:
        return float("nan")
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def second_half(points: list[tuple[int, int]], total: int) -> list[tuple[int, int]]:
    """The samples taken while the process worked through the second half of the events
    (and the first one once it had them all; idle samples after it would add no events)."""
    out: list[tuple[int, int]] = []
    for x, y in points:
        if x >= total / 2:
            out.append((x, y))
        if x >= total:
            break
    return out


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument(
        "--mix",
        choices=("programme", "mentees"),
        default="programme",
        help="programme rounds (common.generate_events), or only enrolments (as bench/soak.py)",
    )
    p.add_argument("--interval", type=float, default=2.0, help="seconds between samples")
    p.add_argument("--gateway", action="store_true", help="also mentoring serve, with a reader")
    p.add_argument("--flat", type=float, default=2.0, help="kB per 1,000 events judged flat")
    p.add_argument("--timeout", type=float, default=7200, help="give up after so many seconds")
    p.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="for the processes"
    )
    args = p.parse_args()
    # A SIGTERM ends the run through its clean-up (the processes stopped, database dropped).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    server, bootstrap = common.service_urls()
    info = common.machine()
    logdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    samples: list[dict[str, Any]] = []
    with common.fresh_database(server, "bench_memory") as url:
        store = build_store(common.settings_for(url))
        last = [time.perf_counter()]

        def progress(n: int) -> None:
            if time.perf_counter() - last[0] > 15:
                last[0] = time.perf_counter()
                common.log(f"generating: {n:,} events")

        if args.mix == "mentees":
            events, gen_seconds = generate_mentees(store, args.events)
        else:
            events, gen_seconds = common.generate_events(store, args.events, progress=progress)
        store.close()
        common.log(f"{events:,} events stored in {gen_seconds:.0f} s; logs in {logdir}")
        topic = common.new_topic_name("bench.memory")
        group = common.new_topic_name("bench-memory")
        ensure_topic(bootstrap, topic, PARTITIONS, 1)
        secret = os.urandom(32).hex()
        env = {
            **os.environ,
            "MENTORING_DATABASE_URL": url,
            "MENTORING_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "MENTORING_KAFKA_TOPIC": topic,
            "MENTORING_KAFKA_CONSUMER_GROUP": group,
            "MENTORING_KAFKA_TOPIC_PARTITIONS": str(PARTITIONS),
            "MENTORING_METRICS_PORT": "0",
            "MENTORING_JWT_SECRET": secret,
            **dict(item.split("=", 1) for item in args.env),
        }
        env.pop("MENTORING_READ_DATABASE_URL", None)
        offsets = Offsets(bootstrap, topic, group)
        procs: dict[str, Any] = {}
        applied = [0]
        reader: Reader | None = None
        done_at: float | None = None
        try:
            if args.gateway:
                # First, alone: its start secures the read-model schema (ALTER TABLE), which
                # can deadlock with a projector applying events at the same moment.
                port = common.free_port()
                procs["gateway"] = start_gateway(env, logdir, port)
                wait_http(port)
                reader = Reader(port, secret, url, applied)
            procs = {
                "relay": start("relay", env, logdir),
                "projector": start("project", env, logdir),
                **procs,
            }
            began = time.perf_counter()
            wait_for_table(url)
            if reader is not None:
                reader.start()
            while True:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        raise RuntimeError(f"{name} exited with {proc.returncode}; see {logdir}")
                published, applied[0] = offsets.read()
                now = time.perf_counter() - began
                samples.append(
                    {
                        "seconds": round(now, 1),
                        "published": published,
                        "applied": applied[0],
                        **{name: rss_kb(proc.pid) for name, proc in procs.items()},
                    }
                )
                if applied[0] >= events and done_at is None:
                    done_at = now
                    common.log(f"all {events:,} events applied after {now:.0f} s")
                elif len(samples) % 30 == 0:
                    common.log(
                        f"{now:.0f} s: published {published:,}, applied {applied[0]:,}, RSS "
                        + ", ".join(f"{n} {samples[-1][n] / 1024:.1f} MB" for n in procs)
                    )
                if done_at is not None and now - done_at >= 3 * args.interval:
                    break
                if now > args.timeout:
                    raise RuntimeError(f"not done after {args.timeout:.0f} s")
                time.sleep(args.interval)
        finally:
            if reader is not None and reader.is_alive():
                reader.stopping.set()
                reader.join(15)
            codes = {name: stop(proc) for name, proc in procs.items()}
            offsets.close()
            common.delete_topics(bootstrap, [topic])

    assert done_at is not None
    axis = {"relay": "published", "projector": "applied", "gateway": "applied"}
    summary: dict[str, Any] = {}
    for name in procs:
        points = [(s[axis[name]], s[name]) for s in samples]
        half = second_half(points, events)
        k = slope(half)
        summary[name] = {
            "rss_kb_after_warmup": half[0][1] if half else None,
            "rss_kb_at_end": samples[-1][name],
            "rss_kb_max": max(s[name] for s in samples),
            "slope_kb_per_1000_events_second_half": k,
            "samples_in_second_half": len(half),
            "flat": None if k != k else bool(k <= args.flat),  # None: too few samples
        }
    results: dict[str, Any] = {
        "benchmark": "memory",
        "machine": info,
        "events": events,
        "generation_seconds": gen_seconds,
        "seconds_to_apply": done_at,
        "applied_per_second": events / done_at,
        "mix": args.mix,
        "env": args.env,
        "summary": summary,
        "reader_answers": reader.answers if reader else None,
        "reader_errors": reader.errors if reader else None,
        "exit_codes": codes,
        "offset_read_failures": offsets.failures,
        "samples": samples,
        "logs": str(logdir),
    }
    rows: list[list[Any]] = []
    step = max(1, len(samples) // 12)
    for s in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
        rows.append([s["seconds"], s["published"], s["applied"], *(s[n] / 1024 for n in procs)])
    text = common.table(
        f"memory: {events:,} events applied in {done_at:.0f} s = {events / done_at:,.0f}/s "
        f"({args.mix}; load at start {info['loadavg_1m_at_start']}; env {args.env or 'default'})",
        ["s", "published", "applied", *(f"{n} MB" for n in procs)],
        rows,
    )
    text += "\n\n" + common.table(
        "RSS per process (second half: the samples while it handled events N/2..N)",
        ["process", "at N/2 MB", "end MB", "max MB", "kB per 1,000 events", "flat"],
        [
            [
                n,
                (v["rss_kb_after_warmup"] or 0) / 1024,
                v["rss_kb_at_end"] / 1024,
                v["rss_kb_max"] / 1024,
                v["slope_kb_per_1000_events_second_half"],
                {True: "yes", False: "NO", None: "? (too few samples)"}[v["flat"]],
            ]
            for n, v in summary.items()
        ],
    )
    if reader is not None:
        text += f"\nreader answers by status: {reader.answers}; errors: {reader.errors}"
    text += f"\nexit codes after SIGTERM: {codes}; logs in {logdir}"
    common.emit(args, results, text)


def start_gateway(env: dict[str, str], logdir: Path, port: int) -> Any:
    import subprocess

    return subprocess.Popen(
        [str(common.REPO / ".venv/bin/mentoring"), "serve", "--port", str(port)],
        env=env,
        stdout=(logdir / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
        cwd=common.REPO,
    )


def wait_http(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the gateway did not answer on port {port}")


if __name__ == "__main__":
    main()
