"""How callers prove who they are: API keys a PIN manages itself, and tokens."""

from __future__ import annotations

import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import Authenticator, Unauthenticated
from gateway.bootstrap import Platform
from services.context import Role
from services.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.conftest import PinProgramme

CREATE_KEY = (
    'mutation { createApiKey(name: "HR system") { secret apiKey { id name revoked } position } }'
)
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revoked } } }"
MENTEES = "{ mentees { totalCount edges { node { id } } } }"


def test_a_pin_issues_its_own_api_key_and_queries_its_data_with_it(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    issued = gateway.data(CREATE_KEY, token=arec.token)["createApiKey"]
    key = issued["secret"]

    assert key.startswith("mk_")
    seen = gateway.data(MENTEES, token=key)["mentees"]
    assert seen["totalCount"] == 6
    assert {e["node"]["id"] for e in seen["edges"]} == set(arec.mentee_ids)
    listed = gateway.data("{ apiKeys { id name revoked } }", token=arec.token)["apiKeys"]
    assert listed == [issued["apiKey"]]
    assert gateway.data("{ apiKeys { id } }", token=cniea.token)["apiKeys"] == []


def test_a_revoked_or_altered_key_is_unauthenticated(
    gateway: GraphQLClient, arec: PinProgramme
) -> None:
    issued = gateway.data(CREATE_KEY, token=arec.token)["createApiKey"]
    key = issued["secret"]
    altered = key[:-2] + ("AA" if not key.endswith("AA") else "BB")

    assert gateway.error_code(MENTEES, token=altered) == "UNAUTHENTICATED"
    gateway.data(REVOKE_KEY, {"id": issued["apiKey"]["id"]}, token=arec.token)
    assert gateway.error_code(MENTEES, token=key) == "UNAUTHENTICATED"


def test_only_a_signed_in_coordinator_manages_keys_of_their_own_pin(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    issued = gateway.data(CREATE_KEY, token=arec.token)["createApiKey"]

    assert gateway.error_code(CREATE_KEY, token=issued["secret"]) == "FORBIDDEN"
    mentor = gateway.token(Role.MENTOR, tenant="arec", subject=arec.mentor_id)
    assert gateway.error_code(CREATE_KEY, token=mentor) == "FORBIDDEN"
    assert (
        gateway.error_code(REVOKE_KEY, {"id": issued["apiKey"]["id"]}, token=cniea.token)
        == "NOT_FOUND"
    )


def test_a_token_naming_a_pin_that_does_not_exist_is_unauthenticated(
    gateway: GraphQLClient, arec: PinProgramme
) -> None:
    ghost = gateway.token(Role.COORDINATOR, tenant="ghost")
    assert gateway.error_code(MENTEES, token=ghost) == "UNAUTHENTICATED"


def test_rs256_tokens_verify_with_the_configured_public_key(
    platform: Platform, arec: PinProgramme
) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings = Settings(jwt_algorithm="RS256", jwt_public_key=public_pem)
    authenticate = Authenticator(settings, platform.read_models)
    now = int(time.time())
    claims = {
        "sub": "idp-user",
        "role": "coordinator",
        "tenant": "arec",
        "aud": "mentoring",
        "iss": "mentoring",
        "exp": now + 60,
    }

    caller = authenticate(f"Bearer {jwt.encode(claims, private, algorithm='RS256')}")
    assert caller.role == Role.COORDINATOR

    hs256 = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")  # algorithm confusion
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for forged in (hs256, jwt.encode(claims, other, algorithm="RS256")):
        try:
            authenticate(f"Bearer {forged}")
        except Unauthenticated:
            continue
        raise AssertionError("a token not signed by the configured key was accepted")
