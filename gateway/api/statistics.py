"""Programme statistics across PINs: public releases, counts only, protected together."""

from __future__ import annotations

from datetime import datetime

import anyio.to_thread
import strawberry

from gateway.context import read_off_loop
from gateway.conversion import FromRow
from gateway.permissions import Admins
from gateway.types import Ctx
from projections.statistics import Dimension, network_statistics

strawberry.enum(Dimension, name="StatisticsDimension")


@strawberry.type
class MetricValue:
    metric: str
    value: int | None = strawberry.field(description="Null when suppressed.")
    suppressed: bool


@strawberry.type
class StatisticsCell:
    key: str
    label: str
    values: list[MetricValue]
    attendance_rate: float | None = strawberry.field(
        description="Share of recorded attendances that were present; null when either count "
        "is suppressed or not part of this breakdown."
    )


@strawberry.type
class StatisticsRelease(FromRow):
    id: int
    released_at: datetime
    position: int = strawberry.field(description="Store position the counts include.")
    threshold: int
    checkpoint_tree_size: int | None = strawberry.field(
        description="Size of the signed global audit checkpoint the release is tied to."
    )
    checkpoint_root: str | None = strawberry.field(description="Its root hash (hex).")


def _values(values: dict[str, int | None]) -> list[MetricValue]:
    return [MetricValue(metric=k, value=v, suppressed=v is None) for k, v in values.items()]


def _rate(values: dict[str, int | None]) -> float | None:
    present, absent = values.get("attendance_present"), values.get("attendance_absent")
    if present is None or absent is None or not present + absent:
        return None
    return round(present / (present + absent), 4)


@strawberry.type
class NetworkStatistics:
    by: Dimension
    threshold: int
    cells: list[StatisticsCell]
    total: list[MetricValue]
    total_attendance_rate: float | None
    release: StatisticsRelease | None = strawberry.field(
        description="The release these numbers come from; null before the first one."
    )


@strawberry.type
class StatisticsQuery:
    @strawberry.field(
        description="Programme statistics per PIN, profession, cohort or in total, from the "
        "latest release (see docs/privacy.md). Public: counts only; every breakdown of a "
        "release is protected together, so no count under the threshold can be worked out, "
        "even by a PIN that knows its own counts."
    )
    async def network_statistics(
        self, info: Ctx, by: Dimension = Dimension.PIN
    ) -> NetworkStatistics:
        info.context.cacheable = False  # a new release changes the answer, not the projection
        stats = await read_off_loop(info.context.platform, None, network_statistics, by)
        return NetworkStatistics(
            by=stats.by,
            threshold=stats.threshold,
            cells=[
                StatisticsCell(
                    key=c.key,
                    label=c.label,
                    values=_values(c.values),
                    attendance_rate=_rate(c.values),
                )
                for c in stats.cells
            ],
            total=_values(stats.total),
            total_attendance_rate=_rate(stats.total),
            release=StatisticsRelease.of(stats.release) if stats.release else None,
        )


@strawberry.type
class StatisticsMutation:
    @strawberry.mutation(
        description="Release the statistics as they are now (platform admin). Releases also "
        "follow the audit checkpoints on a schedule (MENTORING_STATISTICS_RELEASE_INTERVAL).",
        permission_classes=[Admins],
    )
    async def release_network_statistics(self, info: Ctx) -> StatisticsRelease:
        trail = info.context.platform.audit
        assert trail is not None  # the platform always builds its audit trail
        release = await anyio.to_thread.run_sync(trail.releases.release)
        return StatisticsRelease.of(release)
