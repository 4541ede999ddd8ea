#!/usr/bin/env python3
"""The product files one mutation runs through: which modules a reader must follow.

Starts the embedded platform (SQLite, in-process bus) in a temporary folder, serves it
in-process over ASGI, registers a PIN, sends ``enrolMentee`` once to warm every path, then
sends it again while a profiler records the file of every Python function called (in every
thread: the use case runs in a worker thread, the projection in the relay's). Prints the files
under domain/, services/, projections/ and gateway/, per layer, and their count; then those of
them that speak of the feature (``--feature``). Background threads (the audit follower) may
add a file or two from one run to the next.

    .venv/bin/python bench/mutation_path.py            # the list and the count
    .venv/bin/python bench/mutation_path.py --json     # one JSON line, for docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
LAYERS = ("domain", "services", "projections", "gateway")

ENROL = """
mutation($name: String!) {
  enrolMentee(input: {name: $name, profession: "Engineering", origin: "Romania",
                      languages: ["Romanian"], englishLevel: INTERMEDIATE,
                      enrolledOn: "2024-01-02"}) {
    mentee { id name } position
  }
}"""
REGISTER = """
mutation {
  registerPin(input: {slug: "arec", name: "AREC", communities: ["Romanian"],
                      professions: ["Engineering"]}) { pin { slug } }
}"""


def _product_file(filename: str) -> str | None:
    try:
        relative = Path(filename).resolve().relative_to(REPO)
    except ValueError:
        return None
    return str(relative) if relative.parts[0] in LAYERS else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument(
        "--feature",
        default="mentee",
        help="also count the files run that speak of this word (any case): the mutation's "
        "own path, without the layers every request passes (default: mentee)",
    )
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.auth import issue_token
    from gateway.bootstrap import build_platform
    from services.context import Role
    from services.settings import Settings

    # The hook is set before any thread starts, so that every thread (the server's, the
    # use case's worker, the relay's) carries it; it records only while ``recording`` is set.
    files: set[str] = set()
    recording = threading.Event()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and recording.is_set():
            found = _product_file(frame.f_code.co_filename)
            if found:
                files.add(found)

    hook: Callable[[FrameType, str, object], None] = profile
    threading.setprofile(hook)  # type: ignore[arg-type]
    sys.setprofile(hook)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/events.db", consistency_timeout=5)
        platform = build_platform(settings)
        try:
            admin = issue_token(settings, role=Role.ADMIN, tenant=None, subject="admin")
            coordinator = issue_token(settings, role=Role.COORDINATOR, tenant="arec", subject="c")
            with TestClient(create_app(platform)) as client:

                def send(query: str, token: str, variables: dict[str, Any]) -> None:
                    body = client.post(
                        "/graphql",
                        json={"query": query, "variables": variables},
                        headers={"Authorization": f"Bearer {token}"},
                    ).json()
                    assert "errors" not in body, body

                send(REGISTER, admin, {})
                send(ENROL, coordinator, {"name": "Warm Up"})
                recording.set()
                try:
                    send(ENROL, coordinator, {"name": "Ana Popescu"})
                finally:
                    recording.clear()
        finally:
            platform.close()
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]

    by_layer = {layer: sorted(f for f in files if f.startswith(layer + "/")) for layer in LAYERS}
    feature = sorted(f for f in files if args.feature.lower() in (REPO / f).read_text().lower())
    if args.json:
        print(json.dumps({"files": len(files), "feature": feature, "by_layer": by_layer}))
        return
    for layer, names in by_layer.items():
        print(f"{layer}: {len(names)}")
        for name in names:
            print(f"  {name}")
    print(f"product files run by one enrolMentee: {len(files)}")
    print(f"of which speak of {args.feature!r}: {len(feature)}")
    for name in feature:
        print(f"  {name}")


if __name__ == "__main__":
    main()
