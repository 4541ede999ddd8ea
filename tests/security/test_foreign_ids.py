"""arec's coordinator tries every id of cniea in every field that takes an id.

Every query, mutation and subscription argument typed ``ID`` (input objects included) is
found in the schema, so a new field is attacked without being listed here. Each answer must
read exactly like the answer for a random id (the same error, message up to the id itself),
be ``NOT_FOUND`` for a lookup or a write, an empty page for a filter, and leave cniea, and
the whole event store, as they were.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from services.context import Role
from tests.security.conftest import World, error_codes, random_id, subscribe
from tests.security.probes import (
    IdPath,
    arguments,
    document,
    id_kind,
    id_paths,
    leaked,
    normalised,
    spellings,
)

KINDS = ("cohort", "group", "mentor", "mentee", "proposal", "apiKey", "activity")

# Where another PIN's id is legitimately usable: shared activities are hosted by one PIN and
# open to the members of every PIN (a PIN registers its own members for them).
SHARED = {
    ("sharedActivity", "id"): "every PIN sees every shared activity",
    ("registerForActivity", "activityId"): "a PIN registers its members for any PIN's activity",
    ("cancelActivityRegistration", "activityId"): "... and cancels its members' registrations",
}

# Ids checked against a record's contents rather than looked up: any id that is not among
# them gets the same refusal, so another PIN's id still reads exactly like a random one.
NOT_LOOKED_UP = {
    "recordAttendance(input.present)": "INVARIANT_VIOLATION",  # not a member of the group
    "recordAttendance(input.absent)": "INVARIANT_VIOLATION",
    "editProposal(moves.menteeId)": "BAD_INPUT",  # not a mentee of the proposal
    "cancelActivityRegistration(personId)": "INVARIANT_VIOLATION",  # not registered by this PIN
}

PATHS = id_paths()


def kind_of(target: IdPath) -> str:
    kind = id_kind(target)
    if kind is None:
        pytest.fail(
            f"{target} takes an id of an unknown kind: add {target.name!r} to ARG_KINDS "
            f"(or {target.root.returns!r} to RETURN_KINDS) in tests/security/probes.py"
        )
    return kind


def right_kinds(target: IdPath) -> set[str]:
    kind = kind_of(target)
    return {"mentee", "mentor"} if kind == "person" else {kind}


def own_id(world: World, target: IdPath, path: tuple[str, ...]) -> str:
    """A valid value of arec's for every id but the attacked one."""
    arec = world.arec
    name = path[-1]
    kind = kind_of(IdPath(target.root, path))
    if kind in ("mentee", "person"):
        return arec.waiting_mentee_ids[1 if name == "secondId" else 0]
    return {
        "mentor": arec.free_mentor_id,
        "group": arec.ids["group"],
        "cohort": arec.ids["cohort"],
        "activity": world.cniea.activity_id,  # where cniea's member is registered
        "proposal": arec.proposal_id,
        "apiKey": arec.api_key_id,
    }[kind]


def call(world: World, target: IdPath, value: Any, token: str | None = None) -> dict[str, Any]:
    """``target``'s field called as arec's coordinator with ``value`` at the attacked path."""

    def id_for(path: tuple[str, ...]) -> Any:
        return value if path == target.path else own_id(world, target, path)

    values = arguments(target.root, id_for, target.path)
    query = document(target.root, values, depth=4)
    token = token or world.arec.token
    if target.root.operation == "subscription":
        with world.websocket() as ws:
            return subscribe(ws, f"Bearer {token}", query, values)
    return world.client.execute(query, values, token=token)


def expected_code(target: IdPath) -> str | None:
    if target.optional_filter:
        return None  # a filter that matches nothing: an empty answer
    return NOT_LOOKED_UP.get(str(target), "NOT_FOUND")


def attacks(world: World, target: IdPath) -> dict[str, str]:
    """cniea's ids of the right kind, and of two other kinds (shared activities aside where
    they are meant to be usable)."""
    shared = (target.root.name, target.name) in SHARED
    right = sorted(right_kinds(target))
    others = [k for k in KINDS if k not in right and not (shared and k == "activity")]
    chosen = [k for k in right if not (shared and k == "activity")] + others[:2]
    return {f"cniea's {kind}": world.cniea.ids[kind] for kind in chosen}


@pytest.fixture(scope="module", autouse=True)
def cniea_before(world: World) -> dict[str, Any]:
    """What cniea's coordinator reads before the first attack of this module."""
    return world.snapshot(world.cniea)


@pytest.mark.parametrize("target", PATHS, ids=str)
def test_another_pins_id_reads_exactly_like_a_random_id(world: World, target: IdPath) -> None:
    before = world.state(world.cniea)
    unknown = random_id()
    controls = [call(world, target, form) for form in spellings(unknown)]
    expected = expected_code(target)
    if expected is None:
        assert "errors" not in controls[0], controls[0]
    else:
        assert error_codes(controls[0]) == [expected], controls[0]

    right = right_kinds(target)
    for label, foreign in attacks(world, target).items():
        right_kind = label.split()[-1] in right
        forms = spellings(foreign) if right_kind else [foreign]
        for form, control in zip(forms, controls, strict=False):
            answer = call(world, target, form)
            assert normalised(answer, foreign) == normalised(control, unknown), (
                f"{target} with {label} ({form}) answers differently from a random id:\n"
                f"{answer}\nvs\n{control}"
            )
            # (the id itself is echoed back in the message, as any id is)
            assert not leaked(answer, world.cniea.secrets() - {foreign}), (label, answer)

    assert world.state(world.cniea) == before, f"{target} changed cniea's data"


