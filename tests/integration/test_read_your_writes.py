"""Read-your-writes across processes: the gateway waits for the projector's watermark."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.auth import issue_token
from gateway.bootstrap import build_platform
from services.context import Role
from tests.integration.conftest import ProductionPath, wait_until

REGISTER = 'mutation { registerPin(input: {slug: "arec", name: "AREC", communities: ["Romanian"], professions: ["Engineering"]}) { position } }'
ENROL = """mutation { enrolMentee(input: {name: "Ana Pop", profession: "Engineering", origin: "Romania",
  languages: ["Romanian"], englishLevel: BASIC, enrolledOn: "2025-01-06"}) { mentee { id name } position } }"""
COUNT = "query($p: Int) { mentees(consistentWith: $p) { totalCount } }"


def _projector_reported(production: ProductionPath) -> bool:
    return bool(production.scalar("SELECT count(*) FROM readmodels.projection_watermarks"))


def test_a_mutation_through_kafka_returns_its_own_result_and_queries_can_wait_for_it(
    production: ProductionPath,
) -> None:
    settings = production.settings
    production.start("relay")
    production.start("project", MENTORING_PROJECTION_BATCH_SIZE="50")
    platform = build_platform(settings)
    wait_until(lambda: _projector_reported(production), 60, "the projector is running")
    admin = issue_token(settings, role=Role.ADMIN, tenant=None, subject="admin")
    with TestClient(create_app(platform)) as client:

        def post(query: str, token: str, variables: dict[str, object] | None = None) -> dict:  # type: ignore[type-arg]
            response = client.post(
                "/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {token}"},
            )
            return response.json()  # type: ignore[no-any-return]

        assert "errors" not in post(REGISTER, admin)
        coordinator = issue_token(settings, role=Role.COORDINATOR, tenant="arec", subject="c")
        wait_until(
            lambda: "errors" not in post("{ pin { name } }", coordinator), 30, "the PIN is known"
        )
        enrolled = post(ENROL, coordinator)
        assert "errors" not in enrolled, enrolled
        assert enrolled["data"]["enrolMentee"]["mentee"]["name"] == "Ana Pop"
        position = enrolled["data"]["enrolMentee"]["position"]
        assert post(COUNT, coordinator, {"p": position})["data"]["mentees"]["totalCount"] == 1
        # A position the store never gave out can never be reached: refused, not waited for.
        # (A stored position the projector has not applied answers STALE:
        # tests/outside/test_attacks.py pauses the projector to show it.)
        beyond = post(COUNT, coordinator, {"p": position + 10_000})
        assert beyond["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    platform.close()
