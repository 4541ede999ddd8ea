"""A coordinator's round in the browser: import a list of 30 mentees (two bad rows reported by
line, nothing imported until the file is right), plan and open a cohort, propose groups, move
people and accept, schedule a session, take its attendance on a phone, and record an outcome.

Every screen on the way is photographed, checked by axe-core and timed (tests/browser/screens.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from gateway.console.strings import t
from tests.browser.conftest import PHONE, sign_in
from tests.browser.screens import Screen, screen_fixture  # noqa: F401  (the fixture `screen`)
from tests.outside.conftest import Served

FIRST = (
    "Adina",
    "Bianca",
    "Catalin",
    "Dorin",
    "Elena",
    "Gabriel",
    "Horia",
    "Ilinca",
    "Liviu",
    "Mihai",
)
LAST = ("Ardeleanu", "Barbu", "Ciobanu")
NAMES = [f"{first} {last}" for last in LAST for first in FIRST]
"""30 mentees, none of them in the demo's data."""
HEADER = "name,email,profession,origin,languages,englishLevel,enrolledOn,goals"
BAD_LINES = {9: "english level", 24: "enrolled on"}
"""The file's bad rows by line (the header is line 1), and what their problem names."""


def mentee_list(*, with_errors: bool) -> bytes:
    lines = [HEADER]
    for number, name in enumerate(NAMES, start=2):
        level = "expert" if with_errors and number == 9 else "advanced"
        enrolled = "2026-13-45" if with_errors and number == 24 else "2026-10-01"
        email = name.lower().replace(" ", ".") + "@example.org"
        languages = "Romanian;English" + (";French" if number % 3 == 0 else "")
        lines.append(
            f"{name},{email},Engineering,Romania,{languages},{level},{enrolled},A job in my field"
        )
    return ("\n".join(lines) + "\n").encode()


def found(page: Page) -> int:
    """The register's count ("47 found")."""
    status = page.get_by_role("status").filter(has_text=re.compile(r"^\d+ found$"))
    expect(status).to_be_visible()
    return int(status.inner_text().split()[0])


def flash(page: Page, text: str) -> None:
    expect(page.get_by_role("main").get_by_role("status").first).to_have_text(text)


def upload(page: Page, data: bytes, screen: Screen, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=t("nav.import")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("import.title"))
    screen(page, name)
    expect(page.get_by_label(t("import.kind.mentees"))).to_be_checked()
    page.get_by_label(t("import.file")).set_input_files(
        files={"name": "mentees.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name=t("import.preview_submit")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("import.preview_title"))


def import_mentees(page: Page, screen: Screen) -> None:
    page.get_by_role("navigation").get_by_role("link", name=t("nav.mentees")).click()
    before = found(page)
    screen(page, "mentees-before")

    upload(page, mentee_list(with_errors=True), screen, "import")
    expect(page.get_by_role("alert")).to_have_text(t("import.rows_bad", bad=2, count=30))
    for line, problem in BAD_LINES.items():
        row = page.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=str(line), exact=True)
        )
        expect(row).to_contain_text(NAMES[line - 2])
        expect(row).to_contain_text(problem)
    assert page.get_by_role("cell", name=t("import.ok"), exact=True).count() == 28
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    screen(page, "import-preview-two-bad-rows")

    # Nothing half imported: the register is as it was.
    page.get_by_role("navigation").get_by_role("link", name=t("nav.mentees")).click()
    assert found(page) == before
    page.get_by_label(t("register.search")).fill(NAMES[0])
    page.get_by_role("button", name=t("register.filter")).click()
    expect(page.get_by_text(t("register.none"))).to_be_visible()
    screen(page, "mentees-nothing-imported")

    upload(page, mentee_list(with_errors=False), screen, "import-again")
    expect(page.get_by_role("main").get_by_role("status")).to_have_text(
        t("import.rows_ok", count=30)
    )
    screen(page, "import-preview-ready")
    page.get_by_role("button", name=t("import.confirm", count=30)).click()
    flash(page, t("import.done", count=30, kind="mentees"))
    assert found(page) == before + 30
    screen(page, "mentees-imported")


