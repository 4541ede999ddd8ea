"""Every message id the console asks for is in the catalogue: the ``t("…")`` calls of the
templates and of the Python modules, and the menu entries."""

from __future__ import annotations

import re
from pathlib import Path

from gateway.console import FEATURES
from gateway.console.pages import NAVIGATION
from gateway.console.strings import ENGLISH

CONSOLE = Path(__file__).resolve().parents[2] / "gateway" / "console"
CALL = re.compile(r"""\bt\(\s*(["'])([^"'{}]+)\1\s*[,)]""")
"""``t("id")`` or ``t("id", name=...)`` with a literal id (not ``t("english." ~ level)``)."""


def used_ids(pattern: str) -> dict[str, set[str]]:
    """The literal message ids of the files under the console matching ``pattern``, by file."""
    return {
        str(path.relative_to(CONSOLE)): {match[1] for match in CALL.findall(path.read_text())}
        for path in sorted(CONSOLE.rglob(pattern))
        if not path.name.startswith("strings")  # the catalogue, whose docstring shows t("id")
    }


def test_the_scan_finds_the_calls() -> None:
    assert "app.name" in used_ids("*.html")["templates/base.html"]
    assert "oidc.title" in used_ids("*.py")["oidc.py"]


def test_every_id_used_in_a_template_is_in_the_catalogue() -> None:
    missing = {
        f"{name}: {i}" for name, ids in used_ids("*.html").items() for i in ids - ENGLISH.keys()
    }
    assert missing == set()


def test_every_id_used_in_python_is_in_the_catalogue() -> None:
    missing = {
        f"{name}: {i}" for name, ids in used_ids("*.py").items() for i in ids - ENGLISH.keys()
    }
    assert missing == set()


def test_every_menu_entry_is_in_the_catalogue() -> None:
    for name in FEATURES:  # the modules add their entries when imported
        __import__(f"gateway.console.{name}")
    entries = {message_id for menu in NAVIGATION.values() for message_id, _ in menu}
    assert entries - ENGLISH.keys() == set()
