"""A real Keycloak for tests, and the steps a person takes on its pages.

``make test`` starts one Keycloak for the whole run (``deploy/local/keycloak up``, the realm of
``deploy/keycloak/mentoring-realm.json``) and passes its address as
``MENTORING_TEST_KEYCLOAK_URL``; without it a test that needs Keycloak is skipped, and fails
under ``CI=true``. To use it from any test module (tests/browser too)::

    from tests.keycloak import Keycloak, keycloak_fixture  # noqa: F401  (the fixture `keycloak`)

    def test_something(keycloak: Keycloak) -> None:
        env = keycloak.gateway_env()        # MENTORING_OIDC_* and MENTORING_JWT_* for `serve`
        user = keycloak.users["arec-coordinator"]     # .username, .password, .tenant, .role
        ...                                 # a browser fills #username and #password

``browser()``, ``sign_in_form`` and ``submit_credentials`` do over plain HTTP what a browser does on
Keycloak's login page; a browser test fills the same fields (``#username``, ``#password``,
``#kc-login``) itself.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[1]
REALM_FILE = ROOT / "deploy" / "keycloak" / "mentoring-realm.json"
AUDIENCE = "mentoring"
"""The audience the realm's mapper puts into access tokens, and the gateway checks."""


@dataclass(frozen=True)
class User:
    username: str
    password: str
    role: str | None
    tenant: str | None


@dataclass(frozen=True)
class Keycloak:
    """The running Keycloak and the realm imported into it."""

    url: str
    """http://127.0.0.1:PORT"""

    @cached_property
    def realm(self) -> dict[str, Any]:
        realm: dict[str, Any] = json.loads(REALM_FILE.read_text())
        return realm

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{self.realm['realm']}"

    @cached_property
    def client(self) -> dict[str, Any]:
        (console,) = (c for c in self.realm["clients"] if c["clientId"] == "mentoring-console")
        return console

    @cached_property
    def metadata(self) -> dict[str, Any]:
        """The realm's OpenID Connect discovery document."""
        answer = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10)
        answer.raise_for_status()
        document: dict[str, Any] = answer.json()
        return document

    @cached_property
    def users(self) -> dict[str, User]:
        """The realm's demo users by username, with their passwords and attributes."""
        found = {}
        for user in self.realm["users"]:
            attributes = user.get("attributes", {})
            (password,) = (c["value"] for c in user["credentials"] if c["type"] == "password")
            found[user["username"]] = User(
                user["username"],
                password,
                (attributes.get("role") or [None])[0],
                (attributes.get("tenant") or [None])[0],
            )
        return found

    def gateway_env(self) -> dict[str, str]:
        """The settings of a gateway that signs in through this Keycloak (as
        ``deploy/local/keycloak env`` prints them)."""
        return {
            "MENTORING_OIDC_ISSUER": self.issuer,
            "MENTORING_OIDC_CLIENT_ID": self.client["clientId"],
            "MENTORING_OIDC_CLIENT_SECRET": self.client["secret"],
            "MENTORING_JWT_ALGORITHM": "RS256",
            "MENTORING_JWT_JWKS_URL": self.metadata["jwks_uri"],
            "MENTORING_JWT_ISSUER": self.issuer,
            "MENTORING_JWT_AUDIENCE": AUDIENCE,
        }


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def browser(timeout: float = 30) -> httpx.Client:
    """An HTTP client that keeps cookies as a browser does and follows no redirect by itself:
    one cookie jar for the gateway and Keycloak (both on 127.0.0.1).

    Browsers count http://127.0.0.1 as a secure context and send it ``Secure`` cookies, which
    Keycloak's login cookies are; httpx's cookie jar sends them only over HTTPS, so the
    ``Secure`` mark of loopback cookies is dropped as they arrive.
    """
    client = httpx.Client(timeout=timeout, follow_redirects=False)

    def loopback_is_secure(_: httpx.Response) -> None:
        for cookie in client.cookies.jar:
            if cookie.domain in LOOPBACK:
                cookie.secure = False

    client.event_hooks["response"].append(loopback_is_secure)
    return client


_FORM = re.compile(r'<form\b[^>]*\bid="kc-form-login"[^>]*>', re.IGNORECASE)
_ACTION = re.compile(r'\baction="([^"]+)"', re.IGNORECASE)


def sign_in_form(page: httpx.Response) -> str:
    """The address Keycloak's login page posts its form to (from the page's HTML)."""
    assert page.status_code == 200, (page.status_code, page.text[:500])
    form = _FORM.search(page.text)
    assert form is not None, f"no login form on Keycloak's page:\n{page.text[:2000]}"
    action = _ACTION.search(form.group(0))
    assert action is not None, form.group(0)
    return html.unescape(action.group(1))


def submit_credentials(browser: httpx.Client, login_page: httpx.Response, user: User) -> str:
    """Fill in and post Keycloak's login form as ``user``; the address Keycloak redirects to
    (the client's callback with ``code`` and ``state``)."""
    answer = browser.post(
        sign_in_form(login_page),
        data={"username": user.username, "password": user.password, "credentialId": ""},
    )
    assert answer.status_code == 302, (answer.status_code, answer.text[:2000])
    return answer.headers["location"]


def start_sign_in(browser: httpx.Client, gateway_url: str) -> httpx.Response:
    """``GET /auth/login`` at the gateway: its redirect to Keycloak (not followed)."""
    answer = browser.get(f"{gateway_url}/auth/login")
    assert answer.status_code == 302, (answer.status_code, answer.text[:500])
    return answer


def log_in_at_keycloak(browser: httpx.Client, gateway_url: str, user: User) -> str:
    """Start signing in at the gateway and log in on Keycloak's page as ``user``: the callback
    address Keycloak sends the browser back to (not followed)."""
    login_page = browser.get(start_sign_in(browser, gateway_url).headers["location"])
    return submit_credentials(browser, login_page, user)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**query_of(url), **changes})))


@pytest.fixture(scope="session", name="keycloak")
def keycloak_fixture() -> Keycloak:
    """The Keycloak of ``make test``, once its realm answers."""
    server = Keycloak(require_service("MENTORING_TEST_KEYCLOAK_URL", "Keycloak").rstrip("/"))
    try:
        assert server.metadata["issuer"] == server.issuer
    except httpx.HTTPError as error:
        pytest.fail(f"Keycloak at {server.url} does not serve the realm: {error!r}")
    return server
