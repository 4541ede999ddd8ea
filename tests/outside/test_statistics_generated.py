"""A larger programme than the demo, released and attacked over HTTP against ``mentoring serve``.

The programme (tests/security/generated_programme.py: five PINs, three rounds each, 25-55
mentees a round, rare and common outcomes) is written by a process of its own into a fresh
store, SQLite or PostgreSQL. Then the real ``mentoring serve`` starts on it; the platform admin
makes a release over HTTP and anyone reads every breakdown with no token. The independent
auditor judges that release as anyone, as each PIN (all of its own counts known) and as a
funder (the exact programme and round totals known): no hidden count under the threshold is
pinned down. Run with ``-s`` to see the auditor's figures.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import fresh_database, require_service
from tests.outside.conftest import (
    ROOT,
    Served,
    environment,
    free_port,
    start,
    stop,
    wait_until_ready,
)
from tests.outside.test_statistics_releases import Release, release, visible_differences
from tests.security.generated_programme import PINS
from tests.security.statistics_auditor import THRESHOLD, attackers, audit, names

# Integer programs where the linear bounds leave a few values only: a release this large
# has hundreds of quantities per attacker, and a wide linear interval stays wide.
EXACT_WITHIN = 3


def generate(served: Served) -> None:
    """Write the programme into the served store, from a process of its own."""
    written = subprocess.run(
        [sys.executable, "-m", "tests.security.generated_programme"],
        cwd=ROOT,
        env=served.env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert written.returncode == 0, written.stderr[-3000:]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def generated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Release]:
    logs = tmp_path_factory.mktemp(f"generated-{request.param}")
    port = free_port()

    def serve(url: str) -> Iterator[Release]:
        # Releases by the admin only: a scheduled one would race with it.
        env = environment(MENTORING_DATABASE_URL=url, MENTORING_STATISTICS_RELEASE_INTERVAL="0")
        served = Served(request.param, f"http://127.0.0.1:{port}", env, logs)
        generate(served)
        try:
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            yield release(served)
        finally:
            stop(served)

    if request.param == "sqlite":
        yield from serve(f"sqlite:///{logs}/events.db")
        return
    with fresh_database(require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")) as url:
        yield from serve(url)


@pytest.mark.parametrize("who", ["anyone", "each PIN", "a funder"])
def test_no_hidden_count_of_a_larger_programme_is_pinned_down(generated: Release, who: str) -> None:
    found = attackers(generated.truth.microdata, generated.truth.rounds)
    chosen = {
        "anyone": [a for a in found if a.name == "anyone"],
        "each PIN": [a for a in found if a.tenant],
        "a funder": [a for a in found if a.sums],
    }[who]
    labels = names(generated.breakdowns)
    release = [(generated.published, generated.truth.microdata)]
    audits = [
        audit(release, generated.truth.rounds, attacker, exact_within=EXACT_WITHIN)
        for attacker in chosen
    ]
    figures = "\n".join(a.summary(labels) for a in audits)
    print(f"\n[release {generated.id}]\n{figures}")
    assert len(chosen) == (5 if who == "each PIN" else 1)
    assert all(a.intervals for a in audits), figures
    hidden = [value for value in generated.published.values() if value is None]
    assert hidden, "a release of this programme hides numbers"
    disclosed = [line for a in audits for line in a.disclosed(labels)]
    assert not disclosed, f"{figures}\nDisclosed:\n" + "\n".join(disclosed)


@pytest.mark.parametrize("slug", PINS)
def test_a_pin_subtracting_its_own_part_reads_no_small_count(generated: Release, slug: str) -> None:
    others = visible_differences(generated, slug)
    small = {key: rest for key, rest in others.items() if 0 < rest < THRESHOLD}
    assert len(others) > 50, "visible numbers to subtract from"
    assert not small, small
