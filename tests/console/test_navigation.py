"""Every console screen is reachable by clicking: from ``/``, for each role, follow the same-site
links (GET only) of the seeded demo and check none answers 404 or 500, that each role reaches
its main screens, and that every console route is the target of a link or a form somewhere."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.bootstrap import build_platform
from gateway.cli.serving import _demo_mentor
from services.context import Role
from services.demo import seed_demo
from services.settings import Settings
from tests.console.conftest import Browser

PER_ROUTE = 3
"""Pages visited per route (``/mentees/{id}``: three mentees), so the crawl stays short."""
NOT_FROM_PAGES = {"/auth/dev", "/sign-in", "/auth/login", "/auth/callback"}
"""Routes reached from outside a signed-in page: the demo's links, the sign-in redirect, OIDC."""
ONLY_WHEN_DUE = {"/groups/{group_id}/sessions/{number}/held"}
"""A form shown for a session due and not held; the demo's due sessions are all held
(tests/console/test_sessions.py sends it)."""
IMPORTED = "name,email,profession,origin,languages,english level,enrolled on,goals\n" + "".join(
    f"Crawl Mentee {n},crawl{n}@example.org,Engineering,Romania,Romanian;English,intermediate,"
    "2026-11-02,A licence\n"
    for n in range(1, 4)
)
MAIN_ROUTES: dict[str, set[str]] = {
    "coordinator": {
        "/",
        "/cohorts",
        "/cohorts/{cohort_id}/groups",
        "/groups",
        "/groups/{group_id}",
        "/groups/{group_id}/sessions.ics",
        "/mentees",
        "/mentees/{mentee_id}",
        "/mentees/{mentee_id}/outcomes",
        "/mentees/{person_id}/privacy",
        "/mentors",
        "/mentors/{mentor_id}",
        "/mentors/{person_id}/privacy",
        "/follow-ups",
        "/import",
        "/api-keys",
        "/proposals/{proposal_id}",
    },
    "mentor": {"/", "/mentor", "/mentor/groups/{group_id}", "/groups/{group_id}/sessions.ics"},
    "funder": {"/", "/funder", "/funder/report.json", "/funder/report.csv"},
    "network": {"/", "/network"},
}


@dataclass
class Crawl:
    """What one role's crawl saw: routes reached by GET, form targets, and broken links."""

    reached: set[str] = field(default_factory=set)
    posted: set[str] = field(default_factory=set)
    broken: list[str] = field(default_factory=list)


def console_routes(routes: list[Any]) -> list[APIRoute]:
    """The console's routes among ``routes``, in included routers too (no prefixes are used)."""
    found: list[APIRoute] = []
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI >= 0.163 includes lazily
        if included is not None:
            found.extend(console_routes(included.routes))
        elif isinstance(route, APIRoute) and route.endpoint.__module__.startswith(
            "gateway.console"
        ):
            found.append(route)
    return found


def route_of(routes: list[APIRoute], method: str, path: str) -> str | None:
    for route in routes:
        if method in (route.methods or set()) and route.path_regex.match(path):
            return route.path
    return None


def scan(seen: Crawl, routes: list[APIRoute], url: str, page: str) -> list[str]:
    """Note the forms of ``page`` (the route each posts to); its same-site links, to follow."""
    for target in re.findall(r'<form[^>]*\baction="([^"]+)"', page):
        action = urlsplit(html.unescape(target)).path
        seen.posted.add(route_of(routes, "POST", action) or action)
    links = []
    for href in re.findall(r'\bhref="([^"#][^"]*)"', page):
        parts = urlsplit(urljoin(f"http://testserver{url}", html.unescape(href)))
        if parts.netloc == "testserver":
            links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def crawl(browser: Browser, routes: list[APIRoute], answers: dict[str, str]) -> Crawl:
    """Breadth first from ``/`` (and the pages in ``answers``, the answers to forms sent
    first), following every same-site ``href``, a few pages per route."""
    seen = Crawl()
    queue = ["/"]
    for url, page in answers.items():
        queue.extend(scan(seen, routes, url, page))
    visited: set[str] = set()
    per_route: dict[str, int] = {}
    while queue:
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        route = route_of(routes, "GET", urlsplit(url).path)
        key = route or urlsplit(url).path
        if per_route.get(key, 0) >= PER_ROUTE:
            continue
        per_route[key] = per_route.get(key, 0) + 1
        answer = browser.get(url)
        if answer.status_code == 404 or answer.status_code >= 500:
            seen.broken.append(f"{url} answered {answer.status_code}")
            continue
        if route is not None:
            seen.reached.add(route)
        if "text/html" in answer.headers.get("content-type", ""):
            queue.extend(scan(seen, routes, url, answer.text))
    return seen


