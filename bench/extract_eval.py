"""Extraction quality against the hand annotation, and the extractor's speed.

Quality: bench/annotations/seeds.toml holds, for each seed article, the divisions it names,
its primary places and its cases. Places are scored as sets per article (resolved codes plus
inferred names), micro-averaged; a predicted case matches a gold case of the same article
when one of the gold `match` strings occurs in its practice or summary (one-to-one).

Real structures: bench/pages/ holds pages written for this bench in the layouts staff bring
(web pages with breadcrumbs and metadata lines, e-papers, traditional-script mirrors with
pinyin, WeChat reposts, dated briefs, outside look-alikes), annotated in
bench/annotations/pages.toml. Per page and overall: articles split right, titles exact,
authors/source/date, places P/R/F1, Inner Mongolia places claimed on outside pages, cases
P/R, and the reciprocal rank of the page's article for one practice query (the seeds and
the pages ingested together into a temporary library).

Speed: the place matcher alone (mentions/s, articles/s, MB/s), the whole extraction
(articles/s, CPU ms per article; a page's articles at a time, as ingest reads them) and
what it adds to an ingest worker's CPU per article (prepare_articles on each page with and
without it, the share the ingest budget limits), on N synthetic articles (bench/synth.py,
the ingest benchmark's corpus); CPU time, best of R rounds.

    python bench/extract_eval.py                # quality on the seeds + speed on 10k
    python bench/extract_eval.py --articles 2000 --rounds 5
    python bench/extract_eval.py --verbose      # every miss and false hit
    python bench/extract_eval.py --no-speed --no-search
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest_bench import corpus

from bot.config import Settings
from bot.extract.article import extract_article, extract_articles
from bot.extract.model import Extraction
from bot.extract.places import get_place_matcher
from bot.ingest.model import ArticleDraft
from bot.ingest.pipeline import ingest_paths, prepare_articles
from bot.ingest.readers import read_document
from bot.ingest.split import split_page
from bot.search import search
from bot.store import Store

ANNOTATIONS = ROOT / "bench" / "annotations" / "seeds.toml"
PAGE_ANNOTATIONS = ROOT / "bench" / "annotations" / "pages.toml"
SAMPLE = ROOT / "data" / "sample"
PAGES = ROOT / "bench" / "pages"
TARGETS = {"places F1": 0.95, "cases recall": 0.85}
PAGE_TARGETS = {
    "titles exact": 0.95,
    "pages split right": 0.95,
    "places F1": 0.95,
    "cases precision": 0.90,
    "cases recall": 0.80,
    "search MRR": 0.90,
}
META_FIELDS = ("authors", "source", "editor", "date", "time", "subtitle", "kicker")


@dataclass
class Tally:
    hits: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.hits / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, predicted: set[str], gold: set[str]) -> tuple[set[str], set[str]]:
        self.hits += len(predicted & gold)
        self.predicted += len(predicted)
        self.gold += len(gold)
        return gold - predicted, predicted - gold


def load_annotations(path: Path = ANNOTATIONS) -> list[dict[str, Any]]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["article"]


def seed_articles() -> dict[tuple[str, int], tuple[str, str]]:
    """(file name, seq) → (title, text) for every seed article."""
    out = {}
    for path in sorted(SAMPLE.glob("*.txt")):
        for seq, draft in enumerate(split_page(read_document(path, 1 << 26).text)):
            out[(path.name, seq)] = (draft.title, draft.body)
    return out


def predicted_places(x: Extraction) -> set[str]:
    found = {p.code for p in x.places if p.mentions}
    found |= {m.name for m in x.mentions if m.inferred}
    return found


def gold_places(a: dict[str, Any]) -> set[str]:
    inferred = a.get("inferred", [])
    return set(a["places"]) | {i if isinstance(i, str) else i["name"] for i in inferred}


def match_cases(x: Extraction, gold: list[dict[str, Any]]) -> tuple[int, list[str], list[str]]:
    """Matched count, gold cases missed, predicted cases matching no gold case."""
    free = list(range(len(x.cases)))
    missed = []
    for g in gold:
        hit = next(
            (
                i
                for i in free
                if any(s in x.cases[i].practice or s in x.cases[i].summary for s in g["match"])
            ),
            None,
        )
        if hit is None:
            missed.append(f"{g['actor']} → {g.get('practice', g['match'][0])}")
        else:
            free.remove(hit)
    extra = [f"{x.cases[i].actor} → {x.cases[i].practice}" for i in free]
    return len(gold) - len(missed), missed, extra


def evaluate(verbose: bool = False) -> dict[str, float]:
    articles = seed_articles()
    places, primary, cases = Tally(), Tally(), Tally()
    for a in load_annotations():
        title, text = articles[(a["file"], a["seq"])]
        x = extract_article(title, text)
        missed, wrong = places.add(predicted_places(x), gold_places(a))
        primary.add({p.code for p in x.places if p.primary}, set(a["primary"]))
        hits, missed_cases, extra_cases = match_cases(x, a.get("cases", []))
        cases.hits += hits
        cases.predicted += len(x.cases)
        cases.gold += len(a.get("cases", []))
        if verbose and (missed or wrong or missed_cases or extra_cases):
            print(f"--- {a['file'][:3]} #{a['seq']} {title}")
            for label, items in (
                ("place missed", missed),
                ("place wrong", wrong),
                ("case missed", missed_cases),
                ("case extra", extra_cases),
            ):
                for item in sorted(items):
                    print(f"    {label}: {item}")
    figures = {
        "places precision": places.precision,
        "places recall": places.recall,
        "places F1": places.f1,
        "primary precision": primary.precision,
        "primary recall": primary.recall,
        "cases precision": cases.precision,
        "cases recall": cases.recall,
    }
    print(f"annotation: {ANNOTATIONS.relative_to(ROOT)}")
    print_figures(places, cases, figures, TARGETS)
    return figures


def print_figures(
    places: Tally, cases: Tally, figures: dict[str, float], targets: dict[str, float]
) -> None:
    print(f"  places: {places.gold} gold, {places.predicted} predicted, {places.hits} right")
    print(f"  cases:  {cases.gold} gold, {cases.predicted} predicted, {cases.hits} matched")
    width = max(map(len, figures))
    for name, value in figures.items():
        target = f"  (target ≥ {targets[name]:.2f})" if name in targets else ""
        print(f"  {name:{width}} {value:.3f}{target}")


# --- real-structure pages ------------------------------------------------------------


@dataclass
class Ratio:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def value(self) -> float:
        return self.right / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.right}/{self.total}"


def page_drafts(name: str) -> list[ArticleDraft]:
    return split_page(read_document(PAGES / name, 1 << 26).text)


def draft_field(d: ArticleDraft, name: str) -> object:
    """A draft's value of an annotation field (date and time come from `published`)."""
    published = getattr(d, "published", None)  # None before drafts had it: `--base` runs
    if name == "date":
        return published[:10] if published else None
    if name == "time":
        return published[11:16] or None if published else None
    return getattr(d, name, None)


