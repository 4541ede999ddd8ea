"""The funder's dashboard on the demo programme: charts and tables with the report's figures,
the downloads, and the signature check of static/verify.js run in Node against a real
signed checkpoint (valid, then tampered)."""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.bootstrap import build_platform
from gateway.console.funder import OUTCOMES
from projections.audit.funder_report import rows
from services.audit.signing import verify_report_signature
from services.context import Role
from services.demo import seed_demo
from services.settings import Settings
from tests.console.conftest import Browser, text_of

VERIFY_JS = Path(__file__).resolve().parents[2] / "gateway" / "console" / "static" / "verify.js"
REPORT = """{ funderReport { document signature checkpoint { signature note document } }
              auditPublicKey { base64 pem keyId } }"""


@contextmanager
def demo_browser(folder: Path) -> Iterator[Browser]:
    """The console of the seeded demo, one global checkpoint signed and statistics released."""
    settings = Settings(database_url=f"sqlite:///{folder}/events.db", consistency_timeout=5)
    platform = build_platform(settings)
    try:
        seed_demo(platform.store, today=date(2026, 5, 1))
        platform.catch_up(platform.store.recorder.max_notification_id() or 0)
        assert platform.audit is not None
        platform.audit.issue_checkpoint()
        platform.audit.releases.release()
        with TestClient(create_app(platform), base_url="http://testserver") as client:
            yield Browser(client, settings)
    finally:
        platform.close()


@pytest.fixture(scope="module")
def demo_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with demo_browser(tmp_path_factory.mktemp("demo")) as browser:
        yield browser


def sign_in(browser: Browser, role: Role, tenant: str | None = None, subject: str = "") -> None:
    browser.client.cookies.clear()
    token = browser.token(role, tenant, subject=subject or None)
    assert browser.get("/auth/dev", params={"token": token}).status_code == 200


def report_of(browser: Browser) -> dict[str, Any]:
    funder = browser.token(Role.FUNDER, None, subject="allies")
    data: dict[str, Any] = browser.graphql(REPORT, token=funder)
    return data


def svg_described(page: str, title: str) -> str:
    """The description (every figure) of the chart titled ``title`` on ``page``."""
    found = re.search(
        r'<svg class="chart" role="img"[^>]*><title id="[^"]+">'
        + re.escape(title)
        + r'</title><desc id="[^"]+">([^<]*)</desc>',
        page,
    )
    assert found, f"no chart titled {title!r}"
    return found.group(1).replace("&amp;", "&").replace("&#39;", "'")


def test_the_dashboard_charts_the_reports_figures(demo_console: Browser) -> None:
    document = json.loads(report_of(demo_console)["funderReport"]["document"])
    rounds = [s for s in document["sections"] if s["kind"] == "round"]
    programme = document["sections"][0]
    sign_in(demo_console, Role.FUNDER, subject="allies")

    page = demo_console.get("/funder")

    assert page.status_code == 200
    served = "; ".join(f"{r['name']}: {r['total']['figures']['mentees_served']}" for r in rounds)
    assert svg_described(page.text, "Mentees served per round") == served
    total = programme["total"]["figures"]
    moved = svg_described(page.text, "Share of mentees who moved forward")
    assert moved.endswith(f"Programme: {total['moved_forward_percent']}%")
    outcomes = svg_described(page.text, "Outcomes by kind per round")
    first = rounds[0]["total"]["figures"]
    assert f"{rounds[0]['name']} · Jobs in field: {first['outcome_job_in_field']}" in outcomes
    attendance = svg_described(page.text, "Attendance: present and absent")
    assert f"Programme · Present: {total['attendance_present']}" in attendance
    shown = text_of(page.text)
    assert f"{total['mentees_served']} Mentees served" in shown
    assert f"signed audit checkpoint of {document['checkpoint']['tree_size']} events" in shown
    assert page.text.count('role="img"') == 7
    assert page.text.count("<table>") >= 7  # every chart's figures as a table too


def test_suppressed_figures_show_as_suppressed_never_as_numbers(demo_console: Browser) -> None:
    document = json.loads(report_of(demo_console)["funderReport"]["document"])
    programme = document["sections"][0]
    pin = next(c["pin"] for c in programme["columns"] if "outcome_job_in_field" in c["suppressed"])
    sign_in(demo_console, Role.FUNDER, subject="allies")

    page = demo_console.get("/funder").text

    described = svg_described(page, "Outcomes by kind per PIN (programme)")
    column = next(c for c in programme["columns"] if c["pin"] == pin)
    if all(k in column["suppressed"] for k in OUTCOMES):  # one row for all of them
        assert f"{pin.upper()}: suppressed" in described
    else:
        assert f"{pin.upper()} · Jobs in field: suppressed" in described
    assert f"{pin.upper()} · Jobs in field: 0" not in described
    assert '<em class="suppressed">suppressed</em>' in page


