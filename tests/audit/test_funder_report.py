"""Funder reports: the pilot reads as the article says, exact totals stay exact, no figure of
one PIN under the threshold is printed or can be worked out from the whole report, and a
report recomputed from the export equals the one served."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from scipy.optimize import linprog
from typer.testing import CliRunner

from domain.pin import pin_id_for
from domain.values import EnglishLevel, OutcomeKind
from gateway.audit.files import export, verify
from gateway.bootstrap import Platform
from gateway.cli import app
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.settings import Settings
from tests.audit.conftest import audit_of
from tests.conftest import GraphQLClient
from tests.services.conftest import ADMIN

THRESHOLD = 10

REPORT = """
{ funderReport {
    scope checkpointTreeSize checkpointRootHash smallCellThreshold suppressedAcrossPins document
    sections { kind name cohortId
      columns { pin headline figures { name value suppressed } }
      total { pin headline figures { name value suppressed } } }
} }"""


def section(document: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    return next(s for s in document["sections"] if s["kind"] == kind and s["name"] == name)


def own_figures(platform: Platform) -> dict[tuple[str, str, str], dict[str, int | None]]:
    """Each PIN's own report, unprotected: the true figures, by (section kind, name, PIN)."""
    trail = audit_of(platform)
    programme = section(trail.report(), "programme", "Programme")
    truth = {}
    for slug in [column["pin"] for column in programme["columns"]]:
        for part in trail.report(str(pin_id_for(slug)))["sections"]:
            truth[part["kind"], part["name"], slug] = part["columns"][0]["figures"]
    return truth


# --- the funder's attack: every figure of the report, one linear program per figure ----------

PEOPLE = {"mentees_served", "mentors", "mentees_moved_forward"}
"""Distinct people: someone in two cohorts counts in each, and once in the programme."""
IN_GROUPS = {
    "mentees_served",
    "mentors",
    "groups",
    "sessions_planned",
    "sessions_held",
    "attendance_present",
    "attendance_absent",
}
"""Counted in groups, and every group is in a cohort of its PIN: nothing outside cohorts."""

Row = dict[int, float]
Figures = dict[str, int | None]
OUTCOMES = [f"outcome_{kind.value}" for kind in OutcomeKind]


class Unknowns:
    """What the funder knows: equations and inequalities over nonnegative unknown counts."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.equal: list[tuple[Row, float]] = []
        self.at_most: list[tuple[Row, float]] = []  # row <= value

    def new(self, name: Any) -> Row:
        return {self.index.setdefault(name, len(self.index)): 1.0}

    def bounds(self, objective: Row) -> tuple[float, float]:
        def dense(row: Row) -> list[float]:
            return [row.get(i, 0.0) for i in range(len(self.index))]

        known: dict[str, Any] = {"bounds": (0, None), "method": "highs"}
        if self.equal:
            known |= {"A_eq": [dense(r) for r, _ in self.equal], "b_eq": [v for _, v in self.equal]}
        if self.at_most:
            known |= {
                "A_ub": [dense(r) for r, _ in self.at_most],
                "b_ub": [v for _, v in self.at_most],
            }
        low = linprog(dense(objective), **known)
        high = linprog([-x for x in dense(objective)], **known)
        assert low.status == 0, low.message  # the true counts are a solution
        return float(low.fun), float(-high.fun) if high.status == 0 else float("inf")


def combined(*rows: Row, sign: float = 1.0) -> Row:
    out: Row = {}
    for row in rows:
        for i, value in row.items():
            out[i] = out.get(i, 0.0) + sign * value
    return out


def pinned_figures(
    document: dict[str, Any], truth: dict[tuple[str, str, str], Figures]
) -> list[str]:
    """Every hidden figure of one PIN under the threshold (and over zero) that the funder
    narrows to less than one whole value, from every figure and total of ``document``."""
    found = []
    for metric in document["sections"][0]["total"]["figures"]:
        if not metric.endswith("_percent"):
            found += FunderAttack(document, truth, metric).pinned()
    return found


class FunderAttack:
    """One figure (metric) of the whole report, as the funder sees it.

    The unknowns are each cohort's figure and what a PIN's programme figure counts outside
    its cohorts, which the funder is taken to know (nearly always nothing). A PIN's figure
    over several cohorts is their sum; for distinct people it is an unknown of its own, at
    least each cohort's figure and at most their sum (plus those counted outside)."""

    def __init__(
        self, document: dict[str, Any], truth: dict[tuple[str, str, str], Figures], metric: str
    ) -> None:
        self.sections, self.truth, self.metric = document["sections"], truth, metric
        self.cohorts = {
            s["cohort_id"]: (s["columns"][0]["pin"], s["name"])
            for s in self.sections
            if s["kind"] == "cohort"
        }
        self.funder = Unknowns()

    def outside(self, pin: str, metric: str) -> int:
        """What the PIN's programme figure counts outside its cohorts (additive figures)."""
        programme = self.truth["programme", "Programme", pin][metric]
        cohorts = [name for owner, name in self.cohorts.values() if owner == pin]
        return (programme or 0) - sum(
            self.truth["cohort", name, pin][metric] or 0 for name in cohorts
        )

    def column(self, part: dict[str, Any], pin: str) -> Row:
        kind, name, funder = part["kind"], part["name"], self.funder
        if kind == "cohort":
            return funder.new(part["cohort_id"])
        of_pin = [
            funder.new(cohort)
            for cohort, (owner, label) in self.cohorts.items()
            if owner == pin and (kind == "programme" or label.split(": ", 1)[1] == name)
        ]
        if kind == "programme" and self.metric not in IN_GROUPS:
            outside = funder.new(("outside cohorts", pin))
            if self.metric in PEOPLE:  # at most one person per outcome outside
                count = sum(self.outside(pin, outcome) for outcome in OUTCOMES)
                funder.at_most.append((outside, float(count)))
            else:
                funder.equal.append((outside, float(self.outside(pin, self.metric))))
            of_pin.append(outside)
        if self.metric not in PEOPLE or len(of_pin) == 1:
            return combined(*of_pin)
        people = funder.new((kind, name, pin))
        for cohort in of_pin:
            funder.at_most.append((combined(cohort, combined(people, sign=-1.0)), 0.0))
        funder.at_most.append((combined(people, combined(*of_pin, sign=-1.0)), 0.0))
        return people

    def pinned(self) -> list[str]:
        hidden = []
        for part in self.sections:
            columns = [(shown, self.column(part, shown["pin"])) for shown in part["columns"]]
            for shown, expression in columns:
                value = shown["figures"][self.metric]
                if value is None:
                    hidden.append((part, shown["pin"], expression))
                else:
                    self.funder.equal.append((expression, float(value)))
            total = part["total"]["figures"][self.metric]
            if total is not None:
                self.funder.equal.append((combined(*(e for _, e in columns)), float(total)))
        found = []
        for part, pin, expression in hidden:
            true = self.truth[part["kind"], part["name"], pin][self.metric] or 0
            if 0 < true < THRESHOLD:
                low, high = self.funder.bounds(expression)
                if high - low < 1 - 1e-6:
                    found.append(f"{part['name']}, {pin}, {self.metric}: {true} in [{low}, {high}]")
        return found


