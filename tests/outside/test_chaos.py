"""Chaos: each fault of a real service against a steady write load, as a client sees it.

A PostgreSQL and an Apache Kafka of the suite's own (``deploy/local/up`` in a folder of its
own: the shared ones of ``make test`` serve every other test and are never touched), and per
test the production path on a fresh database, topic and consumer group: ``mentoring relay``,
two ``mentoring project`` in one group, ``mentoring serve``. A client plans cohorts over HTTP
at a steady rate, each command in a thread of its own, and behaves as a correct client does: an answer that leaves the
outcome open (a transport error, a TIMEOUT, UNAVAILABLE with ``changed: unknown``) is retried
with the same ``Idempotency-Key`` until it is definite. Then one fault: the broker restarted or
frozen, PostgreSQL restarted or stopped for a while, one projector killed.

What the client can tell afterwards is checked: every acknowledged command (answered with
data, or STALE: saved, not yet visible) is in the read models exactly once; no name answered
``changed: no`` is there at all; ``/readyz`` said 503 while a service was down; every process
still runs, with no supervisor; and the platform catches up (lag 0 on every partition and a
fresh write readable) within RECOVERY_BOUND of the fault's end. Each test prints its figures.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import fresh_database, require_service
from tests.outside.conftest import (
    ROOT,
    START_DEADLINE,
    Served,
    free_port,
    kafka_environment,
    logged,
    start,
    stop,
    wait_until_ready,
)

REGISTER_PIN = """mutation {
  registerPin(input: {slug: "chaos", name: "Chaos network", communities: ["Any"],
                      professions: ["Engineering"]}) { position }
}"""
PLAN_COHORT = """mutation($name: String!) {
  planCohort(input: {name: $name, startsOn: "2026-01-05", endsOn: "2026-04-30"}) {
    cohort { id } position
  }
}"""
COHORTS = """query($at: Int, $after: String) {
  cohorts(first: 100, after: $after, consistentWith: $at) {
    edges { node { name } } pageInfo { hasNextPage endCursor }
  }
}"""
RATE = 14.0
"""Commands started per second: enough for the fault to show, not so many the machine chokes."""
WORKERS = 16
"""Commands in flight at most."""
WARM_UP = 2.0
"""Seconds of load before the fault."""
RECOVERY_BOUND = 60.0
"""Seconds from the fault's end until lag is 0 everywhere and a fresh write is readable."""
REBALANCE_BOUND = 10.0
"""Seconds for the survivor to take over a killed projector's partitions (session: 6 s)."""
READYZ_WITHIN = 2.0
"""Seconds /readyz may take to say 503 while PostgreSQL is down."""
READYZ_PATIENCE = 5.0
"""Seconds a client waits for /readyz (while the broker is down it must still say 503)."""
SETTLE_WITHIN = 30.0
"""Seconds a command left open when the load stops may still be retried to a definite end."""
PARTITIONS = 4
UNCERTAIN = frozenset({"transport", "TIMEOUT", "unknown"})
DEPLOY = ROOT / "deploy" / "local"


# ---------------------------------------------------------------- the suite's own services


