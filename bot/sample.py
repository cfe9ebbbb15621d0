"""The bundled demo corpus (data/sample/): its pages with the dates they were published,
imported into an empty library so a newcomer's first digest, trend and comparison have
content."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.ingest.pipeline import IngestReport, ingest_paths
from bot.store import Store

MANIFEST = "pages.toml"


@dataclass(frozen=True)
class SamplePage:
    path: Path
    date: str  # YYYY-MM-DD, read from the page's own text (see the manifest's evidence)
    evidence: str


def sample_pages(sample_dir: Path) -> list[SamplePage]:
    """The demo pages in file order, each with its publication date from the manifest."""
    with (sample_dir / MANIFEST).open("rb") as fh:
        pages = tomllib.load(fh)["page"]
    return [SamplePage(sample_dir / p["file"], p["date"], p["evidence"]) for p in pages]


def demo_dates(pages: list[SamplePage]) -> str:
    """The demo's publication days for a welcome line: 2021-05-31、2021-06-28…"""
    return "、".join(sorted({p.date for p in pages}))


async def seed_sample(
    store: Store, sample_dir: Path, *, max_bytes: int, near_ratio: float, timezone: str
) -> IngestReport:
    """Imports the demo pages, each under its own publication date."""
    total = IngestReport()
    for page in sample_pages(sample_dir):
        report = await ingest_paths(
            store,
            [page.path],
            max_bytes=max_bytes,
            near_ratio=near_ratio,
            timezone=timezone,
            forced_date=page.date,
        )
        total.files += report.files
        total.added += report.added
        total.duplicates += report.duplicates
        total.near_duplicates += report.near_duplicates
        total.rejected += report.rejected
    return total
