"""Programme statistics across PINs: public, counts only, small cells suppressed."""

from __future__ import annotations

import strawberry

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


def _values(values: dict[str, int | None]) -> list[MetricValue]:
    return [MetricValue(metric=k, value=v, suppressed=v is None) for k, v in values.items()]


def _rate(values: dict[str, int | None]) -> float | None:
    present, recorded = values.get("attendance_present"), values.get("attendance_recorded")
    if present is None or not recorded:
        return None
    return round(present / recorded, 4)


@strawberry.type
class NetworkStatistics:
    by: Dimension
    threshold: int
    cells: list[StatisticsCell]
    total: list[MetricValue]
    total_attendance_rate: float | None


@strawberry.type
class StatisticsQuery:
    @strawberry.field(
        description="Programme statistics per PIN, profession, cohort or in total. Public: "
        "counts only, each below the threshold published as suppressed, with complementary "
        "suppression so totals do not reveal a hidden count."
    )
    def network_statistics(self, info: Ctx, by: Dimension = Dimension.PIN) -> NetworkStatistics:
        platform = info.context.platform
        with platform.read_models.reading() as conn:
            stats = network_statistics(conn, by, platform.settings.statistics_threshold)
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
        )
