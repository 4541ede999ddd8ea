"""Personal data at rest and in transit: AES-GCM under the data subject's own key.

A ``PersonalData`` value is stored (and published on the bus) as ``SealedPersonalData``: the
subject's id and ``base64(version || nonce || AES-GCM(value))``, authenticated with the subject's
id, so a ciphertext cannot be passed off as another person's. Opening it needs the subject's
data key (``services.privacy.person_keys``); once that key is destroyed, every personal field of the
person opens as ``domain.privacy.ERASED``, so their events still load.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.privacy import ERASED, PersonErased
from domain.values import PersonalData
from services.privacy.key_encryption_keys import NONCE_BYTES
from services.privacy.person_keys import KeyUnavailable, PersonKeys

FORMAT = b"\x01"


@dataclass(frozen=True)
class SealedPersonalData:
    """Personal data as stored and published: whose it is, and its ciphertext. Never the value."""

    subject_id: UUID
    ciphertext: str

    def to_json(self) -> dict[str, str]:
        """The published form (an envelope's payload): ``{"subject_id", "ciphertext"}``."""
        return {"subject_id": str(self.subject_id), "ciphertext": self.ciphertext}


class PersonalDataCipher:
    """Seals and opens personal data with the keys of ``keys`` (None: no key store here)."""

    def __init__(self, keys: PersonKeys | None) -> None:
        self.keys = keys

    def _keys(self) -> PersonKeys:
        if self.keys is None:
            raise KeyUnavailable(
                "This event store has no key store, so it cannot read or write personal data."
            )
        return self.keys

    def ensure_keys(self, tenant_of: Iterable[tuple[UUID, Any]]) -> None:
        """Give every subject of personal data in ``(tenant id, value)`` pairs a key.

        Values are searched for ``PersonalData`` inside lists, tuples and dicts. An erased
        subject is refused (``PersonErased``): nothing can be stored about them again.
        """
        subjects: dict[UUID, UUID] = {}
        for tenant_id, value in tenant_of:
            for data in _personal_values(value):
                subjects.setdefault(data.subject_id, tenant_id)
        for subject_id, tenant_id in subjects.items():
            self._keys().ensure(subject_id, tenant_id)

    def seal(self, data: PersonalData) -> SealedPersonalData:
        key = self._keys().data_key(data.subject_id)
        if key is None:
            raise PersonErased(f"The person {data.subject_id}")
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, data.value.encode(), data.subject_id.bytes)
        return SealedPersonalData(
            data.subject_id, base64.b64encode(FORMAT + nonce + sealed).decode("ascii")
        )

    def open(self, sealed: SealedPersonalData) -> PersonalData:
        """The plain value; ``ERASED`` when the subject's key was destroyed."""
        key = self._keys().data_key(sealed.subject_id)
        if key is None:
            return PersonalData(sealed.subject_id, ERASED)
        try:
            raw = base64.b64decode(sealed.ciphertext, validate=True)
            if raw[:1] != FORMAT:
                raise ValueError("unknown format")
            nonce, ciphertext = raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
            value = AESGCM(key).decrypt(nonce, ciphertext, sealed.subject_id.bytes).decode()
        except (InvalidTag, ValueError, binascii.Error, UnicodeDecodeError):
            raise KeyUnavailable(
                f"A personal field of person {sealed.subject_id} does not open with their data "
                "key: the ciphertext was changed, or the key store does not belong to these "
                "events."
            ) from None
        return PersonalData(sealed.subject_id, value)

    def text(self, published: Mapping[str, Any]) -> str:
        """The plain text of a published personal field (``SealedPersonalData.to_json``)."""
        sealed = SealedPersonalData(
            UUID(str(published["subject_id"])), str(published["ciphertext"])
        )
        return self.open(sealed).value


def _personal_values(value: Any) -> Iterable[PersonalData]:
    if isinstance(value, PersonalData):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _personal_values(getattr(value, field.name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _personal_values(item)
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        for item in value:
            yield from _personal_values(item)
