"""Three findings of an outside tester (issue 11, item 7), each decided and held here:

1. an API key's expiry lies in the future, within a year, and names its timezone;
2. a mentor token is valid only while its subject is a mentor of the token's PIN, not erased;
3. a coordinator signs checkpoints of their own PIN's tree only; the global tree is signed on
   schedule, or on demand by the platform admin; the funder verifies and signs nothing.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.audit.records import GLOBAL_TREE
from domain.pin import pin_id_for
from gateway.auth import MENTOR_RECHECK_SECONDS, issue_token
from services.context import Role
from tests.security.conftest import World, error_codes, subscribe

CREATE_KEY = """mutation($expires: DateTime) {
  createApiKey(name: "expiring", expiresAt: $expires) { secret apiKey { id expiresAt } }
}"""
ME = "{ me { role actor tenantId } }"
GROUPS = "{ groups(first: 5) { totalCount } }"
SUBSCRIBE = "subscription { activity(after: 0) { position } }"


def _refused(world: World, answer: dict[str, Any], code: str) -> str:
    """The one error's message, after checking its code and that no data came with it."""
    assert answer.get("data") is None, answer
    assert error_codes(answer) == [code], answer
    message: str = answer["errors"][0]["message"]
    for secret in world.arec.secrets() | world.cniea.secrets():
        assert secret not in message, message
    return message


# --- 1. API key expiry ---------------------------------------------------------------------


def test_an_api_key_cannot_expire_now_in_the_past_far_ahead_or_at_no_stated_timezone(
    world: World,
) -> None:
    now = datetime.now(UTC)
    refused = {
        "a minute ago": (now - timedelta(minutes=1)).isoformat(),
        "years ago": "2020-01-01T00:00:00+00:00",
        "in ten years": (now + timedelta(days=3650)).isoformat(),
        "the end of time, west of UTC": "9999-12-31T23:59:59-12:00",
        "no timezone": (now + timedelta(days=30)).replace(tzinfo=None).isoformat(),
    }
    before = world.platform.store.recorder.max_notification_id()
    for case, expires in refused.items():
        answer = world.client.execute(CREATE_KEY, {"expires": expires}, token=world.arec.token)
        message = _refused(world, answer, "BAD_INPUT")
        assert "expiresAt" in message, (case, message)
    assert world.platform.store.recorder.max_notification_id() == before


def test_an_api_key_expiring_within_a_year_is_issued_and_its_expiry_given_in_utc(
    world: World,
) -> None:
    toronto = timezone(timedelta(hours=-5))
    sent = (datetime.now(UTC) + timedelta(days=30)).astimezone(toronto).isoformat()
    issued = world.client.data(CREATE_KEY, {"expires": sent}, token=world.arec.token)
    key = issued["createApiKey"]

    shown = datetime.fromisoformat(key["apiKey"]["expiresAt"])
    assert shown == datetime.fromisoformat(sent)
    assert shown.utcoffset() == timedelta(0)
    assert world.client.data(ME, token=key["secret"])["me"]["role"] == "coordinator"


# --- 2. mentor tokens ----------------------------------------------------------------------

ENROL_MENTOR = """mutation {
  enrolMentor(input: {name: "Short-lived Mentor", profession: "Engineering",
                      languages: ["Romanian"], culturalBackground: "Romanian"}) {
    mentor { id } position
  }
}"""
ERASE_MENTOR = "mutation($id: ID!) { eraseMentor(id: $id) { privacy { erased } position } }"


def _bad_token_message(world: World) -> str:
    """What any invalid token is told: a token naming a PIN that does not exist."""
    ghost = world.token(Role.COORDINATOR, tenant="ghost")
    return _refused(world, world.client.execute(ME, token=ghost), "UNAUTHENTICATED")


def test_a_mentor_token_whose_subject_is_no_mentor_of_its_pin_is_unauthenticated(
    world: World,
) -> None:
    arec, cniea = world.arec, world.cniea
    mentor_id = arec.programme.mentor_id
    subjects = {
        "a random id": ("arec", str(uuid.uuid4())),
        "a mentee of the PIN": ("arec", arec.programme.mentee_ids[0]),
        "the PIN's coordinator": ("arec", "arec-coordinator"),
        "a mentor of another PIN": ("arec", cniea.programme.mentor_id),
        "the PIN's mentor, in another PIN": ("cniea", mentor_id),
        "the PIN's mentor, spelt in capitals": ("arec", mentor_id.upper()),
        "the PIN's mentor, without dashes": ("arec", mentor_id.replace("-", "")),
    }
    expected = _bad_token_message(world)
    for case, (tenant, subject) in subjects.items():
        token = world.signed(Role.MENTOR, tenant=tenant, subject=subject)
        for query in (ME, GROUPS):
            message = _refused(world, world.client.execute(query, token=token), "UNAUTHENTICATED")
            assert message == expected, (case, message)
        with world.websocket() as ws:
            answer = subscribe(ws, f"Bearer {token}", SUBSCRIBE)
        if "closed" not in answer:
            assert error_codes(answer) == ["UNAUTHENTICATED"], (case, answer)

    control = world.token(Role.MENTOR, tenant="arec", subject=mentor_id)
    assert world.client.data(ME, token=control)["me"]["actor"] == mentor_id


