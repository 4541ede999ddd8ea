"""The console in process: the gateway's app over an embedded store, a browser-like client
that signs in with a development link, and two PINs set up through the GraphQL API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.auth import issue_token
from gateway.bootstrap import build_platform
from gateway.console.session import COOKIE, CSRF_FIELD, csrf_token
from services.context import Role
from services.settings import Settings
from tests.conftest import fresh_database, require_service

REGISTER_PIN = """
mutation($slug: String!, $name: String!) {
  registerPin(input: {slug: $slug, name: $name, communities: ["Romanian", "Indian"],
                      professions: ["Engineering", "Accounting"]}) { position }
}"""


class Browser:
    """A TestClient that keeps the session cookie and sends each form's CSRF token."""

    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def token(self, role: Role = Role.COORDINATOR, tenant: str | None = "arec", **kw: Any) -> str:
        subject = kw.get("subject") or f"{tenant or 'platform'}-{role}"
        return issue_token(self.settings, role=role, tenant=tenant, subject=subject)

    def sign_in(self, role: Role = Role.COORDINATOR, tenant: str | None = "arec") -> None:
        answer = self.client.get("/auth/dev", params={"token": self.token(role, tenant)})
        assert answer.status_code == 200, answer.text  # followed to the home page

    def get(self, path: str, **kw: Any) -> httpx.Response:
        answer: httpx.Response = self.client.get(path, **kw)
        return answer

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        session = self.client.cookies.get(COOKIE)
        form = {CSRF_FIELD: csrf_token(session) if session else "", **(data or {})}
        answer: httpx.Response = self.client.post(path, data=form, **kw)
        return answer

    def graphql(self, query: str, variables: dict[str, Any] | None = None, *, token: str) -> Any:
        answer = self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = answer.json()
        assert "errors" not in body, body
        return body["data"]


def text_of(html: str) -> str:
    """What a person reads on the page: the text without tags, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", without_tags.replace("&#39;", "'").replace("&amp;", "&")).strip()


@pytest.fixture
def console_settings(tmp_path: Path) -> Settings:
    """The embedded store: the console is a client of the API, whose stores are tested
    elsewhere; modules that reach store-specific SQL override this with ``on_store``."""
    return Settings(database_url=f"sqlite:///{tmp_path}/events.db", consistency_timeout=5)


@contextmanager
def on_store(store: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings on the embedded store or on a fresh database of the real PostgreSQL."""
    if store == "sqlite":
        yield Settings(database_url=f"sqlite:///{tmp_path}/events.db", consistency_timeout=5)
        return
    with fresh_database(require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")) as url:
        yield Settings(database_url=url, consistency_timeout=5)


@pytest.fixture
def browser(console_settings: Settings) -> Iterator[Browser]:
    """The console of a platform with two PINs, arec and iccc, and nobody signed in."""
    platform = build_platform(console_settings)
    try:
        with TestClient(create_app(platform), base_url="http://testserver") as client:
            made = Browser(client, console_settings)
            admin = made.token(Role.ADMIN, None, subject="platform-admin")
            for slug in ("arec", "iccc"):
                made.graphql(REGISTER_PIN, {"slug": slug, "name": slug.upper()}, token=admin)
            yield made
    finally:
        platform.close()
