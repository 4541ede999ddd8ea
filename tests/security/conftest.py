"""The attack suite's world: two PINs with a full programme each, built once per store
(embedded SQLite, and PostgreSQL with row-level security) through the GraphQL API.

``arec`` runs two groups in one round, led by two mentors, has mentees waiting for a group,
a group proposal, an API key and a shared activity; ``cniea`` the same, smaller. Every person
carries a name, an e-mail and goals, outcomes carry evidence: the strings that must never
reach a caller who may not see them.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from domain.pin import pin_id_for
from gateway.app import create_app
from gateway.bootstrap import Platform, build_platform
from projections.database import TENANT_TABLES
from services.context import Role
from services.settings import Settings
from tests.conftest import GraphQLClient, fresh_database, require_service
from tests.e2e.conftest import ADD_MENTEE, PinProgramme, build_programme

ENROL_MENTOR = """
mutation($name: String!, $email: String, $capacity: Int!) {
  enrolMentor(input: {name: $name, email: $email, profession: "Engineering",
                      languages: ["Romanian", "English"], culturalBackground: "Romanian",
                      capacity: $capacity}) { mentor { id } position }
}"""
ENROL_MENTEE = """
mutation($name: String!, $email: String, $goals: String) {
  enrolMentee(input: {name: $name, email: $email, goals: $goals, profession: "Engineering",
                      origin: "Romania", languages: ["Romanian"], englishLevel: ADVANCED,
                      enrolledOn: "2024-01-03"}) { mentee { id } position }
}"""
FORM_GROUP = """
mutation($cohort: ID!, $mentor: ID!, $name: String!) {
  formGroup(input: {cohortId: $cohort, mentorId: $mentor, name: $name}) { group { id } }
}"""
HOLD_SESSION = """
mutation($group: ID!, $present: [ID!]!, $absent: [ID!]!) {
  scheduleSession(input: {groupId: $group, scheduledOn: "2024-02-05",
                          agenda: "Licensing roadmap"}) { position }
  recordSessionHeld(groupId: $group, number: 1) { position }
  recordAttendance(input: {groupId: $group, number: 1, present: $present, absent: $absent}) {
    position
  }
}"""
RECORD_OUTCOME = """
mutation($mentee: ID!, $evidence: String!) {
  recordOutcome(input: {menteeId: $mentee, kind: JOB_IN_FIELD, occurredOn: "2024-04-02",
                        evidence: $evidence}) { position }
}"""
RECORD_TRAINING = """
mutation($person: ID!) {
  recordTraining(personId: $person, name: "Canadian workplace culture",
                 completedOn: "2024-02-01") { position }
}"""
PROPOSE = """
mutation($cohort: ID!) { proposeGroups(cohortId: $cohort) { proposal { id state } position } }
"""
CREATE_KEY = """mutation { createApiKey(name: "HR system") { secret apiKey { id } position } }"""
HOST_ACTIVITY = """
mutation($title: String!) {
  hostSharedActivity(input: {title: $title, heldOn: "2024-03-10",
                             description: "Networking across cultures"}) {
    sharedActivity { id } position
  }
}"""
REGISTER = """
mutation($activity: ID!, $person: ID!) {
  registerForActivity(activityId: $activity, personId: $person) { position }
}"""
CHECKPOINT = "mutation { issueAuditCheckpoint { treeSize } }"

# Everything a PIN's coordinator can read of their own PIN: before and after an attack.
# (Several documents, each within the gateway's cost limit.)
SNAPSHOT = (
    """{
  pin { slug name communities professions }
  cohorts(first: 50) { totalCount edges { node { id name state groupCount menteeCount } } }
  groupProposals { id state edits rejectionReason placedCount }
  apiKeys { id name revoked }
  sharedActivities { id title registrationCount registrations { ownMember personId name } }
}""",
    """{ groups(first: 20) { totalCount edges { node {
    id name menteeCount sessionsHeld cohortId mentor { id } mentees { id }
    sessions { number held agenda attendance { menteeId present } }
} } } }""",
    """{ mentors(first: 50) { totalCount edges { node {
    id name email capacity trainings { name completedOn }
} } } }""",
    """{ mentees(first: 50) { totalCount edges { node {
    id name email goals trainings { name } outcomes { id kind evidence } groups { id }
} } } }""",
)


@dataclass
class Pin:
    """One PIN of the world and what it holds, by kind."""

    slug: str
    token: str
    programme: PinProgramme
    ids: dict[str, str] = field(default_factory=dict)
    """One id of each kind: cohort, group, mentor, mentee, proposal, apiKey, activity."""
    second_mentor_id: str = ""
    second_group_id: str = ""
    second_group_mentee_ids: list[str] = field(default_factory=list)
    waiting_mentee_ids: list[str] = field(default_factory=list)
    free_mentor_id: str = ""
    proposal_id: str = ""
    api_key_id: str = ""
    api_key: str = ""
    activity_id: str = ""
    last_position: int = 0
    personal: dict[str, set[str]] = field(default_factory=dict)
    """Names, e-mails, goals and evidence, by the id of the person they belong to."""

    def secrets(self, *, except_people: set[str] | frozenset[str] = frozenset()) -> set[str]:
        return {
            text
            for person, texts in self.personal.items()
            if person not in except_people
            for text in texts | {person}
        }


@dataclass
class World:
    store: str
    settings: Settings
    platform: Platform
    client: GraphQLClient
    arec: Pin
    cniea: Pin
    extra: dict[str, str] = field(default_factory=dict)
    """Credentials made along the way (e.g. a revoked API key), by name."""
    _apps: dict[str, Any] = field(default_factory=dict)

    def token(self, role: Role, tenant: str | None = None, subject: str = "probe") -> str:
        return self.client.token(role, tenant=tenant, subject=subject)

    def signed(self, role: Role, tenant: str | None, subject: str) -> str:
        """A token signed with the gateway's secret but not by ``issue_token``, which refuses
        some claims (a mentor subject that is no id): what any identity provider could sign."""
        now = int(time.time())
        claims = {
            "sub": subject,
            "role": str(role),
            "tenant": tenant,
            "aud": self.settings.jwt_audience,
            "iss": self.settings.jwt_issuer,
            "iat": now,
            "exp": now + 600,
        }
        present = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(present, self.settings.jwt_secret, algorithm="HS256")

    def snapshot(self, pin: Pin) -> dict[str, Any]:
        """Everything ``pin``'s coordinator reads, and the event store's last position."""
        view = [self.client.data(document, token=pin.token) for document in SNAPSHOT]
        return {"view": view, "position": self.platform.store.recorder.max_notification_id()}

    def state(self, pin: Pin) -> dict[str, Any]:
        """Every read-model row of ``pin`` (and the shared tables), read straight from the
        database, and the event store's last position: cheap enough to take around every
        attack. (Read models change only with events, so the position alone already tells
        that nothing was written anywhere.)"""
        tenant = str(pin_id_for(pin.slug))
        rows: dict[str, Any] = {}
        with self.platform.read_models.reading(tenant) as conn:
            for table in self._tables(conn):
                where = " WHERE tenant_id = ?" if table != "activity_registrations" else ""
                found = conn.execute(
                    f"SELECT * FROM {table}{where}", (tenant,) if where else ()
                ).fetchall()
                rows[table] = sorted(
                    json.dumps(dict(r), sort_keys=True, default=str) for r in found
                )
        return {"position": self.platform.store.recorder.max_notification_id(), "rows": rows}

    def _tables(self, conn: Any) -> list[str]:
        """The read-model tables that hold a tenant's rows (the audit trail's, which a thread
        fills behind the store, aside) and the registrations for shared activities."""
        if "tables" not in self._apps:
            if self.store == "postgres":
                found = conn.execute(
                    "SELECT table_name AS name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND column_name = 'tenant_id'"
                ).fetchall()
            else:
                found = conn.execute(
                    "SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) c "
                    "WHERE m.type = 'table' AND c.name = 'tenant_id'"
                ).fetchall()
            names = {r["name"] for r in found if not r["name"].startswith("audit_")}
            assert set(TENANT_TABLES) <= names, names
            self._apps["tables"] = sorted(names | {"activity_registrations"})
        tables: list[str] = self._apps["tables"]
        return tables

    def websocket(self) -> Any:
        """A graphql-transport-ws connection to a gateway over this world's platform (the
        platform already runs under uvicorn: no lifespan here)."""
        if "websocket" not in self._apps:
            self._apps["websocket"] = TestClient(create_app(self.platform))
        return self._apps["websocket"].websocket_connect(
            "/graphql", subprotocols=["graphql-transport-ws"]
        )


def receive(ws: WebSocketTestSession, timeout: float = 5.0) -> dict[str, Any]:
    """The next message, or TimeoutError when none comes within ``timeout`` seconds (a
    conversation the server left hanging); WebSocketDisconnect when the server closed."""
    import anyio

    async def get() -> Any:
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    message = ws.portal.call(get)
    ws._raise_on_close(message)
    received: dict[str, Any] = json.loads(message["text"])
    return received


def subscribe(
    ws: WebSocketTestSession,
    authorization: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Initialise (credentials in the payload), subscribe, and return the first answer:
    ``{"data": ..., "errors": [...]}`` like an HTTP body, or ``{"closed": code}``."""
    from starlette.websockets import WebSocketDisconnect

    init: dict[str, Any] = {"type": "connection_init"}
    if authorization is not None:
        init["payload"] = {"Authorization": authorization}
    try:
        ws.send_json(init)
        ack = receive(ws)
        if ack["type"] != "connection_ack":
            return {"closed": ack}
        ws.send_json(
            {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )
        message = receive(ws)
    except WebSocketDisconnect as closed:
        return {"closed": closed.code}
    if message["type"] == "next":
        payload: dict[str, Any] = message["payload"]
        return payload
    if message["type"] == "error":
        return {"data": None, "errors": message["payload"]}
    return {"closed": message}


def error_codes(body: dict[str, Any]) -> list[str]:
    return [(e.get("extensions") or {}).get("code", "") for e in body.get("errors") or []]


@contextmanager
def serving(platform: Platform, settings: Settings) -> Iterator[GraphQLClient]:
    """The gateway over ``platform`` on a free loopback port (uvicorn, real HTTP)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(platform), host="127.0.0.1", port=port, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gateway did not start")
        time.sleep(0.02)
    client = GraphQLClient(f"http://127.0.0.1:{port}", settings)
    try:
        yield client
    finally:
        client.http.close()
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def store_settings(store: str, directory: Path, **overrides: Any) -> Iterator[Settings]:
    if store == "sqlite":
        yield Settings(
            database_url=f"sqlite:///{directory}/events.db", consistency_timeout=5, **overrides
        )
        return
    with fresh_database(require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")) as url:
        yield Settings(database_url=url, consistency_timeout=5, **overrides)


def _pin(client: GraphQLClient, slug: str, size: int) -> Pin:
    """A PIN's programme: its first group (``size`` mentees) built as in tests/e2e, then a
    second mentor and group, mentees in no group, sessions, outcomes, a proposal, a key."""
    programme = build_programme(client, slug, mentees=size)
    token = programme.token
    pin = Pin(slug=slug, token=token, programme=programme)
    for i, first_group_mentee in enumerate(programme.mentee_ids):
        pin.personal[first_group_mentee] = {f"{slug} mentee {i}", f"{slug}{i}@example.org"}
    pin.personal[programme.mentor_id] = {f"Mentor of {slug}"}

    def run(document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        data = client.data(document, variables, token=token)
        for payload in data.values():
            if isinstance(payload, dict) and isinstance(payload.get("position"), int):
                pin.last_position = max(pin.last_position, payload["position"])
        return data

    def mentor(name: str, capacity: int) -> str:
        email = f"{name.split()[0].lower()}.{slug}@mentors.example.org"
        ident: str = run(ENROL_MENTOR, {"name": name, "email": email, "capacity": capacity})[
            "enrolMentor"
        ]["mentor"]["id"]
        pin.personal[ident] = {name, email}
        return ident

    def mentee(name: str) -> str:
        email = f"{name.replace(' ', '.').lower()}@newcomers.example.org"
        goals = f"Professional licence within a year, says {name}"
        ident: str = run(ENROL_MENTEE, {"name": name, "email": email, "goals": goals})[
            "enrolMentee"
        ]["mentee"]["id"]
        pin.personal[ident] = {name, email, goals}
        return ident

    pin.second_mentor_id = mentor(f"Radu Secundmentor {slug.upper()}", 1)
    pin.second_group_id = run(
        FORM_GROUP,
        {"cohort": programme.cohort_id, "mentor": pin.second_mentor_id, "name": "Second group"},
    )["formGroup"]["group"]["id"]
    for i in range(2 if slug == "cniea" else 5):
        ident = mentee(f"Ana Ionescu {slug.upper()} {i}")
        run(ADD_MENTEE, {"group": pin.second_group_id, "mentee": ident})
        pin.second_group_mentee_ids.append(ident)
    pin.waiting_mentee_ids = [mentee(f"Waiting Newcomer {slug.upper()} {i}") for i in range(2)]
    pin.free_mentor_id = mentor(f"Free Mentor {slug.upper()}", 2)

    first, second = programme.mentee_ids[0], pin.second_group_mentee_ids[0]
    for group, present, absent in (
        (programme.group_id, programme.mentee_ids[:-1], programme.mentee_ids[-1:]),
        (pin.second_group_id, pin.second_group_mentee_ids, []),
    ):
        run(HOLD_SESSION, {"group": group, "present": present, "absent": absent})
    for ident, evidence in (
        (first, f"Offer letter from Bridgeworks for {slug} mentee 0"),
        (second, f"Employment contract, structural design, {slug.upper()} second group"),
    ):
        run(RECORD_OUTCOME, {"mentee": ident, "evidence": evidence})
        pin.personal[ident].add(evidence)
    run(RECORD_TRAINING, {"person": second})
    run(RECORD_TRAINING, {"person": pin.second_mentor_id})

    proposal = run(PROPOSE, {"cohort": programme.cohort_id})["proposeGroups"]["proposal"]
    assert proposal["state"] == "PROPOSED", proposal
    pin.proposal_id = proposal["id"]
    issued = run(CREATE_KEY)["createApiKey"]
    pin.api_key_id, pin.api_key = issued["apiKey"]["id"], issued["secret"]
    pin.activity_id = run(HOST_ACTIVITY, {"title": f"{slug.upper()} open evening"})[
        "hostSharedActivity"
    ]["sharedActivity"]["id"]
    pin.ids = {
        "cohort": programme.cohort_id,
        "group": programme.group_id,
        "mentor": programme.mentor_id,
        "mentee": first,
        "proposal": pin.proposal_id,
        "apiKey": pin.api_key_id,
        "activity": pin.activity_id,
    }
    return pin


def _register(client: GraphQLClient, pin: Pin, activity: str, *people: str) -> None:
    for person in people:
        client.data(REGISTER, {"activity": activity, "person": person}, token=pin.token)


def build_world(store: str, settings: Settings, platform: Platform, client: GraphQLClient) -> World:
    arec, cniea = _pin(client, "arec", 6), _pin(client, "cniea", 5)
    # Each PIN sends members of both its groups and a waiting mentee to both activities.
    for pin in (arec, cniea):
        people = (pin.ids["mentee"], pin.second_group_mentee_ids[0], pin.waiting_mentee_ids[0])
        _register(client, pin, pin.activity_id, *people)
        _register(client, pin, (cniea if pin is arec else arec).activity_id, *people)
    admin = client.token(Role.ADMIN, tenant=None, subject="platform-admin")
    client.data(CHECKPOINT, token=admin)
    return World(store, settings, platform, client, arec, cniea)


@pytest.fixture(scope="package", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The world on one store, served over HTTP for the whole attack suite."""
    directory = tmp_path_factory.mktemp(f"security-{request.param}")
    with store_settings(request.param, directory) as settings:
        platform = build_platform(settings)
        try:
            with serving(platform, settings) as client:
                yield build_world(request.param, settings, platform, client)
        finally:
            platform.close()


def random_id() -> str:
    return str(uuid.uuid4())


def caught_up(platform: Platform, deadline: float = 300.0) -> None:
    """Wait until the read models hold every stored event (a bounded wait may give up on a
    busy machine; tests that read the read models as the truth must not)."""
    head = platform.store.recorder.max_notification_id() or 0
    give_up = time.monotonic() + deadline
    while not platform.catch_up(head):
        assert time.monotonic() < give_up, f"the read models never reached position {head}"