def plan_and_open(page: Page, screen: Screen, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=t("nav.cohorts")).click()
    screen(page, "cohorts")
    form = page.get_by_role("form", name=t("cohorts.plan"))
    today = date.today()
    form.get_by_label(t("cohorts.name")).fill(name)
    form.get_by_label(t("cohorts.starts_on")).fill((today - timedelta(days=14)).isoformat())
    form.get_by_label(t("cohorts.ends_on")).fill((today + timedelta(days=120)).isoformat())
    form.get_by_label(t("cohorts.plannedSessions")).fill("5")
    form.get_by_label(t("cohorts.minGroupSize")).fill("5")
    form.get_by_label(t("cohorts.maxGroupSize")).fill("6")
    form.get_by_role("button", name=t("cohorts.plan_submit")).click()
    flash(page, t("cohorts.planned", name=name))
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
    expect(row).to_contain_text(t("cohorts.state.PLANNING"))
    screen(page, "cohort-planned")
    row.get_by_role("button", name=f"{t('cohorts.open')}: {name}").click()
    flash(page, t("cohorts.opened", name=name))
    expect(row).to_contain_text(t("cohorts.state.RUNNING"))
    screen(page, "cohort-opened")


def form_groups(page: Page, screen: Screen, cohort: str) -> str:
    """Propose, move one mentee in and one out, accept; the first group's name."""
    page.get_by_role("navigation").get_by_role("link", name=t("nav.groups")).click()
    screen(page, "groups")
    page.get_by_role("link", name=cohort).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("groups.cohort_title", name=cohort))
    expect(page.get_by_text(t("groups.none_in_cohort"))).to_be_visible()
    screen(page, "cohort-groups-empty")

    page.get_by_role("form", name=t("proposal.propose")).get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("proposal.title", cohort=cohort), timeout=60_000
    )
    status = page.get_by_role("main").get_by_role("status").first
    expect(status).to_have_text(re.compile(r"^Groups proposed: \d+\."))
    groups = int(re.findall(r"\d+", status.inner_text())[0])
    assert groups >= 1, status.inner_text()
    screen(page, "proposal")

    moves = page.get_by_role("form", name=t("proposal.move"))
    boxes = moves.get_by_role("combobox").all()
    chosen = {box.get_attribute("id"): box.input_value() for box in boxes}
    assert len(chosen) == 30, chosen  # every new mentee; the demo's are all in groups
    placed = [box for box, value in chosen.items() if value == "1"]
    unplaced = [box for box, value in chosen.items() if value == "out"]
    assert placed, chosen
    assert unplaced, chosen
    incoming, outgoing = unplaced[0], placed[0]
    incoming_name = moves.locator(f"label[for='{incoming}']").inner_text()
    outgoing_name = moves.locator(f"label[for='{outgoing}']").inner_text()
    moves.get_by_label(incoming_name, exact=True).select_option("1")
    moves.get_by_label(outgoing_name, exact=True).select_option("out")
    moves.get_by_role("button", name=t("proposal.move_submit")).click()
    flash(page, t("proposal.moved", count=2))
    first = page.get_by_role("region", name=re.compile(r"^Group 1: "))
    expect(first.get_by_role("listitem").filter(has_text=incoming_name)).to_have_count(1)
    expect(first.get_by_role("listitem").filter(has_text=outgoing_name)).to_have_count(0)
    unplaced_list = page.get_by_role("list", name=t("proposal.unplaced"))
    expect(unplaced_list).to_contain_text(outgoing_name)
    screen(page, "proposal-after-move")

    page.get_by_role("button", name=t("proposal.accept", groups=groups)).click()
    flash(page, t("proposal.accepted", groups=groups))
    formed = page.get_by_role("table", name=t("groups.formed"))
    expect(formed.get_by_role("row")).to_have_count(groups + 1)  # and the header
    screen(page, "cohort-groups-formed")
    group_link = formed.get_by_role("rowheader").first.get_by_role("link")
    name = group_link.inner_text()
    group_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("list", name=t("groups.mentees"))).to_contain_text(incoming_name)
    return name


