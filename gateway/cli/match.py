"""``mentoring match``: a coordinator proposes groups for a cohort, reviews, accepts or rejects.

Runs the same use cases as the GraphQL mutations, as the coordinator of ``--tenant``, on the
configured store (MENTORING_DATABASE_URL), and prints the proposal as tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import typer

from gateway.cli import startup
from services.context import Role, TenantContext
from services.errors import BadInput, NotFound

if TYPE_CHECKING:
    from rich.console import Console

    from domain.matching.profiles import Weights
    from gateway.bootstrap import Platform
    from projections.matching.queries import ProposalRow
    from services.use_cases import Changed

match_app = typer.Typer(
    help="Form groups: propose them for a cohort, review, edit, then accept or reject.",
    no_args_is_help=True,
    add_completion=False,
)


def _out() -> Console:
    """A console for standard output, as wide as the terminal is now (COLUMNS)."""
    from rich.console import Console

    return Console()


TenantOption = Annotated[str, typer.Option(help="Your PIN's slug (you act as its coordinator).")]
ProposalArgument = Annotated[str, typer.Argument(help="The proposal's id.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the proposal as JSON.")]


def _iso(value: Any) -> str:
    """A date or time of a row, as JSON: ISO 8601."""
    return str(value.isoformat())


def _id(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise BadInput(f"{what} is not a valid id: {value!r}.") from None


def _pairs(values: list[str], what: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left or not right:
            raise BadInput(f"{what} must be written LEFT=RIGHT, not {value!r}.")
        pairs.append((left.strip(), right.strip()))
    return pairs


def _weights(values: list[str]) -> Weights:
    from domain.errors import InvalidValue
    from domain.matching.profiles import Weights

    data = {}
    for key, value in _pairs(values, "--weight"):
        try:
            data[key.replace("-", "_")] = int(value)
        except ValueError:
            raise InvalidValue(f"weight {key} must be a whole number, not {value!r}.") from None
    return Weights.from_dict(data)


@contextmanager
def _session(tenant: str) -> Iterator[tuple[Platform, TenantContext]]:
    """The platform, and the caller: the coordinator of ``tenant``; errors become messages."""
    from domain.pin import pin_id_for

    # An invalid value prints INVARIANT_VIOLATION here, as it always has in this command.
    with startup.platform(invalid_value_code="INVARIANT_VIOLATION") as platform:
        yield (
            platform,
            TenantContext(pin_id_for(tenant), Role.COORDINATOR, f"{tenant}-coordinator-cli"),
        )


def _run(
    platform: Platform,
    caller: TenantContext,
    use_case: Callable[..., Changed],
    command: object,
    **kwargs: Any,
) -> ProposalRow:
    changed = use_case(platform.store, command, caller, **kwargs)
    platform.catch_up(changed.position)
    return _read(platform, caller, str(changed.id))


def _read(platform: Platform, caller: TenantContext, ident: str) -> ProposalRow:
    from projections.matching import queries as mq

    with platform.read_models.reading(str(caller.tenant_id)) as conn:
        row = mq.proposal(conn, str(caller.tenant_id), ident)
    if row is None:
        raise NotFound("group proposal", ident)
    return row


def _names(platform: Platform, caller: TenantContext, row: ProposalRow) -> dict[str, str]:
    from domain.matching.explanations import Evaluation
    from projections.matching import queries as mq

    evaluation = Evaluation.from_dict(row.result)
    ids = {str(g.mentor_id) for g in evaluation.groups}
    ids |= {str(m) for g in evaluation.groups for m in g.mentee_ids}
    ids |= {str(u.mentee_id) for u in evaluation.unplaced}
    ids |= {str(r.mentor_id) for u in evaluation.unplaced for r in u.remedies if r.mentor_id}
    with platform.read_models.reading(str(caller.tenant_id)) as conn:
        return mq.names(conn, str(caller.tenant_id), sorted(ids))


def _print(
    platform: Platform, caller: TenantContext, tenant: str, row: ProposalRow, as_json: bool
) -> None:
    from rich.table import Table

    from domain.matching.explanations import Evaluation
    from domain.proposal import SolverReport, group_name

    if as_json:
        # The moment a proposal was made is printed as it is stored: ISO 8601.
        typer.echo(json.dumps(asdict(row), indent=2, ensure_ascii=False, default=_iso))
        return
    names = _names(platform, caller, row)
    evaluation = Evaluation.from_dict(row.result)
    report = SolverReport.from_dict(row.report)

    def name(ident: UUID) -> str:
        return names.get(str(ident), str(ident)[:8])

    groups = Table(title=f"Proposal {row.id} ({row.state})", show_lines=True)
    for column in ("#", "Group and mentor", "Mentees", "What they share", "Score"):
        groups.add_column(column, justify="right" if column in ("#", "Score") else "left")
    for g in evaluation.groups:
        groups.add_row(
            str(g.number),
            f"{group_name(g)}\n{name(g.mentor_id)}",
            "\n".join(name(m) for m in g.mentee_ids),
            g.summary,
            str(g.score),
        )
    _out().print(groups)
    if evaluation.unplaced:
        unplaced = Table(title="Mentees left without a group", show_lines=True)
        for column in ("Mentee", "Why", "What would place them"):
            unplaced.add_column(column)
        for u in evaluation.unplaced:
            unplaced.add_row(
                name(u.mentee_id),
                f"{u.reason.value}: {u.explanation}",
                "\n".join(f"- {r.render(name)}" for r in u.remedies),
            )
        _out().print(unplaced)
    gap = "" if report.gap is None else f", gap {report.gap:.2%}"
    _out().print(
        f"{evaluation.placed} of {row.settings['mentees']} mentees in {len(evaluation.groups)} "
        f"groups; score {evaluation.score} (greedy baseline {report.greedy_score}); "
        f"{report.method} {report.status}{gap}, {report.seconds:.2f} s."
    )
    if row.state == "proposed":
        _out().print(f"Accept with: mentoring match accept {row.id} --tenant {tenant}")


@match_app.command()
def propose(
    tenant: TenantOption,
    cohort: Annotated[str, typer.Option(help="The cohort's id.")],
    weight: Annotated[
        list[str] | None,
        typer.Option(help="A criterion's weight, e.g. --weight profession=10 (repeatable)."),
    ] = None,
    pin: Annotated[
        list[str] | None, typer.Option(help="MENTEE_ID=MENTOR_ID: keep them together.")
    ] = None,
    apart: Annotated[
        list[str] | None, typer.Option(help="ID=ID: keep two people apart (repeatable).")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option(help="Seconds for the solver; default: its own limit.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Propose groups for a cohort from the PIN's mentees in no group (nothing is formed)."""
    from domain.matching.profiles import KeptApart, Pinned
    from projections.matching import queries as mq
    from services.matching import commands as mc
    from services.matching import use_cases as mu

    with _session(tenant) as (platform, caller):
        command = mc.ProposeGroups(
            cohort_id=_id(cohort, "--cohort"),
            weights=_weights(weight or []),
            pinned=[
                Pinned(_id(a, "--pin"), _id(b, "--pin")) for a, b in _pairs(pin or [], "--pin")
            ],
            apart=[
                KeptApart(_id(a, "--apart"), _id(b, "--apart"))
                for a, b in _pairs(apart or [], "--apart")
            ],
        )
        if time_limit is not None:
            command = replace(command, time_limit=time_limit)
        platform.catch_up(platform.store.recorder.max_notification_id() or 0)
        candidates = mq.ReadModelCandidates(platform.read_models)
        row = _run(platform, caller, mu.propose_groups, command, candidates=candidates)
        _print(platform, caller, tenant, row, as_json)


