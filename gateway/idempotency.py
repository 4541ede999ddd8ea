"""``Idempotency-Key``: a command retried with the same key is made once, and answered alike.

A client that does not know whether its command went through (a dropped connection, an
UNAVAILABLE answer that says the change may have been made) sends it again with the same
``Idempotency-Key`` header, a value of its choosing (the IETF draft of that name). The key,
scoped to the caller, is stored with the command's events in one transaction
(``MentoringStore.request``): a second request with it saves nothing. What the first one
changed (record id and position) is kept beside the events, so the retry gets the same
answer; a key used before for another command is refused with BAD_INPUT.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from gateway.bootstrap import Platform
from gateway.errors import BadInputError
from services import use_cases as uc
from services.context import TenantContext

log = logging.getLogger(__name__)

HEADER = "idempotency-key"
KEY = re.compile(r"[\x21-\x7e]{1,255}")
"""Visible ASCII, at most 255 characters (a UUID is the usual choice)."""


@dataclass(frozen=True)
class Request:
    key: str
    """The client's key, scoped to the caller and hashed: no caller can meet another's."""
    fingerprint: str
    """The command's hash: the same key must come with the same command."""


def request(
    header: str | None,
    caller: TenantContext,
    use_case: Callable[..., Any],
    command: object,
) -> Request | None:
    """The request a mutation belongs to, or None without the header."""
    if header is None:
        return None
    if not KEY.fullmatch(header):
        raise BadInputError("The Idempotency-Key header must be 1 to 255 visible ASCII characters.")
    scope = "\x00".join((str(caller.tenant_id), str(caller.role), caller.actor, header))
    named = getattr(use_case, "func", use_case)  # a functools.partial names its function
    command_text = f"{named.__name__}\x00{command!r}"
    return Request(
        "request:" + hashlib.sha256(scope.encode()).hexdigest()[:40],
        hashlib.sha256(command_text.encode()).hexdigest(),
    )


def answered(platform: Platform, made: Request) -> uc.Changed | None:
    """What an earlier request with the same key changed, if it is known."""
    earlier = platform.store.answer(made.key)
    if earlier is None:
        return None
    fingerprint, record_id, position = earlier
    if fingerprint != made.fingerprint:
        raise BadInputError(
            "This Idempotency-Key was sent before with a different command; use a new key."
        )
    return uc.Changed(UUID(record_id), position)


def keep(platform: Platform, made: Request, changed: uc.Changed) -> None:
    """Keep the answer for retries. Only plain answers: one that carries a secret (a new API
    key) is never stored, and its retry gets ALREADY_APPLIED instead."""
    if type(changed) is not uc.Changed:
        return
    try:
        platform.store.keep_answer(made.key, made.fingerprint, str(changed.id), changed.position)
    except Exception:  # the change is saved; a retry then gets ALREADY_APPLIED
        log.exception("idempotency: could not keep the answer to a request")
