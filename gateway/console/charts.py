"""Charts as inline SVG, drawn on the server: no script, no library, readable without colour.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by a ``<desc>``
that lists its figures; the page shows the same figures in a table next to it. Each bar
carries its value as text, so colour is never the only cue. A figure that is withheld
(suppressed) is drawn as a hatched stub labelled with ``suppressed_label``, never as a number.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 480
LABEL_WIDTH = 170
VALUE_ROOM = 84
BAR_HEIGHT = 18
GAP = 8
TEXT = "#1a1a1a"
MUTED = "#595959"
PALETTE = ("#1f5f8b", "#a34400", "#2e6b30", "#6a3d9a", "#a4262c", "#00695c")
"""Each at least 4.5:1 against white, so a bar's edge and its legend text both stand out."""

_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    """One set of bars: a name (for the legend) and a value per category (None: withheld)."""

    name: str
    values: Sequence[int | float | None]


def _value_text(value: int | float | None, unit: str, suppressed_label: str) -> str:
    if value is None:
        return suppressed_label
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{shown}{unit}"


def _short(label: str, limit: int = 20) -> str:
    """A label that fits the label column (the title, description and table keep it whole)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _scale(series: Sequence[Series], maximum: float | None) -> float:
    values = [v for s in series for v in s.values if v is not None]
    top = maximum if maximum is not None else max(values, default=0)
    return float(top) if top and top > 0 else 1.0


def _withheld(chart_id: str, y: int, text: str) -> str:
    """A hatched stub and the word for a withheld figure, in place of a bar."""
    return (
        f'<rect x="{LABEL_WIDTH}" y="{y}" width="24" height="{BAR_HEIGHT}" '
        f'fill="url(#{chart_id}-hatch)" stroke="{MUTED}"/>'
        f'<text x="{LABEL_WIDTH + 30}" y="{y + BAR_HEIGHT - 4}" fill="{MUTED}" '
        f'font-style="italic" class="suppressed">{escape(text)}</text>'
    )


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    suppressed_label: str,
    unit: str = "",
    maximum: float | None = None,
) -> Markup:
    """Horizontal bars: per category, one bar per series (a legend when there are several)."""
    chart_id = f"chart-{next(_ids)}"
    top = _scale(series, maximum)
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    legend = len(series) > 1
    y = 24 * ((len(series) + 1) // 2) + 8 if legend else 4
    axis_top = y - 4
    parts: list[str] = []
    described: list[str] = []
    if legend:
        for i, s in enumerate(series):
            lx, ly = 8 + (i % 2) * 236, 16 + (i // 2) * 24
            colour = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<rect x="{lx}" y="{ly - 11}" width="14" height="14" fill="{colour}"/>'
                f'<text x="{lx + 20}" y="{ly}" fill="{TEXT}">{escape(s.name)}</text>'
            )
    for c, category in enumerate(categories):
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 4}" text-anchor="end" '
            f'fill="{TEXT}" font-weight="600">{escape(_short(category))}</text>'
        )
        values = [s.values[c] if c < len(s.values) else None for s in series]
        if legend and all(v is None for v in values):  # one row says it for every series
            described.append(f"{category}: {suppressed_label}")
            parts.append(_withheld(chart_id, y, suppressed_label))
            y += BAR_HEIGHT + 4 + GAP
            continue
        for i, (s, value) in enumerate(zip(series, values, strict=True)):
            text = _value_text(value, unit, suppressed_label)
            described.append(f"{category}{' · ' + s.name if legend else ''}: {text}")
            if value is None:
                parts.append(_withheld(chart_id, y, text))
            else:
                width = max(0.0, min(float(value) / top, 1.0)) * room
                parts.append(
                    f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{PALETTE[i % len(PALETTE)]}"/>'
                    f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR_HEIGHT - 4}" '
                    f'fill="{TEXT}" class="value">{escape(text)}</text>'
                )
            y += BAR_HEIGHT + 4
        y += GAP
    height = y + 4
    return Markup(  # noqa: S704 - every text in it is escaped; the rest is our own markup
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" style="max-width: 100%; height: auto" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="14" '
        f'font-family="system-ui, sans-serif" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape("; ".join(described))}</desc>'
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{MUTED}" stroke-width="2"/></pattern></defs>'
        f'<line x1="{LABEL_WIDTH}" y1="{axis_top}" x2="{LABEL_WIDTH}" y2="{height}" '
        f'stroke="{MUTED}"/>'
        f"{''.join(parts)}</svg>"
    )
