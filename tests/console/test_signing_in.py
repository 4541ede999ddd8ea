"""Signing in to the console: development links, the session cookie, signing out."""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.responses import Response

from gateway.app import create_app
from gateway.bootstrap import build_platform
from gateway.console.session import COOKIE, end_session, start_session
from services.context import Role
from services.settings import Environment, Settings
from tests.console.conftest import Browser, text_of


def test_a_development_link_signs_a_coordinator_in_to_their_home_page(browser: Browser) -> None:
    page = browser.client.get("/auth/dev", params={"token": browser.token()})
    assert page.status_code == 200
    assert "Signed in as coordinator of AREC" in text_of(page.text)
    cookie = page.history[0].headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # development over plain HTTP


def test_the_home_page_asks_to_sign_in_first(browser: Browser) -> None:
    page = browser.get("/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/sign-in")
    assert "Sign in" in text_of(browser.get("/sign-in").text)


def test_a_bad_link_is_refused_and_signs_nobody_in(browser: Browser) -> None:
    page = browser.get("/auth/dev", params={"token": "not-a-token"})
    assert page.status_code == 401
    assert "This sign-in link is not valid" in text_of(page.text)
    assert COOKIE not in browser.client.cookies


def test_development_links_are_refused_in_production(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/events.db",
        environment=Environment.PRODUCTION,
        jwt_secret="a-production-secret-of-at-least-32-bytes!",
        key_encryption_master_key=base64.b64encode(bytes(range(32))).decode(),
        audit_signing_key=base64.b64encode(bytes(range(32, 64))).decode(),
    )
    platform = build_platform(settings)
    try:
        with TestClient(create_app(platform)) as client:
            token = Browser(client, settings).token()
            page = client.get("/auth/dev", params={"token": token}, follow_redirects=False)
            assert page.status_code == 404
            assert "Sign-in links work only in the development environment" in text_of(page.text)
            assert "set-cookie" not in page.headers
    finally:
        platform.close()


def test_signing_out_ends_the_session(browser: Browser) -> None:
    browser.sign_in()
    page = browser.post("/sign-out")
    assert page.status_code == 200
    assert "You are signed out" in text_of(page.text)
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_a_form_without_its_csrf_token_is_refused(browser: Browser) -> None:
    browser.sign_in()
    page = browser.client.post("/sign-out", data={})
    assert page.status_code == 403
    assert "The form has expired" in text_of(page.text)
    forged = browser.post("/sign-out", headers={"Origin": "https://elsewhere.example"})
    assert forged.status_code == 403
    assert browser.get("/").status_code == 200  # still signed in


def test_a_funder_sees_their_own_home_page(browser: Browser) -> None:
    browser.sign_in(Role.FUNDER, None)
    page = browser.get("/")
    assert page.status_code == 200
    assert "Signed in as funder" in text_of(page.text)


def test_the_session_cookie_is_secure_outside_development() -> None:
    production = Settings(environment=Environment.PRODUCTION)
    response = Response()
    start_session(response, "the-token", production)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=the-token;")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    ended = Response()
    end_session(ended)
    assert 'mentoring_session="";' in ended.headers["set-cookie"]
