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


def _profession_parts(profession: str) -> tuple[str, str]:
    """``"Engineering / Civil"``: the profession and its sub-field (as group formation reads it)."""
    main, _, sub_field = profession.partition("/")
    return " ".join(main.split()), " ".join(sub_field.split())


def _compared(main: str, sub_field: str) -> tuple[str, str]:
    return main.casefold(), sub_field.casefold()


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
        """Rename the PIN or change its lists; people keep a profession no longer listed."""
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

    def listed_profession(self, profession: str) -> str:
        """``profession`` as this PIN spells it; refused unless the PIN lists it.

        A listed profession may be followed by a sub-field (``Engineering / Civil`` when the
        PIN lists Engineering). Case and spacing do not matter; the PIN's spelling of the
        profession is kept, and the sub-field as given. A free-form profession would make a
        cell of its own in the statistics every PIN reads, so only listed ones are taken.
        """
        main, sub_field = _profession_parts(require_text("profession", profession))
        listed = {_compared(*_profession_parts(p)): p for p in reversed(self.professions)}
        if (whole := listed.get(_compared(main, sub_field))) is not None:
            return whole
        if (spelled := listed.get(_compared(main, ""))) is not None:
            return f"{spelled} / {sub_field}" if sub_field else spelled
        raise InvalidValue(
            f"profession must be one that {self.name} lists ({', '.join(self.professions)}), "
            f"optionally followed by a sub-field as in '{self.professions[0]} / ...'; "
            f"'{' / '.join(filter(None, (main, sub_field)))}' is not."
        )
