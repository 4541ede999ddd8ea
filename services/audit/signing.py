"""The key that signs audit checkpoints (Ed25519), and checking signatures offline.

The private key comes from ``MENTORING_AUDIT_SIGNING_KEY``: base64 of the 32-byte key, a PEM
(PKCS#8) key, or the path of a file holding either. Without it, outside production, a
development key is generated once and kept in ``audit-signing-key.pem`` next to a SQLite
event store (or in ``.mentoring/`` for PostgreSQL), so the embedded demo's checkpoints stay
verifiable across restarts. Production refuses to sign without a configured key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from domain.audit.checkpoint import Checkpoint, SignedCheckpoint
from services.settings import Environment, Settings

DEVELOPMENT_KEY_FILE = "audit-signing-key.pem"
REPORT_STATEMENT = b"funder report\n"
"""The first line of what a report signature covers; never a checkpoint note (whose second
line is a tree size, where a report's is JSON)."""


class SigningKeyError(Exception):
    """The signing key is missing or unreadable; the message says which setting to fix."""


def key_id(public_key: bytes) -> str:
    """A short name of a public key: the first 8 bytes of its SHA-256, in hex."""
    return hashlib.sha256(public_key).digest()[:8].hex()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class CheckpointSigner:
    """Signs checkpoints with one Ed25519 key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = _raw_public(private_key.public_key())
        self.key_id = key_id(self.public_key)

    @property
    def public_key_base64(self) -> str:
        return base64.b64encode(self.public_key).decode()

    @property
    def public_key_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign(self, tree: str, checkpoint: Checkpoint) -> SignedCheckpoint:
        return SignedCheckpoint(tree, checkpoint, self.key_id, self._key.sign(checkpoint.body()))

    def sign_report(self, document: str) -> bytes:
        """Ed25519 over ``report_statement(document)``: the platform stated these figures."""
        return self._key.sign(report_statement(document))


def report_statement(document: str) -> bytes:
    """What a report signature covers: ``funder report``, a newline, then the report as
    canonical JSON (``json.dumps(report, sort_keys=True)``, ASCII)."""
    return REPORT_STATEMENT + document.encode()


def now_utc() -> str:
    """The time a checkpoint states: UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_private_key(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError("MENTORING_AUDIT_SIGNING_KEY must be an Ed25519 key.")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise SigningKeyError(
            "MENTORING_AUDIT_SIGNING_KEY is neither base64, PEM, nor a readable file."
        ) from None
    if len(raw) != 32:
        raise SigningKeyError(
            f"MENTORING_AUDIT_SIGNING_KEY must hold 32 bytes (base64); it holds {len(raw)}."
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def parse_public_key(text: str) -> bytes:
    """A public key given as base64 of its 32 bytes, or as PEM; returns the raw 32 bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("The public key is not an Ed25519 key.")
        return _raw_public(key)
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError(f"An Ed25519 public key has 32 bytes; this one has {len(raw)}.")
    return raw


def verify_signature(public_key: bytes, signed: SignedCheckpoint) -> bool:
    """True when ``signed`` carries a valid signature of ``public_key`` over its checkpoint."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signed.signature, signed.checkpoint.body()
        )
    except (InvalidSignature, ValueError):
        return False
    return signed.key_id == key_id(public_key)


def verify_report_signature(public_key: bytes, document: str, signature: bytes) -> bool:
    """True when ``signature`` is ``public_key``'s over the report ``document``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, report_statement(document))
    except (InvalidSignature, ValueError):
        return False
    return True


def development_key_path(settings: Settings) -> Path:
    if settings.uses_postgres:
        return Path(".mentoring") / DEVELOPMENT_KEY_FILE
    return settings.event_store_path.with_name(DEVELOPMENT_KEY_FILE)


def _development_key(path: Path) -> Ed25519PrivateKey:
    """The development key in ``path``, generated the first time (owner-only file)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
    return parse_private_key(path.read_text())


def load_signer(settings: Settings) -> CheckpointSigner:
    """The signer the settings configure (see the module docstring)."""
    configured = (settings.audit_signing_key or "").strip()
    if configured:
        if not configured.startswith("-----"):
            try:
                is_file = Path(configured).is_file()
            except OSError:  # e.g. a base64 key too long for a file name
                is_file = False
            if is_file:
                configured = Path(configured).read_text()
        return CheckpointSigner(parse_private_key(configured))
    if settings.environment == Environment.PRODUCTION:
        raise SigningKeyError(
            "Set MENTORING_AUDIT_SIGNING_KEY (an Ed25519 key) to sign audit checkpoints."
        )
    return CheckpointSigner(_development_key(development_key_path(settings)))
