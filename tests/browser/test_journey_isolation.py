"""An arec coordinator who edits the address to one of iccc's records (a mentee, a group, a
cohort) gets the console's "not found" page, with nothing of iccc's on it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from gateway.console.strings import t
from tests.browser.conftest import sign_in
from tests.browser.screens import Screen, screen_fixture  # noqa: F401  (the fixture `screen`)
from tests.outside.conftest import Served

ICCC = """{
  pin { name }
  mentees(first: 1) { edges { node { id name } } }
  groups(first: 1) { edges { node { id name mentor { name } } } }
  cohorts(first: 1) { edges { node { id name } } }
}"""


def test_an_arec_coordinator_cannot_open_iccc_records(
    site: Served, page: Page, screen: Screen
) -> None:
    iccc = site.data(ICCC, token=site.token(role="coordinator", tenant="iccc"))
    mentee = iccc["mentees"]["edges"][0]["node"]
    group = iccc["groups"]["edges"][0]["node"]
    cohort = iccc["cohorts"]["edges"][0]["node"]
    secrets = [iccc["pin"]["name"], mentee["name"], group["name"], group["mentor"]["name"]]

    sign_in(page, site, role="coordinator", tenant="arec")
    screen(page, "arec-home")
    addresses = {
        "mentee": f"/mentees/{mentee['id']}",
        "mentee-outcomes": f"/mentees/{mentee['id']}/outcomes",
        "group": f"/groups/{group['id']}",
        "group-calendar": f"/groups/{group['id']}/sessions.ics",
        "cohort": f"/cohorts/{cohort['id']}/groups",
        "cohort-close": f"/cohorts/{cohort['id']}/close",
    }
    for what, path in addresses.items():
        answer = page.goto(site.base_url + path)
        assert answer is not None, path
        assert answer.status == 404, (path, answer.status)
        expect(page.get_by_role("heading", level=1)).to_have_text(t("error.not_found_title"))
        content = page.content()
        assert not [name for name in secrets if name in content], (path, content)
        if not path.endswith(".ics"):
            screen(page, f"iccc-{what}-not-found")
