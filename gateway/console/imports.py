"""CSV import of mentees and mentors: upload, a preview with a problem per row, confirm.

The file is checked by the API (a dry run of importMentees/importMentors) before anything is
saved; a file with a problem in any row imports nothing, and the same file imported again
changes nothing (the API keys an import by its rows).
"""

from __future__ import annotations

import base64
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from gateway.console.csv_lists import KINDS, CsvList, column_names, read_csv
from gateway.console.forms import form_text, redirect_after_post
from gateway.console.graphql_client import ApiError, run
from gateway.console.pages import feature_router, render, require_role
from gateway.console.strings import t

router = feature_router()
OPERATIONS = {"mentees": "ImportMentees", "mentors": "ImportMentors"}


async def _upload_form(
    request: Request, kind: str = "mentees", problem: str | None = None
) -> Response:
    return await render(
        request,
        "coordinator/import.html",
        kind=kind,
        kinds=[(k, t(f"import.kind.{k}")) for k in KINDS],
        columns={k: column_names(k) for k in KINDS},
        problem=problem,
    )


@router.get("/import")
async def upload_form(request: Request) -> Response:
    """The upload form."""
    await require_role(request, "coordinator")
    return await _upload_form(request)


def _kind(form: Any) -> str:
    kind = form_text(form, "kind")
    return kind if kind in KINDS else "mentees"


async def _checked(request: Request, kind: str, read: CsvList, dry_run: bool) -> dict[str, Any]:
    """The API's report on the rows (a dry run, or the import itself)."""
    operation = OPERATIONS[kind]
    data = await run(request, operation, {"rows": read.rows, "dryRun": dry_run})
    report: dict[str, Any] = data[operation[0].lower() + operation[1:]]
    return report


async def _preview(
    request: Request, kind: str, text: str, read: CsvList, report: dict[str, Any], status: int
) -> Response:
    problems = dict(read.problems)
    for problem in report["problems"]:
        problems.setdefault(problem["line"], problem["message"])
    rows = [
        {"line": row["line"], "name": row.get("name", ""), "problem": problems.get(row["line"])}
        for row in read.rows
    ]
    return await render(
        request,
        "coordinator/import_preview.html",
        status_code=status,
        kind=kind,
        text_b64=base64.b64encode(text.encode()).decode(),
        rows=rows,
        bad=sum(1 for row in rows if row["problem"]),
        already=report["alreadyImported"],
    )


@router.post("/import")
async def preview(request: Request) -> Response:
    """Read the uploaded file and show every row with its problem; nothing is saved."""
    await require_role(request, "coordinator")
    form = await request.form()
    kind = _kind(form)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _upload_form(request, kind, t("import.no_file"))
    try:
        text = (await upload.read()).decode("utf-8")
    except UnicodeDecodeError:
        return await _upload_form(request, kind, t("import.not_csv"))
    return await _check_and_show(request, kind, text)


async def _check_and_show(request: Request, kind: str, text: str) -> Response:
    read = read_csv(kind, text)
    if read.refusal is not None:
        return await _upload_form(request, kind, read.refusal)
    try:
        report = await _checked(request, kind, read, dry_run=True)
    except ApiError as error:
        return await _upload_form(request, kind, t("error.form", message=error.message))
    status = 400 if read.problems or report["problems"] else 200
    return await _preview(request, kind, text, read, report, status)


@router.post("/import/confirm")
async def confirm(request: Request) -> Response:
    """Import the file shown in the preview: every row, or (with any problem) none."""
    await require_role(request, "coordinator")
    form = await request.form()
    kind = _kind(form)
    try:
        text = base64.b64decode(form_text(form, "text"), validate=True).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return await _upload_form(request, kind, t("import.not_csv"))
    read = read_csv(kind, text)
    if read.refusal is not None or read.problems:
        return await _check_and_show(request, kind, text)
    try:
        report = await _checked(request, kind, read, dry_run=False)
    except ApiError as error:
        return await _upload_form(request, kind, t("error.form", message=error.message))
    if report["problems"]:
        return await _preview(request, kind, text, read, report, 400)
    if report["alreadyImported"]:
        return redirect_after_post(f"/{kind}", t("import.done_already"))
    done = t("import.done", count=report["imported"], kind=t(f"import.kind.{kind}").lower())
    return redirect_after_post(f"/{kind}", done)