def schedule_session(page: Page, screen: Screen, group: str) -> None:
    screen(page, "group")
    expect(page.get_by_text(t("mentor.no_sessions"))).to_be_visible()
    form = page.get_by_role("form", name=t("sessions.schedule"))
    today = date.today().isoformat()
    form.get_by_label(t("sessions.date")).fill(today)
    form.get_by_label(t("sessions.agenda")).fill("Canadian engineering licensing: first steps")
    form.get_by_role("button", name=t("sessions.schedule_submit")).click()
    flash(page, t("sessions.scheduled", number=1, date=today))
    expect(
        page.get_by_role("heading", name=t("mentor.session", number=1, date=today))
    ).to_be_visible()
    expect(page.get_by_text(t("mentor.not_held"))).to_be_visible()
    screen(page, "group-session-scheduled")


def take_attendance_on_a_phone(
    site: Served, phone: Page, screen: Screen, group_url: str, group: str
) -> None:
    sign_in(phone, site, role="coordinator", tenant="arec")
    expect(phone.get_by_role("heading", name=t("home.open_cohorts"))).to_be_visible()
    screen(phone, "home-phone")
    phone.goto(group_url)
    expect(phone.get_by_role("heading", level=1)).to_have_text(group)
    screen(phone, "group-phone")
    phone.get_by_role("link", name=t("mentor.take_attendance", number=1)).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(t("attendance.title", number=1))
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the attendance form is {width} px wide"
    mentees = phone.get_by_role("group").all()
    assert len(mentees) >= 5, [m.inner_text() for m in mentees]
    screen(phone, "attendance-phone")
    for place, mentee in enumerate(mentees):
        choice = t("attendance.absent") if place == 0 else t("attendance.present")
        mentee.get_by_label(choice, exact=True).check()
    phone.get_by_role("button", name=t("attendance.save")).click()
    present, absent = len(mentees) - 1, 1
    flash(phone, t("attendance.saved", number=1, present=present, absent=absent))
    expect(phone.get_by_text(t("mentor.held", present=present, absent=absent))).to_be_visible()
    screen(phone, "group-attendance-saved-phone")


def record_outcome(page: Page, screen: Screen, mentee: str) -> None:
    page.get_by_role("list", name=t("groups.mentees")).get_by_role("link", name=mentee).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(mentee)
    expect(page.get_by_text(t("register.no_outcomes"))).to_be_visible()
    screen(page, "mentee")
    page.get_by_role("link", name=t("outcomes.title", name=mentee)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("outcomes.title", name=mentee))
    screen(page, "outcomes")
    form = page.get_by_role("form", name=t("outcomes.record"))
    form.get_by_label(t("outcomes.kind")).select_option(label=t("outcome.JOB_IN_FIELD"))
    today = date.today().isoformat()
    form.get_by_label(t("outcomes.occurred_on")).fill(today)
    form.get_by_label(t("outcomes.evidence")).fill("Offer letter from a structural firm, seen")
    form.get_by_role("button", name=t("outcomes.record_submit")).click()
    flash(page, t("outcomes.recorded", kind=t("outcome.JOB_IN_FIELD"), date=today))
    row = page.get_by_role("row").filter(has_text=today)
    expect(row).to_contain_text(t("outcome.JOB_IN_FIELD"))
    expect(row).to_contain_text("Offer letter from a structural firm, seen")
    screen(page, "outcome-recorded")


def test_a_coordinator_runs_a_round_from_the_import_to_an_outcome(
    site: Served, page: Page, new_page: Callable[..., Page], screen: Screen
) -> None:
    sign_in(page, site, role="coordinator", tenant="arec")
    screen(page, "home")
    import_mentees(page, screen)
    cohort = f"Round 3 {date.today().year}"
    plan_and_open(page, screen, cohort)
    group = form_groups(page, screen, cohort)
    group_url = page.url
    schedule_session(page, screen, group)
    take_attendance_on_a_phone(site, new_page(viewport=PHONE), screen, group_url, group)
    page.reload()
    expect(page.get_by_text(re.compile(r"^Held: \d+ present, 1 absent\.$"))).to_be_visible()
    mentee = page.get_by_role("list", name=t("groups.mentees")).get_by_role("link").first
    record_outcome(page, screen, mentee.inner_text())
