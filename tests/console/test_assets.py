"""The console's assets: served from the package, small, and every page links only to them."""

from __future__ import annotations

import gzip
import re

from gateway.console.assets import STATIC
from tests.console.conftest import Browser

BUDGET = 300 * 1024


def test_the_stylesheet_is_served_locally(browser: Browser) -> None:
    answer = browser.get("/console/static/console.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert browser.get("/console/static/../session.py").status_code == 404
    assert browser.get("/console/static/missing.css").status_code == 404


def test_all_assets_together_stay_within_the_budget() -> None:
    total = sum(len(gzip.compress(path.read_bytes())) for path in STATIC.iterdir())
    assert total <= BUDGET, f"{total} bytes gzipped"


def test_pages_load_nothing_from_elsewhere(browser: Browser) -> None:
    browser.sign_in()
    for path in ("/", "/cohorts", "/mentees", "/mentors", "/import", "/api-keys", "/sign-in"):
        page = browser.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', page), path
        assert '<html lang="en">' in page
        assert 'href="#main"' in page