def test_an_erased_mentors_token_is_unauthenticated(world: World) -> None:
    coordinator = world.arec.token
    enrolled = world.client.data(ENROL_MENTOR, token=coordinator)["enrolMentor"]
    mentor_id = enrolled["mentor"]["id"]
    world.platform.catch_up(enrolled["position"])
    token = world.token(Role.MENTOR, tenant="arec", subject=mentor_id)
    assert world.client.data(ME, token=token)["me"]["actor"] == mentor_id

    erased = world.client.data(ERASE_MENTOR, {"id": mentor_id}, token=coordinator)
    assert erased["eraseMentor"]["privacy"]["erased"] is True

    # The gateway remembers a mentor it has checked for a few seconds, no longer.
    deadline = time.monotonic() + MENTOR_RECHECK_SECONDS + 5
    while True:
        answer = world.client.execute(ME, token=token)
        if answer.get("errors") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert _refused(world, answer, "UNAUTHENTICATED") == _bad_token_message(world)


def test_a_mentor_token_with_a_subject_of_any_shape_is_refused_without_an_internal_error(
    world: World,
) -> None:
    """Subjects come from a signed token, but an identity provider may put anything there."""
    for subject in ("\x00", "x" * 5000, "'; DROP TABLE mentors; --", " " + str(uuid.uuid4())):
        token = world.signed(Role.MENTOR, tenant="arec", subject=subject)
        _refused(world, world.client.execute(ME, token=token), "UNAUTHENTICATED")


def test_mentoring_token_refuses_to_sign_a_mentor_token_for_no_mentor_id(world: World) -> None:
    """`mentoring token --role mentor` without `--subject` used to print a token that read
    nothing; the gateway now refuses it, so it is not signed at all."""
    for subject in ("arec-mentor", "", world.arec.programme.mentor_id.upper()):
        with pytest.raises(ValueError, match="subject must be the mentor's id"):
            issue_token(world.settings, role=Role.MENTOR, tenant="arec", subject=subject)
    mentor_id = world.arec.programme.mentor_id
    token = issue_token(world.settings, role=Role.MENTOR, tenant="arec", subject=mentor_id)
    assert world.client.data(ME, token=token)["me"]["actor"] == mentor_id


# --- 3. audit checkpoints ------------------------------------------------------------------

ISSUE = "mutation($pin: String) { issueAuditCheckpoint(pin: $pin) { tree treeSize } }"


def _global_checkpoints(world: World) -> list[Any]:
    assert world.platform.audit is not None
    return [c.to_json() for c in world.platform.audit.log.checkpoints(GLOBAL_TREE, 100)]


def test_a_coordinator_signs_their_own_pins_checkpoint_and_not_the_global_one(
    world: World,
) -> None:
    arec = world.arec
    before = _global_checkpoints(world)
    for pin in (None, "global", "cniea"):
        answer = world.client.execute(ISSUE, {"pin": pin}, token=arec.token)
        message = _refused(world, answer, "FORBIDDEN")
        assert str(pin_id_for("cniea")) not in message, message
    assert _global_checkpoints(world) == before

    own = world.client.data(ISSUE, {"pin": "arec"}, token=arec.token)["issueAuditCheckpoint"]
    assert own["tree"] == str(pin_id_for("arec"))
    assert own["treeSize"] > 0


def test_the_platform_admin_signs_any_tree_and_the_funder_none(world: World) -> None:
    admin = world.token(Role.ADMIN, subject="platform-admin")
    funder = world.token(Role.FUNDER, subject="allies")
    network = world.token(Role.NETWORK, subject="imn")
    mentor = world.token(Role.MENTOR, tenant="arec", subject=world.arec.programme.mentor_id)

    for token in (funder, network, mentor):
        for pin in (None, "arec"):
            _refused(world, world.client.execute(ISSUE, {"pin": pin}, token=token), "FORBIDDEN")

    signed = world.client.data(ISSUE, {"pin": None}, token=admin)["issueAuditCheckpoint"]
    assert signed["tree"] == GLOBAL_TREE
    assert _global_checkpoints(world)[0]["tree_size"] == signed["treeSize"]
    pin = world.client.data(ISSUE, {"pin": "cniea"}, token=admin)["issueAuditCheckpoint"]
    assert pin["tree"] == str(pin_id_for("cniea"))
    # The funder still reads what was signed: verifying is their part.
    checkpoints = "query($pin: String) { auditCheckpoints(pin: $pin) { treeSize } }"
    assert world.client.data(checkpoints, {"pin": "cniea"}, token=funder)["auditCheckpoints"]
