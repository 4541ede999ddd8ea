"""GraphQL reads with row-level security: this gateway against PostGraphile, same tables, same run.

Two read queries, each written for both servers and checked to return the same data for the
same PIN before anything is measured:

  (a) a filtered mentee list: the first 20 mentees of one profession, with name, profession
      and languages, and the total count;
  (b) groups nested: the first 20 groups with their mentor, mentees, and sessions with
      attendance, and the total count.

Setup: a fresh database (dropped afterwards), seeded through the platform: ``mentoring demo
--no-serve`` (5 PINs, 72 mentees), then ``--rounds`` more rounds per PIN built with the domain
(a cohort, 4 groups of 6 mentees, 5 sessions held with attendance, outcomes) saved with
``store.save`` and projected into the PostgreSQL read models by the platform's own relay and
projection. Servers, all started by this script on free ports over that one database:

  ours          ``mentoring serve`` (one uvicorn process, embedded bus), result cache on (default)
  ours-nocache  the same with ``MENTORING_RESULT_CACHE_SIZE=0``
  postgraphile  PostGraphile v4 (bench/postgraphile/server.js): schema ``readmodels``, every
                request in a transaction as role ``mentoring_gateway`` with ``app.tenant_id``
                set from the same HS256 token: the same RLS policies apply

With ``--experiments`` (bench-only changes, nothing in the platform is edited):

  ours-prod       ``mentoring serve`` with the production settings of deploy/ (Kafka mode, so the
                  result cache reads the projection version from PostgreSQL on every request;
                  MENTORING_ENVIRONMENT=production); Kafka itself is not needed for reads
  rules           bench/gateway_app.py with BENCH_GW_STATIC_RULES=1 only (otherwise as
                  ``mentoring serve``: access log, asyncio loop, h11); result cache on
  tuned           bench/gateway_app.py with BENCH_GW_STATIC_RULES=1 (validation cache hits),
                  ``--no-access-log`` and uvloop + httptools when importable (see
                  ``--tools-path``); result cache on
  tuned-nocache   the same, ``MENTORING_RESULT_CACHE_SIZE=0``
  tuned-2w        tuned with ``--workers 2``
  postgraphile-2w PostGraphile in 2 cluster workers

Load: ``--clients`` (10) concurrent keep-alive connections for ``--duration`` seconds per
measurement, by wrk (``--loader wrk``, default when on PATH; a Lua script sends the POST and
counts GraphQL errors) or by a Python asyncio + httpx client (``--loader python``). Every
repetition measures every target and query back to back, rotating the order of targets, so
noise from the shared machine hits all of them alike; reported are medians over
``--repeat`` repetitions and the ratio ours / PostGraphile per repetition (median).

``--writes RATE`` enrols RATE mentees per second in another PIN (``--write-pin``, chc) through
the use case while measuring (``--writes 20``: the live-network variant). The result cache is
invalidated per PIN (gateway/tenant_versions.py): the other PIN's writes leave the measured
PIN's cached answers valid; the gateways' embedded relays still project every event.

Target ``unplanned-nocache`` is the gateway as it was before reads were planned into one
statement (gateway/read_plan.py): graphql-core resolves every field, DataLoaders batch the
nested lists (``BENCH_GW_UNPLANNED=1`` in bench/gateway_app.py).

``--profile FILE`` samples the gateways with py-spy (``--py-spy PATH``) during an extra,
unmeasured load of each query, and writes where the event loop's time goes.

Run: ``.venv/bin/python bench/graphql_read.py [--experiments] [--json] [--save FILE]``
(needs ``npm install`` of bench/postgraphile/package.json into ``--node-modules``; see
bench/README-gateway.md).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import common as cm

REPO = cm.REPO
VENV_BIN = REPO / ".venv" / "bin"
PG_SERVER = REPO / "bench" / "postgraphile" / "server.js"

# ----------------------------------------------------------------------------- the queries

QUERIES: dict[str, dict[str, str]] = {
    "a": {
        "title": "(a) mentees by profession, first 20",
        "ours": (
            "query MenteesByProfession { mentees(first: 20, profession: %(profession)s) "
            "{ totalCount edges { node { id name profession languages } } } }"
        ),
        "postgraphile": (
            "query MenteesByProfession { allMentees(first: 20, "
            "condition: {profession: %(profession)s}, orderBy: SEQ_ASC) "
            "{ totalCount nodes { id name profession languages } } }"
        ),
    },
    "b": {
        "title": "(b) groups -> mentor, mentees, sessions -> attendance, first 20",
        "ours": (
            "query GroupsNested { groups(first: 20) { totalCount edges { node { "
            "id name mentor { id name languages } mentees { id name profession } "
            "sessions { number scheduledOn held attendance { menteeId present } } } } } }"
        ),
        "postgraphile": (
            "query GroupsNested { allMentoringGroups(first: 20, orderBy: SEQ_ASC) "
            "{ totalCount nodes { "
            "id name mentorByMentorId { id name languages } "
            "groupMembersByGroupId(orderBy: SEQ_ASC) { nodes { menteeByMenteeId "
            "{ id name profession } } } "
            "groupSessionsByGroupId(orderBy: NUMBER_ASC) { nodes { number scheduledOn held "
            "attendancesByGroupIdAndNumber(orderBy: MENTEE_ID_ASC) { nodes { menteeId present } } "
            "} } } } }"
        ),
    },
}

# Too deep for the gateway's depth limit (8): must answer with an error, never data.
TOO_DEEP = (
    "{ groups { edges { node { mentees { groups { mentees { groups { mentees { groups "
    "{ mentees { name } } } } } } } } } } }"
)


def query_text(query: str, kind: str, profession: str) -> str:
    return QUERIES[query][kind] % {"profession": json.dumps(profession)}


def _languages(value: Any) -> list[str]:
    return list(json.loads(value) if isinstance(value, str) else value)


def normalise(query: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The answer of either server in one shape, to compare them."""
    if query == "a":
        if kind == "ours":
            conn = data["mentees"]
            nodes = [e["node"] for e in conn["edges"]]
        else:
            conn = data["allMentees"]
            nodes = conn["nodes"]
        return {
            "total": conn["totalCount"],
            "rows": [
                [n["id"], n["name"], n["profession"], _languages(n["languages"])] for n in nodes
            ],
        }
    if kind == "ours":
        conn = data["groups"]
        groups = []
        for g in (e["node"] for e in conn["edges"]):
            groups.append(
                {
                    "id": g["id"],
                    "name": g["name"],
                    "mentor": [g["mentor"]["id"], g["mentor"]["name"], g["mentor"]["languages"]],
                    "mentees": [[m["id"], m["name"], m["profession"]] for m in g["mentees"]],
                    "sessions": [
                        [
                            s["number"],
                            s["scheduledOn"],
                            bool(s["held"]),
                            [[a["menteeId"], bool(a["present"])] for a in s["attendance"]],
                        ]
                        for s in g["sessions"]
                    ],
                }
            )
    else:
        conn = data["allMentoringGroups"]
        groups = []
        for g in conn["nodes"]:
            mentor = g["mentorByMentorId"]
            groups.append(
                {
                    "id": g["id"],
                    "name": g["name"],
                    "mentor": [mentor["id"], mentor["name"], _languages(mentor["languages"])],
                    "mentees": [
                        [
                            m["menteeByMenteeId"]["id"],
                            m["menteeByMenteeId"]["name"],
                            m["menteeByMenteeId"]["profession"],
                        ]
                        for m in g["groupMembersByGroupId"]["nodes"]
                    ],
                    "sessions": [
                        [
                            s["number"],
                            s["scheduledOn"],
                            bool(s["held"]),
                            [
                                [a["menteeId"], bool(a["present"])]
                                for a in s["attendancesByGroupIdAndNumber"]["nodes"]
                            ],
                        ]
                        for s in g["groupSessionsByGroupId"]["nodes"]
                    ],
                }
            )
    return {"total": conn["totalCount"], "groups": groups}


