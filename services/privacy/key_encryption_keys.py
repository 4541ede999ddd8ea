"""Key-encryption keys (KEKs): one per PIN, from configuration; a KMS could take their place.

``MENTORING_KEY_ENCRYPTION_KEYS`` gives PINs their own KEK (a JSON object of PIN slug or id
to base64 of 32 bytes, or the path of a file holding it); any other PIN's KEK is derived with
HKDF-SHA256 from ``MENTORING_KEY_ENCRYPTION_MASTER_KEY``, or, unset, from a public development
master (which protects nothing, so production refuses it: a PIN without a key of its own has
none there). A KEK wraps the data keys of its PIN's people (``services.privacy.person_keys``) and
never touches the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.pin import pin_id_for
from services.settings import Environment, Settings

KEY_BYTES = 32
NONCE_BYTES = 12
# Known to everyone: keys derived from it protect nothing. Only for development and tests.
DEVELOPMENT_MASTER_KEY = hashlib.sha256(b"mentoring development key-encryption master").digest()
_WRAP_CONTEXT = b"mentoring/person-key/v1"


class KeyConfigurationError(ValueError):
    """The key-encryption keys in the configuration are malformed; the message says which."""


class KeyEncryptionKeys(Protocol):
    """Wraps and unwraps data keys with a PIN's key-encryption key (configuration, or a KMS)."""

    def fingerprint(self, tenant_id: UUID) -> str:
        """A short, public name of the PIN's current key-encryption key."""
        ...

    def wrap(self, tenant_id: UUID, subject_id: UUID, data_key: bytes) -> bytes: ...

    def unwrap(self, tenant_id: UUID, subject_id: UUID, wrapped: bytes) -> bytes:
        """The data key; raises ``cryptography.exceptions.InvalidTag`` with the wrong key."""
        ...


def _fingerprint(kek: bytes) -> str:
    return hashlib.sha256(b"mentoring/kek-fingerprint" + kek).digest()[:8].hex()


def _context(tenant_id: UUID, subject_id: UUID) -> bytes:
    """Binds a wrapped key to its person and PIN: it cannot be moved to another row."""
    return _WRAP_CONTEXT + tenant_id.bytes + subject_id.bytes


class ConfiguredKeyEncryptionKeys:
    """Key-encryption keys from configuration: one per PIN, else derived from a master key.

    A PIN listed in ``keys`` uses its own key; any other PIN's key is derived from
    ``master`` with HKDF-SHA256 (the PIN's id as context), and without a master it has none.
    """

    def __init__(self, keys: Mapping[UUID, bytes], master: bytes | None) -> None:
        for tenant_id, key in keys.items():
            if len(key) != KEY_BYTES:
                raise KeyConfigurationError(
                    f"The key-encryption key of PIN {tenant_id} must be {KEY_BYTES} bytes."
                )
        if master is not None and len(master) != KEY_BYTES:
            raise KeyConfigurationError(f"The master key must be {KEY_BYTES} bytes.")
        self._keys = dict(keys)
        self._master = master
        self._derived: dict[UUID, bytes] = {}

    def _kek(self, tenant_id: UUID) -> bytes:
        key = self._keys.get(tenant_id) or self._derived.get(tenant_id)
        if key is None:
            if self._master is None:
                raise KeyConfigurationError(
                    f"PIN {tenant_id} has no key-encryption key: list it in "
                    "MENTORING_KEY_ENCRYPTION_KEYS or set MENTORING_KEY_ENCRYPTION_MASTER_KEY."
                )
            key = HKDF(
                algorithm=hashes.SHA256(),
                length=KEY_BYTES,
                salt=None,
                info=b"mentoring/kek/" + tenant_id.bytes,
            ).derive(self._master)
            self._derived[tenant_id] = key
        return key

    def fingerprint(self, tenant_id: UUID) -> str:
        return _fingerprint(self._kek(tenant_id))

    def wrap(self, tenant_id: UUID, subject_id: UUID, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self._kek(tenant_id)).encrypt(
            nonce, data_key, _context(tenant_id, subject_id)
        )

    def unwrap(self, tenant_id: UUID, subject_id: UUID, wrapped: bytes) -> bytes:
        return AESGCM(self._kek(tenant_id)).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _context(tenant_id, subject_id)
        )


def _decode_key(what: str, text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigurationError(f"{what} is not base64.") from None
    if len(key) != KEY_BYTES:
        raise KeyConfigurationError(f"{what} must be base64 of {KEY_BYTES} bytes.")
    return key


def _tenant(name: str) -> UUID:
    """A PIN named by its id, or by its slug."""
    try:
        return UUID(name)
    except ValueError:
        return pin_id_for(name)


def parse_key_encryption_keys(value: str | None) -> dict[UUID, bytes]:
    """``MENTORING_KEY_ENCRYPTION_KEYS``: a JSON object (PIN slug or id -> base64 key) or a file."""
    if not value or not value.strip():
        return {}
    text = value.strip()
    if not text.startswith("{"):
        path = Path(text)
        if not path.is_file():
            raise KeyConfigurationError(
                "MENTORING_KEY_ENCRYPTION_KEYS must be a JSON object or the path of a file "
                f"holding one; there is no file {path}."
            )
        text = path.read_text()
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise KeyConfigurationError("MENTORING_KEY_ENCRYPTION_KEYS is not valid JSON.") from None
    if not isinstance(document, dict):
        raise KeyConfigurationError(
            "MENTORING_KEY_ENCRYPTION_KEYS must map PIN slugs or ids to keys."
        )
    return {
        _tenant(str(name)): _decode_key(f"The key-encryption key of {name}", str(key))
        for name, key in document.items()
    }


def key_encryption_keys(settings: Settings) -> ConfiguredKeyEncryptionKeys:
    """The KEKs the settings name; the development master only outside production."""
    keys = parse_key_encryption_keys(settings.key_encryption_keys)
    master: bytes | None
    if settings.key_encryption_master_key:
        master = _decode_key(
            "MENTORING_KEY_ENCRYPTION_MASTER_KEY", settings.key_encryption_master_key
        )
    elif settings.environment != Environment.PRODUCTION:
        master = DEVELOPMENT_MASTER_KEY
    elif keys:
        master = None
    else:
        raise KeyConfigurationError(
            "Set MENTORING_KEY_ENCRYPTION_MASTER_KEY (or MENTORING_KEY_ENCRYPTION_KEYS): "
            "production does not protect personal data with the public development key."
        )
    return ConfiguredKeyEncryptionKeys(keys, master)
