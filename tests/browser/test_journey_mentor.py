"""A mentor in the browser sees only the group they lead: their list holds that one group, and
another group's address (one of their PIN's, led by someone else) is "not found"."""

from __future__ import annotations

from collections import Counter
from typing import Any

from playwright.sync_api import Page, expect

from gateway.console.strings import t
from tests.browser.conftest import sign_in
from tests.browser.screens import Screen, screen_fixture  # noqa: F401  (the fixture `screen`)
from tests.outside.conftest import Served

GROUPS = "{ groups(first: 100) { edges { node { id name mentor { id } } } } }"


def one_group_mentor(site: Served) -> tuple[str, str, dict[str, Any], list[dict[str, Any]]]:
    """A PIN, one of its mentors who leads exactly one group, that group, and the PIN's other
    groups. iccc first: the coordinator's journey forms groups in arec on the same site."""
    for pin in ("iccc", "cniea", "afca", "chc", "arec"):
        coordinator = site.token(role="coordinator", tenant=pin)
        groups = [e["node"] for e in site.data(GROUPS, token=coordinator)["groups"]["edges"]]
        led = Counter(g["mentor"]["id"] for g in groups if g["mentor"])
        for mentor in sorted(m for m, count in led.items() if count == 1):
            (mine,) = (g for g in groups if g["mentor"] and g["mentor"]["id"] == mentor)
            others = [g for g in groups if g["id"] != mine["id"]]
            if others:
                return pin, mentor, mine, others
    raise AssertionError("the demo has no mentor who leads exactly one group of several")


def test_a_mentor_sees_only_their_group(site: Served, page: Page, screen: Screen) -> None:
    pin, mentor, mine, others = one_group_mentor(site)

    sign_in(page, site, role="mentor", tenant=pin, subject=mentor)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("home.welcome"))
    screen(page, "mentor-home")
    page.get_by_role("navigation").get_by_role("link", name=t("nav.my_groups")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("mentor.groups_title"))
    listed = page.get_by_role("main").get_by_role("list").first.get_by_role("listitem")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(mine["name"])
    for other in others:
        expect(page.get_by_role("main")).not_to_contain_text(other["name"])
    screen(page, "mentor-groups")

    listed.get_by_role("link", name=mine["name"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(mine["name"])
    mine_url = page.url
    screen(page, "mentor-group")

    # The address edited to another group of the same PIN: not found, and nothing of it shown.
    for place, other in enumerate(others):
        answer = page.goto(mine_url.replace(mine["id"], other["id"]))
        assert answer is not None
        assert answer.status == 404, answer.status
        expect(page.get_by_role("heading", level=1)).to_have_text(t("error.not_found_title"))
        expect(page.get_by_role("main")).to_contain_text(t("error.not_found"))
        expect(page.get_by_role("main")).not_to_contain_text(other["name"])
        if place == 0:
            screen(page, "mentor-other-group-not-found")
    answer = page.goto(f"{mine_url.replace(mine['id'], others[0]['id'])}/sessions/1")
    assert answer is not None
    assert answer.status == 404, answer.status
    expect(page.get_by_role("heading", level=1)).to_have_text(t("error.not_found_title"))