def summary_of(query: str, shape: dict[str, Any]) -> dict[str, Any]:
    if query == "a":
        return {"totalCount": shape["total"], "rows": len(shape["rows"])}
    return {
        "totalCount": shape["total"],
        "groups": len(shape["groups"]),
        "mentees": sum(len(g["mentees"]) for g in shape["groups"]),
        "sessions": sum(len(g["sessions"]) for g in shape["groups"]),
        "attendance": sum(len(s[3]) for g in shape["groups"] for s in g["sessions"]),
    }


# ----------------------------------------------------------------------------- seeding

EXTRA_PROFESSIONS = ("Information technology", "Healthcare")


def seed(db_url: str, rounds: int, env: dict[str, str]) -> dict[str, Any]:
    """The demo programme, then ``rounds`` more rounds per PIN, projected into the read models."""
    watch = cm.Stopwatch()
    subprocess.run(
        [str(VENV_BIN / "mentoring"), "demo", "--no-serve"],
        env={**env, "MENTORING_DATABASE_URL": db_url},
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=REPO,
    )
    demo_seconds = watch.elapsed()

    from domain.base import CommandMetadata, acting_as
    from domain.cohort import Cohort
    from domain.group import form_group
    from domain.people import Mentee, Mentor
    from domain.pin import pin_id_for
    from domain.values import EnglishLevel, OutcomeKind
    from gateway.bootstrap import build_platform
    from services.demo_data import NETWORKS
    from services.settings import Settings

    platform = build_platform(Settings(database_url=db_url, jwt_secret=env["MENTORING_JWT_SECRET"]))
    levels = list(EnglishLevel)
    saved = 0
    with acting_as(CommandMetadata(actor="bench-seed", correlation_id="")):
        for r in range(rounds):
            for n in NETWORKS:
                tenant = pin_id_for(n.slug)
                professions = tuple(dict.fromkeys(n.professions + EXTRA_PROFESSIONS))
                start = date(2023, 1, 9) + timedelta(weeks=20 * (r % 8))
                cohort = Cohort.plan(
                    tenant, f"Bench round {r + 1}", start, start + timedelta(weeks=16)
                )
                cohort.start()
                aggregates: list[Any] = [cohort]
                for g in range(4):
                    k = r * 4 + g
                    profession = professions[k % len(professions)]
                    languages = [n.language, "English"]
                    mentor = Mentor.enrol(
                        tenant,
                        name=f"{n.first_names[k % len(n.first_names)]} "
                        f"{n.last_names[(k * 7) % len(n.last_names)]}",
                        email=f"mentor.{n.slug}.{r}.{g}@example.org",
                        profession=profession,
                        languages=languages,
                        cultural_background=n.community,
                    )
                    group = form_group(
                        cohort, mentor, f"{n.slug.upper()} {profession} group {r}-{g}"
                    )
                    mentees = []
                    for m in range(6):
                        i = k * 6 + m
                        mentee = Mentee.enrol(
                            tenant,
                            name=f"{n.first_names[(i * 5) % len(n.first_names)]} "
                            f"{n.last_names[(i * 3) % len(n.last_names)]}",
                            email=f"mentee.{n.slug}.{i}@example.org",
                            profession=profession,
                            origin=n.origins[i % len(n.origins)],
                            languages=[*languages, *n.extra_languages[i % 2 : i % 2 + 1]],
                            english_level=levels[i % len(levels)],
                            goals=f"Work in {profession.lower()} within a year.",
                            enrolled_on=start - timedelta(days=14),
                        )
                        group.add_mentee(cohort, mentee)
                        mentees.append(mentee)
                    for s in range(5):
                        group.schedule_session(cohort, start + timedelta(weeks=3 * s + 1), "Agenda")
                        group.record_session_held(cohort, s + 1, date(2026, 1, 1))
                        for j, mentee in enumerate(mentees):
                            group.record_attendance(cohort, s + 1, mentee.id, (j + s) % 5 != 0)
                    for mentee in mentees[::3]:
                        mentee.record_outcome(
                            OutcomeKind.JOB_IN_FIELD, start + timedelta(weeks=20), "Offer letter"
                        )
                    aggregates += [mentor, group, *mentees]
                platform.store.save(*aggregates)
                saved += len(aggregates)
    head = platform.store.recorder.max_notification_id() or 0
    deadline = time.monotonic() + 600
    while platform.views.status.position < head and time.monotonic() < deadline:
        platform.catch_up(head)
    position = platform.views.status.position
    platform.close()
    if position < head:
        raise RuntimeError(f"projection stopped at {position} of {head}")
    return {
        "events": head,
        "extra_rounds_per_pin": rounds,
        "extra_aggregates": saved,
        "demo_seconds": round(demo_seconds, 1),
        "seconds": round(watch.elapsed(), 1),
    }


