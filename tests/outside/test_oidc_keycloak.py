"""Signing in through a real Keycloak: the real ``mentoring serve`` with OpenID Connect settings
pointing at it, met over TCP as a browser meets both (httpx, one cookie jar, no redirects
followed by themselves).

The realm (deploy/keycloak/mentoring-realm.json) requires PKCE S256 of the console's client and
maps the users' ``role`` and ``tenant`` attributes, and the audience the gateway checks, into
the tokens.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import Unauthenticated, claim, token_role
from services.context import Role
from tests.integration.test_production_secrets import assert_refused, mentoring
from tests.keycloak import (
    Keycloak,
    User,
    keycloak_fixture,  # noqa: F401  (the fixture `keycloak`)
    log_in_at_keycloak,
    query_of,
    start_sign_in,
    submit_credentials,
    with_query,
)
from tests.keycloak import browser as new_browser
from tests.outside.conftest import Served, environment, free_port, start, stop, wait_until_ready

SESSION_COOKIE = "mentoring_session"
FLOW_COOKIE = "mentoring_oidc"
WHO = "{ me { role actor tenantId } pin { slug } cohorts(first: 50) { edges { node { id } } } }"
COHORT = "query($id: ID!) { cohort(id: $id) { id name } }"


@pytest.fixture(scope="module")
def gateway(keycloak: Keycloak, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo programme served by ``mentoring serve``, signing in through Keycloak."""
    logs = tmp_path_factory.mktemp("oidc")
    port = free_port()
    served = Served(
        "embedded",
        f"http://127.0.0.1:{port}",
        environment(MENTORING_DATABASE_URL=f"sqlite:///{logs}/events.db", **keycloak.gateway_env()),
        logs,
    )
    try:
        seeded = served.cli("demo", "--no-serve")
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        start(served, "serve", "serve", "--port", str(port))
        wait_until_ready(served)
        yield served
    finally:
        stop(served)


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    """A browser of its own per test: one cookie jar for the gateway and Keycloak."""
    with new_browser() as client:
        yield client


def begin(browser: httpx.Client, gateway: Served) -> httpx.Response:
    return start_sign_in(browser, gateway.base_url)


def at_keycloak(browser: httpx.Client, gateway: Served, user: User) -> str:
    return log_in_at_keycloak(browser, gateway.base_url, user)


def sign_in(browser: httpx.Client, gateway: Served, user: User) -> httpx.Response:
    return browser.get(at_keycloak(browser, gateway, user))


def session_token(answer: httpx.Response) -> str:
    cookie = answer.cookies.get(SESSION_COOKIE)
    assert cookie, (answer.status_code, answer.headers, answer.text[:500])
    return cookie


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_a_coordinator_signs_in_through_keycloak_and_reads_only_their_pin(
    gateway: Served, keycloak: Keycloak, browser: httpx.Client
) -> None:
    to_keycloak = begin(browser, gateway)
    authorize = query_of(to_keycloak.headers["location"])
    assert to_keycloak.headers["location"].startswith(keycloak.metadata["authorization_endpoint"])
    assert authorize["code_challenge_method"] == "S256"
    assert len(authorize["code_challenge"]) == 43  # base64url of a SHA-256
    assert authorize["state"]
    assert authorize["nonce"]
    assert authorize["client_id"] == "mentoring-console"
    assert authorize["redirect_uri"] == f"{gateway.base_url}/auth/callback"
    flow = to_keycloak.headers["set-cookie"].lower()
    assert "httponly" in flow
    assert "samesite=lax" in flow
    assert "path=/auth/callback" in flow

    callback = submit_credentials(
        browser, browser.get(to_keycloak.headers["location"]), keycloak.users["arec-coordinator"]
    )
    assert callback.startswith(f"{gateway.base_url}/auth/callback?")
    assert query_of(callback)["state"] == authorize["state"]
    answer = browser.get(callback)
    assert answer.status_code == 303, answer.text[:1000]
    assert answer.headers["location"] == "/"
    token = session_token(answer)
    cookie = next(
        v for k, v in answer.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    ).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert browser.get(f"{gateway.base_url}/").status_code == 200  # the home page, signed in

    arec = gateway.data(WHO, token=token)
    assert arec["me"]["role"] == "coordinator"
    assert arec["pin"]["slug"] == "arec"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == keycloak.issuer
    assert "mentoring" in claims["aud"]
    assert claims["tenant"] == "arec"
    assert claims["role"] == "coordinator"

    with new_browser() as other_browser:
        iccc_token = session_token(
            sign_in(other_browser, gateway, keycloak.users["iccc-coordinator"])
        )
    iccc = gateway.data(WHO, token=iccc_token)
    assert iccc["pin"]["slug"] == "iccc"
    arec_cohorts = {e["node"]["id"] for e in arec["cohorts"]["edges"]}
    iccc_cohorts = {e["node"]["id"] for e in iccc["cohorts"]["edges"]}
    assert arec_cohorts
    assert iccc_cohorts
    assert not arec_cohorts & iccc_cohorts
    # arec's coordinator asking for one of iccc's cohorts: as if it did not exist.
    foreign = gateway.post(COHORT, {"id": sorted(iccc_cohorts)[0]}, token=token).json()
    assert codes(foreign) == ["NOT_FOUND"], foreign


