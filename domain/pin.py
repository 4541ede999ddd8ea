"""The professional immigrant network (PIN): the tenant of the platform."""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import TenantAggregate
from domain.errors import InvalidValue
from domain.values import require_names, require_text

_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,30}$")


def pin_id_for(slug: str) -> UUID:
    """The stable id of the PIN with ``slug``: registering a slug twice finds the same PIN."""
    return uuid5(NAMESPACE_URL, f"urn:mentoring:pin:{slug}")


class Pin(TenantAggregate):
    """A PIN such as AREC or ICCC: its name and the communities and professions it serves."""

    @staticmethod
    def create_id(slug: str) -> UUID:
        return pin_id_for(slug)

    @classmethod
    def register(cls, slug: str, name: str, communities: list[str], professions: list[str]) -> Pin:
        if not _SLUG.match(slug):
            raise InvalidValue(
                "slug must be 2-31 lowercase letters, digits or dashes, starting with a letter."
            )
        return cls(
            tenant_id=pin_id_for(slug),
            slug=slug,
            name=require_text("name", name),
            communities=list(require_names("communities", communities)),
            professions=list(require_names("professions", professions)),
        )

    @event("Registered")
    def __init__(
        self,
        tenant_id: UUID,
        slug: str,
        name: str,
        communities: list[str],
        professions: list[str],
    ) -> None:
        self.tenant_id = tenant_id
        self.slug = slug
        self.name = name
        self.communities = list(communities)
        self.professions = list(professions)

    def update_profile(self, name: str, communities: list[str], professions: list[str]) -> None:
        self._profile_updated(
            name=require_text("name", name),
            communities=list(require_names("communities", communities)),
            professions=list(require_names("professions", professions)),
        )

    @event("ProfileUpdated")
    def _profile_updated(self, name: str, communities: list[str], professions: list[str]) -> None:
        self.name = name
        self.communities = list(communities)
        self.professions = list(professions)