def table_counts(db_url: str, tenant_id: str) -> dict[str, Any]:
    import psycopg

    counts: dict[str, Any] = {}
    with psycopg.connect(db_url) as conn:
        for table in ("mentees", "mentors", "mentoring_groups", "group_sessions", "attendance"):
            total, own = conn.execute(
                f"SELECT count(*), count(*) FILTER (WHERE tenant_id = %s) FROM readmodels.{table}",  # noqa: S608
                (tenant_id,),
            ).fetchone()  # type: ignore[misc]
            counts[table] = {"all_pins": total, "this_pin": own}
    return counts


class CountingProxy:
    """A TCP proxy in front of PostgreSQL that counts the round trips clients start.

    Counts the frontend messages that make the server answer: ``Query`` (simple protocol:
    BEGIN, COMMIT, SET...) and ``Sync`` (the end of an extended-protocol statement), after
    the start-up packets. Servers pointed at it show how many round trips a request costs.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = cm.free_port()
        self.round_trips = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-proxy", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def serve() -> None:
            await asyncio.start_server(self._client, "127.0.0.1", self.port)
            self._ready.set()

        self._loop.run_until_complete(serve())
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(ConnectionError, OSError):
                dst.close()

        async def frontend() -> None:
            buffer = b""
            started = False
            with contextlib.suppress(ConnectionError, OSError, asyncio.IncompleteReadError):
                while True:
                    if not started:
                        head = await reader.readexactly(8)
                        length, code = (
                            int.from_bytes(head[:4], "big"),
                            int.from_bytes(head[4:], "big"),
                        )
                        rest = await reader.readexactly(length - 8)
                        up_writer.write(head + rest)
                        await up_writer.drain()
                        # SSLRequest / GSSENCRequest come before the startup message.
                        started = code not in (80877103, 80877104)
                        continue
                    kind = await reader.readexactly(1)
                    size = await reader.readexactly(4)
                    body = await reader.readexactly(int.from_bytes(size, "big") - 4)
                    if kind in (b"Q", b"S"):
                        self.round_trips += 1
                    buffer = kind + size + body
                    up_writer.write(buffer)
                    await up_writer.drain()
            with contextlib.suppress(ConnectionError, OSError):
                up_writer.close()

        await asyncio.gather(frontend(), pipe(up_reader, writer))

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


def round_trips_per_request(
    args: Any, db_url: str, secret: str, token: str, logdir: str
) -> dict[str, Any]:
    """PostgreSQL round trips per request, through a counting proxy, for one copy each of
    the gateway without result cache, the gateway with production settings, PostGraphile
    (copies only for counting; their background polling is switched off)."""
    from urllib.parse import urlsplit

    parts = urlsplit(db_url)
    proxy = CountingProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    proxied = parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}")
    counting = argparse.Namespace(**{**vars(args), "experiments": True, "targets": None})
    wanted = ("ours-nocache", "unplanned-nocache", "ours-prod", "postgraphile")
    copies = [t for t in make_targets(counting, proxied.geturl(), secret, None) if t.key in wanted]
    out: dict[str, Any] = {}
    try:
        for t in copies:
            t.key = f"count-{t.key}"
            t.env["MENTORING_RELAY_POLL_INTERVAL"] = "3600"
            start(t, logdir)
            wait_ready(t, token)
            for query in QUERIES:
                text = query_text(query, t.kind, args.profession)
                post(t, token, text)  # warm: caches, pool, known PINs
                before = proxy.round_trips
                for _ in range(20):
                    post(t, token, text)
                out[f"{t.key.removeprefix('count-')}/{query}"] = (proxy.round_trips - before) / 20
            stop(t)
    finally:
        for t in copies:
            stop(t)
        proxy.close()
    cm.log(f"PostgreSQL round trips per request: {out}")
    return out


class Writer:
    """Enrols mentees in another PIN at a steady rate through the use case, during the
    measurement: the gateways' embedded relays project them, which moves the projection
    version that keys the result cache of the global reads, not that of the other PINs' own
    reads (the version is per PIN for those, gateway/tenant_versions.py)."""

    def __init__(self, db_url: str, secret: str, rate: float, slug: str) -> None:
        from domain.pin import pin_id_for
        from services.context import Role, TenantContext
        from services.settings import Settings
        from services.store import build_store

        self.rate = rate
        self.written = 0
        self.errors = 0
        self._store = build_store(Settings(database_url=db_url, jwt_secret=secret))
        self._ctx = TenantContext(pin_id_for(slug), Role.COORDINATOR, "bench-writer")
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="writer", daemon=True)

    def _run(self) -> None:
        from domain.values import EnglishLevel
        from services import commands as c
        from services import use_cases as uc

        interval = 1.0 / self.rate
        due = time.monotonic()
        while not self._stopping.is_set():
            cmd = c.EnrolMentee(
                name=f"Writer Mentee {self.written}",
                profession="Engineering",
                origin="Mexico",
                languages=["Spanish", "English"],
                english_level=EnglishLevel.INTERMEDIATE,
                enrolled_on=date(2026, 1, 12),
            )
            try:
                uc.enrol_mentee(self._store, cmd, self._ctx)
                self.written += 1
            except Exception:
                self.errors += 1
            due += interval
            self._stopping.wait(max(0.0, due - time.monotonic()))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        self._stopping.set()
        self._thread.join(timeout=10)
        self._store.close()
        return {"rate": self.rate, "written": self.written, "errors": self.errors}


# ----------------------------------------------------------------------------- servers


@dataclass
class Target:
    key: str
    label: str
    kind: str  # "ours" or "postgraphile"
    argv: list[str]
    env: dict[str, str]
    workers: int = 1
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log_path: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")}


def make_targets(args: Any, db_url: str, secret: str, tools: str | None) -> list[Target]:
    base = {**_clean_env(), "MENTORING_DATABASE_URL": db_url, "MENTORING_JWT_SECRET": secret}
    serve = [str(VENV_BIN / "mentoring"), "serve", "--host", "127.0.0.1", "--port", "{port}"]
    node_env = {
        **_clean_env(),
        "DATABASE_URL": db_url,
        "JWT_SECRET": secret,
        "NODE_PATH": args.node_modules,
        "PORT": "{port}",
        "POOL_SIZE": str(args.pg_pool),
    }
    node = [args.node, str(PG_SERVER)]
    targets = [
        Target("ours", "gateway, result cache on (default)", "ours", serve, dict(base)),
        Target(
            "ours-nocache",
            "gateway, MENTORING_RESULT_CACHE_SIZE=0",
            "ours",
            serve,
            {**base, "MENTORING_RESULT_CACHE_SIZE": "0"},
        ),
        Target(
            "unplanned-nocache",
            "gateway without planned reads (BENCH_GW_UNPLANNED=1), cache off",
            "ours",
            [
                str(VENV_BIN / "uvicorn"),
                "--factory",
                "bench.gateway_app:create",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
            ],
            {
                **base,
                "MENTORING_RESULT_CACHE_SIZE": "0",
                "BENCH_GW_UNPLANNED": "1",
                "PYTHONPATH": str(REPO),
            },
            notes=["every field resolved by graphql-core, DataLoaders (before planned reads)"],
        ),
        Target("postgraphile", "PostGraphile 4 (1 process)", "postgraphile", node, dict(node_env)),
    ]
    if args.experiments:
        audit_key = base64.b64encode(secrets.token_bytes(32)).decode()
        targets.append(
            Target(
                "ours-prod",
                "gateway, production settings (Kafka mode), cache on",
                "ours",
                serve,
                {
                    **base,
                    "MENTORING_ENVIRONMENT": "production",
                    "MENTORING_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
                    "MENTORING_AUDIT_SIGNING_KEY": audit_key,
                    # production refuses the development key; the answers come from the
                    # read models, which the seeding process already decrypted
                    "MENTORING_KEY_ENCRYPTION_MASTER_KEY": base64.b64encode(
                        secrets.token_bytes(32)
                    ).decode(),
                },
            )
        )
        uvicorn = [
            str(VENV_BIN / "uvicorn"),
            "--factory",
            "bench.gateway_app:create",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        tuned_env = {**base, "BENCH_GW_STATIC_RULES": "1", "PYTHONPATH": str(REPO)}
        notes = ["validation rules built once", "no access log"]
        if tools:
            tuned_env["PYTHONPATH"] = f"{REPO}:{tools}"
            uvicorn += ["--loop", "uvloop", "--http", "httptools"]
            notes.append("uvloop + httptools")
        rules = [
            str(VENV_BIN / "uvicorn"),
            "--factory",
            "bench.gateway_app:create",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
        ]
        targets += [
            Target(
                "rules",
                "gateway + validation rules built once (access log, asyncio, h11 as serve)",
                "ours",
                rules,
                {**base, "BENCH_GW_STATIC_RULES": "1", "PYTHONPATH": str(REPO)},
                notes=["validation rules built once"],
            ),
            Target(
                "tuned",
                "gateway tuned (bench/gateway_app.py), cache on",
                "ours",
                uvicorn,
                dict(tuned_env),
                notes=notes,
            ),
            Target(
                "tuned-nocache",
                "gateway tuned, cache off",
                "ours",
                uvicorn,
                {**tuned_env, "MENTORING_RESULT_CACHE_SIZE": "0"},
                notes=notes,
            ),
            Target(
                "tuned-2w",
                "gateway tuned, 2 workers, cache on",
                "ours",
                [*uvicorn, "--workers", "2"],
                dict(tuned_env),
                workers=2,
                notes=notes,
            ),
            Target(
                "postgraphile-2w",
                "PostGraphile 4, 2 cluster workers",
                "postgraphile",
                node,
                {**node_env, "WORKERS": "2"},
                workers=2,
            ),
        ]
    if args.targets:
        wanted = args.targets.split(",")
        targets = [t for t in targets if t.key in wanted]
    return targets


def _http(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post(target: Target, token: str, query: str) -> tuple[int, dict[str, Any], int]:
    status, body = _http(
        target.url,
        json.dumps({"query": query}).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    return status, json.loads(body), len(body)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (workers)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def start(target: Target, logdir: str) -> None:
    target.port = cm.free_port()
    argv = [a.replace("{port}", str(target.port)) for a in target.argv]
    env = {k: v.replace("{port}", str(target.port)) for k, v in target.env.items()}
    target.log_path = os.path.join(logdir, f"{target.key}.log")
    with open(target.log_path, "wb") as out:
        target.proc = subprocess.Popen(
            argv, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_ready(target: Target, token: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    assert target.proc is not None
    while time.monotonic() < deadline:
        if target.proc.poll() is not None:
            raise RuntimeError(f"{target.key} exited; see {target.log_path}")
        with contextlib.suppress(OSError, ValueError):
            status, data, _ = post(target, token, "{ __typename }")
            if status == 200 and "data" in data:
                break
        time.sleep(0.3)
    else:
        raise RuntimeError(f"{target.key} not ready after {timeout}s; see {target.log_path}")
    # Let start-up work (the embedded relay and audit trail catching up) finish: wait until
    # the server process is idle for a second.
    idle_deadline = time.monotonic() + 120
    while time.monotonic() < idle_deadline:
        before = _cpu_seconds(target.proc.pid)
        time.sleep(1.0)
        if _cpu_seconds(target.proc.pid) - before < 0.05 * target.workers:
            return
    cm.log(f"{target.key}: still busy after start-up; measuring anyway")


def stop(target: Target) -> None:
    if target.proc is None or target.proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(target.proc.pid, signal.SIGTERM)  # the process group this script started
    try:
        target.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(target.proc.pid, signal.SIGKILL)
        target.proc.wait(timeout=5)


# ----------------------------------------------------------------------------- load

WRK_SCRIPT = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = os.getenv("BENCH_BODY")
local errors = 0
local bad = 0
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  elseif string.find(body, '"errors"', 1, true) then
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  io.write(string.format("BENCH_ERRORS %d %d\n", errors, bad))
end
"""


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    url: str, token: str, body: str, clients: int, duration: float, script: str
) -> dict[str, Any]:
    out = subprocess.run(
        [
            shutil.which("wrk") or "/usr/bin/wrk",
            "-t1",
            f"-c{clients}",
            f"-d{duration:g}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            script,
            url,
        ],
        env={**os.environ, "BENCH_TOKEN": token, "BENCH_BODY": body},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors, bad = (int(x) for x in re.search(r"BENCH_ERRORS (\d+) (\d+)", out).groups())  # type: ignore[union-attr]
    socket = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50_ms": pct.get("50"),
        "p90_ms": pct.get("90"),
        "p99_ms": pct.get("99"),
        "requests": requests,
        "graphql_errors": errors,
        "non_200": bad,
        "socket_errors": socket.group(1) if socket else "",
    }


