"""A coordinator issues and revokes their PIN's API keys in the console."""

from __future__ import annotations

import re

from tests.console.conftest import Browser, text_of


def test_a_key_is_shown_once_works_and_stops_when_revoked(browser: Browser) -> None:
    browser.sign_in()
    issued = browser.post("/api-keys", {"name": "HR system"})
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    assert "The key HR system is issued." in text_of(issued.text)
    secret = re.search(r'id="secret" type="text" readonly value="([^"]+)"', issued.text)
    assert secret
    assert browser.graphql("{ pin { slug } }", token=secret.group(1))["pin"]["slug"] == "arec"

    listed = browser.get("/api-keys").text
    assert secret.group(1) not in listed
    assert "HR system" in text_of(listed)
    key_id = re.search(r'action="/api-keys/([^/]+)/revoke"', listed)
    assert key_id
    revoked = browser.post(f"/api-keys/{key_id.group(1)}/revoke")
    assert "The key HR system is revoked" in text_of(revoked.text)
    assert "HR system" in text_of(revoked.text)
    assert "revoked" in text_of(revoked.text)
    answer = browser.client.post(
        "/graphql",
        json={"query": "{ pin { slug } }"},
        headers={"Authorization": f"Bearer {secret.group(1)}"},
    )
    assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_another_pins_key_cannot_be_revoked(browser: Browser) -> None:
    browser.sign_in(tenant="iccc")
    listed = browser.post("/api-keys", {"name": "ICCC payroll"}).text
    key_id = re.search(r'action="/api-keys/([^/]+)/revoke"', listed)
    assert key_id
    browser.sign_in(tenant="arec")
    page = browser.post(f"/api-keys/{key_id.group(1)}/revoke")
    assert page.status_code == 404
    assert "ICCC payroll" not in page.text
    browser.sign_in(tenant="iccc")
    assert "active" in text_of(browser.get("/api-keys").text)


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(browser: Browser) -> None:
    browser.sign_in()
    page = browser.client.post("/api-keys", data={"name": "Forged"})
    assert page.status_code == 403
    assert "The form has expired" in text_of(page.text)
    cross_site = browser.post(
        "/cohorts",
        {"name": "Forged", "startsOn": "2024-01-01", "endsOn": "2024-02-01"},
        headers={"Origin": "https://attacker.example"},
    )
    assert cross_site.status_code == 403
    assert "No keys yet." in text_of(browser.get("/api-keys").text)
    assert "No cohorts yet." in text_of(browser.get("/cohorts").text)
