"""The tenant-views handlers in batch form: each folds an event into a rebuild's ``Fold``.

Each function here mirrors one handler of ``projections.tenant_views`` (or of the privacy
and matching views) statement for statement: the same rows, values and Python types; an
update or delete of a missing row changes nothing; a second insert of a key fails.
``foldable`` says whether every registered handler is the one mirrored here; a new or
replaced handler makes the rebuild apply the events with the handlers themselves.
"""

from __future__ import annotations

import json
from typing import Any

import projections.follow_up_views as fu
import projections.matching_views as mv
import projections.privacy_views as pv
import projections.tenant_views as tv
from domain.envelope import EventEnvelope
from domain.privacy import ERASED, Purpose
from projections.rebuild_fold import COLUMN_INDEX, Fold, FoldFn


def _json(values: Any) -> str:
    return json.dumps(values, ensure_ascii=False)


def _personal(value: Any) -> str | None:
    return None if value is None else str(value["value"])


def _pin_registered(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    row = [
        e.tenant_id,
        p["slug"],
        p["name"],
        _json(p["communities"]),
        _json(p["professions"]),
        e.position,
    ]
    f.insert("pins", e.tenant_id, row)


def _pin_updated(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    row = f.rows["pins"].get(e.tenant_id)
    if row is not None:
        row[2:5] = [p["name"], _json(p["communities"]), _json(p["professions"])]


def _mentor_enrolled(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    row = [
        e.aggregate_id,
        e.tenant_id,
        _personal(p["name"]),
        _personal(p["email"]),
        p["profession"],
        _json(p["languages"]),
        p["cultural_background"],
        p["licence_status"],
        p["capacity"],
        e.position,
        None,
        "{}",
    ]
    f.insert("mentors", e.aggregate_id, row)


def _mentee_enrolled(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    row = [
        e.aggregate_id,
        e.tenant_id,
        _personal(p["name"]),
        _personal(p["email"]),
        p["profession"],
        p["origin"],
        _json(p["languages"]),
        p["english_level"],
        _personal(p["goals"]),
        p["enrolled_on"],
        e.position,
        None,
        "{}",
    ]
    f.insert("mentees", e.aggregate_id, row)


def _training_completed(f: Fold, e: EventEnvelope) -> None:
    for table, metric in (("mentees", "mentee_trainings"), ("mentors", "mentor_trainings")):
        profession = f.profession(table, e.aggregate_id)
        if profession:
            f.bump(e, metric, profession=profession)
    f.appended["trainings"].append(
        (
            e.tenant_id,
            e.aggregate_id,
            e.aggregate_version,
            e.payload["name"],
            e.payload["completed_on"],
        )
    )


def _outcome_recorded(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    profession = f.profession("mentees", e.aggregate_id)
    first = (e.aggregate_id, p["cohort_id"] or "")
    if first not in f.outcome_cohorts:
        f.bump(e, "mentees_moved_forward", cohort_id=p["cohort_id"], profession=profession)
    f.bump(e, f"outcome_{p['kind']}", cohort_id=p["cohort_id"], profession=profession)
    row = [
        p["outcome_id"],
        e.tenant_id,
        e.aggregate_id,
        p["kind"],
        p["occurred_on"],
        _personal(p["evidence"]),
        p["cohort_id"],
        e.position,
    ]
    f.insert("outcomes", p["outcome_id"], row)
    f.outcome_cohorts.add(first)
    f.outcomes_of.setdefault(e.aggregate_id, []).append(row)


def _joined_round(f: Fold, e: EventEnvelope) -> None:
    profession = f.profession("mentees", e.aggregate_id)
    f.bump(e, "mentees_served", cohort_id=e.payload["cohort_id"], profession=profession)
    fu.fold_schedule(f, e)


def _cohort_planned(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    f.appended["network_cohorts"].append((e.aggregate_id, e.tenant_id, p["name"], p["starts_on"]))
    row = [
        e.aggregate_id,
        e.tenant_id,
        p["name"],
        p["starts_on"],
        p["ends_on"],
        p["planned_sessions"],
        p["min_group_size"],
        p["max_group_size"],
        "planning",
        e.position,
    ]
    f.insert("cohorts", e.aggregate_id, row)


def _cohort_state(state: str) -> FoldFn:
    def fold(f: Fold, e: EventEnvelope) -> None:
        row = f.rows["cohorts"].get(e.aggregate_id)
        if row is not None:
            row[8] = state

    return fold


def _group_formed(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    f.bump(e, "groups", cohort_id=p["cohort_id"])
    row = [
        e.aggregate_id,
        e.tenant_id,
        p["cohort_id"],
        p["name"],
        p["mentor_id"],
        p["min_size"],
        p["max_size"],
        p["planned_sessions"],
        0,
        0,
        e.position,
    ]
    f.insert("mentoring_groups", e.aggregate_id, row)


def _mentee_added(f: Fold, e: EventEnvelope) -> None:
    mentee_id = e.payload["mentee_id"]
    row = [e.tenant_id, e.aggregate_id, mentee_id, e.position]
    f.insert("group_members", (e.aggregate_id, mentee_id), row)
    group = f.rows["mentoring_groups"].get(e.aggregate_id)
    if group is not None:
        group[8] += 1


def _mentee_removed(f: Fold, e: EventEnvelope) -> None:
    f.rows["group_members"].pop((e.aggregate_id, e.payload["mentee_id"]), None)
    group = f.rows["mentoring_groups"].get(e.aggregate_id)
    if group is not None:
        group[8] -= 1


def _session_scheduled(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    row = [e.tenant_id, e.aggregate_id, p["number"], p["scheduled_on"], p["agenda"], 0]
    f.insert("group_sessions", (e.aggregate_id, p["number"]), row)


def _session_held(f: Fold, e: EventEnvelope) -> None:
    f.bump(e, "sessions_held", cohort_id=f.group_cohort(e.aggregate_id))
    session = f.rows["group_sessions"].get((e.aggregate_id, e.payload["number"]))
    if session is not None:
        session[5] = 1
    group = f.rows["mentoring_groups"].get(e.aggregate_id)
    if group is not None:
        group[9] += 1


def _attendance_recorded(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    key = (e.aggregate_id, p["number"], p["mentee_id"])
    before = f.rows["attendance"].get(key)
    cohort_id = f.group_cohort(e.aggregate_id)
    if before is None:
        f.bump(e, "attendance_recorded", cohort_id=cohort_id)
    present_change = int(p["present"]) - (int(before[4]) if before is not None else 0)
    if present_change:
        f.bump(e, "attendance_present", cohort_id=cohort_id, by=present_change)
    if before is None:
        f.rows["attendance"][key] = [
            e.tenant_id,
            e.aggregate_id,
            p["number"],
            p["mentee_id"],
            int(p["present"]),
        ]
    else:
        before[4] = int(p["present"])


def _activity_hosted(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    row = [
        e.aggregate_id,
        e.tenant_id,
        p["title"],
        p["held_on"],
        p["description"],
        p["capacity"],
        e.position,
    ]
    f.insert("shared_activities", e.aggregate_id, row)


def _participant_registered(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    row = [e.aggregate_id, p["person_id"], p["person_tenant_id"], p["kind"], e.position]
    f.insert("activity_registrations", (e.aggregate_id, p["person_id"]), row)


def _registration_cancelled(f: Fold, e: EventEnvelope) -> None:
    f.rows["activity_registrations"].pop((e.aggregate_id, e.payload["person_id"]), None)


def _api_key_issued(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    row = [
        e.aggregate_id,
        e.tenant_id,
        p["name"],
        p["role"],
        p["secret_hash"],
        p["expires_at"],
        e.occurred_at,
        e.position,
        0,
    ]
    f.insert("api_keys", e.aggregate_id, row)


def _api_key_revoked(f: Fold, e: EventEnvelope) -> None:
    row = f.rows["api_keys"].get(e.aggregate_id)
    if row is not None:
        row[8] = 1


# --- privacy (projections.privacy_views) --------------------------------------------


def _erased(f: Fold, e: EventEnvelope) -> None:
    mentee = f.rows["mentees"].get(e.aggregate_id)
    if mentee is not None:
        mentee[2], mentee[3], mentee[8], mentee[11] = ERASED, None, None, e.occurred_at
    mentor = f.rows["mentors"].get(e.aggregate_id)
    if mentor is not None:
        mentor[2], mentor[3], mentor[10] = ERASED, None, e.occurred_at
    for outcome in f.outcomes_of.get(e.aggregate_id, ()):
        outcome[5] = ERASED


def _consent(given: bool) -> FoldFn:
    def fold(f: Fold, e: EventEnvelope) -> None:
        purpose = Purpose(e.payload["purpose"])
        for table in pv.PEOPLE:
            row = f.rows[table].get(e.aggregate_id)
            if row is None:
                continue
            index = COLUMN_INDEX[table]["consents"]
            consents = json.loads(row[index])
            consents[purpose.value] = {"given": given, "at": e.occurred_at}
            row[index] = json.dumps(consents, sort_keys=True)
        if purpose != Purpose.SHARING:
            return
        withdrawn = f.rows["sharing_withdrawn"]
        if given:
            withdrawn.pop(e.aggregate_id, None)
        elif e.aggregate_id not in withdrawn:
            withdrawn[e.aggregate_id] = [e.aggregate_id, e.tenant_id, e.position]

    return fold


# --- group proposals (projections.matching_views) -----------------------------------


def _proposed(f: Fold, e: EventEnvelope) -> None:
    p = e.payload
    problem = p["problem"]
    settings = {
        "weights": problem["weights"],
        "min_size": problem["min_size"],
        "max_size": problem["max_size"],
        "mentees": len(problem["mentees"]),
        "mentors": len(problem["mentors"]),
        "pinned": problem["pinned"],
        "apart": problem["apart"],
    }
    row = [
        e.aggregate_id,
        e.tenant_id,
        p["cohort_id"],
        "proposed",
        _json(p["result"]),
        _json(p["report"]),
        _json(settings),
        e.occurred_at,
        e.position,
        0,
        "[]",
        None,
    ]
    f.insert("group_proposals", e.aggregate_id, row)


def _edited(f: Fold, e: EventEnvelope) -> None:
    row = f.rows["group_proposals"].get(e.aggregate_id)
    if row is not None:
        row[4] = _json(e.payload["result"])
        row[9] += 1


def _accepted(f: Fold, e: EventEnvelope) -> None:
    row = f.rows["group_proposals"].get(e.aggregate_id)
    if row is not None:
        row[3], row[10] = "accepted", _json(e.payload["group_ids"])


def _rejected(f: Fold, e: EventEnvelope) -> None:
    row = f.rows["group_proposals"].get(e.aggregate_id)
    if row is not None:
        row[3], row[11] = "rejected", e.payload["reason"]


H = tv.HANDLERS
# event type -> (the handler mirrored, its fold)
MIRRORS: dict[str, tuple[tv.Handler, FoldFn]] = {
    "Pin.Registered": (tv._pin_registered, _pin_registered),
    "Pin.ProfileUpdated": (tv._pin_updated, _pin_updated),
    "Mentor.Enrolled": (tv._mentor_enrolled, _mentor_enrolled),
    "Mentee.Enrolled": (tv._mentee_enrolled, _mentee_enrolled),
    "Person.TrainingCompleted": (tv._training_completed, _training_completed),
    "Mentee.OutcomeRecorded": (tv._outcome_recorded, _outcome_recorded),
    "Mentee.JoinedRound": (tv._joined_round, _joined_round),
    "Mentee.FollowUpRecorded": (fu.recorded, fu.fold_recorded),
    "Cohort.Planned": (tv._cohort_planned, _cohort_planned),
    "Cohort.Started": (H["Cohort.Started"], _cohort_state("running")),
    "Cohort.Closed": (H["Cohort.Closed"], _cohort_state("closed")),
    "Group.Formed": (tv._group_formed, _group_formed),
    "Group.MenteeAdded": (tv._mentee_added, _mentee_added),
    "Group.MenteeRemoved": (tv._mentee_removed, _mentee_removed),
    "Group.SessionScheduled": (tv._session_scheduled, _session_scheduled),
    "Group.SessionHeld": (tv._session_held, _session_held),
    "Group.AttendanceRecorded": (tv._attendance_recorded, _attendance_recorded),
    "SharedActivity.Hosted": (tv._activity_hosted, _activity_hosted),
    "SharedActivity.ParticipantRegistered": (tv._participant_registered, _participant_registered),
    "SharedActivity.RegistrationCancelled": (tv._registration_cancelled, _registration_cancelled),
    "ApiKey.Issued": (tv._api_key_issued, _api_key_issued),
    "ApiKey.Revoked": (tv._api_key_revoked, _api_key_revoked),
    "Person.Erased": (pv._erased, _erased),
    "Person.ConsentGiven": (H["Person.ConsentGiven"], _consent(True)),
    "Person.ConsentWithdrawn": (H["Person.ConsentWithdrawn"], _consent(False)),
    "GroupProposal.Proposed": (mv._proposed, _proposed),
    "GroupProposal.Edited": (mv._edited, _edited),
    "GroupProposal.Accepted": (mv._accepted, _accepted),
    "GroupProposal.Rejected": (mv._rejected, _rejected),
}


def foldable() -> dict[str, FoldFn] | None:
    """The folds by event type, if every registered handler is the one mirrored here."""
    if set(tv.HANDLERS) != set(MIRRORS):
        return None
    if any(tv.HANDLERS[t] is not handler for t, (handler, _) in MIRRORS.items()):
        return None
    return {t: fold for t, (_, fold) in MIRRORS.items()}