def _starts(d: ArticleDraft, starts: str) -> bool:
    return d.body.startswith(starts)


def evaluate_pages(verbose: bool = False, with_search: bool = True) -> dict[str, float]:
    pages = tomllib.loads(PAGE_ANNOTATIONS.read_text(encoding="utf-8"))["page"]
    split, titles, meta = Ratio(), Ratio(), Ratio()
    places, cases = Tally(), Tally()
    outside_claims = 0
    ranks = search_ranks(pages) if with_search else {}
    print(f"annotation: {PAGE_ANNOTATIONS.relative_to(ROOT)} ({len(pages)} pages)")
    header = "page", "split", "titles", "meta", "places F1", "cases P/R", "RR"
    print(
        f"  {header[0]:28} {header[1]:>5} {header[2]:>6} {header[3]:>6} {header[4]:>9}"
        f" {header[5]:>9} {header[6]:>4}"
    )
    for page in pages:
        drafts = page_drafts(page["file"])
        gold = page["article"]
        found = [next((d for d in drafts if _starts(d, a["starts"])), None) for a in gold]
        right = len(drafts) == len(gold) and all(
            d is not None and _starts(d, a["starts"]) for d, a in zip(drafts, gold, strict=False)
        )
        split.add(right)
        p_titles, p_meta, p_places, p_cases = Ratio(), Ratio(), Tally(), Tally()
        notes = [] if right else [f"split: {[d.title for d in drafts]}"]
        for a, d in zip(gold, found, strict=True):
            x = extract_article(d.title, d.body) if d else None
            if a["title"]:
                p_titles.add(d is not None and d.title == a["title"])
                if d is None or d.title != a["title"]:
                    notes.append(f"title: {d.title if d else None!r} ≠ {a['title']!r}")
            for name in META_FIELDS:
                want = a.get(name) or ([] if name == "authors" else None)
                if name not in a and name in ("subtitle", "kicker"):
                    continue
                got = draft_field(d, name) if d else None
                got = got or ([] if name == "authors" else None)
                if not (got or want):
                    continue  # neither printed nor found: nothing to score
                p_meta.add(got == want)
                if got != want:
                    notes.append(f"{name}: {got!r} ≠ {want!r}")
            predicted = predicted_places(x) if x else set()
            if page["outside"]:
                outside_claims += len(predicted)
            missed, wrong = p_places.add(predicted, gold_places(a))
            notes += [f"place missed: {m}" for m in sorted(missed)]
            notes += [f"place wrong: {w}" for w in sorted(wrong)]
            if x is not None:
                hits, missed_cases, extra = match_cases(x, a.get("cases", []))
            else:
                hits, missed_cases, extra = 0, [c["actor"] for c in a.get("cases", [])], []
            p_cases.hits += hits
            p_cases.predicted += len(x.cases) if x else 0
            p_cases.gold += len(a.get("cases", []))
            notes += [f"case missed: {c}" for c in missed_cases]
            notes += [f"case extra: {c}" for c in extra]
        for d in drafts:  # articles no gold article is: all they find is wrong
            if any(_starts(d, a["starts"]) for a in gold):
                continue
            x = extract_article(d.title, d.body)
            extra_places = predicted_places(x)
            outside_claims += len(extra_places) if page["outside"] else 0
            p_places.predicted += len(extra_places)
            p_cases.predicted += len(x.cases)
            notes += [f"place wrong: {w}" for w in sorted(extra_places)]
            notes += [f"case extra: {c.actor} → {c.practice}" for c in x.cases]
        for total, part in ((titles, p_titles), (meta, p_meta)):
            total.right += part.right
            total.total += part.total
        for total, tally in ((places, p_places), (cases, p_cases)):
            total.hits += tally.hits
            total.predicted += tally.predicted
            total.gold += tally.gold
        rr = f"{ranks[page['file']]:.2f}" if page["file"] in ranks else "-"
        print(
            f"  {page['file'][:28]:28} {'ok' if right else 'no':>5} {p_titles!s:>6}"
            f" {p_meta!s:>6} {p_places.f1:9.2f} {p_cases.precision:4.2f}/{p_cases.recall:4.2f}"
            f" {rr:>4}"
        )
        if verbose:
            for note in notes:
                print(f"      {note}")
    figures = {
        "pages split right": split.value,
        "titles exact": titles.value,
        "authors/source/date": meta.value,
        "places precision": places.precision,
        "places recall": places.recall,
        "places F1": places.f1,
        "cases precision": cases.precision,
        "cases recall": cases.recall,
    }
    if ranks:
        figures["search MRR"] = sum(ranks.values()) / len(ranks)
    print(f"  split {split}, titles {titles}, metadata fields {meta}")
    print(f"  Inner Mongolia places claimed on outside pages: {outside_claims} (target 0)")
    print_figures(places, cases, figures, PAGE_TARGETS)
    return figures


