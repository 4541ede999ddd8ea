"""GraphiQL works on a machine without internet: its page loads only the gateway's own files."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import httpx
from playwright.sync_api import Page, Route, expect

from tests.outside.conftest import Served

LOOPBACK = ("127.0.0.1", "localhost", "::1")
ASSETS = Path(__file__).resolve().parents[2] / "gateway" / "static" / "graphiql"


def offline(page: Page) -> list[str]:
    """Abort every request that would leave the machine; the list of those aborted."""
    blocked: list[str] = []

    def handle(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", handle)
    return blocked


def test_graphiql_renders_and_runs_a_query_with_every_outside_request_blocked(
    site: Served,
    page: Page,
    screenshot: Callable[[Page, str], Path],
    figure: Callable[[str], None],
) -> None:
    blocked = offline(page)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    token = site.token(role="coordinator", tenant="arec")
    headers = json.dumps({"Authorization": f"Bearer {token}"})
    page.goto(
        f"{site.base_url}/graphql?"
        + urlencode({"q": "{ __typename }", "headers": headers}, quote_via=quote)
    )

    editor = page.locator(".graphiql-query-editor .CodeMirror")
    editor.wait_for()
    expect(page.locator("#graphiql")).not_to_have_text("Loading...")
    expect(editor).to_contain_text("__typename")
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".result-window")).to_contain_text('"__typename": "Query"')
    screenshot(page, "graphiql")

    assert blocked == [], f"the page asked for outside resources: {blocked}"
    scripts = [url for url in asked if url.endswith((".js", ".css"))]
    assert scripts
    assert all(f"{site.base_url}/graphql/graphiql/" in url for url in scripts)
    shipped = sum(len(gzip.compress(path.read_bytes(), 9)) for path in _page_assets())
    figure(f"GraphiQL assets: {shipped / 1024:.0f} KiB gzipped ({len(scripts)} files)")


def _page_assets() -> list[Path]:
    """The scripts and style sheets the GraphiQL page names."""
    page = (ASSETS / "index.html").read_text(encoding="utf-8")
    return [ASSETS / name for name in re.findall(r"__ASSETS__/([\w.-]+)", page)]


def test_graphiql_assets_are_served_from_the_gateway_and_nothing_else_there(site: Served) -> None:
    with httpx.Client(base_url=f"{site.base_url}/graphql/graphiql") as http:
        for path in _page_assets():
            answer = http.get(f"/{path.name}")
            assert answer.status_code == 200, path.name
            assert answer.content == path.read_bytes()
            assert answer.headers["content-type"].startswith(
                "text/css" if path.suffix == ".css" else "text/javascript"
            )
            assert "max-age" in answer.headers["cache-control"]
        for name in ("index.html", "README.md", "LICENSE.graphiql", "nothing.js", "..%2Fapp.py"):
            assert http.get(f"/{name}").status_code == 404, name


def test_the_graphiql_page_names_no_outside_address_and_has_no_inline_script(site: Served) -> None:
    with httpx.Client(base_url=site.base_url) as http:
        page = http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "<title>GraphiQL" in page.text
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "a CDN address in the page"
    assert "/graphql/graphiql/graphiql.min.js" in page.text
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts
    assert all(" src=" in tag for tag in scripts), "an inline script: a strict CSP refuses it"
    assert "<style" not in page.text
