"""Forming groups from a proposal, and the groups of a PIN (coordinators).

A cohort's groups page proposes groups (``proposeGroups``; the solver may take seconds), the
proposal's page shows each proposed group with the API's explanations and the solver's report,
moves mentees between groups in one form (``editProposal``), and accepts (``acceptProposal``)
or rejects it. A group's page shows its mentor, mentees and sessions (``sessions.py`` holds
the session forms). Another PIN's id, or an unknown one, is the console's 404 page.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console import attendance
from gateway.console.forms import FormPage, form_text, redirect_after_post, show_on_get, submit
from gateway.console.graphql_client import look_up, run
from gateway.console.pages import add_navigation, feature_router, render, require_role
from gateway.console.strings import t

PROPOSE_SECONDS = 5.0
"""The solver's time limit for a proposal made in the console: long enough for the exact
answer on a PIN's round, short enough to wait for on a page (it falls back to greedy)."""
OUT = "out"
"""The value of "in no group" in the move form."""

router = feature_router()
add_navigation("coordinator", "nav.groups", "/groups")


@router.get("/groups")
async def groups(request: Request) -> Response:
    """Every group of the PIN, and each cohort with a link to form its groups."""
    await require_role(request, "coordinator")
    data = await run(request, "Groups")
    return await render(
        request,
        "groups/list.html",
        cohorts=[edge["node"] for edge in data["cohorts"]["edges"]],
        groups=[edge["node"] for edge in data["groups"]["edges"]],
        total=data["groups"]["totalCount"],
    )


async def _cohort(request: Request, cohort_id: str) -> dict[str, Any]:
    await require_role(request, "coordinator")
    return await look_up(request, "GroupCohort", {"id": cohort_id})


COHORT_PAGE = FormPage[dict[str, Any]](
    "groups/cohort.html",
    lambda data: {
        "cohort": data["cohort"],
        "groups": [edge["node"] for edge in data["groups"]["edges"]],
        "proposals": data["groupProposals"],
        "seconds": int(PROPOSE_SECONDS),
    },
)
"""A cohort's groups, its proposals and the form to propose groups (the record: ``GroupCohort``)."""
show_on_get(router, "/cohorts/{cohort_id}/groups", COHORT_PAGE, _cohort)


@router.post("/cohorts/{cohort_id}/groups/propose")
async def propose(request: Request, cohort_id: str) -> Response:
    """Propose groups from the PIN's mentees in no group; then show the proposal."""
    await _cohort(request, cohort_id)  # another PIN's id: 404

    async def again(problem: str) -> Response:
        return await COHORT_PAGE.show(request, await _cohort(request, cohort_id), problem=problem)

    def proposed(data: dict[str, Any]) -> Response:
        proposal = data["proposeGroups"]["proposal"]
        message = t("proposal.proposed", groups=len(proposal["groups"]))
        return redirect_after_post(f"/proposals/{proposal['id']}", message)

    return await submit(
        request,
        "ProposalPropose",
        {"cohortId": cohort_id, "timeLimitSeconds": PROPOSE_SECONDS},
        again=again,
        done=proposed,
    )


def placement(proposal: dict[str, Any]) -> dict[str, str]:
    """Where each mentee of the proposal is: a group's number as text, or ``OUT``."""
    placed = {m["id"]: str(g["number"]) for g in proposal["groups"] for m in g["mentees"]}
    for unplaced in proposal["unplaced"]:
        placed.setdefault(unplaced["mentee"]["id"], OUT)
    return placed


def _people(proposal: dict[str, Any]) -> list[dict[str, Any]]:
    """Every mentee of the proposal, grouped ones first, each once."""
    people = [m for g in proposal["groups"] for m in g["mentees"]]
    people += [u["mentee"] for u in proposal["unplaced"]]
    return list({p["id"]: p for p in people}.values())


async def _proposal(request: Request, proposal_id: str) -> dict[str, Any]:
    await require_role(request, "coordinator")
    found: dict[str, Any] = (await look_up(request, "Proposal", {"id": proposal_id}))[
        "groupProposal"
    ]
    return found


PROPOSAL_PAGE = FormPage[dict[str, Any]](
    "groups/proposal.html",
    lambda proposal: {"proposal": proposal, "people": _people(proposal), "out": OUT},
    "chosen",
    placement,
)
"""A proposal: its groups with why they belong together, who is left out and why, the
solver's report; while proposed, the move form (``chosen``: where each mentee is, or is moved)
and the accept and reject forms."""
show_on_get(router, "/proposals/{proposal_id}", PROPOSAL_PAGE, _proposal)


