"""The console's own static files, served from the package: no CDN, nothing built."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.graphql_client import NotFound
from gateway.console.pages import feature_router

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
FILES = {path.name: path for path in STATIC.iterdir() if path.suffix in MEDIA_TYPES}
"""Only these files are served: nothing outside the folder can be named."""

router = feature_router()


@router.get("/console/static/{name}")
async def static_file(request: Request, name: str) -> Response:
    """A stylesheet or script of the console, cached by the browser for an hour."""
    path = FILES.get(name)
    if path is None:
        raise NotFound()
    return Response(
        path.read_bytes(),
        media_type=MEDIA_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600"},
    )
