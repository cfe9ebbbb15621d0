"""A synthetic corpus for the benchmarks: seed sentences recombined, with place names swapped.

The five seed pages are cut into sentences; every synthetic article is a title, a byline and
4-12 paragraphs of random seed sentences in which place names are swapped for random names
from the gazetteer. One sentence per article carries a unique number (`第N批`) so that exact
duplicate detection keeps it; about 1% of the articles are exact reposts of a recent one and
1% near-duplicates (a few characters changed), so deduplication is exercised too.
Pages are markdown files the splitter understands. Output is deterministic for a seed.

    python bench/synth.py OUT --articles 100000
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import default_data_dir
from bot.ingest.normalize import remove_cjk_spaces, remove_invisible, undouble, unify_punctuation
from bot.text import HAN

REPOST_SHARE = 0.01
NEAR_DUPLICATE_SHARE = 0.01
NEAR_DUPLICATE_EDITS = 4  # characters changed in a near-duplicate
RECENT_ARTICLES = 5_000  # reposts copy one of these last articles (keeps memory flat)
SWAP_PROBABILITY = 0.7  # chance that a place name in a seed sentence is replaced
PLACE_MIN_LENGTH = 3  # shorter names match ordinary words too often
SENTENCE_LENGTH = (10, 100)
PARAGRAPHS = (4, 12)
SENTENCES_PER_PARAGRAPH = (2, 5)
TITLE_PHRASE_LENGTH = (4, 8)
LEVELS = ("prefecture", "county", "township", "village")
TITLE_LEVELS = ("county", "county", "township", "village")
TITLE_DANGLING = "的地得和与及把被"  # a headline does not end on these (see bot/ingest/split.py)

# Committee suffixes of village-level names, as articles write the place instead.
VILLAGE_SUFFIXES = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("社区委员会", "社区"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
    ("村民委员会", "村"),
    ("村委会", "村"),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜程苏"
GIVEN = "明华英建国军平志伟芳秀丽敏静磊强洋勇艳杰娟涛超霞刚桂玉红海宏晶鑫宇佳慧婷雪琳博文"
MARKERS = (
    "{place}第{n}批党员先锋岗近日挂牌成立。",
    "截至目前，{place}已组织第{n}批党员干部深入基层开展志愿服务。",
    "日前，{place}第{n}批“党建+”联建共建项目正式启动。",
    "{place}近日举办第{n}批基层党组织书记专题培训班。",
)
EDIT_CHARS = "党建民村社区工作发展服务组织群众乡镇产业振兴治理"

_PARA_BREAK = re.compile("\u3000{2,}")
_BLOCK_BREAK = re.compile(r"\n\s*\n")
_SENTENCE = re.compile(r"[^。！？]+[。！？]+[”’」』]?")
_CLAUSE = re.compile(r"[，、；：。！？“”‘’《》（）]")
_HAN_ONLY = re.compile(f"^[{HAN}]+$")
_HAN_CHAR = re.compile(f"[{HAN}]")


@dataclass(frozen=True)
class Slot:
    """A place name inside a seed sentence, which may be swapped for another of its level."""

    name: str
    level: str


Piece = str | Slot


@dataclass(frozen=True)
class Seeds:
    sentences: list[list[Piece]]  # seed sentences cut around their place names
    phrases: list[str]  # short Han clauses for titles
    places: dict[str, list[str]]  # level -> names


@dataclass(frozen=True)
class Article:
    title: str
    authors: list[str]
    paragraphs: list[str]

    def markdown(self) -> str:
        body = "\n\n".join(self.paragraphs)
        return f"# {self.title}\n\n□本报记者 {' '.join(self.authors)}\n\n{body}\n"


# --- seeds --------------------------------------------------------------------------


def seed_sentences(sample_dir: Path) -> list[str]:
    """Sentences of the seed pages: letter spacing removed, wrapped lines joined."""
    sentences: list[str] = []
    for path in sorted(sample_dir.glob("*.txt")):
        text = _PARA_BREAK.sub("\n\n", path.read_text(encoding="utf-8"))
        for block in _BLOCK_BREAK.split(text):
            joined = "".join(_clean_line(line) for line in block.splitlines())
            sentences += [s for s in _SENTENCE.findall(joined) if _usable(s)]
    return list(dict.fromkeys(sentences))


def _clean_line(line: str) -> str:
    text = remove_invisible(line).strip().lstrip("#").strip()
    return remove_cjk_spaces(unify_punctuation(undouble(text)))


def _usable(sentence: str) -> bool:
    low, high = SENTENCE_LENGTH
    balanced = sentence.count("“") == sentence.count("”")
    return low <= len(sentence) <= high and balanced


def title_phrases(sentences: list[str]) -> list[str]:
    low, high = TITLE_PHRASE_LENGTH
    clauses = (c for s in sentences for c in _CLAUSE.split(s))
    found = [
        c
        for c in clauses
        if low <= len(c) <= high and _HAN_ONLY.match(c) and c[-1] not in TITLE_DANGLING
    ]
    return sorted(set(found))


def load_places(divisions_csv: Path) -> dict[str, list[str]]:
    """Names by level; village committees under the name articles use (`…村`, `…社区`)."""
    places: dict[str, set[str]] = {level: set() for level in LEVELS}
    with open(divisions_csv, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["level"] in places:
                places[row["level"]].add(_place_name(row["name"], row["level"]))
    return {
        level: sorted(n for n in names if len(n) >= PLACE_MIN_LENGTH)
        for level, names in places.items()
    }


def _place_name(name: str, level: str) -> str:
    if level == "village":
        for suffix, replacement in VILLAGE_SUFFIXES:
            if name.endswith(suffix):
                return name[: -len(suffix)] + replacement
    return name


def with_slots(sentence: str, levels_by_name: dict[str, str]) -> list[Piece]:
    """The sentence cut around the place names it mentions (longest match first)."""
    longest = max(map(len, levels_by_name))
    pieces: list[Piece] = []
    start = i = 0
    while i < len(sentence):
        name = next(
            (
                sentence[i : i + n]
                for n in range(min(longest, len(sentence) - i), PLACE_MIN_LENGTH - 1, -1)
                if sentence[i : i + n] in levels_by_name
            ),
            None,
        )
        if name is None:
            i += 1
            continue
        pieces += [sentence[start:i], Slot(name, levels_by_name[name])]
        i = start = i + len(name)
    pieces.append(sentence[start:])
    return [p for p in pieces if p]


def load_seeds(data_dir: Path) -> Seeds:
    sentences = seed_sentences(data_dir / "sample")
    places = load_places(data_dir / "places" / "nmg_divisions.csv")
    levels_by_name = {name: level for level in LEVELS for name in places[level]}
    return Seeds(
        sentences=[with_slots(s, levels_by_name) for s in sentences],
        phrases=title_phrases(sentences),
        places=places,
    )


# --- articles -----------------------------------------------------------------------


class Generator:
    def __init__(self, seeds: Seeds, rng: random.Random) -> None:
        self.seeds = seeds
        self.rng = rng

    def place(self, levels: tuple[str, ...] = TITLE_LEVELS) -> str:
        return self.rng.choice(self.seeds.places[self.rng.choice(levels)])

    def render(self, pieces: list[Piece]) -> str:
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
            elif self.rng.random() < SWAP_PROBABILITY:
                out.append(self.rng.choice(self.seeds.places[piece.level]))
            else:
                out.append(piece.name)
        return "".join(out)

    def title(self) -> str:
        phrase = self.rng.choice(self.seeds.phrases)
        shape = self.rng.randrange(3)
        if shape == 0:
            return f"{self.place()} {phrase}"
        if shape == 1:
            return f"{self.place()}{phrase}"
        return f"{phrase} {self.rng.choice(self.seeds.phrases)}"

    def author(self) -> str:
        given = "".join(self.rng.choices(GIVEN, k=self.rng.randint(1, 2)))
        return self.rng.choice(SURNAMES) + given

    def article(self, number: int) -> Article:
        """A new article; `number` makes its text unique."""
        paragraphs = self.rng.randint(*PARAGRAPHS)
        sizes = [self.rng.randint(*SENTENCES_PER_PARAGRAPH) for _ in range(paragraphs)]
        # drawn without replacement: a repeated sentence would read as a photo caption
        picked = self.rng.sample(self.seeds.sentences, sum(sizes))
        sentences = [self.render(s) for s in picked]
        marker = self.rng.choice(MARKERS).format(place=self.place(), n=number)
        sentences.insert(self.rng.randrange(len(sentences)), marker)
        sizes[self.rng.randrange(paragraphs)] += 1
        body, start = [], 0
        for size in sizes:
            body.append("".join(sentences[start : start + size]))
            start += size
        authors = [self.author() for _ in range(self.rng.randint(1, 2))]
        return Article(self.title(), authors, body)

    def near_duplicate(self, original: Article) -> Article:
        """The original with a few Han characters changed."""
        paragraphs = list(original.paragraphs)
        for _ in range(NEAR_DUPLICATE_EDITS):
            k = self.rng.randrange(len(paragraphs))
            text = paragraphs[k]
            positions = [m.start() for m in _HAN_CHAR.finditer(text)]
            i = self.rng.choice(positions)
            text = text[:i] + self.rng.choice(EDIT_CHARS) + text[i + 1 :]
            paragraphs[k] = text
        return Article(original.title, original.authors, paragraphs)

    def next_article(self, number: int, recent: Sequence[Article]) -> Article:
        """A new article, or (sometimes) a repost or near-duplicate of a recent one."""
        roll = self.rng.random()
        if recent and roll < REPOST_SHARE + NEAR_DUPLICATE_SHARE:
            original = self.rng.choice(recent)
            return original if roll < REPOST_SHARE else self.near_duplicate(original)
        return self.article(number)


def generate(
    out_dir: Path, n_articles: int = 100_000, per_file: int = 10, seed: int = 1
) -> list[Path]:
    """Write `n_articles` articles, `per_file` to a markdown page; the page paths in order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    generator = Generator(load_seeds(default_data_dir()), random.Random(seed))
    recent: deque[Article] = deque(maxlen=RECENT_ARTICLES)  # earlier pages only
    paths: list[Path] = []
    for first in range(0, n_articles, per_file):
        count = min(per_file, n_articles - first)
        page = [generator.next_article(first + k + 1, recent) for k in range(count)]
        path = out_dir / f"page_{len(paths) + 1:06d}.md"
        path.write_text("\n".join(a.markdown() for a in page), encoding="utf-8")
        recent.extend(page)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the markdown pages")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--per-file", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    paths = generate(args.out, args.articles, args.per_file, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} files, {args.articles} articles, {size / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
