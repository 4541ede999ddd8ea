"""The result cache is invalidated per PIN: one PIN's write evicts that PIN's answers (never a
stale one), while another PIN's cached answers stay hits; reads that span PINs still follow
the global version; read-your-writes holds."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from domain.pin import pin_id_for
from domain.values import EnglishLevel
from gateway.auth import Authenticator, issue_token
from gateway.bootstrap import Platform
from gateway.consistency import ConsistencyWaits
from gateway.context import RequestContext
from gateway.schema import build_schema
from gateway.tenant_versions import TenantVersions
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext

ADMIN = TenantContext(tenant_id=UUID(int=0), role=Role.ADMIN, actor="platform-admin")
COUNT = "{ mentees { totalCount edges { node { name } } } }"
SHARED = "{ sharedActivities { id title } }"


def coordinator(slug: str) -> TenantContext:
    return TenantContext(pin_id_for(slug), Role.COORDINATOR, f"{slug}-coordinator")


def enrol(platform: Platform, slug: str, name: str) -> int:
    mentee = c.EnrolMentee(
        name, "Engineering", "Romania", ["Romanian"], EnglishLevel.BASIC, date_of(2024)
    )
    return uc.enrol_mentee(platform.store, mentee, coordinator(slug)).position


def date_of(year: int) -> Any:
    from datetime import date

    return date(year, 1, 2)


def projected(platform: Platform) -> None:
    head = platform.store.recorder.max_notification_id() or 0
    assert platform.catch_up(head)


class Caller:
    def __init__(self, platform: Platform, schema: Any) -> None:
        self.platform = platform
        self.schema = schema
        self.cache = next(e for e in schema.extensions if hasattr(e, "entries")).entries

    def ask(self, slug: str, query: str) -> Any:
        token = issue_token(self.platform.settings, role=Role.COORDINATOR, tenant=slug, subject="t")

        async def execute() -> Any:
            context = RequestContext(
                platform=self.platform,
                authenticate=Authenticator(self.platform.settings, self.platform.read_models),
                authorization=f"Bearer {token}",
                waits=ConsistencyWaits(self.platform),
            )
            result = await self.schema.execute(query, context_value=context)
            assert not result.errors, result.errors
            return result.data

        return asyncio.run(execute())

    def hit(self, slug: str, query: str) -> tuple[bool, Any]:
        before = self.cache.hits
        data = self.ask(slug, query)
        return self.cache.hits == before + 1, data


def world(platform: Platform) -> Caller:
    for slug in ("arec", "cniea"):
        uc.register_pin(platform.store, c.RegisterPin(slug, slug, ["Any"], ["Engineering"]), ADMIN)
        enrol(platform, slug, f"First of {slug}")
    uc.host_shared_activity(
        platform.store,
        c.HostSharedActivity("Networking night", date_of(2025), "Open to all"),
        coordinator("cniea"),
    )
    projected(platform)
    platform.start()  # the relay publishes in the background, as when serving
    return Caller(platform, build_schema(cache_size=100))


def names(data: Any) -> list[str]:
    return [edge["node"]["name"] for edge in data["mentees"]["edges"]]


def test_a_write_evicts_its_own_pins_answers_and_leaves_the_other_pins_cached(
    platform: Platform,
) -> None:
    caller = world(platform)
    for slug in ("arec", "cniea"):
        assert caller.hit(slug, COUNT)[0] is False  # computed
        assert caller.hit(slug, COUNT)[0] is True  # then cached
    enrol(platform, "arec", "Second of arec")
    projected(platform)
    hit, cniea = caller.hit("cniea", COUNT)
    assert hit  # arec's write left cniea's answer cached
    assert names(cniea) == ["First of cniea"]
    hit, arec = caller.hit("arec", COUNT)
    assert not hit  # never the stale answer
    assert names(arec) == ["First of arec", "Second of arec"]
    assert caller.hit("arec", COUNT)[0]


def test_reads_of_what_every_pin_shares_follow_every_pins_writes(platform: Platform) -> None:
    caller = world(platform)
    assert not caller.hit("arec", SHARED)[0]
    assert caller.hit("arec", SHARED)[0]
    uc.host_shared_activity(
        platform.store,
        c.HostSharedActivity("Job fair", date_of(2025), "Bring a CV"),
        coordinator("cniea"),
    )
    projected(platform)
    hit, data = caller.hit("arec", SHARED)
    assert not hit  # cniea's write moved the version of what arec reads here
    assert [a["title"] for a in data["sharedActivities"]] == ["Networking night", "Job fair"]


def test_read_your_writes_through_the_cache(platform: Platform) -> None:
    caller = world(platform)
    assert names(caller.ask("arec", COUNT)) == ["First of arec"]
    position = enrol(platform, "arec", "Right now")  # not yet published: not projected
    query = "{ mentees(consistentWith: POSITION) { edges { node { name } } } }"
    query = query.replace("POSITION", str(position))
    assert names(caller.ask("arec", query)) == ["First of arec", "Right now"]
    assert names(caller.ask("arec", COUNT)) == ["First of arec", "Right now"]


def test_the_per_pin_version_read_from_the_read_models_moves_with_that_pin_only(
    platform: Platform,
) -> None:
    """With projector processes the version comes from the read models' ``tenant_versions``
    (no memory of what this process projected): it too moves with the PIN's writes and only
    with them."""
    world(platform)
    versions = TenantVersions(platform.read_models, in_process=False)
    arec, cniea = str(pin_id_for("arec")), str(pin_id_for("cniea"))
    before = versions.version(arec), versions.version(cniea)
    enrol(platform, "arec", "Another")
    projected(platform)
    assert versions.version(arec) != before[0]
    assert versions.version(cniea) == before[1]


def test_a_rebuild_moves_every_pins_version_read_from_the_read_models(platform: Platform) -> None:
    """A rebuild replaces every read model at once (to mend a projection, say): no answer
    cached before it may be served after it, although the rebuilt tables hold the same rows."""
    from projections.database import PostgresReadModels, SQLiteReadModels
    from projections.rebuild import rebuild_tenant_views
    from services.audit.records import envelopes_after

    world(platform)
    projected(platform)
    versions = TenantVersions(platform.read_models, in_process=False)
    arec = str(pin_id_for("arec"))
    before = versions.version(arec)
    live = platform.read_models
    assert isinstance(live, SQLiteReadModels | PostgresReadModels)
    rebuild_tenant_views(
        live,
        lambda position, limit: envelopes_after(platform.store, position, limit),
        personal=platform.store.personal_data.text,
    )
    assert versions.version(arec) != before


def test_follow_ups_are_cached_per_pin_and_due_by_today_not_at_all(platform: Platform) -> None:
    caller = world(platform)
    due = '{ followUpsDue(dueBy: "2030-01-01") { totalCount } }'
    today = "{ followUpsDue { totalCount } }"
    assert not caller.hit("arec", due)[0]
    assert caller.hit("arec", due)[0]
    enrol(platform, "cniea", "Second of cniea")
    projected(platform)
    assert caller.hit("arec", due)[0]  # another PIN's write left it cached
    enrol(platform, "arec", "Second of arec")
    projected(platform)
    assert not caller.hit("arec", due)[0]  # its own PIN's write evicted it
    caller.ask("arec", today)
    assert not caller.hit("arec", today)[0]  # the answer moves with the date: never cached
