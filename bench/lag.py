"""End-to-end lag from commit to visible in the read models, at a steady command rate.

Starts ``mentoring relay`` and ``mentoring project`` as subprocesses on a fresh database and
a fresh 6-partition topic (own consumer group and metrics ports), then issues
``enrol_mentee`` use cases at ``--rate`` per second (default 200) for ``--duration``
seconds (default 20), ``--runs`` times (default 3) after a warm-up. The commands come from
``--writers`` processes (default 2, each with its own store), which share one schedule
(command i is due at start + i / rate; writer k issues every command with i % writers == k),
so one slow command does not delay the ones after it. Each writer stamps the moment its
command returns (its commit, on the system-wide monotonic clock) and sends (id, stamp) to
this process, where a poller thread asks every 2 ms which of the pending ids are in
``readmodels.mentees`` and stamps them. Reported per run and as the median over runs: p50,
p90, p99 and max lag, the achieved command rate (commands / (last commit - start)), and how
late the commands started against their schedule (p99); goal p99 <= 100 ms.

``--breakdown`` also reads the topic in this process and splits each lag at the Kafka
record's CreateTime (set when the relay's producer accepted it): commit -> sent (the relay)
and sent -> visible (Kafka and the projector). It adds a consumer to the 2 cores, so the
headline figures come from runs without it. ``--profile FILE`` runs both subprocesses under
pyinstrument (FILE.relay, FILE.project; the profiler slows them, so not for the headline).
The subprocesses are stopped with SIGTERM.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psycopg
from writes import enrol_command

from services import use_cases as uc
from services.kafka_bus import ensure_topic
from services.store import build_store

import common

GOAL_P99_MS = 100.0


class Poller(threading.Thread):
    """Stamps the moment each pending mentee id becomes visible in the read models."""

    def __init__(self, url: str, interval: float = 0.002) -> None:
        super().__init__(name="poller", daemon=True)
        self._url = url
        self._interval = interval
        self._lock = threading.Lock()
        self._pending: dict[str, float] = {}
        self.seen: dict[str, tuple[float, float]] = {}  # id -> (committed, visible)
        self.cycle_seconds: list[float] = []
        self.stopping = threading.Event()

    def expect(self, ident: str, committed: float) -> None:
        with self._lock:
            self._pending[ident] = committed

    def outstanding(self) -> int:
        with self._lock:
            return len(self._pending)

    def run(self) -> None:
        with psycopg.connect(self._url, autocommit=True) as conn:
            while not self.stopping.is_set():
                with self._lock:
                    ids = list(self._pending)
                if ids:
                    started = time.perf_counter()
                    rows = conn.execute(
                        "SELECT id FROM readmodels.mentees WHERE id = ANY(%s)", (ids,)
                    ).fetchall()
                    now = time.perf_counter()
                    self.cycle_seconds.append(now - started)
                    with self._lock:
                        for (ident,) in rows:
                            committed = self._pending.pop(ident, None)
                            if committed is not None:
                                self.seen[ident] = (committed, now)
                time.sleep(self._interval)


class SentTimes(threading.Thread):
    """Reads the topic and keeps each record's CreateTime (ms, wall clock) by key."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(name="sent-times", daemon=True)
        from kafka import KafkaConsumer

        self._consumer = KafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=common.new_topic_name("bench-lag-breakdown"),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.sent: dict[str, float] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for records in self._consumer.poll(timeout_ms=100).values():
                for record in records:
                    if record.key is not None:
                        self.sent.setdefault(record.key.decode(), record.timestamp / 1000)
        self._consumer.close()


