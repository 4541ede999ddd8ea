"""What the browser tests leave behind: screenshots under .artefacts/screenshots/ (ignored by
git) and measured figures, both listed at the end of the test run.

A test notes each one in its report's ``user_properties`` (which pytest-xdist carries from its
workers), and ``pytest_terminal_summary`` lists them. The hook takes effect in a conftest.py
that the process running the summary loads: tests/browser/conftest.py for a run of this folder;
under xdist, the controller loads only tests/conftest.py, which may import it as well (the
list is printed once).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / ".artefacts"
SCREENSHOTS = ARTEFACTS / "screenshots"
KINDS = ("figure", "screenshot")
_LISTED = pytest.StashKey[bool]()


def note(request: pytest.FixtureRequest, kind: str, text: str) -> None:
    """Record ``text`` (a figure, or a screenshot's path) for the test's report and the summary."""
    assert kind in KINDS, kind
    request.node.user_properties.append((kind, text))
    print(f"{kind}: {text}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    if config.stash.get(_LISTED, False):
        return
    config.stash[_LISTED] = True
    noted: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for kind, text in getattr(report, "user_properties", ()):
                if kind in noted:
                    noted[kind].append(f"{report.nodeid}: {text}" if kind == "figure" else text)
    if not any(noted.values()):
        return
    terminalreporter.section("browser figures and screenshots")
    for line in noted["figure"]:
        terminalreporter.write_line(line)
    if noted["screenshot"]:
        terminalreporter.write_line(
            f"{len(noted['screenshot'])} screenshots in {SCREENSHOTS.relative_to(ROOT)}/:"
        )
        for path in sorted(noted["screenshot"]):
            terminalreporter.write_line(f"  {Path(path).relative_to(ROOT)}")