def search_ranks(pages: list[dict[str, Any]]) -> dict[str, float]:
    """Reciprocal rank, by page file, of the page's `hit` article for its `query`, in a
    library holding the seeds and every page."""
    return asyncio.run(_search_ranks(pages))


async def _search_ranks(pages: list[dict[str, Any]]) -> dict[str, float]:
    settings = Settings()
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(Path(folder) / "pages.db")
        try:
            await ingest_paths(
                store,
                [SAMPLE, PAGES],
                max_bytes=1 << 26,
                near_ratio=settings.near_duplicate_ratio,
                timezone=settings.timezone,
                workers=1,
            )
            rows = await store.conn.execute_fetchall(
                "SELECT a.id, f.name, a.seq FROM articles a JOIN source_files f ON f.id = a.file_id"
            )
            ids = {(name, seq): i for i, name, seq in rows}
            ranks = {}
            for page in pages:
                want = ids.get((page["file"], page["hit"]))
                result = await search(store, page["query"], limit=10)
                ranked = [h.article_id for h in result.hits]
                ranked += [c["article_id"] for c in result.cases]
                ranks[page["file"]] = next(
                    (1 / (n + 1) for n, i in enumerate(dict.fromkeys(ranked)) if i == want), 0.0
                )
            return ranks
        finally:
            await store.close()


