"""The funder's dashboard follows the signed checkpoints: an outcome recorded by a coordinator
shows once the next checkpoint is signed. The signature panel checks the report in the
browser with the real public key (valid), then a tampered copy (does not match)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from playwright.sync_api import Page, expect

from gateway.console.strings import t
from tests.browser.conftest import sign_in, timing
from tests.browser.screens import Screen, screen_fixture  # noqa: F401  (the fixture `screen`)
from tests.outside.conftest import Served

GROUPED = """{ groups(first: 100) { edges { node {
  cohort { state } mentees { id outcomes { kind } } } } } }"""
RECORD = """mutation($input: RecordOutcomeInput!) { recordOutcome(input: $input) { position } }"""
CHECKPOINT = "mutation { issueAuditCheckpoint { treeSize } }"


def headline(page: Page, label: str) -> str:
    """A headline figure of the programme (its value as shown, e.g. "3" or "40%")."""
    item = page.get_by_role("listitem").filter(has_text=label)
    expect(item).to_have_count(1)
    match = re.match(r"\s*(\S+)\s*" + re.escape(label), item.inner_text())
    assert match, item.inner_text()
    return match.group(1)


def charts(page: Page) -> dict[str, str]:
    """Each chart's title and its figures (the table beside the chart)."""
    found = {}
    for chart in page.get_by_role("figure").all():
        title = chart.get_by_role("heading").inner_text()
        found[title] = " ".join(
            (chart.get_by_role("table", include_hidden=True).text_content() or "").split()
        )
    assert found, "no chart on the page"
    return found


def first_load(page: Page, figure: Callable[[str], None], name: str) -> None:
    """The first load of the dashboard after a checkpoint computes that checkpoint's report
    (then cached by the gateway, as a solver's work is done by a form): recorded, not held to
    the budget; the screen is then measured on a reload."""
    expect(page.get_by_role("heading", level=1)).to_have_text(t("funder.title"))
    measured = timing(page)
    figure(
        f"{name}, first load after a checkpoint (the report is computed): "
        f"interactive {measured['interactive']:.0f} ms, load {measured['load']:.0f} ms"
    )
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("funder.title"))


def tampered(report: str) -> str:
    """The report with one figure raised by one."""
    document: dict[str, Any] = json.loads(report)

    def bump(value: Any) -> bool:
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, int) and not isinstance(inner, bool) and key != "tree_size":
                    value[key] = inner + 1
                    return True
                if bump(inner):
                    return True
        if isinstance(value, list):
            return any(bump(inner) for inner in value)
        return False

    body = {k: v for k, v in document.items() if k != "checkpoint"}
    assert bump(body), "no figure in the report"
    return json.dumps({**document, **body})


def test_the_funders_chart_follows_the_next_checkpoint_and_the_signature_is_checked(
    site: Served, page: Page, screen: Screen, figure: Callable[[str], None]
) -> None:
    # A checkpoint of everything so far: what other journeys on this site did is counted
    # before, not mistaken for this journey's change.
    admin = site.token(role="admin", tenant=None, subject="browser-admin")
    first = site.data(CHECKPOINT, token=admin)["issueAuditCheckpoint"]["treeSize"]
    sign_in(page, site, role="funder", tenant=None)
    screen(page, "funder-home")
    page.get_by_role("navigation").get_by_role("link", name=t("nav.funder")).click()
    first_load(page, figure, "funder-dashboard")
    jobs_before = int(headline(page, t("figure.outcome_job_in_field")))
    charts_before = charts(page)
    size_before = int(re.findall(r"checkpoint of (\d+) events", page.inner_text("main"))[0])
    assert size_before == first, (size_before, first)
    screen(page, "funder-dashboard")

    # A coordinator records an outcome (over the API); the admin signs the next checkpoint.
    coordinator = site.token(role="coordinator", tenant="arec")
    groups = [e["node"] for e in site.data(GROUPED, token=coordinator)["groups"]["edges"]]
    # A mentee of a round that ended (served) who has not moved forward yet, so that the
    # share of those who did changes too.
    mentee = next(
        m
        for g in sorted(groups, key=lambda g: g["cohort"]["state"] != "CLOSED")
        for m in g["mentees"]
        if not m["outcomes"]
    )
    outcome = {
        "menteeId": mentee["id"],
        "kind": "JOB_IN_FIELD",
        "occurredOn": date.today().isoformat(),
        "evidence": "Employment contract, seen by the coordinator",
    }
    site.data(RECORD, {"input": outcome}, token=coordinator)
    size = site.data(CHECKPOINT, token=admin)["issueAuditCheckpoint"]["treeSize"]
    assert size > size_before

    page.reload()
    first_load(page, figure, "funder-dashboard-next-checkpoint")
    expect(page.get_by_role("main")).to_contain_text(re.compile(rf"checkpoint of {size} events"))
    assert int(headline(page, t("figure.outcome_job_in_field"))) == jobs_before + 1
    charts_after = charts(page)
    changed = [title for title in charts_before if charts_before[title] != charts_after[title]]
    assert t("funder.chart_moved_forward") in changed, (changed, charts_before, charts_after)
    screen(page, "funder-dashboard-next-checkpoint")

    # The signature check, with the key the funder holds (the demo shows it on the page).
    key = page.locator("#demo-public-key").inner_text()
    page.locator("#verify-public-key").fill(key)
    report = page.locator("#verify-report").input_value()
    assert json.loads(report)["checkpoint"]["tree_size"] == size
    page.locator("#verify-form button").click()
    result = page.locator("#verify-result")
    expect(result).to_contain_text(t("verify.valid"))
    expect(result).not_to_contain_text(t("verify.invalid"))
    screen(page, "funder-signature-valid", navigated=False)

    page.locator("#verify-report").fill(tampered(report))
    page.locator("#verify-form button").click()
    expect(result).to_contain_text(t("verify.invalid"))
    screen(page, "funder-signature-tampered", navigated=False)
