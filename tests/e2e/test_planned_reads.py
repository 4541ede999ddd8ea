"""A coordinator's reads planned into one statement (gateway/read_plan.py) answer exactly as the
usual path (per-field resolvers and DataLoaders) does, on generated data and generated
queries, and see only the caller's PIN, by their own filters and by row-level security alone.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from unittest import mock
from uuid import UUID, uuid4

import pytest
from graphql import get_operation_ast, parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.pin import pin_id_for
from domain.values import CohortState, EnglishLevel, LicenceStatus, OutcomeKind
from gateway import planned_reads
from gateway.auth import Authenticator, issue_token
from gateway.bootstrap import Platform, build_platform
from gateway.consistency import ConsistencyWaits
from gateway.context import RequestContext
from gateway.read_plan import plan
from gateway.schema import build_schema
from gateway.types import encode_cursor
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.privacy.use_cases import ErasePerson, erase_mentee
from services.settings import Settings
from tests.conftest import fresh_database, require_service

ADMIN = TenantContext(tenant_id=UUID(int=0), role=Role.ADMIN, actor="platform-admin")
PINS = ("north", "south")
PROFESSIONS = ("Engineering", "Accounting", "Medicine")
LANGUAGES = ("English", "Română", 'Quo"ted', "50%_off", "Français")
NAMES = ("Ana", "Bogdan", "O'Neil", "Zoë", 'Dr. "Q"', "李", "Ioana", "Radu", "ana", "Émile")


@dataclass
class World:
    platform: Platform
    tokens: dict[str, str]
    cohorts: dict[str, list[str]]
    seqs: list[int]


def _write(platform: Platform, rng: random.Random) -> dict[str, list[str]]:
    store = platform.store
    cohorts: dict[str, list[str]] = {}
    for slug in PINS:
        uc.register_pin(store, c.RegisterPin(slug, slug.title(), ["Any"], list(PROFESSIONS)), ADMIN)
        ctx = TenantContext(pin_id_for(slug), Role.COORDINATOR, f"{slug}-coordinator")
        cohorts[slug] = []
        for index in range(3):
            starts = date(2024, 1 + 4 * index, 8)
            planned = c.PlanCohort(f"Round {index} '{slug}'", starts, starts + timedelta(days=90))
            cohort = uc.plan_cohort(store, planned, ctx).id
            cohorts[slug].append(str(cohort))
            if index > 0:
                uc.start_cohort(store, c.StartCohort(cohort), ctx)
            for _group in range(rng.randint(1, 3)):
                profession = rng.choice(PROFESSIONS)
                mentor = uc.enrol_mentor(
                    store,
                    c.EnrolMentor(
                        rng.choice(NAMES),
                        profession,
                        rng.sample(LANGUAGES, rng.randint(1, 3)),
                        rng.choice(("Romanian", "Chinese", "Métis")),
                        email=rng.choice((None, "m@example.org")),
                        licence_status=rng.choice(list(LicenceStatus)),
                        capacity=rng.randint(1, 3),
                    ),
                    ctx,
                ).id
                group = uc.form_group_in_cohort(store, c.FormGroup(cohort, mentor, "G"), ctx).id
                mentees = []
                for _ in range(5 if _group == 0 else rng.randint(0, 6)):  # 5: the minimum
                    enrolled = c.EnrolMentee(
                        rng.choice(NAMES),
                        rng.choice(PROFESSIONS),
                        rng.choice(("Romania", "China", "France")),
                        rng.sample(LANGUAGES, rng.randint(1, 3)),
                        rng.choice(list(EnglishLevel)),
                        starts - timedelta(days=rng.randint(1, 60)),
                        email=rng.choice((None, "x@example.org")),
                        goals=rng.choice((None, "A licence", '50% "done"')),
                    )
                    mentee = uc.enrol_mentee(store, enrolled, ctx).id
                    uc.add_mentee_to_group(store, c.AddMenteeToGroup(group, mentee), ctx)
                    mentees.append(mentee)
                if mentees and rng.random() < 0.3:
                    uc.remove_mentee_from_group(
                        store, c.RemoveMenteeFromGroup(group, mentees.pop()), ctx
                    )
                for number in range(1, rng.randint(1, 4)):
                    held_on = starts + timedelta(weeks=2 * number)
                    uc.schedule_session(store, c.ScheduleSession(group, held_on, "Agenda"), ctx)
                    if rng.random() < 0.7 and mentees:
                        uc.record_session_held(store, c.RecordSessionHeld(group, number), ctx)
                        present = [m for m in mentees if rng.random() < 0.7]
                        absent = [m for m in mentees if m not in present]
                        attendance = c.RecordAttendance(group, number, present, absent)
                        uc.record_attendance(store, attendance, ctx)
                for mentee in mentees:
                    if rng.random() < 0.4:
                        kind = rng.choice(list(OutcomeKind))
                        outcome = c.RecordOutcome(mentee, kind, starts + timedelta(days=80), "ev")
                        uc.record_outcome(store, outcome, ctx)
                    if rng.random() < 0.3:
                        training = c.RecordTraining(mentee, "Workplace culture", starts)
                        uc.record_training(store, training, ctx)
                if rng.random() < 0.5:
                    uc.record_training(store, c.RecordTraining(mentor, "Facilitation", starts), ctx)
                if mentees and rng.random() < 0.3:
                    erase_mentee(store, ErasePerson(mentees[0]), ctx)
            if index > 1:
                uc.close_cohort(store, c.CloseCohort(cohort), ctx)
    head = store.recorder.max_notification_id() or 0
    while not platform.catch_up(head):
        pass
    return cohorts


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    with fresh_database(server) as url:
        platform = build_platform(Settings(database_url=url, consistency_timeout=5))
        try:
            cohorts = _write(platform, random.Random(14))
            tokens = {
                slug: issue_token(
                    platform.settings, role=Role.COORDINATOR, tenant=slug, subject="t"
                )
                for slug in PINS
            }
            with platform.read_models.reading() as conn:
                top = conn.execute("SELECT max(position) AS p FROM projection_tracking").fetchone()
            yield World(platform, tokens, cohorts, list(range(0, int(top["p"]) + 2, 7)))
        finally:
            platform.close()


PLANNED = build_schema(cache_size=0)
USUAL = build_schema(cache_size=0, planned=False)


def run(world: World, schema: Any, query: str, variables: Any = None, token: str = "") -> Any:
    async def execute() -> Any:
        context = RequestContext(
            platform=world.platform,
            authenticate=Authenticator(world.platform.settings, world.platform.read_models),
            authorization=f"Bearer {token}",
            waits=ConsistencyWaits(world.platform),
        )
        result = await schema.execute(query, variable_values=variables, context_value=context)
        errors = [
            (e.message, e.path, (e.extensions or {}).get("code")) for e in result.errors or []
        ]
        return result.data, errors

    return asyncio.run(execute())


def answered() -> Any:
    """A spy on the planned statement: how many ran, and answered (not failed into the usual
    path, which would answer all the same)."""
    counted = {"answered": 0}
    answer = planned_reads._answer

    def spy(conn: Any, planned: Any) -> Any:
        data = answer(conn, planned)
        counted["answered"] += 1
        return data

    return counted, mock.patch.object(planned_reads, "_answer", spy)


def both(world: World, query: str, variables: Any = None, slug: str = "north") -> Any:
    """The answers of the usual and the planned path, and how many planned reads answered."""
    token = world.tokens[slug]
    usual = run(world, USUAL, query, variables, token)
    counted, spying = answered()
    with spying:
        planned = run(world, PLANNED, query, variables, token)
    return usual, planned, counted["answered"]


# Types of the planned shapes: scalar fields, and nested fields with their type.
SCALARS = {
    "Group": ["id", "name", "menteeCount", "sessionsHeld", "plannedSessions", "minSize",
              "maxSize", "cohortId", "underMinimumSize"],
    "Mentee": ["id", "name", "email", "profession", "origin", "languages", "englishLevel",
               "goals", "enrolledOn"],
    "Mentor": ["id", "name", "email", "profession", "languages", "culturalBackground",
               "licenceStatus", "capacity"],
    "Cohort": ["id", "name", "startsOn", "endsOn", "plannedSessions", "minGroupSize",
               "maxGroupSize", "state", "groupCount", "menteeCount"],
    "Session": ["number", "scheduledOn", "agenda", "held"],
    "Attendance": ["menteeId", "present"],
    "Training": ["name", "completedOn"],
    "Outcome": ["id", "kind", "occurredOn", "evidence", "cohortId"],
}  # fmt: skip
NESTED = {
    "Group": {"mentor": "Mentor", "cohort": "Cohort", "mentees": "Mentee", "sessions": "Session"},
    "Mentee": {"trainings": "Training", "outcomes": "Outcome", "groups": "Group"},
    "Mentor": {"trainings": "Training"},
    "Session": {"attendance": "Attendance"},
}


@st.composite
def selection(draw: Any, kind: str, depth: int) -> str:
    names = list(SCALARS[kind]) + (list(NESTED.get(kind, {})) if depth > 0 else [])
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=6, unique=True))
    parts = []
    for index, name in enumerate(chosen):
        alias = f"a{index}: " if draw(st.booleans()) and draw(st.booleans()) else ""
        nested = NESTED.get(kind, {}).get(name)
        sub = " { " + draw(selection(nested, depth - 1)) + " }" if nested else ""
        parts.append(f"{alias}{name}{sub}")
    return " ".join(parts)


ROOTS = {"groups": "Group", "mentees": "Mentee", "mentors": "Mentor", "cohorts": "Cohort"}


@st.composite
def root_field(draw: Any, world: World, name: str) -> tuple[str, bool]:
    """A root field and whether it is planned (the resolvers take every argument)."""
    args = []
    first = draw(st.one_of(st.none(), st.integers(0, 25), st.sampled_from([-1, 100, 101])))
    if first is not None:
        args.append(f"first: {first}")
    after = draw(st.one_of(st.none(), st.sampled_from(world.seqs), st.just("garbage")))
    if after is not None:
        cursor = "not-a-cursor" if after == "garbage" else encode_cursor(after)
        args.append(f'after: "{cursor}"')
    if name in ("mentees", "mentors"):
        for arg, values in (
            ("profession", (*PROFESSIONS, "None")),
            ("language", LANGUAGES),
            ("nameContains", ("an", "ANA", "ë", "%", "_", "'", "", "x" * 101)),
        ):
            value = draw(st.one_of(st.none(), st.sampled_from(values)))
            if value is not None:
                args.append(f"{arg}: {_string(value)}")
    if name in ("mentees", "groups"):
        ids = world.cohorts["north"] + world.cohorts["south"] + [str(uuid4()), "not-an-id"]
        cohort = draw(st.one_of(st.none(), st.sampled_from(ids)))
        if cohort is not None:
            args.append(f'cohortId: "{cohort}"')
    if name == "cohorts":
        state = draw(st.one_of(st.none(), st.sampled_from([s.name for s in CohortState])))
        if state is not None:
            args.append(f"state: {state}")
    node = draw(selection(ROOTS[name], 2))
    info = draw(
        st.lists(
            st.sampled_from(["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"]),
            unique=True,
        )
    )
    parts = [draw(st.sampled_from(["totalCount", ""])), f"edges {{ cursor node {{ {node} }} }}"]
    if info:
        parts.append(f"pageInfo {{ {' '.join(info)} }}")
    arguments = f"({', '.join(args)})" if args else ""
    refused = ("first: -1", "first: 101", "not-a-cursor", "not-an-id", "x" * 101)
    planned = not any(bad in arguments for bad in refused)
    return f"{name}{arguments} {{ {' '.join(p for p in parts if p)} }}", planned


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def document(draw: Any, world: World) -> tuple[str, bool]:
    names = draw(st.lists(st.sampled_from(list(ROOTS)), min_size=1, max_size=2))
    fields = [draw(root_field(world, name)) for name in names]
    text = " ".join(f"r{i}: {field}" for i, (field, _) in enumerate(fields))
    return "{ " + text + " }", all(planned for _, planned in fields)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_planned_reads_answer_as_the_resolvers_do(world: World, data: st.DataObject) -> None:
    query, plannable = data.draw(document(world))
    slug = data.draw(st.sampled_from(PINS))
    usual, planned, reads = both(world, query, slug=slug)
    assert planned == usual, query
    # planned whenever the resolvers take the arguments and the cost is within the limit
    over_cost = any(code == "BAD_INPUT" and "cost" in m for m, _, code in usual[1])
    assert reads == (1 if plannable and not over_cost else 0), (query, usual[1])


def test_the_benchmark_shapes_are_planned_and_answer_as_before(world: World) -> None:
    shapes = [
        '{ mentees(first: 20, profession: "Engineering") { totalCount edges { node '
        "{ id name profession languages } } } }",
        "{ groups(first: 20) { totalCount edges { node { id name mentor { id name languages } "
        "mentees { id name profession } sessions { number scheduledOn held "
        "attendance { menteeId present } } } } } }",
        "query($n: Int, $p: String) { mentors(first: $n, profession: $p) { totalCount "
        "pageInfo { hasNextPage endCursor } edges { cursor node { id trainings { name } } } } }",
    ]
    for query in shapes:
        for slug in PINS:
            usual, planned, reads = both(world, query, {"n": 3, "p": "Medicine"}, slug)
            assert reads == 1, query  # one statement answered it
            assert planned == usual, query
            assert not usual[1], query
            assert "edges" in str(planned[0])


def test_every_field_of_every_row_answers_as_before(world: World) -> None:
    """Each planned field at least once over all the rows, for both PINs."""
    queries = (
        "{ groups(first: 60) { totalCount edges { cursor node { GROUP "
        "mentor { MENTOR trainings { TRAINING } } cohort { COHORT } mentees { id } "
        "sessions { SESSION attendance { ATTENDANCE } } } } pageInfo { hasNextPage "
        "hasPreviousPage startCursor endCursor } } }",
        "{ mentees(first: 100) { edges { node { MENTEE trainings { TRAINING } "
        "outcomes { OUTCOME } groups { id } } } } }",
        "{ cohorts(first: 100) { edges { node { COHORT } } } }",
    )
    for query in queries:
        for kind, fields in SCALARS.items():
            query = query.replace(kind.upper(), " ".join(fields))
        for slug in PINS:
            usual, planned, reads = both(world, query, slug=slug)
            assert not usual[1]
            assert reads == 1
            assert planned == usual


def test_what_is_not_planned_takes_the_usual_path(world: World) -> None:
    for query in (
        "{ groups { edges { node { id ...F } } } } fragment F on Group { name }",
        "{ groups { __typename edges { node { id } } } }",
        "{ groups(consistentWith: 1) { totalCount } }",
        "{ groups(first: 101) { totalCount } }",
        '{ mentees(after: "nope") { totalCount } }',
        "{ me { role } groups { totalCount } }",
    ):
        usual, planned, reads = both(world, query)
        assert reads == 0, query
        assert planned == usual, query


def test_a_mentor_takes_the_usual_path(world: World) -> None:
    with world.platform.read_models.reading(str(pin_id_for("north"))) as conn:
        mentor = conn.execute("SELECT id FROM mentors ORDER BY seq LIMIT 1").fetchone()["id"]
    token = issue_token(world.platform.settings, role=Role.MENTOR, tenant="north", subject=mentor)
    query = "{ groups { totalCount edges { node { id mentees { id } } } } }"
    counted, spying = answered()
    with spying:
        planned = run(world, PLANNED, query, token=token)
    assert counted["answered"] == 0
    assert planned == run(world, USUAL, query, token=token)


def _ids(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("id", "menteeId", "cohortId") and isinstance(item, str):
                found.add(item)
            found |= _ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ids(item)
    return found


def _own_ids(world: World, slug: str) -> set[str]:
    tenant = str(pin_id_for(slug))
    with world.platform.read_models.transaction() as tx:  # the owner: every PIN's rows
        rows = tx.execute(
            "SELECT id FROM mentees WHERE tenant_id = ? UNION SELECT id FROM mentors "
            "WHERE tenant_id = ? UNION SELECT id FROM mentoring_groups WHERE tenant_id = ? "
            "UNION SELECT id FROM cohorts WHERE tenant_id = ?",
            (tenant, tenant, tenant, tenant),
        ).fetchall()
    return {r["id"] for r in rows}


EVERYTHING = (
    "{ groups(first: 40) { edges { node { id cohortId mentor { id } cohort { id } "
    "mentees { id } sessions { attendance { menteeId } } } } } "
    "mentees(first: 100) { edges { node { id groups { id } outcomes { cohortId } } } } "
    "mentors(first: 100) { edges { node { id } } } }"
)


def test_a_planned_read_sees_only_the_callers_pin(world: World) -> None:
    north, south = _own_ids(world, "north"), _own_ids(world, "south")
    assert north
    assert south
    assert not north & south
    for slug, own, other in (("north", north, south), ("south", south, north)):
        _, (data, errors), reads = both(world, EVERYTHING, slug=slug)
        assert reads == 1
        assert not errors
        seen = _ids(data)
        assert seen
        assert seen <= own
        assert not seen & other
    # another PIN's cohort as a filter: nothing, as on the usual path
    query = '{ groups(cohortId: "COHORT") { totalCount } }'
    query = query.replace("COHORT", world.cohorts["south"][0])
    usual, planned, reads = both(world, query, slug="north")
    assert reads == 1
    assert planned == usual
    assert planned[0]["groups"]["totalCount"] == 0


def test_row_level_security_alone_holds_a_planned_statement_to_the_callers_pin(
    world: World,
) -> None:
    """The statement planned for south's tenant, run in north's read transaction: row-level
    security alone leaves it nothing of south's."""
    operation = get_operation_ast(parse(EVERYTHING))
    assert operation is not None
    south = str(pin_id_for("south"))
    planned = plan(PLANNED._schema, operation, {}, south)
    assert planned is not None
    with world.platform.read_models.reading(south) as conn:
        own = conn.execute(planned.sql, planned.params).fetchone()["data"]
    with world.platform.read_models.reading(str(pin_id_for("north"))) as conn:
        foreign = conn.execute(planned.sql, planned.params).fetchone()["data"]
    assert own["groups"]["edges"]
    assert own["mentees"]["edges"]
    assert foreign == {
        "groups": {"edges": []},
        "mentees": {"edges": []},
        "mentors": {"edges": []},
    }


def test_a_database_that_fails_is_answered_as_the_resolvers_answer_it(world: World) -> None:
    """UNAVAILABLE, located as graphql-core reports failing resolvers, and at once: the usual
    path is not tried against the same database again."""
    import psycopg

    from gateway import context as request_context

    async def down(*_: Any, **__: Any) -> Any:
        raise psycopg.OperationalError("the read models do not answer")

    query = "{ a: groups { totalCount } b: mentees { totalCount } }"
    with (
        mock.patch.object(request_context, "read_off_loop", down),
        mock.patch.object(planned_reads, "read_off_loop", wraps=down) as planned_read,
    ):
        usual = run(world, USUAL, query, token=world.tokens["north"])
        planned = run(world, PLANNED, query, token=world.tokens["north"])
    assert planned_read.call_count == 1
    assert usual[0] is None
    assert [(path, code) for _, path, code in usual[1]] == [(["a"], "UNAVAILABLE")]
    assert (planned[0], sorted(planned[1], key=str)) == (usual[0], sorted(usual[1], key=str))