@pytest.mark.parametrize("target", PATHS, ids=str)
def test_a_malformed_id_is_bad_input(world: World, target: IdPath) -> None:
    before = world.state(world.cniea)
    for malformed in ("not-an-id", "' OR '1'='1", "1" * 5000):
        answer = call(world, target, malformed)
        assert error_codes(answer) == ["BAD_INPUT"], (target, malformed, answer)
    assert world.state(world.cniea) == before


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    target=st.sampled_from([p for p in PATHS if p.root.operation != "subscription"]),
    text=st.text(max_size=80) | st.uuids().map(str),
)
def test_any_id_at_all_gets_a_coded_answer(world: World, target: IdPath, text: str) -> None:
    """Random strings where ids go: BAD_INPUT unless they parse as a UUID, then the answer
    for an unknown id; never an internal error, never a byte of cniea."""
    assume(text or not target.optional_filter)  # see test_an_empty_id_is_bad_input_even_in_a_filter
    answer = call(world, target, text)
    try:
        uuid.UUID(text)
    except ValueError:
        assert error_codes(answer) == ["BAD_INPUT"], answer
        return
    expected = expected_code(target)
    assert error_codes(answer) == ([expected] if expected else []), answer
    assert not leaked(answer, world.cniea.secrets() - {text})


@pytest.mark.parametrize("target", [pytest.param(p, id=str(p)) for p in PATHS if p.optional_filter])
def test_an_empty_id_is_bad_input_even_in_a_filter(world: World, target: IdPath) -> None:
    answer = call(world, target, "")
    assert error_codes(answer) == ["BAD_INPUT"], answer


SHARED_ACTIVITY = """query($id: ID!) { sharedActivity(id: $id) {
  id title hostName registrationCount registrations { kind ownMember personId name }
} }"""


def test_another_pins_shared_activity_is_visible_without_its_people(world: World) -> None:
    """Shared activities are open to every PIN, but another PIN's registrations carry no id
    and no name; one's own members are shown."""
    arec, cniea = world.arec, world.cniea
    activity = world.client.data(SHARED_ACTIVITY, {"id": cniea.activity_id}, token=arec.token)[
        "sharedActivity"
    ]
    own = [r for r in activity["registrations"] if r["ownMember"]]
    others = [r for r in activity["registrations"] if not r["ownMember"]]
    assert len(own) == 3
    assert len(others) == 3
    assert all(r["personId"] is None and r["name"] is None for r in others)
    assert not leaked(activity, cniea.secrets())


INCLUSION = "query($p: Int!) { inclusionProof(position: $p) { position leafHash document } }"
CHECKPOINTS = "query($pin: String) { auditCheckpoints(pin: $pin) { tree treeSize } }"


def test_audit_proofs_of_another_pins_events_read_as_unknown(world: World) -> None:
    """Positions are not ids, but they point at one PIN's events: arec's coordinator gets no
    proof of cniea's event, and no checkpoint of cniea's tree; a funder gets both (proofs
    for auditors are the point of the trail)."""
    arec, cniea = world.arec, world.cniea
    position = cniea.last_position
    foreign = world.client.execute(INCLUSION, {"p": position}, token=arec.token)
    unknown = world.client.execute(INCLUSION, {"p": 10**9}, token=arec.token)
    assert error_codes(foreign) == ["NOT_FOUND"], foreign
    assert foreign["errors"][0]["message"].replace(str(position), "N") == unknown["errors"][0][
        "message"
    ].replace(str(10**9), "N")
    assert error_codes(world.client.execute(CHECKPOINTS, {"pin": "cniea"}, token=arec.token)) == [
        "FORBIDDEN"
    ]

    funder = world.token(Role.FUNDER, subject="allies")
    admin = world.token(Role.ADMIN, subject="platform-admin")
    world.client.data('mutation { issueAuditCheckpoint(pin: "cniea") { treeSize } }', token=admin)
    assert world.client.data(CHECKPOINTS, {"pin": "cniea"}, token=funder)["auditCheckpoints"]
    world.client.data("mutation { issueAuditCheckpoint { treeSize } }", token=admin)
    proof = world.client.data(INCLUSION, {"p": position}, token=funder)["inclusionProof"]
    assert proof["position"] == position


SUBSCRIBE = "subscription($after: Int) { activity(after: $after) { position eventType recordId } }"


def test_the_activity_stream_replays_only_ones_own_pin(world: World) -> None:
    """Resuming the stream from the very beginning replays arec's history and nothing of
    cniea's (whose events are interleaved with arec's in the store)."""
    arec, cniea = world.arec, world.cniea
    foreign = (
        set(cniea.personal)
        | set(cniea.ids.values())
        | {
            cniea.programme.group_id,
            cniea.second_group_id,
        }
    )
    seen = []
    with world.websocket() as ws:
        first = subscribe(ws, f"Bearer {arec.token}", SUBSCRIBE, {"after": 0})
        assert "errors" not in first, first
        seen.append(first["data"]["activity"])
        while seen[-1]["position"] < arec.last_position:
            message = ws.receive_json()
            assert message["type"] == "next", message
            seen.append(message["payload"]["data"]["activity"])
    assert len(seen) > 30
    assert not {a["recordId"] for a in seen} & foreign
    assert {a["recordId"] for a in seen} >= {arec.ids["cohort"], arec.ids["group"]}


def test_cniea_reads_the_same_after_every_attack(world: World, cniea_before: Any) -> None:
    """(Runs last in this module: everything cniea's coordinator reads, unchanged.)"""
    assert world.snapshot(world.cniea) == cniea_before
