"""PostgreSQL going away under a running ``mentoring serve``: answers come fast and say so.

The gateway reaches the real PostgreSQL through a relay the test cuts (tests/faults.py): open
connections close and new ones are refused, as when the server stops. While it is away,
``/readyz`` says 503 within 2 s, and a query or a command answers UNAVAILABLE within a few
seconds instead of hanging (before: 10 s, 22 s, and ``/readyz`` waited 15 s). When it is back,
the same process is ready again and writes go through, with no restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_database, require_service
from tests.faults import Outage
from tests.outside.conftest import (
    START_DEADLINE,
    Served,
    environment,
    free_port,
    start,
    stop,
    through,
    wait_until_ready,
)

REGISTER_PIN = """mutation {
  registerPin(input: {slug: "outage", name: "Outage network", communities: ["Any"],
                      professions: ["Engineering"]}) { position }
}"""
PLAN_COHORT = """mutation($name: String!) {
  planCohort(input: {name: $name, startsOn: "2026-01-05", endsOn: "2026-04-30"}) {
    cohort { id } position
  }
}"""
COHORTS = "query($at: Int) { cohorts(consistentWith: $at) { edges { node { name } } } }"
READY_WITHIN = 2.0  # seconds: /readyz tells the truth at once
ANSWER_WITHIN = 8.0  # seconds: a bounded wait for a connection (3 s by default), and slack
WRITERS = 80  # concurrent writes: twice the gateway's worker threads (anyio's 40)


@pytest.fixture
def outage(tmp_path: Path) -> Iterator[tuple[Served, Outage]]:
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    with fresh_database(server) as url, Outage.of(url) as relay:
        proxied = through(url, relay.port)
        port = free_port()
        served = Served(
            "production",
            f"http://127.0.0.1:{port}",
            environment(MENTORING_DATABASE_URL=proxied),
            tmp_path,
        )
        try:
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            yield served, relay
        finally:
            stop(served)


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    began = time.monotonic()
    answer = call()
    return answer, time.monotonic() - began


def test_an_outage_is_answered_fast_and_the_gateway_recovers_by_itself(
    outage: tuple[Served, Outage],
) -> None:
    served, relay = outage
    admin = served.token(role="admin", tenant=None, subject="platform-admin")
    coordinator = served.token(tenant="outage")
    served.data(REGISTER_PIN, token=admin)
    served.data(PLAN_COHORT, {"name": "Before"}, token=coordinator)

    relay.cut()
    with httpx.Client(base_url=served.base_url, timeout=60) as http:
        ready, took = timed(lambda: http.get("/readyz"))
        assert ready.status_code == 503, ready.text
        assert took < READY_WITHIN, f"/readyz took {took:.1f} s"
        print(f"\n/readyz during the outage: 503 in {took:.2f} s")

    for document, variables in ((COHORTS, {}), (PLAN_COHORT, {"name": "During"})):
        answer, took = timed(partial(served.post, document, variables, token=coordinator))
        codes = [e["extensions"]["code"] for e in answer.json().get("errors", [])]
        assert codes == ["UNAVAILABLE"], answer.text[:500]
        assert took < ANSWER_WITHIN, f"{document[:20]} took {took:.1f} s"
        print(f"{document.split()[0]} during the outage: UNAVAILABLE in {took:.2f} s")
    served.alive()

    relay.restore()
    wait_until_ready(served)  # the same process, not restarted
    written = served.data(PLAN_COHORT, {"name": "After"}, token=coordinator)["planCohort"]
    deadline = time.monotonic() + START_DEADLINE
    names: set[str] = set()
    while "After" not in names and time.monotonic() < deadline:
        listed = served.data(COHORTS, {"at": written["position"]}, token=coordinator)
        names = {edge["node"]["name"] for edge in listed["cohorts"]["edges"]}
    assert {"Before", "After"} <= names, names


def test_readyz_answers_while_requests_waiting_for_a_hung_database_fill_the_worker_threads(
    outage: tuple[Served, Outage],
) -> None:
    """A hung PostgreSQL (it accepts, then answers nothing) holds every request that reached
    it. Before, /readyz ran on the same worker threads as those requests and got no answer
    at all once they were full; now it answers 503 within 2 s all the same."""
    served, relay = outage
    admin = served.token(role="admin", tenant=None, subject="platform-admin")
    coordinator = served.token(tenant="outage")
    served.data(REGISTER_PIN, token=admin)
    relay.freeze()
    answers: list[httpx.Response | Exception] = []

    def write(number: int) -> None:
        try:
            answers.append(served.post(PLAN_COHORT, {"name": f"Hung {number}"}, token=coordinator))
        except httpx.HTTPError as error:
            answers.append(error)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    try:
        for writer in writers:
            writer.start()
        # Outside, a full pool of worker threads shows as a plain endpoint that needs one
        # (the audit key) no longer answering.
        deadline = time.monotonic() + START_DEADLINE
        with httpx.Client(base_url=served.base_url, timeout=1) as http:
            while True:
                assert time.monotonic() < deadline, "the worker threads never filled up"
                try:
                    http.get("/audit/public-key")
                except httpx.TimeoutException:
                    break
        with httpx.Client(base_url=served.base_url, timeout=60) as http:
            for _ in range(3):
                ready, took = timed(lambda: http.get("/readyz"))
                assert ready.status_code == 503, ready.text
                assert took < READY_WITHIN, f"/readyz took {took:.1f} s"
                alive, took_alive = timed(lambda: http.get("/healthz"))
                assert alive.status_code == 200, alive.text
                assert took_alive < READY_WITHIN, f"/healthz took {took_alive:.1f} s"
        print(f"\n/readyz with every worker thread waiting for the database: 503 in {took:.2f} s")
    finally:
        relay.thaw()
        for writer in writers:
            writer.join(timeout=120)
    assert len(answers) == WRITERS
    served.alive()
    wait_until_ready(served)
