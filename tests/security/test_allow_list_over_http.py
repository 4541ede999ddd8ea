"""Persisted queries only (MENTORING_PERSISTED_QUERIES_FILE): a GET is held to the same
allow-list as a POST, and a mutation over GET is 405 even when it is listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.bootstrap import build_platform
from services.settings import Settings

LISTED = "{ __typename }"
LISTED_MUTATION = "mutation { __typename }"
UNLISTED = "{ me { role } }"
GRAPHQL_RESPONSE_JSON = {"Accept": "application/graphql-response+json"}


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[TestClient]:
    allowed = tmp_path / "persisted.json"
    allowed.write_text(json.dumps([LISTED, LISTED_MUTATION]))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/events.db", persisted_queries_file=str(allowed)
    )
    platform = build_platform(settings)
    try:
        yield TestClient(create_app(platform))
    finally:
        platform.close()


def test_a_listed_query_runs_over_get_as_over_post(gateway: TestClient) -> None:
    over_get = gateway.get("/graphql", params={"query": LISTED})
    over_post = gateway.post("/graphql", json={"query": LISTED})
    assert over_get.status_code == over_post.status_code == 200
    assert over_get.json() == over_post.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unlisted_query_is_forbidden_over_get_as_over_post(
    gateway: TestClient, method: str
) -> None:
    if method == "GET":
        answer = gateway.get("/graphql", params={"query": UNLISTED}, headers=GRAPHQL_RESPONSE_JSON)
    else:
        answer = gateway.post("/graphql", json={"query": UNLISTED}, headers=GRAPHQL_RESPONSE_JSON)
    assert answer.status_code == 403, answer.text
    assert "data" not in answer.json()
    assert [e["extensions"]["code"] for e in answer.json()["errors"]] == ["FORBIDDEN"]


def test_a_mutation_over_get_is_405_even_when_listed(gateway: TestClient) -> None:
    for query in (LISTED_MUTATION, 'mutation { createApiKey(name: "x") { secret } }'):
        answer = gateway.get("/graphql", params={"query": query})
        assert answer.status_code == 405, answer.text
        assert answer.headers["allow"] == "POST"
        assert [e["extensions"]["code"] for e in answer.json()["errors"]] == ["BAD_INPUT"]