def send_forms(browser: Browser) -> dict[str, str]:
    """What a coordinator does before some forms exist: issue an API key (its revoke form),
    upload a CSV (the preview's confirm form) and import it, plan a cohort (its open form) and
    propose groups of the imported mentees (the proposal's page)."""
    answers = {}
    answers["/api-keys"] = browser.post("/api-keys", {"name": "crawl"}).text
    upload = ("mentees.csv", IMPORTED, "text/csv")
    preview = browser.post("/import", {"kind": "mentees"}, files={"file": upload}).text
    answers["/import"] = preview
    text = re.search(r'name="text" value="([^"]*)"', preview)
    assert text is not None, preview
    assert browser.post("/import/confirm", {"kind": "mentees", "text": text.group(1)}).is_success
    plan = {"name": "Crawl round", "startsOn": "2027-01-11", "endsOn": "2027-04-12"}
    plan |= {"plannedSessions": "6", "minGroupSize": "1", "maxGroupSize": "6"}
    planned = browser.post("/cohorts", plan).text
    cohort = re.search(r'action="/cohorts/([^"/]+)/open"', planned)
    assert cohort is not None, planned
    proposed = browser.post(f"/cohorts/{cohort.group(1)}/groups/propose", {})
    assert proposed.url.path.startswith("/proposals/"), proposed.text
    answers[proposed.url.path] = proposed.text
    return answers


@pytest.fixture(scope="module")
def crawls(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Crawl], list[APIRoute]]]:
    """Each role's crawl of the seeded demo (one checkpoint signed, statistics released)."""
    folder: Path = tmp_path_factory.mktemp("navigation")
    settings = Settings(database_url=f"sqlite:///{folder}/events.db", consistency_timeout=5)
    platform = build_platform(settings)
    try:
        seed_demo(platform.store, today=date(2026, 5, 1))
        platform.catch_up(platform.store.recorder.max_notification_id() or 0)
        assert platform.audit is not None
        platform.audit.issue_checkpoint()
        platform.audit.releases.release()
        mentor = _demo_mentor(platform, "arec")
        assert mentor is not None
        people: dict[str, tuple[Role, str | None, str]] = {
            "coordinator": (Role.COORDINATOR, "arec", "arec-coordinator"),
            "mentor": (Role.MENTOR, "arec", mentor[0]),
            "funder": (Role.FUNDER, None, "allies-funder"),
            "network": (Role.NETWORK, None, "imn-network"),
        }
        with TestClient(create_app(platform), base_url="http://testserver") as client:
            browser = Browser(client, settings)
            routes = console_routes(client.app.routes)  # type: ignore[attr-defined]
            found: dict[str, Crawl] = {}
            for name, (role, tenant, subject) in people.items():
                client.cookies.clear()
                token = browser.token(role, tenant, subject=subject)
                assert browser.get("/auth/dev", params={"token": token}).status_code == 200
                answers = send_forms(browser) if role == Role.COORDINATOR else {}
                found[name] = crawl(browser, routes, answers)
            yield found, routes
    finally:
        platform.close()


@pytest.mark.parametrize("role", sorted(MAIN_ROUTES))
def test_no_link_of_a_role_is_broken_and_its_main_screens_are_reached(
    crawls: tuple[dict[str, Crawl], list[APIRoute]], role: str
) -> None:
    seen = crawls[0][role]
    assert seen.broken == []
    assert MAIN_ROUTES[role] - seen.reached == set()


def test_every_console_route_is_reached_from_a_page(
    crawls: tuple[dict[str, Crawl], list[APIRoute]],
) -> None:
    found, routes = crawls
    reached = set().union(*(c.reached for c in found.values()))
    posted = set().union(*(c.posted for c in found.values()))
    missing = {
        f"{method} {route.path}"
        for route in routes
        for method in (route.methods or set()) & {"GET", "POST"}
        if route.path not in NOT_FROM_PAGES | ONLY_WHEN_DUE
        and route.path not in (reached if method == "GET" else posted)
    }
    assert missing == set()
