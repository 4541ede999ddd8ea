"""The report signature in ``mentoring audit verify --report``: a report file may carry the
platform's Ed25519 signature over ``funder report``, a newline, then the report's canonical JSON
(``services.audit.signing.report_statement``), made with the checkpoint key.

A report file is one of:

- the report itself, as ``mentoring report`` and the console's download write it (no signature);
- the API's ``funderReport { document signature }`` saved as JSON: ``{"document": "<the
  report's canonical JSON, as a string>", "signature": "<base64>"}``; the signature covers the
  string exactly as given;
- the report with a ``"signature"`` key added; the signature covers the rest of the object as
  canonical JSON (``json.dumps(report, sort_keys=True)``).

The signature proves that the platform stated these figures for that checkpoint; whether they
follow from the events is what recomputing the report from the export shows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from services.audit.signing import verify_report_signature

CHECK = "report signature"


def signed_report(
    content: dict[str, Any],
    name: str,
    public_key: bytes,
    note: Callable[[bool, str, str], None],
) -> dict[str, Any]:
    """The report that ``content`` holds, to recompute; when it carries a signature, a finding
    (through ``note``) says whether ``public_key`` verifies it over the report."""
    if isinstance(content.get("document"), str):
        text: str = content["document"]
        report: dict[str, Any] = json.loads(text)
    else:
        report = {key: value for key, value in content.items() if key != "signature"}
        text = json.dumps(report, sort_keys=True)
    signature = content.get("signature")
    if signature is None:
        return report
    try:
        raw = base64.b64decode(str(signature), validate=True)
    except (binascii.Error, ValueError):
        note(False, CHECK, f"{name}: the signature is not base64")
        return report
    size = report.get("checkpoint", {}).get("tree_size", "?")
    if verify_report_signature(public_key, text, raw):
        note(True, CHECK, f"{name}: valid: the platform stated these figures for size {size}")
    else:
        note(
            False,
            CHECK,
            f"{name}: does NOT verify with the key: the report was changed after it was signed",
        )
    return report
