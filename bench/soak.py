"""Soak: a steady command rate for minutes; achieved rate, lag, and each process's memory.

Starts ``mentoring relay``, ``mentoring project`` and ``mentoring serve`` as subprocesses on a
fresh database and a fresh 6-partition topic (own consumer group and ports). ``--writers``
processes of their own (default 2) issue ``enrol_mentee`` use cases at ``--rate`` per second in
all (default 200) for ``--minutes`` (default 10), each stamping its commits with the wall clock;
a poller here stamps the moment each mentee is visible in ``readmodels.mentees``, and
``/readyz`` of the gateway is asked once a second. Reported: the achieved rate, lag (commit ->
visible) p50 and p99 over the whole soak and over its last minute, and the resident memory
(VmRSS) of relay, projector and gateway at the start (after a warm-up) and at the end, with the
growth per thousand events. Memory that grows with events (an unbounded cache) shows as a
steady growth per thousand events; a flat process grows by about nothing after its warm-up.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from lag import start, stop, wait_for_table
from writes import enrol_command

from services import use_cases as uc
from services.context import TenantContext
from services.kafka_bus import ensure_topic
from services.store import build_store

import common


def rss_kb(pid: int) -> int:
    """The resident memory of process ``pid`` (kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def writer(url: str, ctx: TenantContext, rate: float, seconds: float, first: int, out: Any) -> None:
    """Issue enrol_mentee at ``rate``/s for ``seconds``; put (id, wall time of commit)."""
    store = build_store(common.settings_for(url))
    interval, started = 1.0 / rate, time.perf_counter()
    try:
        for i in range(int(rate * seconds)):
            delay = started + i * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            ident = str(uc.enrol_mentee(store, enrol_command(first + i), ctx).id)
            out.put((ident, time.time()))
    finally:
        out.put(None)
        store.close()


class Visible(threading.Thread):
    """Stamps (wall clock) the moment each expected mentee id is in the read models."""

    def __init__(self, url: str, commits: Any, writers: int) -> None:
        super().__init__(name="visible", daemon=True)
        self._url, self._commits, self._writers = url, commits, writers
        self.lags_ms: list[tuple[float, float]] = []  # (commit wall time, lag ms)
        self.done = threading.Event()

    def run(self) -> None:
        pending: dict[str, float] = {}
        finished = 0
        with psycopg.connect(self._url, autocommit=True) as conn:
            while finished < self._writers or pending:
                while True:
                    try:
                        item = self._commits.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        finished += 1
                    else:
                        pending[item[0]] = item[1]
                if pending:
                    rows = conn.execute(
                        "SELECT id FROM readmodels.mentees WHERE id = ANY(%s)", (list(pending),)
                    ).fetchall()
                    now = time.time()
                    for (ident,) in rows:
                        committed = pending.pop(ident)
                        self.lags_ms.append((committed, (now - committed) * 1000))
                time.sleep(0.002)
        self.done.set()


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=200.0, help="commands per second, in all")
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--writers", type=int, default=2, help="writer processes")
    p.add_argument("--warmup", type=float, default=10.0, help="seconds at the rate, not counted")
    args = p.parse_args()

    server, bootstrap = common.service_urls()
    info = common.machine()
    logdir = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    seconds = args.minutes * 60
    with common.fresh_database(server) as url:
        topic = common.new_topic_name("bench.soak")
        ensure_topic(bootstrap, topic, 6, 1)
        port = common.free_port()
        env = {
            **os.environ,
            "MENTORING_DATABASE_URL": url,
            "MENTORING_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "MENTORING_KAFKA_TOPIC": topic,
            "MENTORING_KAFKA_CONSUMER_GROUP": common.new_topic_name("bench-soak"),
            "MENTORING_METRICS_PORT": "0",
        }
        env.pop("MENTORING_READ_DATABASE_URL", None)
        store = build_store(common.settings_for(url))
        ctx = common.register_pins(store)[0]
        store.close()
        procs = {name: start(name, env, logdir) for name in ("relay", "project")}
        procs["serve"] = subprocess.Popen(
            [str(common.REPO / ".venv/bin/mentoring"), "serve", "--port", str(port)],
            env=env,
            stdout=(logdir / "serve.log").open("wb"),
            stderr=subprocess.STDOUT,
            cwd=common.REPO,
        )
        ready: dict[int, int] = {}
        stopping = threading.Event()

        def probe() -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
                while not stopping.wait(1.0):
                    try:
                        code = http.get("/readyz").status_code
                    except httpx.HTTPError:
                        code = 0
                    ready[code] = ready.get(code, 0) + 1

        try:
            wait_for_table(url)
            context = multiprocessing.get_context("spawn")
            warm = context.Queue()
            warming = Visible(url, warm, 1)
            warming.start()
            context.Process(target=writer, args=(url, ctx, args.rate, args.warmup, 0, warm)).start()
            warming.done.wait(args.warmup + 180)
            common.log(f"warmed up; logs in {logdir}")
            threading.Thread(target=probe, daemon=True).start()
            start_rss = {name: rss_kb(proc.pid) for name, proc in procs.items()}
            commits = context.Queue()
            visible = Visible(url, commits, args.writers)
            visible.start()
            began = time.time()
            share = args.rate / args.writers
            writers = [
                context.Process(
                    target=writer,
                    args=(url, ctx, share, seconds, 10_000_000 * (w + 1), commits),
                )
                for w in range(args.writers)
            ]
            for w in writers:
                w.start()
            for w in writers:
                w.join()
            ended = time.time()
            if not visible.done.wait(300):
                raise RuntimeError("some commands never became visible")
            end_rss = {name: rss_kb(proc.pid) for name, proc in procs.items()}
        finally:
            stopping.set()
            codes = {name: stop(proc) for name, proc in procs.items()}
        common.delete_topics(bootstrap, [topic])

    events = len(visible.lags_ms)
    lags = [lag for _, lag in visible.lags_ms]
    last = [lag for committed, lag in visible.lags_ms if committed >= ended - 60]
    results: dict[str, Any] = {
        "benchmark": "soak",
        "machine": info,
        "rate": args.rate,
        "minutes": args.minutes,
        "writers": args.writers,
        "commands": events,
        "achieved_rate": events / (ended - began),
        "p50_ms": common.percentile(lags, 50),
        "p99_ms": common.percentile(lags, 99),
        "last_minute_p50_ms": common.percentile(last, 50) if last else None,
        "last_minute_p99_ms": common.percentile(last, 99) if last else None,
        "rss_kb": {name: {"start": start_rss[name], "end": end_rss[name]} for name in procs},
        "readyz_codes": ready,
        "exit_codes": codes,
        "logs": str(logdir),
    }
    rows: list[list[Any]] = [
        [
            name,
            start_rss[name] / 1024,
            end_rss[name] / 1024,
            (end_rss[name] - start_rss[name]) / max(events / 1000, 1),
        ]
        for name in procs
    ]
    text = common.table(
        f"soak: {events} commands in {ended - began:.0f} s = {results['achieved_rate']:.1f}/s "
        f"(asked {args.rate:.0f}/s, {args.writers} writer processes); lag p50 "
        f"{results['p50_ms']:.1f} ms, p99 {results['p99_ms']:.1f} ms (last minute: p99 "
        f"{results['last_minute_p99_ms'] or 0:.1f}); {info['cores']} cores, load "
        f"{info['loadavg_1m_at_start']}",
        ["process", "RSS start MB", "RSS end MB", "growth kB per 1,000 events"],
        rows,
    )
    text += f"\n/readyz answers by status: {ready}; exit codes after SIGTERM: {codes}"
    common.emit(args, results, text)


if __name__ == "__main__":
    main()
