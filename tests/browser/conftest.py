"""In a real browser: Debian's Chromium, driven by Playwright, against the platform's processes.

``site`` serves the demo programme as tests/outside does (``mentoring demo --no-serve``, then
``mentoring serve`` on a free port, with a JWT secret the tests know), embedded, once per
session. ``page`` is a fresh browser context per test (no cookies or storage carried over) in
the headless Chromium of ``/usr/bin/chromium`` (``MENTORING_TEST_CHROMIUM`` names another);
Playwright's own browser download is never used. ``make test`` installs Chromium when it is
missing (tests/browser/ensure-chromium); without it these tests skip, and fail under CI=true.

Helpers: ``sign_in`` follows the development sign-in link a PIN's user would get from
``mentoring demo``; ``screenshot`` saves the screen under .artefacts/screenshots/; ``axe`` runs
axe-core (vendored in tests/browser/vendor/) and fails on a serious or critical violation;
``timing`` reads the page's navigation timing. Figures and screenshots are listed at the end of
the run (tests/browser/artefacts.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.browser.artefacts import (
    SCREENSHOTS,
    note,
    pytest_terminal_summary,  # noqa: F401 - the hook that lists figures and screenshots
)
from tests.outside.conftest import Served, environment, free_port, start, stop, wait_until_ready

HERE = Path(__file__).parent
CHROMIUM = Path(os.environ.get("MENTORING_TEST_CHROMIUM", "/usr/bin/chromium"))
AXE = HERE / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
"""A phone's viewport (CSS pixels), for ``@pytest.mark.viewport(**PHONE)``."""
BLOCKING = ("serious", "critical")
"""The axe-core impacts that fail a test."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "viewport(width, height): the browser viewport of the test's page"
    )


class Browsers:
    """One headless Chromium, started when a browser test first needs it.

    It is stopped again after the last browser test of a run of them (see
    ``pytest_runtest_teardown``): Playwright's synchronous API keeps an event loop running in
    the test process, which would break other tests' ``asyncio.run`` in the same worker.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def get(self) -> Browser:
        if self._browser is None:
            if not os.access(CHROMIUM, os.X_OK):
                message = (
                    f"Chromium is not installed at {CHROMIUM}: run tests/browser/ensure-chromium "
                    "(as root it installs Debian's chromium package; `make test` runs it)."
                )
                if os.environ.get("CI") == "true":
                    pytest.fail(message)
                pytest.skip(message)
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True
            )
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


BROWSERS = Browsers()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    """Once the tests' own fixtures are torn down, stop the browser if the next test is not a
    browser test."""
    try:
        return (yield)
    finally:
        if nextitem is None or HERE not in nextitem.path.parents:
            BROWSERS.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo programme served by ``mentoring serve`` on an embedded store, for the session."""
    logs = tmp_path_factory.mktemp("browser")
    port = free_port()
    served = Served(
        "embedded",
        f"http://127.0.0.1:{port}",
        environment(MENTORING_DATABASE_URL=f"sqlite:///{logs}/events.db"),
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
def new_page() -> Iterator[Callable[..., Page]]:
    """Opens pages, each in a fresh browser context: ``new_page(viewport=PHONE)``."""
    contexts = []

    def open_page(viewport: dict[str, int] | None = None, **options: Any) -> Page:
        context = BROWSERS.get().new_context(viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, new_page: Callable[..., Page]) -> Page:
    """A page in a fresh context; its viewport from ``@pytest.mark.viewport``, else desktop."""
    marker = request.node.get_closest_marker("viewport")
    viewport = dict(marker.kwargs) if marker else None
    return new_page(viewport=viewport)


def token_for(site: Served, role: str, tenant: str | None, subject: str | None) -> str:
    """A token as the identity provider would sign it; a mentor's subject is their id (the
    PIN's first mentor unless ``subject`` names one)."""
    if role == "mentor" and subject is None:
        coordinator = site.token(role="coordinator", tenant=tenant)
        mentors = site.data("{ mentors(first: 1) { edges { node { id } } } }", token=coordinator)
        subject = mentors["mentors"]["edges"][0]["node"]["id"]
    platform_role = role in ("network", "funder", "admin")
    return site.token(
        role=role,
        tenant=None if platform_role else tenant,
        subject=subject or f"browser-{role}",
    )


def sign_in(
    page: Page,
    site: Served,
    role: str = "coordinator",
    tenant: str | None = "arec",
    subject: str | None = None,
) -> str:
    """Follow the development sign-in link (``/auth/dev?token=...``) as ``role`` of PIN
    ``tenant``; the page ends on the console's home page. Returns the token."""
    token = token_for(site, role, tenant, subject)
    response = page.goto(f"{site.base_url}/auth/dev?token={token}")
    assert response is not None, f"sign-in as {role} of {tenant}: no answer"
    assert response.ok, f"sign-in as {role} of {tenant} answered {response.status}"
    assert page.url.rstrip("/") == site.base_url, f"sign-in ended on {page.url}"
    return token


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``screenshot(page, name)`` saves the whole page as .artefacts/screenshots/TEST-NAME.png."""
    module = request.node.path.stem.removeprefix("test_")

    def save(page: Page, name: str) -> Path:
        slug = re.sub(r"[^a-z0-9]+", "-", f"{module}-{name}".lower()).strip("-")
        path = SCREENSHOTS / f"{slug}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        note(request, "screenshot", str(path))
        return path

    return save


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """``figure(text)`` records a measured figure; the run lists them at its end."""
    return lambda text: note(request, "figure", text)


def axe(page: Page, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is; fail on any serious or critical violation.

    axe-core is evaluated in the page by the browser's protocol, not added as a script tag, so
    the page's Content-Security-Policy needs no exception. Returns every violation (the minor
    and moderate ones included) for the caller to look at.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    results = page.evaluate("options => window.axe.run(document, options)", options)
    violations: list[dict[str, Any]] = results["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, f"axe-core on {page.url}:\n" + describe(blocking)
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """axe-core's violations, one paragraph each: rule, impact, help, and the nodes."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:10]:
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def timing(page: Page) -> dict[str, float]:
    """The last navigation's timing in milliseconds from its start (Performance API):
    ``interactive`` (domInteractive), ``dom_content_loaded`` and ``load`` (their events' ends);
    waits for the load event to end."""
    page.wait_for_function("() => performance.getEntriesByType('navigation')[0]?.loadEventEnd > 0")
    entry: dict[str, float] = page.evaluate(
        """() => {
            const n = performance.getEntriesByType('navigation')[0];
            return {interactive: n.domInteractive, dom_content_loaded: n.domContentLoadedEventEnd,
                    load: n.loadEventEnd, redirect: n.redirectEnd - n.redirectStart};
        }"""
    )
    return entry