def test_the_downloads_are_the_reports_json_csv_and_checkpoint(demo_console: Browser) -> None:
    stated = report_of(demo_console)["funderReport"]
    sign_in(demo_console, Role.FUNDER, subject="allies")

    as_json = demo_console.get("/funder/report.json")
    as_csv = demo_console.get("/funder/report.csv")
    checkpoint = demo_console.get("/funder/checkpoint.json")

    assert as_json.status_code == 200
    assert as_json.text == stated["document"]  # byte for byte what `audit verify` reads
    assert "attachment" in as_json.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    expected = rows(json.loads(stated["document"]))
    assert table == [{k: str(v) for k, v in r.items()} for r in expected]
    assert json.loads(checkpoint.text) == json.loads(stated["checkpoint"]["document"])


def test_other_roles_get_no_funder_report(demo_console: Browser) -> None:
    sign_in(demo_console, Role.ADMIN, subject="platform-admin")
    assert demo_console.get("/funder").status_code == 403
    assert demo_console.get("/funder/report.json").status_code == 403


def test_the_api_signs_the_report_with_the_checkpoint_key(demo_console: Browser) -> None:
    data = report_of(demo_console)
    stated, key = data["funderReport"], base64.b64decode(data["auditPublicKey"]["base64"])
    signature = base64.b64decode(stated["signature"])
    document = json.loads(stated["document"])

    assert verify_report_signature(key, stated["document"], signature)
    assert stated["checkpoint"]["note"].split("\n")[1] == str(document["checkpoint"]["tree_size"])
    document["sections"][0]["total"]["figures"]["mentees_served"] += 1
    assert not verify_report_signature(key, json.dumps(document, sort_keys=True), signature)


NODE_CHECK = """
const verify = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
Promise.all(cases.map((c) => verify.verifyReport(c))).then((r) => console.log(JSON.stringify(r)));
"""


def run_in_node(cases: list[dict[str, str]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run(
        [node, "-e", NODE_CHECK, str(VERIFY_JS)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def test_verify_js_accepts_the_signed_report_and_refuses_a_tampered_one(
    demo_console: Browser,
) -> None:
    data = report_of(demo_console)
    stated, key = data["funderReport"], data["auditPublicKey"]
    valid = {
        "report": stated["document"],
        "checkpointSignature": stated["checkpoint"]["signature"],
        "reportSignature": stated["signature"],
        "publicKey": key["base64"],
    }
    document = json.loads(stated["document"])
    figure = copy.deepcopy(document)
    figure["sections"][1]["total"]["figures"]["outcome_job_in_field"] += 1
    root = copy.deepcopy(document)
    stated_root = root["checkpoint"]["root_hash"]
    root["checkpoint"]["root_hash"] = ("1" if stated_root[0] == "0" else "0") + stated_root[1:]
    size = copy.deepcopy(document)
    size["checkpoint"]["tree_size"] -= 1
    other = Ed25519PrivateKey.generate().public_key()
    other_key = other.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    results = run_in_node(
        [
            valid,
            {**valid, "publicKey": base64.b64decode(key["base64"]).hex()},
            {**valid, "publicKey": key["pem"]},
            {**valid, "report": json.dumps(document, indent=2)},  # as `mentoring report` writes
            {**valid, "report": json.dumps(figure, sort_keys=True)},
            {**valid, "report": json.dumps(root, sort_keys=True)},
            {**valid, "report": json.dumps(size, sort_keys=True)},
            {**valid, "publicKey": base64.b64encode(other_key).decode()},
            {**valid, "publicKey": "not a key"},
        ]
    )

    assert [r["valid"] for r in results] == [True, True, True, True] + [False] * 5
    assert results[0]["keyId"] == key["keyId"]
    assert (results[4]["checkpoint"], results[4]["report"]) == (True, False)  # a figure
    assert (results[5]["checkpoint"], results[5]["report"]) == (False, False)  # the root
    assert results[7]["keyMatches"] is False
    assert results[8]["error"] == "key"


def test_the_panel_holds_the_signatures_but_no_key(demo_console: Browser) -> None:
    stated = report_of(demo_console)["funderReport"]
    sign_in(demo_console, Role.FUNDER, subject="allies")

    page = demo_console.get("/funder").text

    assert '<script src="/console/static/verify.js" defer></script>' in page
    assert f'value="{stated["signature"]}"' in page
    assert f'value="{stated["checkpoint"]["signature"]}"' in page
    key_field = re.search(r'<textarea id="verify-public-key"[^>]*></textarea>', page)
    assert key_field, "the key field is empty: the funder pastes the key they hold"
    assert 'role="status" aria-live="polite"' in page
    assert demo_console.get("/console/static/verify.js").status_code == 200
