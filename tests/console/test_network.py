"""The network operator's statistics page on the demo's release: charts and a table of the
published figures, withheld cells shown as suppressed and never as numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from services.context import Role
from tests.console.conftest import Browser, text_of
from tests.console.test_funder import demo_browser, sign_in, svg_described

STATISTICS = """
query($by: StatisticsDimension!) {
  networkStatistics(by: $by) {
    cells { label values { metric value suppressed } }
    total { metric value suppressed }
    release { id }
  }
}"""


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with demo_browser(tmp_path_factory.mktemp("network")) as browser:
        yield browser


def statistics(browser: Browser, by: str) -> dict[str, Any]:
    token = browser.token(Role.NETWORK, None, subject="imn")
    data: dict[str, Any] = browser.graphql(STATISTICS, {"by": by}, token=token)
    return data["networkStatistics"]


def table_row(page: str, label: str) -> list[str]:
    """The cells of the statistics table's row headed ``label``, as read."""
    table = re.search(r'<table id="statistics">(.*?)</table>', page, re.S)
    assert table, "no statistics table"
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        head = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if head and text_of(head.group(1)) == label:
            return [text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row {label!r}")


def test_the_statistics_by_pin_as_charts_and_a_table(network: Browser) -> None:
    stats = statistics(network, "PIN")
    sign_in(network, Role.NETWORK, subject="imn")

    page = network.get("/network")

    assert page.status_code == 200
    served = "; ".join(
        f"{c['label']}: "
        + next(
            "suppressed" if v["suppressed"] else str(v["value"])
            for v in c["values"]
            if v["metric"] == "mentees_served"
        )
        for c in stats["cells"]
    )
    assert svg_described(page.text, "Mentees served per PIN") == served
    assert f"Release {stats['release']['id']}," in text_of(page.text)
    for cell in stats["cells"]:
        shown = table_row(page.text, cell["label"])
        expected = ["suppressed" if v["suppressed"] else str(v["value"]) for v in cell["values"]]
        assert shown[: len(expected)] == expected


def test_suppressed_cells_are_never_shown_as_numbers(network: Browser) -> None:
    stats = statistics(network, "COHORT")
    withheld = [
        (c["label"], v["metric"]) for c in stats["cells"] for v in c["values"] if v["suppressed"]
    ]
    assert withheld, "the demo's release withholds some cohort figures"
    sign_in(network, Role.NETWORK, subject="imn")

    page = network.get("/network", params={"by": "cohort"}).text

    label, metric = withheld[0]
    position = [v["metric"] for v in stats["cells"][0]["values"]].index(metric)
    assert table_row(page, label)[position] == "suppressed"
    assert f"{label}: suppressed" in svg_described(page, "Mentees served per cohort") or any(
        f"{label} · " in svg_described(page, title) and "suppressed" in svg_described(page, title)
        for title in ("Outcomes by kind per cohort", "Attendance per cohort")
    )
    assert '<em class="suppressed">suppressed</em>' in page


def test_every_dimension_renders_and_a_funder_sees_it_too(network: Browser) -> None:
    sign_in(network, Role.FUNDER, subject="allies")
    for by in ("pin", "profession", "cohort", "total", "nonsense"):
        page = network.get("/network", params={"by": by})
        assert page.status_code == 200, by
        assert 'role="img"' in page.text
    assert 'href="/network"' in network.get("/").text  # on the funder's menu