def test_a_funder_signs_in_without_a_pin(
    gateway: Served, keycloak: Keycloak, browser: httpx.Client
) -> None:
    answer = sign_in(browser, gateway, keycloak.users["funder"])
    assert answer.status_code == 303, answer.text[:1000]
    me = gateway.data("{ me { role } }", token=session_token(answer))["me"]
    assert me["role"] == "funder"


def test_a_callback_with_another_state_is_refused(
    gateway: Served, keycloak: Keycloak, browser: httpx.Client
) -> None:
    callback = at_keycloak(browser, gateway, keycloak.users["arec-coordinator"])
    forged = browser.get(with_query(callback, state=uuid.uuid4().hex + "\u00e9"))
    assert forged.status_code == 400
    assert SESSION_COOKIE not in forged.cookies
    assert "does not match" in forged.text
    # The flow is over: the right state afterwards finds no sign-in to finish.
    again = browser.get(callback)
    assert again.status_code == 400
    assert SESSION_COOKIE not in again.cookies


def test_a_callback_this_browser_did_not_start_is_refused(
    gateway: Served, keycloak: Keycloak, browser: httpx.Client
) -> None:
    """Login CSRF: an attacker's own code and state, sent to a victim's browser."""
    callback = at_keycloak(browser, gateway, keycloak.users["arec-coordinator"])
    with new_browser() as victim:
        answer = victim.get(callback)
    assert answer.status_code == 400
    assert SESSION_COOKIE not in answer.cookies
    # A flow cookie altered by hand is no flow at all.
    flow = browser.cookies.get(FLOW_COOKIE)
    assert flow
    body, _, mac = flow.partition(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["state"] = "chosen-by-the-attacker"
    altered = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    with new_browser() as victim:
        victim.cookies.set(FLOW_COOKIE, f"{altered}.{mac}", domain="127.0.0.1")
        answer = victim.get(with_query(callback, state="chosen-by-the-attacker"))
    assert answer.status_code == 400
    assert SESSION_COOKIE not in answer.cookies


def _part(token: str, index: int) -> dict[str, Any]:
    piece = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))
    return decoded


def _encode(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_a_tampered_token_is_refused(
    gateway: Served, keycloak: Keycloak, browser: httpx.Client
) -> None:
    token = session_token(sign_in(browser, gateway, keycloak.users["arec-coordinator"]))
    header, payload, signature = token.split(".")
    claims = _part(token, 1)
    assert gateway.data("{ pin { slug } }", token=token)["pin"]["slug"] == "arec"

    another_pin = f"{header}.{_encode({**claims, 'tenant': 'iccc'})}.{signature}"
    another_role = f"{header}.{_encode({**claims, 'role': 'admin'})}.{signature}"
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    bad_signature = f"{header}.{payload}.{flipped}"
    # Signed with another key under the provider's key id: the gateway trusts only the JWKS.
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = _part(token, 0)["kid"]
    own_key = jwt.encode({**claims, "tenant": "iccc"}, stranger, "RS256", headers={"kid": kid})
    unsigned = f"{_encode({'alg': 'none', 'typ': 'JWT'})}.{_encode(claims)}."
    hs256 = jwt.encode(claims, "a-shared-secret-nobody-configured", algorithm="HS256")
    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 60}, stranger, "RS256", headers={"kid": kid}
    )
    for name, forged in {
        "tenant changed": another_pin,
        "role changed": another_role,
        "signature changed": bad_signature,
        "another key": own_key,
        "alg none": unsigned,
        "HS256": hs256,
        "expired, another key": expired,
    }.items():
        answer = gateway.post("{ pin { slug } }", token=forged).json()
        assert codes(answer) == ["UNAUTHENTICATED"], (name, answer)
        assert answer.get("data") is None, (name, answer)


def test_a_user_whose_token_names_no_pin_is_told_why(
    gateway: Served, keycloak: Keycloak, browser: httpx.Client
) -> None:
    user = keycloak.users["no-pin-coordinator"]
    assert user.role == "coordinator"
    assert user.tenant is None
    answer = sign_in(browser, gateway, user)
    assert answer.status_code == 403, answer.text[:1000]
    assert SESSION_COOKIE not in answer.cookies
    assert "names no tenant" in answer.text
    assert "claim &#39;tenant&#39;" in answer.text or "claim 'tenant'" in answer.text


def _exchange(keycloak: Keycloak, callback: str, redirect_uri: str, **extra: str) -> httpx.Response:
    """Exchange the code of ``callback`` at Keycloak as the console's client would."""
    return httpx.post(
        keycloak.metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": query_of(callback)["code"],
            "redirect_uri": redirect_uri,
            **extra,
        },
        auth=(keycloak.client["clientId"], keycloak.client["secret"]),
        timeout=30,
    )


