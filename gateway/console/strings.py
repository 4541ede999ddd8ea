"""Every string the console shows, keyed by message id: English now, ready for French.

Templates call ``t("id")`` and code calls ``t("id", name=...)``; a translation adds a second
catalogue with the same ids. An id missing from the catalogue is a programming error and shows
as the id itself, so a test that reads the page finds it.
"""

from __future__ import annotations

from gateway.console.strings_follow_ups import FOLLOW_UPS
from gateway.console.strings_groups import GROUPS
from gateway.console.strings_oidc import OIDC

ENGLISH: dict[str, str] = {
    # The frame of every page
    "app.lang": "en",
    "app.name": "Group mentoring",
    "app.skip": "Skip to the main content",
    "app.nav": "Main",
    "app.signed_in_as": "Signed in as {role} of {pin}",
    "app.signed_in_as_platform": "Signed in as {role}",
    "app.sign_out": "Sign out",
    "app.footer": "Every page here uses the public GraphQL API.",
    "nav.home": "Home",
    "nav.cohorts": "Cohorts",
    "nav.mentees": "Mentees",
    "nav.mentors": "Mentors",
    "nav.import": "Import",
    "nav.api_keys": "API keys",
    "role.coordinator": "coordinator",
    "role.mentor": "mentor",
    "role.funder": "funder",
    "role.network": "network operator",
    "role.admin": "platform admin",
    # Sign-in
    "sign_in.title": "Sign in",
    "sign_in.intro": "Sign in to run your PIN's mentoring programme.",
    "sign_in.oidc": "Sign in with your organisation",
    "sign_in.no_provider": (
        "No sign-in provider is configured. In the demo, open one of the sign-in links that "
        "“mentoring demo” printed in its terminal."
    ),
    "sign_in.expired": "Your session has ended. Please sign in again.",
    "sign_in.dev_refused_title": "Not available",
    "sign_in.dev_refused": "Sign-in links work only in the development environment.",
    "sign_in.bad_link": "This sign-in link is not valid (it may have expired).",
    "sign_out.done": "You are signed out.",
    # Errors
    "error.not_found_title": "Not found",
    "error.not_found": "There is nothing here, or it is not yours to see.",
    "error.forbidden_title": "Not allowed",
    "error.forbidden": "Your role may not use this page.",
    "error.csrf_title": "The form has expired",
    "error.csrf": "The form could not be checked. Go back, reload the page and try again.",
    "error.unavailable_title": "Please try again",
    "error.unavailable": (
        "The service is busy or unavailable, or could not do this. Reload the page to see what "
        "was saved, then try again."
    ),
    "error.form": "Nothing was saved: {message}",
    "error.back_home": "Back to the home page",
    # Home pages
    "home.title": "Home",
    "home.welcome": "Welcome",
    "home.coordinator_intro": "Your PIN's programme at a glance.",
    "home.cohorts": "Cohorts",
    "home.mentees": "Mentees",
    "home.mentors": "Mentors",
    "home.groups": "Groups",
    "home.open_cohorts": "Open cohorts",
    "home.see_all": "See all {what}",
    "home.platform_intro": "Choose a page from the menu.",
    # Cohorts
    "cohorts.title": "Cohorts",
    "cohorts.none": "No cohorts yet.",
    "cohorts.name": "Name",
    "cohorts.starts_on": "Starts on",
    "cohorts.ends_on": "Ends on",
    "cohorts.state": "State",
    "cohorts.groups": "Groups",
    "cohorts.mentees": "Mentees",
    "cohorts.actions": "Actions",
    "cohorts.plan": "Plan a cohort",
    "cohorts.plannedSessions": "Sessions per group",
    "cohorts.minGroupSize": "Smallest group",
    "cohorts.maxGroupSize": "Largest group",
    "cohorts.plan_submit": "Plan the cohort",
    "cohorts.planned": "The cohort {name} is planned.",
    "cohorts.open": "Open",
    "cohorts.opened": "The cohort {name} is open.",
    "cohorts.close": "Close",
    "cohorts.close_title": "Close the cohort {name}?",
    "cohorts.close_warning": (
        "A closed cohort cannot be opened again: no groups, sessions or attendance can be "
        "added to it."
    ),
    "cohorts.close_confirm": "Yes, close the cohort",
    "cohorts.close_cancel": "No, keep it open",
    "cohorts.closed": "The cohort {name} is closed.",
    "cohorts.state.PLANNING": "planned",
    "cohorts.state.RUNNING": "open",
    "cohorts.state.CLOSED": "closed",
    "cohorts.more": "Next page",
    "cohorts.whole_number": "{field} must be a whole number.",
    "cohorts.dates_required": "Give the dates the cohort starts and ends.",
    "cohorts.count": "{count} cohorts",
    # Registers
    "register.mentees_title": "Mentees",
    "register.mentors_title": "Mentors",
    "register.search": "Search by name",
    "register.profession": "Profession",
    "register.language": "Language",
    "register.cohort": "Cohort",
    "register.any": "Any",
    "register.filter": "Filter",
    "register.clear": "Clear",
    "register.count": "{count} found",
    "register.none": "Nobody matches.",
    "register.name": "Name",
    "register.origin": "Origin",
    "register.languages": "Languages",
    "register.english": "English",
    "register.enrolled_on": "Enrolled on",
    "register.background": "Cultural background",
    "register.licence": "Licence",
    "register.capacity": "Groups per round",
    "register.email": "E-mail",
    "register.goals": "Goals",
    "register.groups": "Groups",
    "register.outcomes": "Outcomes",
    "register.next": "Next page",
    "register.first": "First page",
    "register.pages": "Pages",
    "register.trainings": "Trainings",
    "register.no_trainings": "No trainings recorded.",
    "register.no_outcomes": "No outcomes recorded yet.",
    "english.BASIC": "basic",
    "english.INTERMEDIATE": "intermediate",
    "english.ADVANCED": "advanced",
    "english.FLUENT": "fluent",
    "licence.NOT_REGULATED": "not regulated",
    "licence.NOT_STARTED": "not started",
    "licence.IN_PROGRESS": "in progress",
    "licence.LICENSED": "licensed",
    "outcome.JOB_IN_FIELD": "job in field",
    "outcome.JOB_OUTSIDE_FIELD": "job outside field",
    "outcome.BUSINESS_STARTED": "business started",
    "outcome.LICENCE_OBTAINED": "licence obtained",
    "outcome.LICENSING_EXAM_PASSED": "licensing exam passed",
    "outcome.FURTHER_EDUCATION": "further education",
    # CSV import
    "import.title": "Import mentees and mentors",
    "import.intro": (
        "Upload a CSV file (UTF-8, first line the column names). You will see every row "
        "before anything is saved; a file with errors imports nothing."
    ),
    "import.kind": "What the file holds",
    "import.kind.mentees": "Mentees",
    "import.kind.mentors": "Mentors",
    "import.file": "CSV file",
    "import.columns": "Columns: {columns}. Separate several languages with a semicolon.",
    "import.preview_submit": "Check the file",
    "import.preview_title": "Check before importing",
    "import.line": "Line",
    "import.problem": "Problem",
    "import.ok": "OK",
    "import.rows_ok": "All {count} rows are ready to import.",
    "import.rows_bad": (
        "{bad} of {count} rows have errors. Correct the file and upload it again: "
        "nothing is imported while a row has an error."
    ),
    "import.already": "This file was imported before: importing it again changes nothing.",
    "import.confirm": "Import {count} rows",
    "import.again": "Upload another file",
    "import.done": "Imported {count} {kind}.",
    "import.done_already": "This file was imported before; nothing was changed.",
    "import.no_file": "Choose a CSV file to upload.",
    "import.not_csv": "The file is not a CSV file in UTF-8.",
    "import.missing_columns": "The file lacks the columns: {columns}.",
    "import.empty": "The file holds no rows.",
    "import.too_many": "The file holds more than {limit} rows; split it.",
    "import.wrong_length": "this row has {cells} cells, the header {columns}.",
    "import.not_a_number": "{column} must be a whole number.",
    "import.name": "Name",
    # API keys
    "keys.title": "API keys",
    "keys.intro": (
        "Keys let your PIN's other systems (an HR system, a spreadsheet export) use the API as "
        "your coordinator. Only a hash of a key is kept."
    ),
    "keys.name": "Name",
    "keys.name_hint": "What the key is for, e.g. HR system.",
    "keys.created": "Issued on",
    "keys.expires": "Expires on",
    "keys.expires_on": "Expires on (optional)",
    "keys.expires_hint": "At most a year ahead. Without a date the key works until revoked.",
    "keys.never": "never",
    "keys.state": "State",
    "keys.active": "active",
    "keys.revoked_state": "revoked",
    "keys.revoke": "Revoke",
    "keys.revoked": "The key {name} is revoked; it no longer works.",
    "keys.none": "No keys yet.",
    "keys.issue": "Issue a key",
    "keys.issue_submit": "Issue the key",
    "keys.issued": "The key {name} is issued.",
    "keys.secret": "The key",
    "keys.secret_once": "Copy it now: it is shown only this once.",
    # Funder dashboard, network statistics, mentor pages (funder.py, network.py, mentor.py)
    "nav.funder": "Funder report",
    "nav.network": "Network statistics",
    "nav.my_groups": "My groups",
    "chart.suppressed": "suppressed",
    "chart.as_table": "Show the figures as a table",
    "chart.category": "Category",
    "figure.mentees_served": "Mentees served",
    "figure.mentors": "Mentors",
    "figure.groups": "Groups",
    "figure.sessions_planned": "Sessions planned",
    "figure.sessions_held": "Sessions held",
    "figure.attendance_present": "Present",
    "figure.attendance_absent": "Absent",
    "figure.attendance_rate_percent": "Attendance rate",
    "figure.mentee_trainings": "Mentee trainings",
    "figure.mentor_trainings": "Mentor trainings",
    "figure.outcome_job_in_field": "Jobs in field",
    "figure.outcome_job_outside_field": "Jobs outside field",
    "figure.outcome_business_started": "Businesses started",
    "figure.outcome_licence_obtained": "Licences obtained",
    "figure.outcome_licensing_exam_passed": "Licensing exams passed",
    "figure.outcome_further_education": "Further education",
    "figure.mentees_moved_forward": "Mentees moved forward",
    "figure.moved_forward_percent": "Share moved forward",
    "funder.title": "Funder report",
    "funder.from_checkpoint": (
        "Computed from the signed audit checkpoint of {size} events, signed {issued}."
    ),
    "funder.root": "Root hash:",
    "funder.no_checkpoint": (
        "No audit checkpoint has been signed yet, so there is no report. Checkpoints are "
        "signed on a schedule; try again later."
    ),
    "funder.suppression": (
        "Figures of one PIN under {threshold} are withheld and shown as suppressed; totals "
        "are exact."
    ),
    "funder.programme": "Programme",
    "funder.total": "Total",
    "funder.charts": "Charts",
    "funder.no_rounds": "No round has figures yet.",
    "funder.chart_served_rounds": "Mentees served per round",
    "funder.chart_served_pins": "Mentees served per PIN (programme)",
    "funder.chart_moved_forward": "Share of mentees who moved forward",
    "funder.chart_outcomes_rounds": "Outcomes by kind per round",
    "funder.chart_outcomes_pins": "Outcomes by kind per PIN (programme)",
    "funder.chart_attendance": "Attendance: present and absent",
    "funder.chart_attendance_rate": "Attendance rate",
    "funder.sections": "Every section",
    "funder.sections_show": "Show the headline of every round, cohort and PIN",
    "funder.sections_caption": "The headline of each section of the report, per PIN and in total",
    "funder.section": "Section",
    "funder.column": "PIN",
    "funder.headline": "Headline",
    "funder.downloads": "Downloads",
    "funder.download_json": "The report as JSON (what mentoring audit verify checks)",
    "funder.download_csv": "The report as CSV (one row per section, PIN and figure)",
    "funder.download_checkpoint": "The signed checkpoint the report names (JSON)",
    "verify.title": "Check the signatures",
    "verify.intro": (
        "Your browser checks, with the key you hold, that the platform signed this report's "
        "checkpoint and these figures. Nothing is sent anywhere."
    ),
    "verify.needs_script": (
        "This check needs JavaScript. Offline, use mentoring audit verify with the downloads."
    ),
    "verify.public_key": "Your copy of the platform's public key",
    "verify.public_key_hint": "Paste the key you hold on record: base64, hex or PEM.",
    "verify.report": "Report (JSON)",
    "verify.report_hint": "The report shown on this page; paste or load a downloaded one.",
    "verify.report_file": "Or load a report file",
    "verify.checkpoint_signature": "Checkpoint signature (base64)",
    "verify.report_signature": "Report signature (base64)",
    "verify.submit": "Check the signatures",
    "verify.checking": "Checking…",
    "verify.valid": "Signature valid.",
    "verify.invalid": "Signature does NOT match.",
    "verify.other_key": "The report names another key than yours.",
    "verify.error_key": "The key is not an Ed25519 public key (base64, hex or PEM).",
    "verify.error_report": "The report or a signature cannot be read.",
    "verify.error_unsupported": (
        "This browser cannot check Ed25519 signatures; use mentoring audit verify."
    ),
    "verify.demo_key": "In the demo, the platform's key is",
    "verify.key_id": "key id",
    "verify.what_it_proves": (
        "A valid signature shows the platform stated these figures for this checkpoint. That "
        "the figures follow from the events is checked offline by mentoring audit verify "
        "--report."
    ),
    "network.title": "Network statistics",
    "network.intro": (
        "The latest release of the programme's statistics. Counts under {threshold} that "
        "could be worked out are withheld and shown as suppressed."
    ),
    "network.by": "Break down by",
    "network.by.PIN": "PIN",
    "network.by.PROFESSION": "Profession",
    "network.by.COHORT": "Cohort",
    "network.by.TOTAL": "Total",
    "network.show": "Show",
    "network.not_applicable": "n/a",
    "network.no_release": "No statistics have been released yet.",
    "network.release": "Release {id}, {released}, tied to the signed checkpoint of {size} events.",
    "network.per.PIN": "per PIN",
    "network.per.PROFESSION": "per profession",
    "network.per.COHORT": "per cohort",
    "network.per.TOTAL": "in total",
    "network.chart": "{what} {per}",
    "network.outcomes": "Outcomes by kind",
    "network.attendance": "Attendance",
    "network.table": "All figures {per}",
    "mentor.groups_title": "My groups",
    "mentor.no_groups": "You lead no group yet.",
    "mentor.group_facts": "{mentees} mentees · {held} of {planned} sessions held",
    "mentor.back_to_groups": "Back to my groups",
    "mentor.sessions": "Sessions",
    "mentor.session": "Session {number} · {date}",
    "mentor.held": "Held: {present} present, {absent} absent.",
    "mentor.not_held": "Not held yet.",
    "mentor.take_attendance": "Take attendance for session {number}",
    "mentor.no_sessions": "No sessions are scheduled yet.",
    "mentor.mentees": "Mentees",
    "attendance.title": "Attendance, session {number}",
    "attendance.back": "Back to {group}",
    "attendance.not_yet": "This session is on {date}; take attendance from that day.",
    "attendance.will_mark_held": "Saving also records that the session took place.",
    "attendance.present": "Present",
    "attendance.absent": "Absent",
    "attendance.save": "Save attendance",
    "attendance.none_chosen": "Choose present or absent for at least one mentee.",
    "attendance.saved": "Attendance of session {number} saved: {present} present, {absent} absent.",
}

# A feature's block may live in a module of its own (strings_<feature>.py), merged here.
ENGLISH.update(GROUPS)
ENGLISH.update(FOLLOW_UPS)
ENGLISH.update(OIDC)


def t(message_id: str, /, **values: object) -> str:
    """The message ``message_id`` in the console's language, with ``values`` filled in."""
    text = ENGLISH.get(message_id, message_id)
    return text.format(**values) if values else text