def start(
    name: str, env: dict[str, str], logdir: Path, profile: str | None = None
) -> subprocess.Popen[bytes]:
    """``mentoring NAME``; with ``profile``, under pyinstrument (wall clock, all frames) into
    PROFILE.NAME (pyinstrument from /tmp/bench-tools, see common.profiled)."""
    log = open(logdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    command = [str(common.REPO / ".venv/bin/mentoring"), name]
    if profile:
        env = {
            **env,
            "PYTHONPATH": ":".join(filter(None, ["/tmp/bench-tools", env.get("PYTHONPATH")])),
        }
        command = [
            str(common.REPO / ".venv/bin/python"),
            "-m",
            "pyinstrument",
            "-i",
            "0.001",
            "-r",
            "text",
            "--no-color",
            "--show",
            "*/kafka/*",
            "--show",
            "*/psycopg/*",
            "-o",
            f"{profile}.{name}",
            "-m",
            "gateway.cli",
            name,
        ]
    return subprocess.Popen(
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=common.REPO,
    )


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None
    return proc.returncode


def wait_for_table(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT to_regclass('readmodels.mentees')").fetchone()
            if row and row[0]:
                return
            time.sleep(0.1)
    raise RuntimeError("the projector did not create readmodels.mentees")


def issue(
    store: Any,
    ctx: Any,
    poller: Poller,
    rate: float,
    seconds: float,
    offset: int,
    wall: dict[str, float] | None = None,
) -> tuple[list[str], float]:
    """Issue enrol_mentee at ``rate``/s for ``seconds`` in this process; (ids, achieved rate)."""
    n = int(rate * seconds)
    ids: list[str] = []
    interval = 1.0 / rate
    started = time.perf_counter()
    for i in range(n):
        target = started + i * interval
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        ident = str(uc.enrol_mentee(store, enrol_command(offset + i), ctx).id)
        committed = time.perf_counter()
        if wall is not None:
            wall[ident] = time.time()
        poller.expect(ident, committed)
        ids.append(ident)
    # achieved: commands per second from the first issue to the last commit
    return ids, n / (time.perf_counter() - started)


def writer_main(url: str, slug: str, index: int, writers: int, conn: Connection) -> None:
    """A writer process: on each ("issue", rate, seconds, offset, start) from ``conn``, issue
    its share of the schedule and send ("done", [(id, committed, wall, late), ...]); each
    ("sent", id, committed) goes out as soon as the command returns."""
    store = build_store(common.settings_for(url))
    ctx = common.coordinator(slug)
    conn.send(("ready",))
    try:
        while True:
            message = conn.recv()
            if message[0] == "stop":
                return
            _, rate, seconds, offset, start = message
            interval = 1.0 / rate
            done = []
            for i in range(index, int(rate * seconds), writers):
                target = start + i * interval
                delay = target - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                began = time.perf_counter()
                ident = str(uc.enrol_mentee(store, enrol_command(offset + i), ctx).id)
                committed = time.perf_counter()
                conn.send(("sent", ident, committed))
                done.append((ident, committed, time.time(), began - target))
            conn.send(("done", done))
    finally:
        store.close()


class Writers:
    """``count`` writer processes sharing one schedule; their commits reach the poller."""

    def __init__(self, url: str, slug: str, count: int) -> None:
        spawn = multiprocessing.get_context("spawn")  # this process runs threads: no fork
        self.count = count
        self._conns: list[Connection] = []
        self._procs = []
        for index in range(count):
            mine, theirs = spawn.Pipe()
            proc = spawn.Process(
                target=writer_main, args=(url, slug, index, count, theirs), daemon=True
            )
            proc.start()
            theirs.close()
            self._conns.append(mine)
            self._procs.append(proc)
        for conn in self._conns:
            if conn.recv() != ("ready",):
                raise RuntimeError("a writer did not start")

    def issue(
        self,
        poller: Poller,
        rate: float,
        seconds: float,
        offset: int,
        wall: dict[str, float] | None = None,
    ) -> tuple[list[str], float, list[float], list[float]]:
        """Issue ``rate * seconds`` commands; (ids, achieved rate, start delays in ms, hand-over
        delays in ms: commit to this process's poller knowing the id)."""
        from multiprocessing.connection import wait

        start = time.perf_counter() + 0.05
        for conn in self._conns:
            conn.send(("issue", rate, seconds, offset, start))
        results: list[tuple[str, float, float, float]] = []
        handover: list[float] = []
        open_conns = list(self._conns)
        while open_conns:
            for conn in wait(open_conns):
                assert isinstance(conn, Connection)
                message = conn.recv()
                if message[0] == "sent":
                    poller.expect(message[1], message[2])
                    handover.append((time.perf_counter() - message[2]) * 1000)
                else:
                    results.extend(message[1])
                    open_conns.remove(conn)
        results.sort(key=lambda r: r[1])
        if wall is not None:
            wall.update({ident: at for ident, _, at, _ in results})
        achieved = len(results) / (results[-1][1] - start)
        return [r[0] for r in results], achieved, [r[3] * 1000 for r in results], handover

    def close(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.send(("stop",))
        for proc in self._procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()


def wait_visible(poller: Poller, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while poller.outstanding() and time.monotonic() < deadline:
        time.sleep(0.01)
    if poller.outstanding():
        raise RuntimeError(f"{poller.outstanding()} commands never became visible")


def summary(lags_ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": common.percentile(lags_ms, 50),
        "p90_ms": common.percentile(lags_ms, 90),
        "p99_ms": common.percentile(lags_ms, 99),
        "max_ms": max(lags_ms),
    }


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=200.0, help="commands per second")
    p.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=float, default=3.0, help="seconds at the rate, not counted")
    p.add_argument("--breakdown", action="store_true", help="split lags at the Kafka CreateTime")
    p.add_argument(
        "--writers",
        type=int,
        default=2,
        help="writer processes sharing the schedule (0: a loop in this process, as before)",
    )
    args = p.parse_args()

    server, bootstrap = common.service_urls()
    info = common.machine()
    logdir = Path(tempfile.mkdtemp(prefix="bench-lag-"))
    runs: list[dict[str, Any]] = []
    codes: dict[str, int | None] = {}
    breakdown: dict[str, Any] | None = None
    with common.fresh_database(server) as url:
        topic = common.new_topic_name("bench.lag")
        ensure_topic(bootstrap, topic, 6, 1)
        env = {
            **os.environ,
            "MENTORING_DATABASE_URL": url,
            "MENTORING_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "MENTORING_KAFKA_TOPIC": topic,
            "MENTORING_KAFKA_CONSUMER_GROUP": common.new_topic_name("bench-lag"),
        }
        env.pop("MENTORING_READ_DATABASE_URL", None)
        store = build_store(common.settings_for(url))
        ctx = common.register_pins(store)[0]
        procs = {
            name: start(
                name,
                {**env, "MENTORING_METRICS_PORT": str(common.free_port())},
                logdir,
                args.profile,
            )
            for name in ("relay", "project")
        }
        sent_times: SentTimes | None = None
        writers: Writers | None = None
        try:
            if args.writers:
                writers = Writers(url, common.SLUGS[0], args.writers)
            wait_for_table(url)
            poller = Poller(url)
            poller.start()
            if args.breakdown:
                sent_times = SentTimes(bootstrap, topic)
                sent_times.start()
            offset = 0
            # first command: waits for the relay's lead and the projector's group join
            issue(store, ctx, poller, 1, 1, offset)
            wait_visible(poller, timeout=120)
            offset += 1
            if writers is not None:
                ids = writers.issue(poller, args.rate, args.warmup, offset)[0]
            else:
                ids = issue(store, ctx, poller, args.rate, args.warmup, offset)[0]
            offset += len(ids)
            wait_visible(poller)
            common.log(f"warmed up; logs in {logdir}")
            walls: dict[str, float] = {}
            for r in range(args.runs):
                late_ms: list[float] = []
                handover_ms: list[float] = []
                if writers is not None:
                    ids, achieved, late_ms, handover_ms = writers.issue(
                        poller, args.rate, args.duration, offset, walls
                    )
                else:
                    ids, achieved = issue(
                        store, ctx, poller, args.rate, args.duration, offset, walls
                    )
                offset += len(ids)
                wait_visible(poller)
                lags = [(poller.seen[i][1] - poller.seen[i][0]) * 1000 for i in ids]
                run: dict[str, Any] = {
                    "commands": len(ids),
                    "achieved_rate": achieved,
                    **summary(lags),
                }
                if late_ms:
                    run["late_start_p99_ms"] = common.percentile(late_ms, 99)
                    run["handover_p99_ms"] = common.percentile(handover_ms, 99)
                if sent_times is not None:
                    time.sleep(0.5)
                    relay_ms = [
                        (sent_times.sent[i] - walls[i]) * 1000 for i in ids if i in sent_times.sent
                    ]
                    rest_ms = [
                        lags[k] - (sent_times.sent[i] - walls[i]) * 1000
                        for k, i in enumerate(ids)
                        if i in sent_times.sent
                    ]
                    run["commit_to_sent"] = summary(relay_ms)
                    run["sent_to_visible"] = summary(rest_ms)
                runs.append(run)
                common.log(
                    f"run {r + 1}: {achieved:.1f} commands/s, lag p50 {run['p50_ms']:.1f} ms, "
                    f"p90 {run['p90_ms']:.1f}, p99 {run['p99_ms']:.1f}, max {run['max_ms']:.1f}"
                    + (
                        f"; started late p99 {run['late_start_p99_ms']:.1f} ms, hand-over "
                        f"p99 {run['handover_p99_ms']:.1f} ms"
                        if late_ms
                        else ""
                    )
                )
                time.sleep(1)
            poller.stopping.set()
            poller.join()
            poll_cycle_ms = common.median(poller.cycle_seconds) * 1000
        finally:
            if writers is not None:
                writers.close()
            for name, proc in procs.items():
                codes[name] = stop(proc)
            if sent_times is not None:
                sent_times.stopping.set()
                sent_times.join(5)
            store.close()
        common.delete_topics(bootstrap, [topic])

    keys = ("p50_ms", "p90_ms", "p99_ms", "max_ms")
    med = {k: common.median([r[k] for r in runs]) for k in keys}
    achieved = common.median([r["achieved_rate"] for r in runs])
    if args.breakdown:
        breakdown = {
            part: {k: common.median([r[part][k] for r in runs]) for k in keys}
            for part in ("commit_to_sent", "sent_to_visible")
        }
    results = {
        "benchmark": "lag",
        "machine": info,
        "rate": args.rate,
        "duration_seconds": args.duration,
        "runs_count": args.runs,
        "writers": args.writers,
        "achieved_rate": achieved,
        **med,
        "goal": f"p99 <= {GOAL_P99_MS:.0f} ms",
        "goal_met": med["p99_ms"] <= GOAL_P99_MS,
        "poll_interval_ms": 2.0,
        "poll_query_ms_median": poll_cycle_ms,
        "breakdown": breakdown,
        "exit_codes": codes,
        "logs": str(logdir),
        "runs": runs,
    }
    rows = [
        [f"run {i + 1}", r["achieved_rate"], r["p50_ms"], r["p90_ms"], r["p99_ms"], r["max_ms"]]
        for i, r in enumerate(runs)
    ]
    rows.append(["median", achieved, *(med[k] for k in keys)])
    if breakdown:
        for part, label in (
            ("commit_to_sent", "  commit->sent"),
            ("sent_to_visible", "  sent->visible"),
        ):
            rows.append([label, "", *(breakdown[part][k] for k in keys)])
    text = common.table(
        f"commit -> visible in readmodels.mentees at {args.rate:.0f} commands/s "
        f"({args.writers or 'no'} writer processes), "
        f"{args.runs} x {args.duration:.0f} s (ms; {info['cores']} cores, load "
        f"{info['loadavg_1m_at_start']}; poll every 2 ms, query {poll_cycle_ms:.2f} ms)",
        ["", "commands/s", "p50", "p90", "p99", "max"],
        rows,
    )
    text += (
        f"\ngoal p99 <= {GOAL_P99_MS:.0f} ms: {'met' if results['goal_met'] else 'NOT met'}; "
        f"subprocess exit codes after SIGTERM: {codes}"
    )
    common.emit(args, results, text)


if __name__ == "__main__":
    main()
