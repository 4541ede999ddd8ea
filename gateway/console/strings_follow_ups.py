"""The strings of outcomes, follow-ups and privacy actions (``outcomes.py``,
``follow_ups.py``, ``privacy.py``): a block of the catalogue, merged by ``strings.py``."""

from __future__ import annotations

FOLLOW_UPS: dict[str, str] = {
    # Outcomes of a mentee
    "outcomes.title": "Outcomes of {name}",
    "outcomes.intro": (
        "What the programme led to. Funders pay for these: record each with its date and "
        "the evidence you saw."
    ),
    "outcomes.none": "No outcomes recorded yet.",
    "outcomes.kind": "Kind of outcome",
    "outcomes.occurred_on": "Date",
    "outcomes.occurred_on_hint": "The day it happened (not in the future).",
    "outcomes.evidence": "Evidence",
    "outcomes.evidence_hint": (
        'What you saw, e.g. "offer letter from Hatch, 2 May". Kept encrypted; erased with '
        "the person."
    ),
    "outcomes.record": "Record an outcome",
    "outcomes.record_submit": "Record the outcome",
    "outcomes.recorded": "Outcome recorded: {kind} on {date}.",
    "outcomes.erased": "This mentee was erased; nothing more can be recorded about them.",
    "outcomes.back": "Back to {name}",
    "outcomes.privacy": "Privacy of {name}",
    "outcomes.missing": "Choose a kind, give the date and describe the evidence.",
    # Follow-ups
    "nav.follow_ups": "Follow-ups",
    "follow_ups.title": "Follow-ups",
    "follow_ups.intro": (
        "Mentees due for their follow-up 3, 6 and 12 months after their round ended (the "
        'cohort\'s end date). Record each one as an outcome or as "no change".'
    ),
    "follow_ups.due_by": "Due on or before",
    "follow_ups.include_recorded": "Also show follow-ups already recorded",
    "follow_ups.show": "Show",
    "follow_ups.count": "Follow-ups listed: {count}",
    "follow_ups.none": "No follow-up is due by {date}.",
    "follow_ups.mentee": "Mentee",
    "follow_ups.round": "Round (ended)",
    "follow_ups.checkpoint": "Follow-up",
    "follow_ups.due_on": "Due on",
    "follow_ups.state": "State",
    "follow_ups.action": "Action",
    "follow_ups.months.THREE_MONTHS": "3-month",
    "follow_ups.months.SIX_MONTHS": "6-month",
    "follow_ups.months.TWELVE_MONTHS": "12-month",
    "follow_ups.open": "Due",
    "follow_ups.done_no_change": "Recorded {date}: no change",
    "follow_ups.done_outcome": "Recorded {date}: {kind}",
    "follow_ups.record_link": "Record",
    "follow_ups.record_label": "Record the {months} follow-up of {name}",
    "follow_ups.no_contact": "Do not contact: withdrew consent to follow-up contact",
    "follow_ups.form_title": "{months} follow-up of {name}",
    "follow_ups.form_facts": "Round {round}, ended {ended}; due on {due}.",
    "follow_ups.result": "What did the follow-up find?",
    "follow_ups.no_change": "No change",
    "follow_ups.an_outcome": "An outcome (give it below)",
    "follow_ups.submit": "Record the follow-up",
    "follow_ups.back": "Back to the follow-ups",
    "follow_ups.already": "This follow-up was recorded on {date}.",
    "follow_ups.choose": 'Choose "no change" or an outcome.',
    "follow_ups.saved": "The {months} follow-up of {name} is recorded.",
    # Privacy of a person
    "privacy.title": "Privacy of {name}",
    "privacy.intro": (
        "What your PIN holds about this person, their consents, and erasure. See the privacy "
        "guide for what each action does."
    ),
    "privacy.kind.mentee": "Mentee",
    "privacy.kind.mentor": "Mentor",
    "privacy.back": "Back to {name}",
    "privacy.export": "Access export",
    "privacy.export_intro": (
        "Everything held about this person, as a JSON file. Hand it to them over a channel you "
        "trust: the file itself is not encrypted."
    ),
    "privacy.export_download": "Download the export of {name} (JSON)",
    "privacy.consents": "Consents",
    "privacy.purpose": "Purpose",
    "privacy.consent_state": "Consent",
    "privacy.recorded_at": "Recorded",
    "privacy.at_enrolment": "at enrolment",
    "privacy.given": "Given",
    "privacy.withdrawn": "Withdrawn",
    "privacy.give": "Record consent given",
    "privacy.withdraw": "Record consent withdrawn",
    "privacy.bad_choice": "Choose a purpose, and whether consent was given or withdrawn.",
    "privacy.consent_saved": "Consent to {purpose} recorded as {state}.",
    "privacy.purpose.PARTICIPATION": "programme participation",
    "privacy.purpose.SHARING": "cross-network sharing",
    "privacy.purpose.FOLLOW_UP": "follow-up contact after the round",
    "privacy.erasure": "Erasure",
    "privacy.erase_link": "Erase {name}…",
    "privacy.erased": "This person was erased on {date}. Nothing more can be recorded about them.",
    "privacy.erase_title": "Erase {name}",
    "privacy.erase_warning": (
        "Erasure cannot be undone. The person's data key is destroyed: their name, e-mail, "
        "goals and outcome evidence can never be read again, by anyone. Counts, groups and "
        "reports do not change. If they come back, they are enrolled again as a new person."
    ),
    "privacy.erase_confirm": "To confirm, type the person's name ({name}) or the word ERASE",
    "privacy.erase_submit": "Erase for good",
    "privacy.erase_cancel": "Cancel",
    "privacy.erase_mismatch": (
        "Nothing was erased: type the person's name exactly, or the word ERASE, to confirm."
    ),
    "privacy.erase_done": "The person was erased.",
}