def speed(n_articles: int, rounds: int) -> None:
    """Throughput, and CPU per article: what the ingest budget is about. CPU time, best of
    `rounds`, so that other work on a shared machine barely moves the figures."""
    pages = [
        split_page(p.read_text(encoding="utf-8"))
        for p in corpus(ROOT / "bench" / "out", n_articles)
    ]
    texts = [(d.title, d.body) for drafts in pages for d in drafts]
    size = sum(len(f"{t}\n{b}".encode()) for t, b in texts)
    matcher = get_place_matcher()
    mentions = sum(len(matcher.find(t, b)[0]) for t, b in texts)  # also warms every cache
    matched, whole, plain, full = best_cpu(
        [
            (lambda t: matcher.find(*t), texts),
            (lambda drafts: extract_articles([(d.title, d.body) for d in drafts]), pages),
            (lambda drafts: prepare_articles(drafts, extract=False), pages),
            (lambda drafts: prepare_articles(drafts, extract=True), pages),
        ],
        rounds,
    )
    n = len(texts)
    print(f"speed on {n} synthetic articles ({size / 1e6:.1f} MB), one process, CPU time:")
    print(
        f"  place matcher: {mentions / matched:,.0f} mentions/s, {n / matched:,.0f}"
        f" articles/s, {size / 1e6 / matched:.2f} MB/s"
    )
    print(
        f"  whole extraction: {n / whole:,.0f} articles/s, {size / 1e6 / whole:.2f} MB/s,"
        f" {whole / n * 1e3:.3f} ms/article"
    )
    print(
        f"  ingest worker (prepare_articles): {plain / n * 1e3:.3f} ms/article without"
        f" extraction, {full / n * 1e3:.3f} with: extraction adds {(full - plain) / n * 1e3:.3f}"
        f" ms ({(full - plain) / plain:.0%})"
    )


def best_cpu(runs: list[tuple[Callable[[Any], object], Sequence[Any]]], rounds: int) -> list[float]:
    """For each (function, items), the least CPU seconds calling it on every item took in
    `rounds` rounds. Each round runs them all in turn, so that a stretch of other load on the
    machine weighs on all alike. Results are dropped at once, as a worker sends them off:
    kept, they would make the garbage collector's passes longer and longer."""
    best = [float("inf")] * len(runs)
    for _ in range(rounds):
        for i, (run, items) in enumerate(runs):
            started = time.process_time()
            for item in items:
                run(item)
            best[i] = min(best[i], time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="synthetic articles for speed")
    parser.add_argument("--verbose", action="store_true", help="list every miss and false hit")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--no-pages", action="store_true", help="skip bench/pages/")
    parser.add_argument("--no-search", action="store_true", help="pages: skip search MRR")
    parser.add_argument("--rounds", type=int, default=3, help="speed: best CPU time of R runs")
    args = parser.parse_args()
    evaluate(args.verbose)
    if not args.no_pages:
        evaluate_pages(args.verbose, not args.no_search)
    if not args.no_speed:
        speed(args.articles, args.rounds)


if __name__ == "__main__":
    main()
