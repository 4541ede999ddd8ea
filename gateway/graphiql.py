"""GraphiQL served from the gateway's own files, so it works on a machine without internet.

strawberry's GraphiQL page loads React and GraphiQL from a CDN; offline it stays at
"Loading...". The same builds (byte for byte: the page keeps their subresource integrity
hashes) are vendored in gateway/static/graphiql/ (its README says which versions and how they
were fetched) and served under the GraphQL route itself, at ``/graphql/graphiql/NAME``, only
where the IDE is on (development). Nothing else about the route changes: the page is still
rendered for a browser's GET without a query, and GraphQL requests still carry their own
``Authorization`` header, entered in GraphiQL's Headers tab.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse
from strawberry.fastapi import GraphQLRouter

from gateway.context import RequestContext

FOLDER = Path(__file__).with_name("static") / "graphiql"
ASSETS = "graphiql"
"""The assets' path below the GraphQL route."""
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
SERVED = frozenset(
    path.name for path in FOLDER.iterdir() if path.suffix in MEDIA_TYPES and path.is_file()
)
"""The files a browser may fetch: the scripts and style sheets, never the page template."""
CACHE_CONTROL = "public, max-age=86400"


@cache
def _template() -> str:
    return (FOLDER / "index.html").read_text(encoding="utf-8")


def graphiql_page(route_path: str) -> str:
    """The GraphiQL page for the GraphQL route at ``route_path``, its assets below it."""
    return _template().replace("__ASSETS__", f"{route_path.rstrip('/')}/{ASSETS}")


class LocalGraphiQL(GraphQLRouter[RequestContext, None]):
    """strawberry's router with GraphiQL's page and assets served locally (mix in before
    ``GraphQLRouter``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.graphql_ide is not None:
            self.add_api_route(
                f"/{ASSETS}/{{name}}",
                self._graphiql_asset,
                methods=["GET"],
                include_in_schema=False,
            )

    @property
    def graphql_ide_html(self) -> str:
        return graphiql_page("/graphql")

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_page(request.url.path))

    async def _graphiql_asset(self, name: str) -> FileResponse:
        if name not in SERVED:
            raise HTTPException(404, "Not Found")
        path = FOLDER / name
        return FileResponse(
            path,
            media_type=MEDIA_TYPES[path.suffix],
            headers={"Cache-Control": CACHE_CONTROL},
        )