async def _python_load(
    url: str, token: str, body: str, clients: int, duration: float
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors = bad = 0
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    payload = body.encode()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        started = time.perf_counter()
        deadline = started + duration

        async def worker() -> None:
            nonlocal errors, bad
            while True:
                t0 = time.perf_counter()
                if t0 >= deadline:
                    return
                response = await client.post(url, content=payload, headers=headers)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    bad += 1
                elif b'"errors"' in response.content:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": cm.percentile(latencies, 50) * 1000,
        "p90_ms": cm.percentile(latencies, 90) * 1000,
        "p99_ms": cm.percentile(latencies, 99) * 1000,
        "requests": len(latencies),
        "graphql_errors": errors,
        "non_200": bad,
        "socket_errors": "",
    }


def load(
    loader: str, target: Target, token: str, query: str, args: Any, duration: float, script: str
) -> dict[str, Any]:
    body = json.dumps({"query": query_text(query, target.kind, args.profession)})
    if loader == "wrk":
        return run_wrk(target.url, token, body, args.clients, duration, script)
    return asyncio.run(_python_load(target.url, token, body, args.clients, duration))


# ----------------------------------------------------------------------------- profiling

_FRAME = re.compile(r" \((.*?):\d+\)$")


def summarise_profile(collapsed: str, top: int = 45) -> str:
    """Where the main thread's wall time went (py-spy raw output recorded with --idle)."""
    inclusive: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    phases: collections.Counter[str] = collections.Counter()
    total = 0
    markers: tuple[tuple[str, Callable[[list[str]], bool]], ...] = (
        (
            "loop idle (waiting for I/O)",
            lambda s: s[-1].startswith(
                ("EpollSelector.select", "Runner.run (", "BaseEventLoop.run_forever")
            ),
        ),
        (
            "PostgreSQL through psycopg, on the event loop (blocks it)",
            lambda s: any("(psycopg/" in f or "(psycopg_pool/" in f for f in s),
        ),
        (
            "  of which waiting for the server (psycopg Connection.wait)",
            lambda s: s[-1].startswith("Connection.wait (psycopg/"),
        ),
        (
            "GraphQL execution (executor + resolvers) outside psycopg",
            lambda s: (
                any("graphql/execution/" in f for f in s)
                and not any("(psycopg/" in f or "(psycopg_pool/" in f for f in s)
            ),
        ),
        ("GraphQL validation", lambda s: any("graphql/validation/" in f for f in s)),
        ("GraphQL parse", lambda s: any("graphql/language/parser" in f for f in s)),
        ("JWT check (PyJWT)", lambda s: any("jwt/" in f for f in s)),
        (
            "result cache (gateway/result_cache.py)",
            lambda s: any("gateway/result_cache.py" in f for f in s),
        ),
        (
            "response to JSON",
            lambda s: any("json/encoder.py" in f or "JSONResponse" in f for f in s),
        ),
        ("access log (logging)", lambda s: any("logging/__init__.py" in f for f in s)),
        ("HTTP protocol (h11/httptools)", lambda s: any("h11" in f or "httptools" in f for f in s)),
    )
    for line in Path(collapsed).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if (
            not frames
            or "Thread._bootstrap" in frames[0]
            or ("thread (" in frames[0] and "MainThread" not in frames[0])
        ):
            continue
        n = int(count)
        total += n
        names = [_FRAME.sub(r" (\1)", f) for f in frames]
        for name in dict.fromkeys(names):
            inclusive[name] += n
        leaves[names[-1]] += n
        for phase, test in markers:
            if test(frames):
                phases[phase] += n
                if phase == "loop idle (waiting for I/O)":
                    break
    if not total:
        return "(no samples of the main thread)\n"
    lines = [
        f"main thread: {total} samples (wall time, idle included)",
        "",
        "phases (inclusive, may overlap):",
    ]
    for phase, _ in markers:
        lines.append(f"  {100 * phases[phase] / total:5.1f}%  {phase}")
    lines += ["", "inclusive, top frames:"]
    shown = 0
    for name, n in inclusive.most_common():
        if any(
            skip in name
            for skip in (
                "typer/",
                "click/",
                "<module>",
                "cli.py",
                "runners.py",
                "base_events.py",
                "uvicorn/main.py",
                "uvicorn/server.py",
                "_compat.py",
            )
        ):
            continue
        lines.append(f"  {100 * n / total:5.1f}%  {name}")
        shown += 1
        if shown >= top:
            break
    lines += ["", "self (leaf frames), top 20:"]
    for name, n in leaves.most_common(20):
        lines.append(f"  {100 * n / total:5.1f}%  {name}")
    return "\n".join(lines) + "\n"


