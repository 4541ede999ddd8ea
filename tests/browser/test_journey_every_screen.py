"""Every role's screens on a phone and on a desktop: each entry of the menu, and the pages a
record opens (a cohort's groups, a group, a mentee, their outcomes and privacy, a session's
attendance). Each is photographed, checked by axe-core and timed; on the phone the page itself
never scrolls sideways (a wide table scrolls in its own box)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gateway.console.strings import t
from tests.browser.conftest import DESKTOP, PHONE, sign_in, timing
from tests.browser.screens import Screen, screen_fixture  # noqa: F401  (the fixture `screen`)
from tests.outside.conftest import Served

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
RUNNING = """{ groups(first: 100) { edges { node { id mentor { id } mentees { id }
  cohort { state } sessions { number } } } } }"""


class Tour:
    def __init__(self, site: Served, page: Page, screen: Screen, viewport: dict[str, int]):
        self.site, self.page, self.screen, self.viewport = site, page, screen, viewport
        self.suffix = "phone" if viewport == PHONE else "desktop"

    def visit(self, path: str, name: str) -> None:
        answer = self.page.goto(self.site.base_url + path)
        assert answer is not None, path
        assert answer.ok, (path, answer.status)
        self.check(name)

    def check(self, name: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()
        width = self.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= self.viewport["width"], f"{self.page.url} is {width} px wide"
        self.screen(self.page, f"{name}-{self.suffix}")

    def menu(self, role: str) -> None:
        """Every entry of the role's menu, in order."""
        links = self.page.get_by_role("navigation", name=t("app.nav")).get_by_role("link")
        paths = [link.get_attribute("href") or "" for link in links.all()]
        assert paths, "no menu"
        for path in paths[1:]:  # the first is the home page, where the tour starts
            self.visit(path, f"{role}-{path.strip('/').replace('/', '-') or 'home'}")


def running_group(site: Served) -> dict[str, Any]:
    """A group of arec's running cohort with a session, and its mentor."""
    token = site.token(role="coordinator", tenant="arec")
    groups = [e["node"] for e in site.data(RUNNING, token=token)["groups"]["edges"]]
    return next(
        g for g in groups if g["cohort"]["state"] == "RUNNING" and g["sessions"] and g["mentor"]
    )


@VIEWPORTS
def test_a_coordinators_screens(
    site: Served, new_page: Callable[..., Page], screen: Screen, viewport: dict[str, int]
) -> None:
    group = running_group(site)
    tour = Tour(site, new_page(viewport=viewport), screen, viewport)
    sign_in(tour.page, site, role="coordinator", tenant="arec")
    tour.check("coordinator-home")
    tour.menu("coordinator")
    mentee = group["mentees"][0]["id"]
    tour.visit("/groups", "coordinator-groups-again")
    tour.page.get_by_role("main").get_by_role("link").first.click()  # a cohort's groups
    tour.check("coordinator-cohort-groups")
    tour.visit(f"/groups/{group['id']}", "coordinator-group")
    tour.visit(f"/groups/{group['id']}/sessions/1/attendance", "coordinator-attendance")
    tour.visit(f"/mentees/{mentee}", "coordinator-mentee")
    tour.visit(f"/mentees/{mentee}/outcomes", "coordinator-mentee-outcomes")
    tour.visit(f"/mentees/{mentee}/privacy", "coordinator-mentee-privacy")


@VIEWPORTS
def test_a_mentors_screens(
    site: Served, new_page: Callable[..., Page], screen: Screen, viewport: dict[str, int]
) -> None:
    group = running_group(site)
    tour = Tour(site, new_page(viewport=viewport), screen, viewport)
    mentor = group["mentor"]["id"]
    sign_in(tour.page, site, role="mentor", tenant="arec", subject=mentor)
    tour.check("mentor-home")
    tour.menu("mentor")
    tour.visit(f"/mentor/groups/{group['id']}", "mentor-group")
    tour.visit(f"/mentor/groups/{group['id']}/sessions/1", "mentor-attendance")


@VIEWPORTS
@pytest.mark.parametrize("role", ["funder", "network"])
def test_the_platform_roles_screens(
    site: Served,
    new_page: Callable[..., Page],
    screen: Screen,
    figure: Callable[[str], None],
    viewport: dict[str, int],
    role: str,
) -> None:
    tour = Tour(site, new_page(viewport=viewport), screen, viewport)
    sign_in(tour.page, site, role=role, tenant=None)
    # The first report of a checkpoint is computed once (then cached): timed apart.
    tour.page.goto(f"{site.base_url}/funder")
    expect(tour.page.get_by_role("heading", level=1)).to_have_text(t("funder.title"))
    first = timing(tour.page)
    figure(f"{role} /funder first load: interactive {first['interactive']:.0f} ms")
    tour.visit("/", f"{role}-home")
    tour.menu(role)
