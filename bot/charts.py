"""Charts of statistics as PNG: the map of the 盟市 (or of a 盟市's 旗县区, bot.maps),
reports per place (盟市, or the next level down) and the monthly trend, in one image sized
for a phone screen; statistics documents take the map and the chart as two pictures.

matplotlib's own fonts have no Chinese: labels are set in Noto Sans CJK SC, which the
mplfonts package installs with casebot. Drawing takes about 0.15 s of CPU, 0.25 s with the
map (process time of _render on the seed library, median of 5); the bot draws in a process
of its own (draw_in_background), never on the event loop.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.maps import MapData, draw_map, map_data, outlines
from bot.stats import LEVEL_NAMES, Stats

FONT_FILE = "NotoSansCJKsc-Regular.otf"
BARS = 15  # places shown in the bar chart, most reported first
ARTICLES_COLOR = "#c0392b"  # party red
CASES_COLOR = "#e6a23c"
# pyplot's global state is not thread-safe; Figure objects are, but the font cache and
# text layout are shared: one chart at a time.
_lock = threading.Lock()


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of the bundled CJK font, registered with matplotlib once."""
    spec = find_spec("mplfonts")  # located, not imported: the package sets global styles
    assert spec and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@dataclass(frozen=True)
class ChartData:
    """Everything a chart shows, so equal data is drawn once (see stats_chart)."""

    where: str
    level: str
    date_from: str
    date_to: str
    rows: tuple[tuple[str, int, int], ...]  # (name, articles, cases), most reported first
    trend: tuple[tuple[str, int, int], ...]  # (month, articles, cases)
    map: MapData | None = None  # the region's 盟市 or a 盟市's 旗县区, shaded


def chart_data(stats: Stats) -> ChartData:
    shown = [r for r in stats.rows if r.articles or r.cases][:BARS]
    return ChartData(
        where=stats.place.name if stats.place else "全区",
        level=LEVEL_NAMES.get(stats.child_level or "", ""),
        date_from=str(stats.date_from),
        date_to=str(stats.request.date_to),
        rows=tuple((r.name, r.articles, r.cases) for r in shown),
        trend=tuple((m, a, c) for m, a, c in stats.trend),
        map=map_data(stats),
    )


def stats_chart(stats: Stats) -> bytes:
    """A bar chart of the places' articles and cases above the monthly trend, as PNG."""
    return draw(chart_data(stats))


def stats_pictures(stats: Stats) -> tuple[bytes, ...]:
    """What a statistics document shows as figures, drawn in this process (the CLI's)."""
    return pictures(chart_data(stats))


def draw(data: ChartData) -> bytes:
    with _lock:
        return _render(data)


def pictures(data: ChartData) -> tuple[bytes, ...]:
    """The map (when there is one) and the chart as two pictures: a page of A4 holds each
    at a readable size, not the phone's tall picture of both."""
    with _lock:
        chart = _render(replace(data, map=None))
        if data.map is None:
            return (chart,)
        return _render_map(data.map, f"{data.date_from} 至 {data.date_to}"), chart


async def pictures_in_background(stats: Stats) -> tuple[bytes, ...]:
    """stats_pictures, drawn in the drawing process (the bot's /export)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_drawer(), pictures, chart_data(stats))


async def draw_in_background(stats: Stats) -> bytes:
    """The chart drawn in a process of its own: drawing holds the GIL for a fifth of a
    second, which in a thread stalls the event loop and every other chat's reply."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_drawer(), draw, chart_data(stats))


@lru_cache(maxsize=1)
def _drawer() -> ProcessPoolExecutor:
    # spawn, not fork: the bot has threads (aiosqlite's) whose locks a fork would copy.
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def start_drawer() -> None:
    """Start the drawing process, with matplotlib and the font loaded, without waiting:
    left to the first /stats, they would make its reply take two seconds."""
    _drawer().submit(_warm_up)


def _warm_up() -> None:
    cjk_font()
    outlines()


def stop_drawer() -> None:
    if _drawer.cache_info().currsize:
        _drawer().shutdown(cancel_futures=True)
        _drawer.cache_clear()