def profile(
    targets: list[Target], token: str, args: Any, loader: str, script: str
) -> dict[str, Any]:
    py_spy = args.py_spy or shutil.which("py-spy")
    if not py_spy or not Path(py_spy).exists():
        cm.log("py-spy not found (--py-spy PATH); no profile")
        return {}
    out: dict[str, Any] = {}
    report: list[str] = []
    for target in targets:
        if target.kind != "ours" or target.workers != 1 or target.proc is None:
            continue
        for query in QUERIES:
            collapsed = f"{args.profile}.{target.key}.{query}.collapsed"
            spy = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(target.proc.pid),
                    "--duration",
                    str(int(args.profile_seconds)),
                    "--rate",
                    "200",
                    "--idle",
                    "--nonblocking",
                    "--format",
                    "raw",
                    "-o",
                    collapsed,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
            result = load(loader, target, token, query, args, args.profile_seconds, script)
            spy.wait(timeout=60)
            text = summarise_profile(collapsed) if Path(collapsed).exists() else "(no output)\n"
            out[f"{target.key}/{query}"] = {"collapsed": collapsed, "load": result}
            report.append(
                f"==== {target.key} ({target.label}), query {QUERIES[query]['title']}: "
                f"{result['rps']:.0f} req/s under py-spy\n{text}"
            )
    Path(args.profile).write_text("\n".join(report))
    cm.log(f"profile written to {args.profile}")
    return out