def moves_of(
    proposal: dict[str, Any], chosen: dict[str, str]
) -> tuple[list[dict[str, Any]], str | None]:
    """The ``editProposal`` moves the form asks for, or the reason they cannot be made."""
    now = placement(proposal)
    names = {p["id"]: p["name"] or p["id"] for p in _people(proposal)}
    numbers = {str(g["number"]) for g in proposal["groups"]}
    moves: list[dict[str, Any]] = []
    for mentee_id, target in chosen.items():
        if mentee_id not in now or target == now[mentee_id]:
            continue
        if target != OUT and target not in numbers:
            return [], t("proposal.no_such_group", name=names[mentee_id])
        moves.append({"menteeId": mentee_id, "toGroup": None if target == OUT else int(target)})
    if not moves:
        return [], t("proposal.nothing_moved")
    after = {**now, **{m: chosen[m] for m in (move["menteeId"] for move in moves)}}
    for number in sorted(numbers, key=int):
        size = sum(1 for target in after.values() if target == number)
        if size > proposal["maxGroupSize"]:
            most = proposal["maxGroupSize"]
            return [], t("proposal.too_many", number=number, size=size, most=most)
    return moves, None


@router.post("/proposals/{proposal_id}/moves")
async def move(request: Request, proposal_id: str) -> Response:
    """Move the mentees whose group was changed in the form (one ``editProposal``)."""
    proposal = await _proposal(request, proposal_id)
    form = await request.form()
    chosen = {
        mentee_id: form_text(form, f"to-{mentee_id}") or current
        for mentee_id, current in placement(proposal).items()
    }
    moves, refusal = moves_of(proposal, chosen)

    async def again(problem: str) -> Response:
        return await PROPOSAL_PAGE.show(request, proposal, sent=chosen, problem=problem)

    if refusal is not None:
        return await again(t("error.form", message=refusal))
    return await submit(
        request,
        "ProposalEdit",
        {"proposalId": proposal["id"], "moves": moves},
        again=again,
        done=lambda _: redirect_after_post(
            f"/proposals/{proposal['id']}", t("proposal.moved", count=len(moves))
        ),
    )


@router.post("/proposals/{proposal_id}/accept")
async def accept(request: Request, proposal_id: str) -> Response:
    """Form the proposed groups (all or none), then show the cohort's groups."""
    proposal = await _proposal(request, proposal_id)

    def accepted(data: dict[str, Any]) -> Response:
        formed = data["acceptProposal"]
        message = t("proposal.accepted", groups=len(formed["groups"]))
        return redirect_after_post(f"/cohorts/{formed['proposal']['cohortId']}/groups", message)

    return await submit(
        request,
        "ProposalAccept",
        {"proposalId": proposal["id"]},
        again=lambda problem: PROPOSAL_PAGE.show(request, proposal, problem=problem),
        done=accepted,
    )


@router.post("/proposals/{proposal_id}/reject")
async def reject(request: Request, proposal_id: str) -> Response:
    """Reject the proposal (kept, with the reason given)."""
    proposal = await _proposal(request, proposal_id)
    reason = form_text(await request.form(), "reason") or None
    return await submit(
        request,
        "ProposalReject",
        {"proposalId": proposal["id"], "reason": reason},
        again=lambda problem: PROPOSAL_PAGE.show(request, proposal, problem=problem),
        done=lambda _: redirect_after_post(
            f"/cohorts/{proposal['cohortId']}/groups", t("proposal.rejected")
        ),
    )


async def group_of(request: Request, group_id: str) -> dict[str, Any]:
    """The group named in the address, for a coordinator (else 403; unknown: 404)."""
    await require_role(request, "coordinator")
    group: dict[str, Any] = (await look_up(request, "Group", {"id": group_id}))["group"]
    return group


GROUP_PAGE = FormPage[dict[str, Any]](
    "groups/group.html",
    lambda group: {"group": group, "sessions": attendance.sessions_shown(group)},
    "values",
    lambda _: {"scheduledOn": "", "agenda": ""},
)
"""One group: its mentor, mentees and sessions, the forms to schedule a session, mark it held
and take attendance, and the calendar download (also shown again, with the problem, by a
refused session form)."""
show_on_get(router, "/groups/{group_id}", GROUP_PAGE, group_of)