# Staff ask the same few questions (全区, their 盟市) many times a day; until the counts
# change, the picture is the same. 64 charts of ~80 KB.
@lru_cache(maxsize=64)
def _render(data: ChartData) -> bytes:
    with matplotlib.rc_context(_style()):
        where, level, shown = data.where, data.level, data.rows
        # Margins from the longest place name instead of a layout engine, which took 40% of
        # the drawing time; a CJK character at 11 pt is about 2.2% of the 7-inch width.
        longest = max((len(name) for name, _, _ in shown), default=2)
        left = min(0.4, 0.05 + 0.024 * longest)
        if data.map is None:
            figure = Figure(figsize=(7, 9), dpi=130)
            bars, trend = figure.subplots(2, 1, height_ratios=(3, 2))
            figure.subplots_adjust(left=left, right=0.96, top=0.95, bottom=0.08, hspace=0.3)
        else:  # the map on top, at full width (the bars keep their margin for names)
            figure = Figure(figsize=(7, 15), dpi=130)
            grid = figure.add_gridspec(3, 1, height_ratios=(5.5, 5, 3.5), top=0.97,
                                       bottom=0.05, hspace=0.22, left=left, right=0.96)  # fmt: skip
            area = figure.add_axes((0.02, 0.64, 0.96, 0.34))
            draw_map(area, data.map, f"{data.date_from} 至 {data.date_to}")
            bars, trend = figure.add_subplot(grid[1]), figure.add_subplot(grid[2])
        if shown:
            names = [name for name, _, _ in reversed(shown)]
            y = range(len(names))
            for offset, values, color, label in (
                (0.2, [a for _, a, _ in reversed(shown)], ARTICLES_COLOR, "文章"),
                (-0.2, [c for _, _, c in reversed(shown)], CASES_COLOR, "案例"),
            ):
                drawn = bars.barh([i + offset for i in y], values, height=0.4, color=color,
                                  label=label)  # fmt: skip
                # Numbers on the bars: a phone screen is too small to read them off the axis.
                bars.bar_label(drawn, padding=2, fontsize=9)
            bars.xaxis.set_major_locator(MaxNLocator(integer=True))
            bars.set_yticks(list(y), names)
            bars.legend(loc="lower right", frameon=False)
            bars.set_title(f"{where} · 按{level}（{data.date_from} 至 {data.date_to}）")
        else:
            bars.set_axis_off()
            bars.set_title(f"{where}：该时段下级地区无报道")
        bars.xaxis.grid(True, color="#dddddd")
        bars.set_axisbelow(True)
        months = [m[2:] for m, _, _ in data.trend]  # 24-07: short enough for a phone
        trend.plot(months, [a for _, a, _ in data.trend], marker="o", color=ARTICLES_COLOR,
                   label="文章")  # fmt: skip
        trend.plot(months, [c for _, _, c in data.trend], marker="s", color=CASES_COLOR,
                   label="案例")  # fmt: skip
        trend.set_title(f"{where} · 月度趋势")
        trend.tick_params(axis="x", labelrotation=45)
        trend.yaxis.grid(True, color="#dddddd")
        trend.set_ylim(bottom=0)
        trend.yaxis.set_major_locator(MaxNLocator(integer=True))
        trend.legend(frameon=False)
        return _png(figure)


def _style() -> dict[str, object]:
    return {
        "font.family": cjk_font(),
        "font.size": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 13,
        "axes.unicode_minus": False,
    }


def _render_map(data: MapData, period: str) -> bytes:
    return _png(map_figure(data, period))


def map_figure(data: MapData, period: str) -> Figure:
    """The map on a figure of its own (statistics documents)."""
    with matplotlib.rc_context(_style()):
        figure = Figure(figsize=(7, 5.5), dpi=130)
        draw_map(figure.add_axes((0.02, 0.02, 0.96, 0.9)), data, period)
        return figure


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor="white")
    return out.getvalue()


def clear_chart_cache() -> None:
    """Forget drawn charts (benchmarks time the drawing itself)."""
    _render.cache_clear()