# --- a small programme where sections, protected one by one, gave a cell away -----------------

# PIN -> round -> groups: (mentees, of whom found a job in their field). Every round spans
# two PINs, so its total is exact and the report's suppression is all that protects a PIN.
SMALL_PROGRAMME = {
    "arec": {"Round 1": [(5, 3)], "Round 2": [(6, 6), (6, 6)]},
    "iccc": {"Round 1": [(6, 6), (6, 6), (5, 3)]},
    "cniea": {"Round 2": [(6, 6), (6, 6)]},
}
ROUNDS = {
    "Round 1": (date(2024, 1, 8), date(2024, 4, 30)),
    "Round 2": (date(2025, 1, 6), date(2025, 4, 30)),
    "Round 3": (date(2025, 9, 1), date(2025, 12, 19)),
}
# The same, and a third round that one PIN runs alone: with the programme's total and those of
# rounds 1 and 2 all exact, the programme less rounds 1 and 2 is chc's round 3, 2 jobs.
ONE_PIN_ROUND = {**SMALL_PROGRAMME, "chc": {"Round 3": [(6, 2), (6, 0)]}}


def build(platform: Platform, programme: dict[str, dict[str, list[tuple[int, int]]]]) -> Platform:
    """``programme`` written through the use cases, caught up, and a checkpoint signed."""
    store = platform.store
    for slug, rounds in programme.items():
        uc.register_pin(store, c.RegisterPin(slug, slug.upper(), ["X"], ["Engineering"]), ADMIN)
        ctx = TenantContext(pin_id_for(slug), Role.COORDINATOR, f"{slug}-coordinator")
        for name, groups in rounds.items():
            starts, ends = ROUNDS[name]
            cohort = uc.plan_cohort(store, c.PlanCohort(name, starts, ends), ctx).id
            for size, jobs in groups:
                mentor = uc.enrol_mentor(
                    store, c.EnrolMentor("A mentor", "Engineering", ["English"], "X"), ctx
                ).id
                group = uc.form_group_in_cohort(store, c.FormGroup(cohort, mentor, "G"), ctx).id
                for n in range(size):
                    mentee = uc.enrol_mentee(
                        store,
                        c.EnrolMentee(
                            "A newcomer",
                            "Engineering",
                            "Romania",
                            ["English"],
                            EnglishLevel.BASIC,
                            starts,
                        ),
                        ctx,
                    ).id
                    uc.add_mentee_to_group(store, c.AddMenteeToGroup(group, mentee), ctx)
                    if n < jobs:
                        outcome = c.RecordOutcome(mentee, OutcomeKind.JOB_IN_FIELD, ends, "letter")
                        uc.record_outcome(store, outcome, ctx)
    platform.catch_up(store.recorder.max_notification_id() or 0)
    audit_of(platform).issue_checkpoint()
    return platform


