"""The browser tests' own helpers catch what they are there to catch."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import PHONE, axe


def test_axe_fails_a_page_with_a_critical_violation_and_names_it(page: Page) -> None:
    page.set_content('<html lang="en"><title>t</title><main><img src="data:,"></main></html>')

    with pytest.raises(AssertionError) as failed:
        axe(page)

    assert "image-alt (critical)" in str(failed.value)
    assert "img" in str(failed.value)


def test_axe_passes_a_page_with_no_serious_violation(page: Page) -> None:
    page.set_content('<html lang="en"><title>t</title><main><h1>Fine</h1></main></html>')

    assert all(v["impact"] not in ("serious", "critical") for v in axe(page))


@pytest.mark.viewport(**PHONE)
def test_the_viewport_marker_gives_a_phone_screen(page: Page) -> None:
    assert page.viewport_size == PHONE
    assert page.evaluate("() => window.innerWidth") == PHONE["width"]