@dataclass(frozen=True)
class Services:
    """A dedicated PostgreSQL and Kafka, run and faulted with deploy/local's scripts."""

    folder: Path
    env: dict[str, str]
    database_url: str
    bootstrap: str

    def script(self, *args: str) -> subprocess.Popen[str]:
        """Run a deploy/local script on this instance, in the background."""
        return subprocess.Popen(
            [str(DEPLOY / args[0]), *args[1:]],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def state(self, name: str) -> str:
        """A value of the instance's services.env (pids and ports, as up and restart write)."""
        text = (self.folder / "services.env").read_text()
        found = re.search(rf"^{name}=(\S*)$", text, re.MULTILINE)
        assert found, text
        return found.group(1)

    def down(self, service: str) -> bool:
        """Nothing accepts connections on the service's port (kafka or postgres)."""
        port = int(self.state("KAFKA_PORT" if service == "kafka" else "PG_PORT"))
        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex(("127.0.0.1", port)) != 0


def jar_cache() -> Path | None:
    """The Kafka jars of the shared instance, so a second one needs no Maven (None: none yet)."""
    configured = os.environ.get("MENTORING_KAFKA_LIBS_DIR")
    folder = Path(configured) if configured else None
    if folder is None:
        folder = Path(os.environ.get("MENTORING_LOCAL_DIR") or ROOT / ".local") / "kafka-libs"
    return folder if any(folder.glob("kafka_2.13-*.jar")) else None


def exported(output: str, name: str) -> str:
    found = re.search(rf"^export {name}=(\S+)$", output, re.MULTILINE)
    assert found, f"deploy/local/up printed no {name}:\n{output}"
    return found.group(1)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """Started once for the module (about 10 s), always stopped, also when a test fails."""
    require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")  # the production-path gate
    require_service("MENTORING_TEST_KAFKA_BOOTSTRAP_SERVERS", "Kafka")
    folder = tmp_path_factory.mktemp("chaos-services")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")}
    env["MENTORING_LOCAL_DIR"] = str(folder)
    jars = jar_cache()
    if jars is not None:
        env["MENTORING_KAFKA_LIBS_DIR"] = str(jars)
    try:
        up = subprocess.run(
            [str(DEPLOY / "up")], env=env, capture_output=True, text=True, timeout=300
        )
        if up.returncode != 0:
            pytest.fail(f"deploy/local/up failed for the chaos services:\n{up.stderr[-3000:]}")
        yield Services(
            folder,
            env,
            exported(up.stdout, "MENTORING_DATABASE_URL"),
            exported(up.stdout, "MENTORING_KAFKA_BOOTSTRAP_SERVERS"),
        )
    finally:
        subprocess.run([str(DEPLOY / "down")], env=env, capture_output=True, timeout=120)


# ---------------------------------------------------------------- the client's load


@dataclass
class Command:
    """One planCohort as the client sent it, and every answer it got."""

    name: str
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    answers: list[str] = field(default_factory=list)
    position: int | None = None
    """Set once acknowledged: answered with data, STALE, or UNAVAILABLE changed "yes"."""

    @property
    def uncertain(self) -> bool:
        """Some answer left open whether it was made."""
        return any(answer in UNCERTAIN for answer in self.answers)

    @property
    def refused(self) -> bool:
        """Definitely not made: it said nothing changed, and nothing before left it open."""
        return self.position is None and not self.uncertain and "no" in self.answers

    @property
    def settled(self) -> bool:
        return self.position is not None or self.refused


class Client:
    """Plans cohorts the way a correct client does, and remembers what it was told."""

    def __init__(self, served: Served, token: str) -> None:
        self._http = httpx.Client(  # shared by the load's workers: it is thread-safe
            base_url=served.base_url,
            limits=httpx.Limits(max_connections=WORKERS + 1),
            timeout=20,  # beyond the gateway's own request timeout (15 s): its TIMEOUT first
            headers={"Authorization": f"Bearer {token}"},
        )
        self.commands: list[Command] = []
        self.unexpected: list[str] = []

    def close(self) -> None:
        self._http.close()

    def attempt(self, command: Command) -> str:
        """Send the command once; what the answer says (also kept in ``command.answers``)."""
        if not command.answers:
            self.commands.append(command)
        answer = self._answer(command)
        command.answers.append(answer)
        return answer

    def _answer(self, command: Command) -> str:
        try:
            response = self._http.post(
                "/graphql",
                json={"query": PLAN_COHORT, "variables": {"name": command.name}},
                headers={"Idempotency-Key": command.key},
            )
        except httpx.TransportError:
            return "transport"
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {"text": response.text[:300]}
        errors = body.get("errors") or []
        if response.status_code == 200 and "data" in body and not errors:
            command.position = int(body["data"]["planCohort"]["position"])
            return "OK"
        extensions = errors[0].get("extensions", {}) if errors else {}
        code, changed = extensions.get("code"), extensions.get("changed")
        if (code == "STALE" or changed == "yes") and "position" in extensions:
            command.position = int(extensions["position"])
            return "STALE" if code == "STALE" else "yes"
        if code == "UNAVAILABLE" and changed in ("no", "unknown"):
            return str(changed)
        if code == "TIMEOUT":
            return "TIMEOUT"
        self.unexpected.append(f"{command.name}: {response.status_code} {body}")
        return "transport"  # not understood: the outcome is open, as after a lost answer


class Load:
    """Commands started at RATE per second, each in a worker of its own while it lasts: a
    slow answer (a write waits up to the consistency timeout) does not slow the rate down.
    When every worker is busy, a slot is skipped rather than sent in a burst later."""

    def __init__(self, served: Served, token: str) -> None:
        self.client = Client(served, token)
        self._stopping = threading.Event()
        self._settle_until = float("inf")
        self._busy = threading.BoundedSemaphore(WORKERS)
        self._workers: list[threading.Thread] = []
        self._dispatcher = threading.Thread(target=self._dispatch, daemon=True)

    def __enter__(self) -> Load:
        self._dispatcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """No new commands; open ones are retried to a definite answer for SETTLE_WITHIN."""
        if not self._stopping.is_set():
            self._settle_until = time.monotonic() + SETTLE_WITHIN
            self._stopping.set()
        self._dispatcher.join()
        for worker in self._workers:
            worker.join()
        self.client.close()

    @property
    def commands(self) -> list[Command]:
        return list(self.client.commands)

    @property
    def unexpected(self) -> list[str]:
        return list(self.client.unexpected)

    def acknowledged(self) -> int:
        return sum(command.position is not None for command in self.commands)

    def _dispatch(self) -> None:
        due = time.monotonic()
        while not self._stopping.is_set():
            if self._busy.acquire(blocking=False):
                command = Command(f"load {len(self._workers)}")
                worker = threading.Thread(target=self._settle, args=(command,), daemon=True)
                self._workers.append(worker)
                worker.start()
            due = max(due + 1 / RATE, time.monotonic())  # steady: no burst to catch up
            self._stopping.wait(due - time.monotonic())

    def _settle(self, command: Command) -> None:
        """Send the command, and again with the same key while its outcome is open: while
        the load runs, and after it stops for at most SETTLE_WITHIN."""
        try:
            while True:
                self.client.attempt(command)
                if command.settled:
                    return
                if self._stopping.is_set() and time.monotonic() >= self._settle_until:
                    return
                time.sleep(0.25)
        finally:
            self._busy.release()


# ---------------------------------------------------------------- the platform under test


@dataclass
class Chaos:
    services: Services
    served: Served
    token: str


def reporting(url: str) -> int:
    """How many projectors have reported a watermark (each does once it owns partitions)."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM readmodels.projection_watermarks").fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def chaos(services: Services, tmp_path: Path) -> Iterator[Chaos]:
    """The production path on the chaos services, with both projectors owning partitions."""
    with fresh_database(services.database_url) as url:
        port = free_port()
        served = Served(
            "production",
            f"http://127.0.0.1:{port}",
            kafka_environment(
                url,
                services.bootstrap,
                "chaos",
                MENTORING_KAFKA_TOPIC_PARTITIONS=str(PARTITIONS),
                MENTORING_CONSISTENCY_TIMEOUT="1",
            ),
            tmp_path,
        )
        try:
            start(served, "relay", "relay")
            start(served, "project-a", "project")
            start(served, "project-b", "project")
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            for name in ("project-a", "project-b"):
                logged(served, name, re.compile(r"projector ready"))
            admin = served.token(role="admin", tenant=None, subject="platform-admin")
            served.saved(REGISTER_PIN, token=admin)  # STALE while the group still forms
            deadline = time.monotonic() + START_DEADLINE
            while reporting(url) < 2:  # the group of two has formed
                assert time.monotonic() < deadline, "the two projectors never both owned partitions"
                time.sleep(0.2)
            yield Chaos(services, served, served.token(tenant="chaos"))
        finally:
            stop(served)


# ---------------------------------------------------------------- faults, and /readyz meanwhile

Asked = tuple[str, float]
"""What /readyz answered (its status code, or "no answer") and how long it took."""


def ask_ready(served: Served) -> Asked:
    began = time.monotonic()
    try:
        with httpx.Client(base_url=served.base_url, timeout=READYZ_PATIENCE) as http:
            status = str(http.get("/readyz").status_code)
    except httpx.TransportError:
        status = "no answer"
    return status, round(time.monotonic() - began, 2)


def restart(chaos: Chaos, service: str, down_for: int = 0) -> list[Asked]:
    """deploy/local/restart SERVICE [DOWN_FOR]; /readyz asked whenever the service is down."""
    process = chaos.services.script("restart", service, str(down_for))
    asked = []
    while process.poll() is None:
        if chaos.services.down(service):
            answer = ask_ready(chaos.served)
            if chaos.services.down(service):  # down the whole time it was asked
                asked.append(answer)
        time.sleep(0.2)  # poll interval
    _, errors = process.communicate()
    assert process.returncode == 0, f"deploy/local/restart {service} failed:\n{errors}"
    return asked


def freeze_broker(chaos: Chaos, seconds: float) -> list[Asked]:
    """SIGSTOP the broker for SECONDS, then SIGCONT; /readyz asked after its first second."""
    pid = int(chaos.services.state("KAFKA_PID"))
    asked = []
    os.kill(pid, signal.SIGSTOP)
    try:
        frozen_at = time.monotonic()
        while time.monotonic() - frozen_at < seconds:
            if time.monotonic() - frozen_at >= 1.0:
                asked.append(ask_ready(chaos.served))
            time.sleep(0.2)  # poll interval; the freeze's length is the loop's
    finally:
        os.kill(pid, signal.SIGCONT)
    return asked


def kill_projector(chaos: Chaos) -> list[Asked]:
    """SIGKILL one projector of the two; it stays dead (nothing supervises it)."""
    process = chaos.served.processes.pop("project-a")
    process.kill()
    process.wait()
    return []


# ---------------------------------------------------------------- recovery and the tally


def readiness(served: Served) -> tuple[bool, dict[int, tuple[int, int]], str]:
    """Whether /readyz says ready with no lag on any partition; each partition's committed and
    end offsets; and what it said."""
    try:
        with httpx.Client(base_url=served.base_url, timeout=5) as http:
            answer = http.get("/readyz")
    except httpx.TransportError as error:
        return False, {}, repr(error)
    body = answer.json()
    offsets = {p["partition"]: (p["committed"], p["end"]) for p in body.get("partitions") or []}
    ready = (
        answer.status_code == 200
        and body.get("status") == "ready"
        and len(offsets) == PARTITIONS
        and all(committed >= end for committed, end in offsets.values())
    )
    return ready, offsets, f"{answer.status_code} {body}"


@dataclass(frozen=True)
class Recovery:
    caught_up: float
    """Seconds from the fault's end until /readyz first said ready with no lag anywhere, every
    partition applied past its end when first seen after the fault (so the projectors work
    again, not merely had nothing left when the fault ended)."""
    readable: float
    """... and until a fresh write was readable too: the recovery a client sees."""


def recovery(served: Served, probe: Client, since: float) -> Recovery:
    """How long after SINCE the platform has recovered (see Recovery); a mutation answers
    with data only once the read models show it."""
    command, last = Command("probe 0"), "not asked"
    marks: dict[int, int] = {}
    caught_up = None
    while (elapsed := time.monotonic() - since) < RECOVERY_BOUND:
        ready, offsets, last = readiness(served)
        marks = marks or {partition: end for partition, (_, end) in offsets.items()}
        moved = all(offsets[p][0] > end for p, end in marks.items() if p in offsets)
        if caught_up is None and ready and marks and moved:
            caught_up = elapsed
        if caught_up is not None:
            if command.settled:
                command = Command(f"probe {len(probe.commands)}")
            if probe.attempt(command) == "OK":
                return Recovery(caught_up, time.monotonic() - since)
        time.sleep(0.2)  # poll interval
    pytest.fail(
        f"not recovered {elapsed:.0f} s after the fault; /readyz said {last}\n{stacks(served)}"
    )


def stacks(served: Served) -> str:
    """Each projector's last log lines and every thread's stack (SIGUSR1), for a failure."""
    shown = []
    for name, process in served.processes.items():
        if not name.startswith("project") or process.poll() is not None:
            continue
        path = served.logs / f"{name}.log"
        before = path.stat().st_size
        process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while "most recent call first" not in path.read_text(errors="replace")[before:]:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)  # poll interval
        time.sleep(0.5)  # the rest of the dump (one write per thread)
        shown.append(f"--- {name}\n" + path.read_text(errors="replace")[max(0, before - 4000) :])
    return "\n".join(shown)


def names_read(served: Served, token: str, at: int) -> list[str]:
    """Every cohort name of the PIN, page by page, once the read models hold position AT."""
    names: list[str] = []
    after = None
    deadline = time.monotonic() + START_DEADLINE
    while True:
        body = served.post(COHORTS, {"at": at, "after": after}, token=token).json()
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        if codes == ["STALE"] and time.monotonic() < deadline:
            time.sleep(0.2)  # poll interval
            continue
        assert not codes, body
        page = body["data"]["cohorts"]
        names += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return names
        after = page["pageInfo"]["endCursor"]


@dataclass(frozen=True)
class Tally:
    acknowledged: int
    applied: int
    duplicated: list[str]
    lost: list[str]
    uncertain: int
    uncertain_applied: int
    refused: int
    refused_applied: list[str]
    strangers: list[str]

    def line(self, label: str, recovered: Recovery, asked: list[Asked]) -> str:
        readyz = f", /readyz 503 in {sum(a[0] == '503' for a in asked)} of {len(asked)} asks"
        return (
            f"{label}: {self.acknowledged} acknowledged, {self.applied} applied, "
            f"{len(self.duplicated)} duplicated, {len(self.lost)} lost, "
            f"{self.uncertain} unknown ({self.uncertain_applied} applied), "
            f"{self.refused} refused ({len(self.refused_applied)} applied), "
            f"recovered in {recovered.readable:.1f} s (no lag after {recovered.caught_up:.1f} s)"
            + (readyz if asked else "")
        )


def tally(commands: list[Command], names: list[str]) -> Tally:
    seen = Counter(names)
    acknowledged = [c for c in commands if c.position is not None]
    uncertain = [c for c in commands if c.uncertain]
    refused = [c for c in commands if c.refused]
    sent = {c.name for c in commands}
    return Tally(
        acknowledged=len(acknowledged),
        applied=sum(seen[c.name] > 0 for c in acknowledged),
        duplicated=sorted(name for name, count in seen.items() if count > 1),
        lost=[c.name for c in acknowledged if not seen[c.name]],
        uncertain=len(uncertain),
        uncertain_applied=sum(seen[c.name] > 0 for c in uncertain),
        refused=len(refused),
        refused_applied=[c.name for c in refused if seen[c.name]],
        strangers=sorted(set(seen) - sent),
    )


def under_load(
    chaos: Chaos, label: str, fault: Callable[[], list[Asked]]
) -> tuple[Recovery, list[Asked]]:
    """Run FAULT against the steady load; check what the client can tell; print the figures.
    Returns the recovery time and what /readyz said during the fault."""
    # Another caller than the load: its writes never wait behind the load's (a bounded number
    # of waits per caller, gateway/consistency.py).
    probe = Client(chaos.served, chaos.served.token(tenant="chaos", subject="chaos-probe"))
    with Load(chaos.served, chaos.token) as load:
        began = time.monotonic()
        while time.monotonic() - began < WARM_UP or load.acknowledged() < 10:
            assert time.monotonic() - began < START_DEADLINE, (
                "no write acknowledged before the fault"
            )
            time.sleep(0.2)  # poll interval
        asked = fault()
        recovered = recovery(chaos.served, probe, time.monotonic())
    probe.close()
    commands = load.commands + probe.commands
    at = max(c.position for c in commands if c.position is not None)
    counted = tally(commands, names_read(chaos.served, chaos.token, at))
    print(f"\n{counted.line(label, recovered, asked)}")
    assert not load.unexpected, load.unexpected[:5]
    assert not counted.lost, f"acknowledged, never applied: {counted.lost[:10]}"
    assert not counted.duplicated, f"applied more than once: {counted.duplicated[:10]}"
    assert not counted.refused_applied, f"answered 'no', applied: {counted.refused_applied[:10]}"
    assert not counted.strangers, f"never sent: {counted.strangers[:10]}"
    assert counted.applied == counted.acknowledged
    open_ones = [c.name for c in commands if not c.settled]
    assert not open_ones, f"no definite answer {SETTLE_WITHIN:.0f} s after the load: {open_ones}"
    chaos.served.alive()  # the same processes, with no supervisor
    return recovered, asked


def wrong_readiness(asked: list[Asked], within: float = READYZ_PATIENCE) -> list[Asked]:
    """The asks /readyz got wrong: anything but a 503 within WITHIN seconds."""
    return [a for a in asked if a[0] != "503" or a[1] > within]


# ---------------------------------------------------------------- one test per fault


def test_broker_restart(chaos: Chaos) -> None:
    _, asked = under_load(chaos, "broker restart", lambda: restart(chaos, "kafka"))
    assert asked, "the broker was never seen down"
    assert not wrong_readiness(asked), asked


def test_broker_frozen_for_20_s(chaos: Chaos) -> None:
    _, asked = under_load(chaos, "broker frozen 20 s", lambda: freeze_broker(chaos, 20))
    assert not wrong_readiness(asked), asked


def test_postgres_restart(chaos: Chaos) -> None:
    _, asked = under_load(chaos, "postgres restart", lambda: restart(chaos, "postgres"))
    assert not wrong_readiness(asked, READYZ_WITHIN), asked


def test_postgres_stopped_for_10_s(chaos: Chaos) -> None:
    _, asked = under_load(chaos, "postgres down 10 s", lambda: restart(chaos, "postgres", 10))
    assert len(asked) >= 3, asked
    assert not wrong_readiness(asked, READYZ_WITHIN), asked


def test_one_projector_killed(chaos: Chaos) -> None:
    recovered, _ = under_load(chaos, "projector killed", lambda: kill_projector(chaos))
    took = recovered.caught_up  # every partition applied: the survivor owns them all
    assert took <= REBALANCE_BOUND, f"the survivor took over only after {took:.1f} s"