@pytest.fixture
def small_programme(platform: Platform) -> Platform:
    """arec: 3 jobs in round 1 and 12 in round 2; iccc: 15 jobs, all in round 1; cniea: 12
    jobs in round 2. Protected section by section, round 1 hid arec's 3 and iccc's 15 (its
    complement), while the programme showed iccc's 15: 18 - 15 = 3."""
    return build(platform, SMALL_PROGRAMME)


def test_a_hidden_cell_cannot_be_read_back_through_another_section(
    small_programme: Platform,
) -> None:
    document = audit_of(small_programme).report()
    round_1 = section(document, "round", "Round 1")
    jobs = "outcome_job_in_field"

    assert round_1["total"]["figures"][jobs] == 18  # exact: what the funder pays by
    assert round_1["columns"][0]["figures"][jobs] is None  # arec's 3
    # The funder subtracts iccc's jobs, wherever the report prints them (iccc ran round 1
    # only, so its programme, round and cohort figures are all the same 15), from the total.
    iccc = [
        column["figures"][jobs]
        for part in document["sections"]
        for column in part["columns"]
        if column["pin"] == "iccc" and column["figures"][jobs] is not None
    ]
    assert 3 not in [18 - value for value in iccc]
    assert pinned_figures(document, own_figures(small_programme)) == []


def test_a_round_run_by_one_pin_is_not_the_programme_less_the_other_rounds(
    platform: Platform,
) -> None:
    document = audit_of(build(platform, ONE_PIN_ROUND)).report()
    jobs = "outcome_job_in_field"
    programme = section(document, "programme", "Programme")["total"]["figures"][jobs]
    round_3 = section(document, "round", "Round 3")

    assert programme == 18 + 24 + 2  # exact, whatever else is hidden
    assert round_3["total"]["figures"][jobs] is None  # chc's 2
    rounds = [section(document, "round", name)["total"]["figures"][jobs] for name in ROUNDS]
    assert None in rounds[:2], rounds  # no longer both exact: 44 - 18 - 24 would be chc's 2
    assert pinned_figures(document, own_figures(platform)) == []
    # Nothing else is given up: the totals of other figures stay exact.
    for name in ("Round 1", "Round 2"):
        total = section(document, "round", name)["total"]["figures"]
        assert total["mentees_served"] is not None, (name, total)


# --- the demo ---------------------------------------------------------------------------------


def test_the_pilot_report_reads_as_the_article(demo: Platform) -> None:
    document = audit_of(demo).report()
    pilot = section(document, "round", "Pilot 2024")["total"]

    assert pilot["headline"] == (
        "17 mentees, 6 jobs in field, 1 business started, 1 licence obtained, "
        "8 of 17 (47%) moved forward"
    )
    figures = pilot["figures"]
    assert figures["mentees_served"] == 17
    assert figures["outcome_job_in_field"] == 6
    assert figures["outcome_business_started"] == 1
    assert figures["outcome_licence_obtained"] == 1
    assert figures["outcome_licensing_exam_passed"] == 1
    assert figures["mentees_moved_forward"] == 8
    assert figures["moved_forward_percent"] == 47
    assert figures["groups"] == 3
    assert figures["mentors"] == 3
    assert figures["sessions_planned"] == figures["sessions_held"] == 15


def test_totals_over_two_pins_or_more_are_exact(demo: Platform) -> None:
    document = audit_of(demo).report()
    truth = own_figures(demo)

    for part in document["sections"]:
        if len(part["columns"]) < 2:
            continue
        for metric, total in part["total"]["figures"].items():
            if not metric.endswith("_percent"):
                expected = sum(
                    truth[part["kind"], part["name"], c["pin"]][metric] or 0
                    for c in part["columns"]
                )
                assert total == expected, (part["name"], metric)
    programme = section(document, "programme", "Programme")["total"]["figures"]
    assert programme["mentees_served"] == 72
    assert None not in programme.values()


def test_a_report_names_the_checkpoint_it_was_computed_from(demo: Platform) -> None:
    trail = audit_of(demo)
    signed = trail.log.latest_checkpoint()
    assert signed is not None

    checkpoint = trail.report()["checkpoint"]

    assert checkpoint["tree_size"] == signed.tree_size
    assert checkpoint["root_hash"] == signed.root_hash.hex()


