"""Privacy actions on a mentee or mentor: the access export, consents, and erasure.

The export is the API's ``personalDataExport``, downloaded as a JSON file. Consents are given
or withdrawn one purpose at a time. Erasure (``eraseMentee`` / ``eraseMentor``) cannot be
undone, so it has a page of its own that says so and asks the coordinator to type the
person's name, or the word ERASE, before anything happens; afterwards the person's privacy
page says when they were erased. See docs/privacy.md for what each action does.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.forms import (
    FORM_ERRORS,
    form_text,
    idempotency_key,
    redirect_after_post,
    submit,
)
from gateway.console.graphql_client import NotFound, look_up, run
from gateway.console.pages import feature_router, record_id, render, require_role
from gateway.console.strings import t

router = feature_router()
PEOPLE = {
    "mentees": ("PrivacyMentee", "PrivacyEraseMentee"),
    "mentors": ("PrivacyMentor", "PrivacyEraseMentor"),
}
"""The register in the address: the operations that read and erase its people."""
PURPOSES = ("PARTICIPATION", "SHARING", "FOLLOW_UP")
CONFIRM_WORD = "ERASE"


async def _person(request: Request, person_id: str) -> dict[str, Any]:
    """The person and their privacy, when the id is one of the PIN's people in the register
    of the address (mentees or mentors); else not found."""
    await require_role(request, "coordinator")
    register = request.url.path.split("/")[1]
    if register not in PEOPLE:
        raise NotFound()
    data = await look_up(request, PEOPLE[register][0], {"id": record_id(person_id)})
    return {**data["person"], "privacy": data["personPrivacy"], "register": register}


def _address(person: dict[str, Any]) -> str:
    """The person's privacy page."""
    return f"/{person['register']}/{person['id']}/privacy"


async def _page(
    request: Request,
    person: dict[str, Any],
    template: str = "privacy/person.html",
    *,
    problem: str | None = None,
) -> Response:
    page = await render(
        request,
        template,
        person=person,
        problem=problem,
        confirm_word=CONFIRM_WORD,
    )
    page.headers["Cache-Control"] = "no-store"
    return page


async def privacy(request: Request, person_id: str) -> Response:
    """The person's consents, the export, and the way to erasure (or when they were erased)."""
    return await _page(request, await _person(request, person_id))


async def export(request: Request, person_id: str) -> Response:
    """Everything held about the person, as a JSON file to download (never cached)."""
    person = await _person(request, person_id)
    data = await run(request, "PrivacyExport", {"id": person["id"]})
    body = json.dumps(data["personalDataExport"], ensure_ascii=False, indent=2, sort_keys=True)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="personal-data-{person["id"]}.json"',
            "Cache-Control": "no-store",
        },
    )


async def consent(request: Request, person_id: str) -> Response:
    """Record one purpose's consent as given or withdrawn."""
    person = await _person(request, person_id)
    form = await request.form()
    purpose, state = form_text(form, "purpose"), form_text(form, "state")
    if purpose not in PURPOSES or state not in ("given", "withdrawn"):
        return await _page(
            request,
            person,
            problem=t("error.form", message=t("privacy.bad_choice")),
        )
    message = t(
        "privacy.consent_saved",
        purpose=t(f"privacy.purpose.{purpose}"),
        state=t(f"privacy.{state}").lower(),
    )
    return await submit(
        request,
        "PrivacyGiveConsent" if state == "given" else "PrivacyWithdrawConsent",
        {"id": person["id"], "purpose": purpose},
        again=lambda problem: _page(request, person, problem=problem),
        done=lambda _: redirect_after_post(_address(person), message),
        shown=FORM_ERRORS,
        key_suffix=f":{purpose}:{state}",  # one key per form of the page: per purpose and state
    )


async def erase_form(request: Request, person_id: str) -> Response:
    """What erasure does, and the confirmation it needs."""
    person = await _person(request, person_id)
    if person["privacy"]["erased"]:
        return redirect_after_post(_address(person))
    return await _page(request, person, "privacy/erase.html")


def confirmed(typed: str, name: str) -> bool:
    """Whether ``typed`` is the person's name (case and spaces aside) or the word ERASE."""
    said = " ".join(typed.split()).casefold()
    return bool(said) and said in (" ".join(name.split()).casefold(), CONFIRM_WORD.casefold())


async def erase(request: Request, person_id: str) -> Response:
    """Erase the person, once the confirmation matches; else nothing happens."""
    person = await _person(request, person_id)
    form = await request.form()
    if not person["privacy"]["erased"]:
        if not confirmed(form_text(form, "confirmation"), person["name"]):
            problem = t("privacy.erase_mismatch")
            return await _page(request, person, "privacy/erase.html", problem=problem)
        await run(
            request,
            PEOPLE[person["register"]][1],
            {"id": person["id"]},
            idempotency_key=idempotency_key(request, form),
        )
    return redirect_after_post(_address(person), t("privacy.erase_done"))


for _register in PEOPLE:
    _path = f"/{_register}/{{person_id}}/privacy"
    router.add_api_route(_path, privacy, methods=["GET"])
    router.add_api_route(f"{_path}/export", export, methods=["GET"])
    router.add_api_route(f"{_path}/consents", consent, methods=["POST"])
    router.add_api_route(f"{_path}/erase", erase_form, methods=["GET"])
    router.add_api_route(f"{_path}/erase", erase, methods=["POST"])
