"""Extraction quality against the hand annotation, and the extractor's speed.

Quality: bench/annotations/seeds.toml holds, for each seed article, the divisions it names,
its primary places and its cases. Places are scored as sets per article (resolved codes plus
inferred names), micro-averaged; a predicted case matches a gold case of the same article
when one of the gold `match` strings occurs in its practice or summary (one-to-one).

Speed: the place matcher alone (mentions/s, articles/s, MB/s), the whole extraction
(articles/s, CPU ms per article; a page's articles at a time, as ingest reads them) and
what it adds to an ingest worker's CPU per article (prepare_articles on each page with and
without it, the share the ingest budget limits), on N synthetic articles (bench/synth.py,
the ingest benchmark's corpus); CPU time, best of R rounds.

    python bench/extract_eval.py                # quality on the seeds + speed on 10k
    python bench/extract_eval.py --articles 2000 --rounds 5
    python bench/extract_eval.py --verbose      # every miss and false hit
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest_bench import corpus

from bot.extract.article import extract_article, extract_articles
from bot.extract.model import Extraction
from bot.extract.places import get_place_matcher
from bot.ingest.pipeline import prepare_articles
from bot.ingest.readers import read_document
from bot.ingest.split import split_page

ANNOTATIONS = ROOT / "bench" / "annotations" / "seeds.toml"
SAMPLE = ROOT / "data" / "sample"
TARGETS = {"places F1": 0.95, "cases recall": 0.85}


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
    return set(a["places"]) | {i["name"] for i in a.get("inferred", [])}


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
            missed.append(f"{g['actor']} → {g['practice']}")
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
    print(f"  places: {places.gold} gold, {places.predicted} predicted, {places.hits} right")
    print(f"  cases:  {cases.gold} gold, {cases.predicted} predicted, {cases.hits} matched")
    for name, value in figures.items():
        target = f"  (target ≥ {TARGETS[name]:.2f})" if name in TARGETS else ""
        print(f"  {name:18} {value:.3f}{target}")
    return figures


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
    parser.add_argument("--rounds", type=int, default=3, help="speed: best CPU time of R runs")
    args = parser.parse_args()
    evaluate(args.verbose)
    if not args.no_speed:
        speed(args.articles, args.rounds)


if __name__ == "__main__":
    main()