def test_no_figure_of_one_pin_under_the_threshold_is_printed_across_pins(demo: Platform) -> None:
    document = audit_of(demo).report()

    assert document["suppressed_across_pins"] is True
    for part in document["sections"]:
        for column in part["columns"]:
            for name, value in column["figures"].items():
                if not name.endswith("_percent"):
                    assert value is None or value >= THRESHOLD, (part["name"], name)
    cohort = next(s for s in document["sections"] if s["kind"] == "cohort")
    assert cohort["total"]["figures"]["mentees_served"] is None  # one PIN: the total is its cell


def test_the_funder_cannot_work_out_a_hidden_figure_from_the_whole_report(
    demo: Platform,
) -> None:
    document = audit_of(demo).report()

    assert pinned_figures(document, own_figures(demo)) == []


def test_attendance_is_published_as_present_and_absent(demo: Platform) -> None:
    document = audit_of(demo).report()

    for part in document["sections"]:
        for column in [*part["columns"], part["total"]]:
            assert "attendance_recorded" not in column["figures"]
            assert "attendance_absent" in column["figures"]
            figures = column["figures"]
            if None in (figures["attendance_present"], figures["attendance_absent"]):
                assert figures["attendance_rate_percent"] is None
    pilot = section(document, "round", "Pilot 2024")["total"]["figures"]
    present, absent = pilot["attendance_present"], pilot["attendance_absent"]
    assert pilot["attendance_rate_percent"] == round(100 * present / (present + absent))


def test_a_coordinator_report_holds_only_their_own_pin_unsuppressed(demo: Platform) -> None:
    document = audit_of(demo).report(str(pin_id_for("cniea")))

    assert document["scope"] == "pin:cniea"
    assert document["suppressed_across_pins"] is False
    assert {c["pin"] for s in document["sections"] for c in s["columns"]} == {"cniea"}
    pilot = section(document, "round", "Pilot 2024")["columns"][0]["figures"]
    assert pilot["mentees_served"] == 5
    assert pilot["outcome_licensing_exam_passed"] == 1
    assert None not in pilot.values()


@pytest.mark.e2e
def test_a_report_recomputed_from_the_export_equals_the_served_one(
    demo: Platform, gateway: GraphQLClient, tmp_path: Path
) -> None:
    funder = gateway.token(Role.FUNDER, tenant=None, subject="allies")
    served = gateway.data(REPORT, token=funder)["funderReport"]
    (tmp_path / "report.json").write_text(served["document"])
    trail = audit_of(demo)
    export(trail, tmp_path / "export")

    verifier = verify(
        tmp_path / "export",
        public_key=trail.signer.public_key,
        report_files=[tmp_path / "report.json"],
    )

    assert verifier.passed, [f.line() for f in verifier.findings]
    assert any(
        f.check == "report" and "every figure matches" in f.detail for f in verifier.findings
    )
    pilot = next(s for s in served["sections"] if s["name"] == "Pilot 2024")
    assert pilot["total"]["headline"].startswith("17 mentees, 6 jobs in field")
    assert served["checkpointTreeSize"] == json.loads(served["document"])["checkpoint"]["tree_size"]


def test_a_report_with_one_changed_figure_fails_recomputation(
    demo: Platform, tmp_path: Path
) -> None:
    trail = audit_of(demo)
    document = trail.report()
    section(document, "round", "Pilot 2024")["total"]["figures"]["outcome_job_in_field"] = 7
    (tmp_path / "report.json").write_text(json.dumps(document))
    export(trail, tmp_path / "export")

    verifier = verify(
        tmp_path / "export",
        public_key=trail.signer.public_key,
        report_files=[tmp_path / "report.json"],
    )

    assert not verifier.passed
    failure = next(f for f in verifier.findings if not f.ok)
    assert "Pilot 2024" in failure.detail
    assert "outcome_job_in_field" in failure.detail


def test_mentoring_report_prints_csv_and_json(
    demo: Platform, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORING_DATABASE_URL", settings.database_url)
    runner = CliRunner()

    as_json = runner.invoke(app, ["report", "--format", "json"])
    as_csv = runner.invoke(app, ["report", "--format", "csv", "--pin", "arec"])

    assert as_json.exit_code == 0, as_json.output
    assert (
        section(json.loads(as_json.stdout), "round", "Pilot 2024")["total"]["figures"][
            "mentees_moved_forward"
        ]
        == 8
    )
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    served = next(
        r
        for r in rows
        if r["name"] == "Pilot 2024" and r["pin"] == "arec" and r["figure"] == "mentees_served"
    )
    assert served["value"] == "6"
    assert {r["tree_size"] for r in rows} == {str(audit_of(demo).log.head().size)}
