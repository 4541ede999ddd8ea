"""The result cache's per-PIN version with projector processes: one row, however long the history.

With Kafka, every request of a coordinator reads its PIN's version before it looks in the
result cache (gateway/tenant_versions.py), hits included. Until issue 14's third round the
version counted the PIN's rows of ``activity_feed``, a scan that grows with the PIN's history;
now it reads the PIN's row of ``tenant_versions``, which the projection moves in the
transaction of each batch. This times both statements (the old one is the baseline, in the
same run), through ``PostgresReadModels.reading`` as the gateway runs them, on a PIN with
``--rows`` feed rows:

    .venv/bin/python bench/tenant_version.py --rows 200000

PostgreSQL comes from MENTORING_DATABASE_URL (else ``deploy/local/up``); a fresh database
is made and dropped.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from projections.database import PostgresReadModels
from projections.tenant_views import FLOOR, TenantViews

import common as cm

COUNTED = (  # the statement before: every row of the PIN's feed
    "SELECT count(*) AS n, coalesce(max(position), 0) AS p, "
    "to_regclass('activity_feed')::oid::bigint AS feed, "
    "(SELECT coalesce(max(position), -1) FROM projection_tracking "
    "WHERE projection = ? AND part = ?) AS rebuilt FROM activity_feed WHERE tenant_id = ?"
)


def main() -> None:
    p = cm.parser(__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=200_000, help="feed rows of the PIN")
    p.add_argument("--requests", type=int, default=300, help="version reads per repetition")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    from gateway.tenant_versions import _VERSION

    current = _VERSION.format(table="to_regclass('tenant_versions')::oid::bigint")
    server, _ = cm.service_urls()
    tenant = str(uuid.uuid4())
    with cm.fresh_database(server) as url:
        db = PostgresReadModels(url, "readmodels")
        with db.transaction() as tx:
            tx.execute(
                "INSERT INTO activity_feed SELECT ?, g, 'Mentee.Enrolled', 'x', 'now' "
                "FROM generate_series(1, ?) g",
                (tenant, args.rows),
            )
            tx.execute("INSERT INTO tenant_versions VALUES (?, ?)", (tenant, args.rows // 50))
        with db.transaction() as tx:
            tx.execute("ANALYZE")

        def timed(statement: str, params: tuple[Any, ...]) -> float:
            took = []
            for _ in range(args.requests):
                began = time.perf_counter()
                with db.reading(tenant) as conn:
                    conn.execute(statement, params).fetchone()
                took.append((time.perf_counter() - began) * 1000)
            return cm.median(took)

        rows = []
        for n in range(args.repeat):
            before = timed(COUNTED, (TenantViews.name, FLOOR, tenant))
            now = timed(current, (tenant, TenantViews.name, FLOOR))
            rows.append((n + 1, before, now, before / now))
            cm.log(f"repetition {n + 1}: counted {before:.3f} ms, one row {now:.3f} ms")
        db.close()
    medians = [cm.median([r[i] for r in rows]) for i in (1, 2, 3)]
    results = {
        "benchmark": "tenant_version",
        "machine": cm.machine(),
        "rows": args.rows,
        "counted_ms": medians[0],
        "one_row_ms": medians[1],
        "ratio": medians[2],
    }
    text = cm.table(
        f"per-PIN version read, PIN with {args.rows:,} feed rows (median ms per read, "
        f"{args.requests} reads per repetition)",
        ("repetition", "counted (before)", "one row (now)", "before / now"),
        [*rows, ("median", *medians)],
    )
    cm.emit(args, results, text)


if __name__ == "__main__":
    main()
