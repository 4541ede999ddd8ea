"""Signing in through a real Keycloak in the browser: the console's sign-in page sends the
browser to Keycloak's login form, and after it the coordinator lands on their home page.

The gateway is the real ``mentoring serve`` with the OpenID Connect settings of the Keycloak
that ``make test`` starts (tests/keycloak.py); without it the test skips, and fails under CI=true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from gateway.console.strings import t
from tests.browser.conftest import timing
from tests.browser.screens import Screen, screen_fixture  # noqa: F401  (the fixture `screen`)
from tests.keycloak import Keycloak, keycloak_fixture  # noqa: F401  (the fixture `keycloak`)
from tests.outside.conftest import Served, environment, free_port, start, stop, wait_until_ready

AREC = "Association of Romanian Engineers in Canada"


@pytest.fixture(scope="module")
def gateway(keycloak: Keycloak, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo programme served by ``mentoring serve``, signing in through Keycloak."""
    logs = tmp_path_factory.mktemp("browser-oidc")
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


def test_a_coordinator_signs_in_through_keycloak_and_lands_on_their_home_page(
    gateway: Served,
    keycloak: Keycloak,
    page: Page,
    screen: Screen,
    screenshot: Callable[[Page, str], Path],
    figure: Callable[[str], None],
) -> None:
    page.goto(f"{gateway.base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("sign_in.title"))
    assert page.url.startswith(f"{gateway.base_url}/sign-in"), page.url
    screen(page, "sign-in")

    page.get_by_role("link", name=t("sign_in.oidc")).click()
    page.wait_for_url(f"{keycloak.issuer}/**")
    expect(page.locator("#kc-login")).to_be_visible()
    screenshot(page, "keycloak-login")  # Keycloak's own page: not the console's, so no axe
    user = keycloak.users["arec-coordinator"]
    page.locator("#username").fill(user.username)
    page.locator("#password").fill(user.password)
    page.locator("#kc-login").click()

    page.wait_for_url(f"{gateway.base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(AREC)
    expect(page.get_by_role("banner")).to_contain_text(
        t("app.signed_in_as", role=t("role.coordinator"), pin=AREC)
    )
    expect(page.get_by_role("heading", name=t("home.open_cohorts"))).to_be_visible()
    # The navigation that landed here includes Keycloak's login and the code's exchange (its
    # cross-origin redirects are not timed apart): recorded, then the page itself is timed.
    signed_in = timing(page)
    figure(
        "coordinator home reached from Keycloak's form (login, callback, code exchange): "
        f"load {signed_in['load']:.0f} ms"
    )
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(AREC)
    screen(page, "coordinator-home-after-keycloak")
