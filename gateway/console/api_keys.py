"""A PIN's own API keys: issue one (its secret shown once), list them, revoke one."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.forms import form_text, redirect_after_post, submit
from gateway.console.graphql_client import ApiError, run
from gateway.console.pages import feature_router, render, require_role
from gateway.console.strings import t

router = feature_router()


async def _keys_page(
    request: Request,
    *,
    problem: str | None = None,
    issued: dict[str, str] | None = None,
    name: str = "",
    status_code: int | None = None,
) -> Response:
    keys = (await run(request, "ApiKeys"))["apiKeys"]
    page = await render(
        request,
        "coordinator/api_keys.html",
        status_code=status_code,
        keys=keys,
        problem=problem,
        issued=issued,
        name=name,
    )
    page.headers["Cache-Control"] = "no-store"  # a new key's secret is on the page once
    return page


@router.get("/api-keys")
async def api_keys(request: Request) -> Response:
    """The PIN's keys, with the form to issue one."""
    await require_role(request, "coordinator")
    return await _keys_page(request)


def _issued(created: dict[str, Any]) -> dict[str, str]:
    return {"name": created["apiKey"]["name"], "secret": created["secret"]}


@router.post("/api-keys")
async def create_api_key(request: Request) -> Response:
    """Issue a key and show its secret on this answer only (never stored, never shown again)."""
    await require_role(request, "coordinator")
    form = await request.form()
    name, expires_on = form_text(form, "name"), form_text(form, "expiresOn")
    variables = {"name": name, "expiresAt": f"{expires_on}T23:59:59Z" if expires_on else None}
    return await submit(
        request,
        "CreateApiKey",
        variables,
        again=lambda problem: _keys_page(request, problem=problem, name=name),
        done=lambda data: _keys_page(request, issued=_issued(data["createApiKey"])),
    )


@router.post("/api-keys/{key_id}/revoke")
async def revoke_api_key(request: Request, key_id: str) -> Response:
    """Revoke a key: it stops working at once."""
    await require_role(request, "coordinator")
    try:
        data = await run(request, "RevokeApiKey", {"id": key_id})
    except ApiError as error:
        if error.code == "BAD_INPUT":  # not even an id: as unknown as another PIN's
            return await _keys_page(request, problem=t("error.not_found"), status_code=404)
        raise
    return redirect_after_post(
        "/api-keys", t("keys.revoked", name=data["revokeApiKey"]["apiKey"]["name"])
    )