# ----------------------------------------------------------------------------- main


@contextlib.contextmanager
def database(args: Any) -> Iterator[tuple[str, bool]]:
    """(database URL, fresh?): ``--db`` as is, else a new ``bench_gw_*`` database, dropped
    afterwards unless ``--keep-db``."""
    if args.db:
        yield args.db, False
        return
    from urllib.parse import urlsplit

    import psycopg

    server = args.server or os.environ.get("MENTORING_TEST_DATABASE_URL") or cm.service_urls()[0]
    admin = urlsplit(server)._replace(path="/postgres").geturl()
    name = f"bench_gw_{secrets.token_hex(5)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlsplit(server)._replace(path=f"/{name}").geturl(), True
    finally:
        if args.keep_db:
            cm.log(f"--keep-db: database {name} kept (drop it yourself)")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    p = cm.parser(__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=12, help="extra rounds per PIN (4 groups of 6)")
    p.add_argument("--tenant", default="arec", help="PIN slug of the coordinator token")
    p.add_argument("--profession", default="Engineering", help="filter of query (a)")
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds per target and query")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--loader", choices=("wrk", "python"), default=None)
    p.add_argument("--experiments", action="store_true", help="also the bench-only variants")
    p.add_argument("--targets", help="comma-separated subset of target keys")
    p.add_argument("--node", default=shutil.which("node") or "node")
    p.add_argument("--node-modules", default="/tmp/pg-bench/node_modules")
    p.add_argument("--pg-pool", type=int, default=10, help="PostGraphile's pg pool size")
    p.add_argument(
        "--tools-path",
        default="/tmp/gw-tools",
        help="pip --target dir with uvloop and httptools for the tuned variants",
    )
    p.add_argument("--py-spy", default=None, help="py-spy binary for --profile")
    p.add_argument("--profile-seconds", type=float, default=10.0)
    p.add_argument("--server", help="PostgreSQL server URL (else MENTORING_TEST_DATABASE_URL)")
    p.add_argument("--db", help="use this already seeded database (not dropped)")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument(
        "--writes",
        type=float,
        default=0.0,
        metavar="RATE",
        help="enrol RATE mentees/s in --write-pin during the measurement (cache invalidation)",
    )
    p.add_argument("--write-pin", default="chc", help="PIN the writer enrols mentees in")
    p.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="N",
        help="also time N executions of each query in-process (no HTTP), cache off",
    )
    p.add_argument(
        "--skip-round-trips", action="store_true", help="do not count PostgreSQL round trips"
    )
    p.add_argument("--logdir", default=None, help="server logs (default: a temp dir)")
    args = p.parse_args()
    loader = args.loader or ("wrk" if shutil.which("wrk") else "python")
    if not Path(args.node_modules, "postgraphile").is_dir():
        sys.exit(
            f"PostGraphile is not installed in {args.node_modules}: see bench/README-gateway.md"
        )
    if args.profile and not args.py_spy and Path(args.tools_path, "bin", "py-spy").exists():
        args.py_spy = str(Path(args.tools_path, "bin", "py-spy"))
    tools = (
        args.tools_path
        if Path(args.tools_path, "uvloop").is_dir() and Path(args.tools_path, "httptools").is_dir()
        else None
    )

    results: dict[str, Any] = {
        "benchmark": "graphql_read",
        "machine": cm.machine(),
        "config": {
            "clients": args.clients,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "repeat": args.repeat,
            "loader": loader,
            "tenant": args.tenant,
            "profession": args.profession,
            "postgraphile": json.loads(
                Path(args.node_modules, "postgraphile", "package.json").read_text()
            )["version"],
            "node": subprocess.run(
                [args.node, "--version"], capture_output=True, text=True
            ).stdout.strip(),
        },
        "queries": {
            k: {
                "ours": query_text(k, "ours", args.profession),
                "postgraphile": query_text(k, "postgraphile", args.profession),
            }
            for k in QUERIES
        },
    }
    secret = "bench-" + secrets.token_hex(24)
    logdir = args.logdir or tempfile.mkdtemp(prefix="bench-gw-")
    os.makedirs(logdir, exist_ok=True)
    script_file = os.path.join(logdir, "post.lua")
    Path(script_file).write_text(WRK_SCRIPT)
    targets: list[Target] = []
    try:
        with database(args) as (db_url, fresh):
            env = {**_clean_env(), "MENTORING_JWT_SECRET": secret}
            if fresh:
                cm.log(f"seeding {db_url} (demo + {args.rounds} rounds per PIN)")
                results["seed"] = seed(db_url, args.rounds, env)
                cm.log(f"seeded: {results['seed']}")
            from domain.pin import pin_id_for

            results["data"] = table_counts(db_url, str(pin_id_for(args.tenant)))
            token = subprocess.run(
                [
                    str(VENV_BIN / "mentoring"),
                    "token",
                    "--tenant",
                    args.tenant,
                    "--role",
                    "coordinator",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=REPO,
            ).stdout.strip()
            targets = make_targets(args, db_url, secret, tools)
            for target in targets:  # one at a time: each catches up (relay, audit) on its own
                start(target, logdir)
                wait_ready(target, token)
                cm.log(
                    f"{target.key} ready on :{target.port} (pid {target.proc.pid if target.proc else '?'})"
                )
            results["targets"] = {
                t.key: {"label": t.label, "kind": t.kind, "workers": t.workers, "notes": t.notes}
                for t in targets
            }
            results["verification"] = verify(targets, token, args, db_url)
            if args.in_process:
                results["in_process"] = in_process(args, db_url, secret, token)
            if not args.skip_round_trips:
                results["round_trips"] = round_trips_per_request(
                    args, db_url, secret, token, logdir
                )

            writer = None
            if args.writes:
                writer = Writer(db_url, secret, args.writes, args.write_pin)
                writer.start()
                cm.log(f"writing {args.writes:g} mentees/s to PIN {args.write_pin} meanwhile")
            cm.log(f"warm-up: {args.warmup:g}s per target and query ({loader})")
            for query in QUERIES:
                for target in targets:
                    load(loader, target, token, query, args, args.warmup, script_file)
            runs: list[dict[str, Any]] = []
            for rep in range(args.repeat):
                order = targets[rep % len(targets) :] + targets[: rep % len(targets)]
                for query in QUERIES:
                    for target in order:
                        r = load(loader, target, token, query, args, args.duration, script_file)
                        r.update(
                            rep=rep,
                            target=target.key,
                            query=query,
                            loadavg_1m=round(os.getloadavg()[0], 2),
                        )
                        runs.append(r)
                cm.log(
                    f"repetition {rep + 1}/{args.repeat}: "
                    + ", ".join(
                        f"{r['target']}/{r['query']} {r['rps']:.0f}"
                        for r in runs
                        if r["rep"] == rep
                    )
                )
            if writer is not None:
                results["writes"] = writer.stop()
            results["runs"] = runs
            results["summary"] = summarise(runs, targets)
            if args.profile:
                results["profile"] = profile(targets, token, args, loader, script_file)
            for target in targets:
                stop(target)
    finally:
        for target in targets:
            stop(target)
    results["server_logs"] = logdir
    cm.emit(args, results, render(results))


def in_process(args: Any, db_url: str, secret: str, token: str) -> dict[str, Any]:
    """Milliseconds per request of ``schema.execute`` alone (no HTTP, one at a time), cache off,
    with the validation rules as gateway/schema.py builds them and built once; and the
    calls a request makes (cProfile)."""
    import cProfile
    import pstats

    from gateway_app import _static_rules

    from gateway.auth import Authenticator
    from gateway.bootstrap import build_platform
    from gateway.consistency import ConsistencyWaits
    from gateway.context import RequestContext
    from gateway.schema import build_schema
    from services.settings import Settings

    platform = build_platform(Settings(database_url=db_url, jwt_secret=secret))
    authenticate = Authenticator(platform.settings, platform.read_models)
    out: dict[str, Any] = {}
    try:
        for variant in ("as built", "rules built once"):
            schema = build_schema(cache_size=0)
            if variant != "as built":
                schema.extensions = tuple(_static_rules(list(schema.extensions)))
            for query in QUERIES:
                text = query_text(query, "ours", args.profession)

                async def once(text: str = text, schema: Any = schema) -> None:
                    context = RequestContext(
                        platform=platform,
                        authenticate=authenticate,
                        authorization=f"Bearer {token}",
                        waits=ConsistencyWaits(platform),
                    )
                    result = await schema.execute(text, context_value=context)
                    if result.errors:
                        raise RuntimeError(str(result.errors))

                async def many(n: int, once: Any = once) -> list[float]:
                    times = []
                    for _ in range(n):
                        t0 = time.perf_counter()
                        await once()
                        times.append((time.perf_counter() - t0) * 1000)
                    return times

                asyncio.run(many(5))
                times = asyncio.run(many(args.in_process))
                entry: dict[str, Any] = {
                    "ms_median": cm.median(times),
                    "ms_min": min(times),
                }
                if variant != "as built":
                    prof = cProfile.Profile()
                    prof.enable()
                    asyncio.run(many(10))
                    prof.disable()
                    stats = pstats.Stats(prof)
                    calls = sum(v[1] for v in stats.stats.values()) / 10  # type: ignore[attr-defined]
                    entry["python_calls_per_request"] = round(calls)
                out[f"{variant}/{query}"] = entry
    finally:
        platform.close()
    cm.log(f"in-process execution: {out}")
    return out


def verify(targets: list[Target], token: str, args: Any, db_url: str) -> dict[str, Any]:
    """Both servers answer both queries with the same data; the isolation holds; limits hold."""
    out: dict[str, Any] = {}
    reference: dict[str, Any] = {}
    for query in QUERIES:
        for target in targets:
            status, answer, size = post(
                target, token, query_text(query, target.kind, args.profession)
            )
            if status != 200 or "errors" in answer:
                raise RuntimeError(f"{target.key} {query}: {status} {str(answer)[:500]}")
            shape = normalise(query, target.kind, answer["data"])
            if query not in reference:
                reference[query] = shape
            elif shape != reference[query]:
                raise RuntimeError(
                    f"{target.key} answers query {query} differently than {targets[0].key}"
                )
            out[f"{target.key}/{query}"] = {**summary_of(query, shape), "response_bytes": size}
    # Isolation: the PIN's own count through each server equals the RLS-free count of its rows.
    from domain.pin import pin_id_for

    own = table_counts(db_url, str(pin_id_for(args.tenant)))["mentees"]
    for target in targets:
        q = (
            "{ mentees(first: 0) { totalCount } }"
            if target.kind == "ours"
            else "{ allMentees { totalCount } }"
        )
        _, answer, _ = post(target, token, q)
        seen = (
            answer["data"]["mentees"] if target.kind == "ours" else answer["data"]["allMentees"]
        )["totalCount"]
        if seen != own["this_pin"] or seen >= own["all_pins"]:
            raise RuntimeError(f"{target.key} sees {seen} mentees; the PIN has {own}")
        out[f"{target.key}/isolation"] = f"sees {seen} of {own['all_pins']} mentees (its PIN's)"
    # The gateway's depth limit still answers with an error (also with the tuned rules).
    for target in targets:
        if target.kind == "ours":
            status, answer, _ = post(target, token, TOO_DEEP)
            if "errors" not in answer or answer.get("data"):
                raise RuntimeError(f"{target.key} answered a too-deep query: {str(answer)[:300]}")
            out[f"{target.key}/depth_limit"] = answer["errors"][0].get("message", "")[:80]
    cm.log("verified: every server returns the same data for both queries")
    return out


def summarise(runs: list[dict[str, Any]], targets: list[Target]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    by_key = {(r["target"], r["query"], r["rep"]): r for r in runs}
    for query in QUERIES:
        for target in targets:
            mine = [r for r in runs if r["target"] == target.key and r["query"] == query]
            if not mine:
                continue
            entry: dict[str, Any] = {
                "rps": cm.median([r["rps"] for r in mine]),
                "rps_min": min(r["rps"] for r in mine),
                "rps_max": max(r["rps"] for r in mine),
                "p50_ms": cm.median([r["p50_ms"] for r in mine]),
                "p99_ms": cm.median([r["p99_ms"] for r in mine]),
                "errors": sum(r["graphql_errors"] + r["non_200"] for r in mine),
            }
            peer = (
                "postgraphile-2w"
                if target.workers > 1 and any(t.key == "postgraphile-2w" for t in targets)
                else "postgraphile"
            )
            if target.kind == "ours" and any(t.key == peer for t in targets):
                reps = sorted({r["rep"] for r in mine})
                rps_ratio = [
                    by_key[(target.key, query, i)]["rps"] / by_key[(peer, query, i)]["rps"]
                    for i in reps
                ]
                p99_ratio = [
                    by_key[(target.key, query, i)]["p99_ms"] / by_key[(peer, query, i)]["p99_ms"]
                    for i in reps
                ]
                entry.update(
                    peer=peer,
                    rps_ratio=cm.median(rps_ratio),
                    p99_ratio=cm.median(p99_ratio),
                    goal_met=cm.median(rps_ratio) >= 1.0 and cm.median(p99_ratio) <= 1.0,
                )
            summary[f"{target.key}/{query}"] = entry
    return summary


def render(results: dict[str, Any]) -> str:
    out = []
    cfg = results["config"]
    out.append(
        f"GraphQL reads, RLS on, {cfg['clients']} clients ({cfg['loader']}), {cfg['repeat']} x "
        f"{cfg['duration_s']:g}s per target and query; medians; PostGraphile {cfg['postgraphile']} "
        f"on Node {cfg['node']}; machine: {results['machine']['cores']} shared cores"
    )
    for query, spec in QUERIES.items():
        rows = []
        for key in results["targets"]:
            s = results["summary"].get(f"{key}/{query}")
            if not s:
                continue
            rows.append(
                [
                    key,
                    s["rps"],
                    f"{s['rps_min']:,.0f}-{s['rps_max']:,.0f}",
                    s["p50_ms"],
                    s["p99_ms"],
                    f"{s['rps_ratio']:.2f}" if "rps_ratio" in s else "",
                    f"{s['p99_ratio']:.2f}" if "p99_ratio" in s else "",
                    ("yes" if s["goal_met"] else "no") if "goal_met" in s else "",
                    s["errors"],
                ]
            )
        out.append("")
        out.append(
            cm.table(
                spec["title"],
                [
                    "target",
                    "req/s",
                    "range",
                    "p50 ms",
                    "p99 ms",
                    "req/s ÷ peer",
                    "p99 ÷ peer",
                    "goal",
                    "errors",
                ],
                rows,
            )
        )
    out.append("")
    out.append(
        "targets: " + "; ".join(f"{k} = {v['label']}" for k, v in results["targets"].items())
    )
    if results.get("writes"):
        w = results["writes"]
        out.append(
            f"during the measurement: {w['rate']:g} mentees/s enrolled in another PIN "
            f"({w['written']} written, {w['errors']} failed)"
        )
    timed = results.get("in_process")
    if timed:
        out.append(
            "schema.execute in-process, cache off, ms per request (median): "
            + ", ".join(f"{k} {v['ms_median']:.1f}" for k, v in timed.items())
        )
    trips = results.get("round_trips")
    if trips:
        out.append(
            "PostgreSQL round trips per request (counting proxy): "
            + ", ".join(f"{k} {v:g}" for k, v in trips.items())
        )
    return "\n".join(out)


if __name__ == "__main__":
    main()