def test_keycloak_exchanges_no_code_without_its_pkce_verifier(
    gateway: Served, keycloak: Keycloak, browser: httpx.Client
) -> None:
    """PKCE is enforced by the provider, not only sent by the gateway: the code a sign-in
    gets is worth nothing without the verifier that stays with the browser's flow."""
    user = keycloak.users["arec-coordinator"]
    redirect_uri = f"{gateway.base_url}/auth/callback"
    without = _exchange(keycloak, at_keycloak(browser, gateway, user), redirect_uri)
    assert without.status_code == 400, without.text
    assert without.json()["error"] == "invalid_grant"
    assert "PKCE" in without.json().get("error_description", ""), without.text

    with new_browser() as another:
        callback = at_keycloak(another, gateway, user)
    wrong = _exchange(keycloak, callback, redirect_uri, code_verifier="x" * 64)
    assert wrong.status_code == 400, wrong.text
    assert wrong.json()["error"] == "invalid_grant"


def test_keycloak_refuses_a_sign_in_that_sends_no_pkce_challenge(
    gateway: Served, keycloak: Keycloak, browser: httpx.Client
) -> None:
    """An authorization request without a code challenge (as an older client would send) is
    refused at Keycloak; the gateway shows the refusal and starts no session."""
    authorize = begin(browser, gateway).headers["location"]
    parts = urlsplit(authorize)
    query = {
        k: v[0]
        for k, v in parse_qs(parts.query).items()
        if k not in ("code_challenge", "code_challenge_method")
    }
    refused = browser.get(urlunsplit(parts._replace(query=urlencode(query))))
    assert refused.status_code == 302, refused.text[:1000]
    back = refused.headers["location"]
    assert query_of(back)["error"] == "invalid_request", back
    answer = browser.get(back)
    assert answer.status_code == 401
    assert SESSION_COOKIE not in answer.cookies


def test_sign_in_is_offered_only_when_configured(tmp_path: Path) -> None:
    """Without MENTORING_OIDC_ISSUER there is no /auth/login."""
    port = free_port()
    served = Served(
        "embedded",
        f"http://127.0.0.1:{port}",
        environment(MENTORING_DATABASE_URL=f"sqlite:///{tmp_path}/events.db"),
        tmp_path,
    )
    try:
        start(served, "serve", "serve", "--port", str(port))
        wait_until_ready(served)
        with served.client() as http:
            assert http.get("/auth/login").status_code == 404
            assert http.get("/auth/callback?code=x&state=y").status_code == 404
    finally:
        stop(served)


def test_production_refuses_sign_in_without_its_secret_and_https(tmp_path: Path) -> None:
    """With MENTORING_ENVIRONMENT=production the gateway stops at start, naming each variable
    that sign-in with OpenID Connect lacks (no Keycloak needed)."""
    issuer = "http://id.example.org/realms/mentoring"
    result = mentoring(
        tmp_path,
        "serve",
        MENTORING_OIDC_ISSUER=issuer,
        MENTORING_JWT_ALGORITHM="RS256",
        MENTORING_JWT_JWKS_URL=f"{issuer}/protocol/openid-connect/certs",
    )
    line = assert_refused(
        result, tmp_path, "MENTORING_OIDC_CLIENT_SECRET", "MENTORING_OIDC_REDIRECT_URL"
    )
    assert "MENTORING_OIDC_ISSUER is not an https:// URL" in line
    hs256 = mentoring(
        tmp_path,
        "serve",
        MENTORING_OIDC_ISSUER="https://id.example.org/realms/mentoring",
        MENTORING_OIDC_CLIENT_SECRET="s" * 40,
        MENTORING_OIDC_REDIRECT_URL="https://console.example.org/auth/callback",
    )
    assert "MENTORING_OIDC_ISSUER needs MENTORING_JWT_ALGORITHM=RS256" in assert_refused(
        hs256, tmp_path
    )


@pytest.mark.parametrize(
    ("claims", "name", "role"),
    [
        ({"role": "coordinator"}, "role", Role.COORDINATOR),
        (
            {"realm_access": {"roles": ["offline_access", "funder"]}},
            "realm_access.roles",
            Role.FUNDER,
        ),
        ({"https://example.org/role": "mentor"}, "https://example.org/role", Role.MENTOR),
    ],
)
def test_the_role_is_read_from_the_configured_claim(
    claims: dict[str, Any], name: str, role: Role
) -> None:
    assert token_role(claims, name) == role


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"role": "superuser"},
        {"role": ["coordinator", "admin"]},
        {"role": ["offline_access"]},
        {"role": {"name": "admin"}},
    ],
)
def test_a_missing_unknown_or_ambiguous_role_is_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(Unauthenticated):
        token_role(claims, "role")


def test_a_nested_tenant_claim_is_found() -> None:
    assert claim({"org": {"pin": "arec"}}, "org.pin") == "arec"
    assert claim({"org": "arec"}, "org.pin") is None
