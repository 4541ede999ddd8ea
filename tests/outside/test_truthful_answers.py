"""Every answer tells the truth about whether a write happened, and a retry is safe.

``mentoring serve`` on the real PostgreSQL, reached through two relays the test can cut
(tests/faults.py): one for the event store, one for the read models (the same database, two
URLs). The database goes away at each step of a mutation:

- before anything is read or saved, or while saving: the answer is UNAVAILABLE and says
  ``changed: no`` or ``changed: unknown``, never that nothing changed when it may have;
- after the save, while the change is read back: the answer says it was saved, with its
  position (before, it said "nothing was changed", and a client that retried enrolled the
  person twice).

Then the same command is sent again with the same ``Idempotency-Key``: it is made exactly
once, and the retry gets the first answer's record. Without faults: a key reused for another
command is refused, and keys of different callers never meet.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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

REGISTER_PIN = """mutation($slug: String!) {
  registerPin(input: {slug: $slug, name: "Truthful network", communities: ["Any"],
                      professions: ["Engineering"]}) { position }
}"""
PLAN_COHORT = """mutation($name: String!) {
  planCohort(input: {name: $name, startsOn: "2026-01-05", endsOn: "2026-04-30"}) {
    cohort { id name } position
  }
}"""
COHORTS = """query($at: Int) {
  cohorts(first: 100, consistentWith: $at) { edges { node { id name } } }
}"""


@dataclass
class Fixture:
    served: Served
    store: Outage
    read_models: Outage

    def coordinator(self, slug: str = "truthful") -> str:
        return self.served.token(tenant=slug, subject=f"{slug}-coordinator")

    def plan(self, name: str, key: str | None, token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token or self.coordinator()}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        request = {"query": PLAN_COHORT, "variables": {"name": name}}
        with self.served.client(timeout=60) as http:
            answer = http.post("/graphql", json=request, headers=headers)
        assert answer.status_code == 200, answer.text[:500]
        body: dict[str, Any] = answer.json()
        return body

    def cohorts(self, token: str | None = None) -> list[str]:
        """Cohort names of the PIN, read once the read models hold every write so far."""
        at = self.served.data(
            REGISTER_PIN,
            {"slug": "truthful"},
            token=self.served.token(role="admin", tenant=None, subject="platform-admin"),
        )["registerPin"]["position"]
        listed = self.served.data(COHORTS, {"at": at}, token=token or self.coordinator())
        return sorted(edge["node"]["name"] for edge in listed["cohorts"]["edges"])


@pytest.fixture
def faults(tmp_path: Path) -> Iterator[Fixture]:
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    with fresh_database(server) as url:
        parts = urlsplit(url)
        assert parts.hostname
        assert parts.port
        with (
            Outage(parts.hostname, parts.port) as store,
            Outage(parts.hostname, parts.port) as read_models,
        ):
            port = free_port()
            served = Served(
                "production",
                f"http://127.0.0.1:{port}",
                environment(
                    MENTORING_DATABASE_URL=through(url, store.port),
                    MENTORING_READ_DATABASE_URL=through(url, read_models.port),
                ),
                tmp_path,
            )
            try:
                start(served, "serve", "serve", "--port", str(port))
                wait_until_ready(served)
                admin = served.token(role="admin", tenant=None, subject="platform-admin")
                served.data(REGISTER_PIN, {"slug": "truthful"}, token=admin)
                yield Fixture(served, store, read_models)
            finally:
                stop(served)


def wait_until_applied(served: Served) -> None:
    """Poll /readyz until the gateway is ready with no event left to apply: what was saved
    during the fault is readable (the gateway's relay retries on a backoff of up to 10 s, so
    a retry sent at once may answer STALE, which is true but not what is checked here)."""
    wait_until_ready(served)
    deadline = time.monotonic() + START_DEADLINE
    last = "not asked"
    with served.client(timeout=10) as http:
        while time.monotonic() < deadline:
            answer = http.get("/readyz")
            last = answer.text[:300]
            if answer.status_code == 200 and answer.json().get("lag_events") == 0:
                return
            time.sleep(0.2)  # poll interval
    pytest.fail(f"the gateway never applied what was saved; /readyz said {last}")


def outcome(body: dict[str, Any]) -> tuple[str, str | None]:
    """The error's code and what it says about the change."""
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    extensions = errors[0]["extensions"]
    return extensions["code"], extensions.get("changed")


def test_the_database_gone_before_the_save_says_nothing_or_unknown_and_a_retry_makes_it_once(
    faults: Fixture,
) -> None:
    key = str(uuid.uuid4())
    faults.store.cut()
    faults.read_models.cut()
    body = faults.plan("Spring", key)
    code, changed = outcome(body)
    assert code == "UNAVAILABLE", body
    assert changed in ("no", "unknown"), body
    if changed == "no":
        assert "nothing was changed" in body["errors"][0]["message"]
    else:
        assert "may or may not" in body["errors"][0]["message"]
    faults.store.restore()
    faults.read_models.restore()
    wait_until_applied(faults.served)

    body = faults.plan("Spring", key)  # the retry the answer invites
    assert "errors" not in body, body
    body_again = faults.plan("Spring", key)
    assert body_again == body  # the same answer: the same cohort and position
    assert faults.cohorts() == ["Spring"]


def test_the_database_gone_after_the_save_says_saved_and_a_retry_does_not_save_again(
    faults: Fixture,
) -> None:
    key = str(uuid.uuid4())
    assert faults.cohorts() == []  # the gateway has met the coordinator's PIN
    faults.read_models.cut()  # the save goes through; reading it back does not
    body = faults.plan("Autumn", key)
    code, changed = outcome(body)
    error = body["errors"][0]
    if code == "UNAVAILABLE":
        assert changed == "yes", body
    else:  # the read models cannot catch up: STALE, which says the same
        assert code == "STALE", body
    assert "was saved" in error["message"], body
    assert "nothing was changed" not in error["message"]
    position = error["extensions"]["position"]
    assert isinstance(position, int)
    faults.read_models.restore()
    wait_until_applied(faults.served)

    body = faults.plan("Autumn", key)  # a client that retries, as it may
    assert "errors" not in body, body
    assert body["data"]["planCohort"]["position"] == position  # the first write's
    assert faults.cohorts() == ["Autumn"]  # saved once


def test_a_key_is_one_command_of_one_caller(faults: Fixture) -> None:
    key = str(uuid.uuid4())
    first = faults.plan("Winter", key)
    assert "errors" not in first, first
    other = faults.plan("Summer", key)  # the same key, another command
    assert outcome(other) == ("BAD_INPUT", None), other
    assert "different command" in other["errors"][0]["message"]

    admin = faults.served.token(role="admin", tenant=None, subject="platform-admin")
    faults.served.data(REGISTER_PIN, {"slug": "other"}, token=admin)
    stranger = faults.coordinator("other")
    theirs = faults.plan("Winter", key, token=stranger)  # their own key space
    assert "errors" not in theirs, theirs
    assert (
        theirs["data"]["planCohort"]["cohort"]["id"] != first["data"]["planCohort"]["cohort"]["id"]
    )
    assert faults.cohorts() == ["Winter"]
    assert faults.cohorts(stranger) == ["Winter"]

    bad = faults.plan("Winter", "no spaces allowed")
    assert outcome(bad) == ("BAD_INPUT", None), bad
    assert faults.cohorts() == ["Winter"]