@match_app.command()
def show(proposal: ProposalArgument, tenant: TenantOption, as_json: JsonOption = False) -> None:
    """Show a proposal: its groups, the mentees left out, and why."""
    with _session(tenant) as (platform, caller):
        _print(
            platform,
            caller,
            tenant,
            _read(platform, caller, str(_id(proposal, "proposal"))),
            as_json,
        )


@match_app.command("list")
def list_proposals(
    tenant: TenantOption,
    cohort: Annotated[str | None, typer.Option(help="Only this cohort's proposals.")] = None,
) -> None:
    """List the PIN's proposals, newest first."""
    from rich.table import Table

    from domain.matching.explanations import Evaluation
    from projections.matching import queries as mq

    with _session(tenant) as (platform, caller):
        with platform.read_models.reading(str(caller.tenant_id)) as conn:
            rows = mq.proposals(
                conn,
                str(caller.tenant_id),
                cohort_id=str(_id(cohort, "--cohort")) if cohort else None,
            )
        table = Table(title="Group proposals")
        for column in ("Proposal", "Cohort", "State", "Groups", "Placed", "Score", "Proposed at"):
            table.add_column(column)
        for row in rows:
            evaluation = Evaluation.from_dict(row.result)
            table.add_row(
                row.id,
                row.cohort_id,
                row.state,
                str(len(evaluation.groups)),
                f"{evaluation.placed} of {row.settings['mentees']}",
                str(evaluation.score),
                row.proposed_at.isoformat()[:19],
            )
        _out().print(table)


@match_app.command()
def edit(
    proposal: ProposalArgument,
    tenant: TenantOption,
    move: Annotated[
        list[str],
        typer.Option(help="MENTEE_ID=GROUP_NUMBER, or MENTEE_ID=none to leave them out."),
    ],
    as_json: JsonOption = False,
) -> None:
    """Move mentees between the proposed groups, or out of them."""
    from domain.proposal import Move
    from services.matching import commands as mc
    from services.matching import use_cases as mu

    with _session(tenant) as (platform, caller):
        moves = []
        for mentee, group in _pairs(move, "--move"):
            if group.lower() != "none" and not group.isdigit():
                raise BadInput(f"--move needs a group number or none, not {group!r}.")
            number = None if group.lower() == "none" else int(group)
            moves.append(Move(_id(mentee, "--move"), number))
        command = mc.EditProposal(_id(proposal, "proposal"), moves)
        _print(platform, caller, tenant, _run(platform, caller, mu.edit_proposal, command), as_json)


@match_app.command()
def accept(proposal: ProposalArgument, tenant: TenantOption) -> None:
    """Form the proposed groups (all or none)."""
    from services.matching import commands as mc
    from services.matching import use_cases as mu

    with _session(tenant) as (platform, caller):
        command = mc.AcceptProposal(_id(proposal, "proposal"))
        row = _run(platform, caller, mu.accept_proposal, command)
        _out().print(f"Accepted: formed {len(row.group_ids)} group(s) in cohort {row.cohort_id}:")
        for group_id in row.group_ids:
            _out().print(f"  {group_id}")


@match_app.command()
def reject(
    proposal: ProposalArgument,
    tenant: TenantOption,
    reason: Annotated[str | None, typer.Option(help="Why (kept with the proposal).")] = None,
) -> None:
    """Reject a proposal; it is kept, with the reason."""
    from services.matching import commands as mc
    from services.matching import use_cases as mu

    with _session(tenant) as (platform, caller):
        command = mc.RejectProposal(_id(proposal, "proposal"), reason)
        row = _run(platform, caller, mu.reject_proposal, command)
        _out().print(f"Rejected proposal {row.id}.")
