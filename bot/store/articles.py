"""The SQL of articles: what ingest and reindex write (files, articles, their index rows
and extraction) and the reads of articles and what was extracted from them."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from bot.extract.model import Case, Extraction
from bot.store.base import StoreBase, _json, _marks, _under


@dataclass(frozen=True)
class StoredArticle:
    """An article row ready to insert; ids are assigned inside the write transaction."""

    seq: int
    title: str
    subtitle: str | None
    authors: list[str]
    column: str | None
    date: str
    date_origin: str
    original_text: str
    text: str
    script: str
    fingerprint: str
    paragraphs: list[tuple[int, int, str]]  # (start, end, kind) offsets into text
    captions: list[tuple[str, str | None]]
    sketch: list[int]
    # FTS columns (words, grams) and the Han character set; None for a near-duplicate
    index: tuple[str, str, str, str, str] | None
    duplicate_of: int | None = None
    similarity: float | None = None
    extraction: ExtractionRows | None = None  # None for a near-duplicate, or not extracted


class ArticleQueries(StoreBase):
    async def _new_article_ids(self, n: int) -> Sequence[int]:
        """Ids for `n` new articles, in ascending order (newer articles have larger ids:
        search takes the newest candidates by id)."""
        raise NotImplementedError

    async def known_fingerprints(self, fingerprints: Sequence[str]) -> set[str]:
        rows = await self.conn.execute_fetchall(
            f"SELECT fingerprint FROM articles WHERE fingerprint IN ({_marks(fingerprints)})",
            fingerprints,
        )
        return {r[0] for r in rows}

    async def sketch_matches(self, keys: Sequence[int]) -> dict[int, list[int]]:
        """For each sketch band key, the stored originals that share it."""
        if not keys:
            return {}
        rows = await self.conn.execute_fetchall(
            f"SELECT hash, article_id FROM article_sketch WHERE hash IN ({_marks(keys)})", keys
        )
        found: dict[int, list[int]] = {}
        for key, article_id in rows:
            found.setdefault(key, []).append(article_id)
        return found

    async def article_texts(self, ids: Iterable[int]) -> dict[int, str]:
        ids = list(ids)
        if not ids:
            return {}
        rows = await self.conn.execute_fetchall(
            f"SELECT id, text FROM articles WHERE id IN ({_marks(ids)})", ids
        )
        return {r[0]: r[1] for r in rows}

    async def add_file(self, file: dict[str, Any], articles: Sequence[StoredArticle]) -> int:
        """Store one source file with its articles, in the caller's transaction."""
        ((file_id,),) = await self.conn.execute_fetchall(
            "INSERT INTO source_files (path, name, sha256, format, encoding, size, source, url,"
            " ingested_at) VALUES (:path, :name, :sha256, :format, :encoding, :size, :source,"
            " :url, :ingested_at) RETURNING id",
            file,
        )
        ids = await self._new_article_ids(len(articles))
        now = file["ingested_at"]
        await self.conn.executemany(
            "INSERT INTO articles (id, file_id, seq, title, subtitle, authors, column_name, date,"
            " date_origin, original_text, text, script, fingerprint, duplicate_of, similarity,"
            " created_at, extract_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    file_id,
                    a.seq,
                    a.title,
                    a.subtitle,
                    _json(a.authors),
                    a.column,
                    a.date,
                    a.date_origin,
                    a.original_text,
                    a.text,
                    a.script,
                    a.fingerprint,
                    a.duplicate_of,
                    a.similarity,
                    now,
                    a.extraction.version if a.extraction else 0,
                )
                for i, a in zip(ids, articles, strict=True)
            ],
        )
        await self.conn.executemany(
            'INSERT INTO paragraphs (article_id, idx, start, "end", kind) VALUES (?, ?, ?, ?, ?)',
            [
                (i, n, s, e, k)
                for i, a in zip(ids, articles, strict=True)
                for n, (s, e, k) in enumerate(a.paragraphs)
            ],
        )
        await self.conn.executemany(
            "INSERT INTO captions (article_id, text, credit) VALUES (?, ?, ?)",
            [(i, t, c) for i, a in zip(ids, articles, strict=True) for t, c in a.captions],
        )
        originals = [(i, a) for i, a in zip(ids, articles, strict=True) if a.index is not None]
        await self.conn.executemany(
            "INSERT INTO article_sketch (hash, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(h, i) for i, a in originals for h in a.sketch],
        )
        await self.index_articles([(i, a.index) for i, a in originals if a.index])
        await self.write_extractions(
            [(i, a.extraction) for i, a in originals if a.extraction], fresh=True
        )
        return file_id

    async def earlier_versions(self, path: str, size: int) -> list[tuple[int, int, str]]:
        """(file id, size, sha256) of files stored from `path` that were shorter."""
        rows = await self.conn.execute_fetchall(
            "SELECT id, size, sha256 FROM source_files WHERE path = ? AND size < ?", (path, size)
        )
        return [(i, n, h) for i, n, h in rows]

    async def replaced_articles(
        self, file_ids: Sequence[int], keep: Iterable[tuple[str, str]]
    ) -> list[tuple[int, str, str, bool]]:
        """(id, title, text, indexed) of the articles of these files whose (fingerprint,
        title) is not in `keep` and that no other article names as its original: what a
        longer version of the files replaces (a title cut short has its body's
        fingerprint)."""
        kept = set(keep)
        rows = await self.conn.execute_fetchall(
            "SELECT a.id, a.fingerprint, a.title, a.text, a.duplicate_of IS NULL FROM articles a"
            f" WHERE a.file_id IN ({_marks(file_ids)})"
            " AND NOT EXISTS (SELECT 1 FROM articles d WHERE d.duplicate_of = a.id)",
            list(file_ids),
        )
        return [(i, t, x, bool(o)) for i, f, t, x, o in rows if (f, t) not in kept]

    async def write_extractions(
        self, items: Sequence[tuple[int, ExtractionRows]], *, fresh: bool = False
    ) -> None:
        """Replace what was extracted from these articles, in the caller's transaction
        (`fresh`: the articles were just added with their extract_version, there is nothing
        to replace)."""
        await self._edited()
        if not items:
            return
        if not fresh:
            await self.clear_extractions([i for i, _ in items])
            await self.conn.executemany(
                "UPDATE articles SET extract_version = ? WHERE id = ?",
                [(x.version, i) for i, x in items],
            )
        for sql, values in zip(_EXTRACTION_INSERTS, _extraction_values(items), strict=True):
            await self.conn.executemany(sql, values)
        ids = [i for i, _ in items]
        originals = await self.conn.execute_fetchall(
            f"SELECT id, date FROM articles WHERE id IN ({_marks(ids)}) AND duplicate_of IS NULL",
            ids,
        )
        await self.conn.executemany(
            "INSERT INTO stat_counts (topic, code, date, articles, cases) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (topic, code, date) DO UPDATE"
            " SET articles = stat_counts.articles + excluded.articles,"
            " cases = stat_counts.cases + excluded.cases",
            stat_additions(items, dict(originals)),
        )

    async def clear_extractions(self, ids: Sequence[int]) -> None:
        """Delete what was extracted from these articles, in the caller's transaction; the
        delete triggers take their counts out of stat_counts under the articles' dates as
        they are now (topics last: the place and case triggers read them)."""
        await self._edited()
        rows = [(i,) for i in ids]
        for table in ("article_extracts", "article_places", "cases", "article_topics"):
            await self.conn.executemany(f"DELETE FROM {table} WHERE article_id = ?", rows)

    async def stale_extractions(self, version: int, *, everything: bool) -> list[int]:
        """Original articles whose extraction is older than `version` (or all of them)."""
        rows = await self.conn.execute_fetchall(
            "SELECT id FROM articles WHERE duplicate_of IS NULL AND (? OR extract_version < ?)"
            " ORDER BY id",
            (everything, version),
        )
        return [r[0] for r in rows]

    async def article_titles_texts(self, ids: Sequence[int]) -> list[tuple[int, str, str]]:
        rows = await self.conn.execute_fetchall(
            f"SELECT id, title, text FROM articles WHERE id IN ({_marks(ids)}) ORDER BY id", ids
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def list_articles(self) -> list[dict[str, Any]]:
        """Every stored article in file order."""
        return await self._article_rows("ORDER BY a.file_id, a.seq")

    async def articles_by_id(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        rows = await self._article_rows(f"WHERE a.id IN ({_marks(ids)})", ids, with_text=True)
        return {r["article_id"]: r for r in rows}

    async def _article_rows(
        self, tail: str, params: Sequence[Any] = (), *, with_text: bool = False
    ) -> list[dict[str, Any]]:
        text = ", a.text, a.script" if with_text else ""
        rows = await self.conn.execute_fetchall(
            "SELECT a.id, a.title, a.subtitle, a.authors, a.column_name, a.date, f.name,"
            f" f.source, f.url, a.duplicate_of{text} FROM articles a"
            f" JOIN source_files f ON f.id = a.file_id {tail}",
            params,
        )
        keys = [
            "article_id",
            "title",
            "subtitle",
            "authors",
            "column",
            "date",
            "source_file",
            "source",
            "url",
            "duplicate_of",
        ] + (["text", "script"] if with_text else [])
        out = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            item["authors"] = json.loads(item["authors"])
            out.append(item)
        return out

    async def article_extraction(self, article_id: int) -> dict[str, list[dict[str, Any]]]:
        """The stored extraction of one article: places, mentions, figures, cases, topics."""
        queries = {
            "places": "SELECT code, level, prefecture, is_primary, mentions FROM article_places"
            f" WHERE article_id = ? ORDER BY {_PLACE_ORDER}",
            "cases": f"{_CASES} WHERE c.article_id = ? ORDER BY c.seq",
            "topics": "SELECT topic FROM article_topics WHERE article_id = ? ORDER BY rank",
        }
        stored = {key: await self._dicts(sql, (article_id,)) for key, sql in queries.items()}
        for place in stored["places"]:  # 1 or 0 in --json, as SQLite stores it
            place["is_primary"] = int(place["is_primary"])
        rows = await self.conn.execute_fetchall(
            "SELECT mentions, figures FROM article_extracts WHERE article_id = ?", (article_id,)
        )
        mentions, figures = rows[0] if rows else ("[]", "[]")
        return {
            **stored,
            "mentions": [dict(zip(_MENTION_FIELDS, m, strict=True)) for m in json.loads(mentions)],
            "figures": [dict(zip(_FIGURE_FIELDS, f, strict=True)) for f in json.loads(figures)],
        }

    async def list_cases(
        self, *, place_codes: Sequence[str] = (), topic: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Cases, newest article first; `place_codes` keeps those in any of these divisions
        (a division's code prefixes its descendants'), `topic` those tagged with it."""
        where, params = ["a.duplicate_of IS NULL"], []
        if place_codes:
            under, under_params = _under(place_codes, "c.place")
            where.append(under)
            params += under_params
        if topic:
            # c.topics is a JSON array of names from data/topics.toml: the quoted name is in
            # it exactly when the case has the topic.
            where.append("c.topics LIKE ?")
            params.append(f"%{_json(topic)}%")
        sql = f"{_CASES} WHERE {' AND '.join(where)} ORDER BY a.date DESC, c.id LIMIT ?"
        return await self._dicts(sql, (*params, limit))

    async def count_articles(self) -> int:
        ((n,),) = await self.conn.execute_fetchall("SELECT count(*) FROM articles")
        return n

    async def article_places_of(self, ids: Sequence[int]) -> dict[int, list[tuple[str, bool]]]:
        """(code, is_primary) of the places each article names, primary ones first (from the
        盟市 down), then the most mentioned."""
        rows = await self.conn.execute_fetchall(
            f"SELECT article_id, code, is_primary FROM article_places WHERE article_id IN"
            f" ({_marks(ids)}) ORDER BY article_id, {_PLACE_ORDER}",
            ids,
        )
        out: dict[int, list[tuple[str, bool]]] = {i: [] for i in ids}
        for article_id, code, primary in rows:
            out[article_id].append((code, bool(primary)))
        return out

    async def topics_of(self, ids: Sequence[int]) -> dict[int, list[str]]:
        rows = await self.conn.execute_fetchall(
            f"SELECT article_id, topic FROM article_topics WHERE article_id IN ({_marks(ids)})"
            " ORDER BY article_id, rank",
            ids,
        )
        out: dict[int, list[str]] = {}
        for article_id, topic in rows:
            out.setdefault(article_id, []).append(topic)
        return out

    async def cases_of(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        return await self._dicts(
            f"{_CASES} WHERE c.article_id IN ({_marks(ids)}) ORDER BY c.article_id, c.seq", ids
        )

    async def figures_of(self, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The key figures of several articles at once (a digest reads some fifty)."""
        rows = await self.conn.execute_fetchall(
            f"SELECT article_id, figures FROM article_extracts WHERE article_id IN ({_marks(ids)})",
            ids,
        )
        return {
            article_id: [dict(zip(_FIGURE_FIELDS, f, strict=True)) for f in json.loads(figures)]
            for article_id, figures in rows
        }

    async def duplicate_counts(self, ids: Sequence[int]) -> dict[int, int]:
        """How many stored near-duplicates each of these articles has."""
        rows = await self.conn.execute_fetchall(
            f"SELECT duplicate_of, count(*) FROM articles WHERE duplicate_of IN ({_marks(ids)})"
            " GROUP BY duplicate_of",
            ids,
        )
        return {r[0]: r[1] for r in rows}


# An article's places: its primary chain from the 盟市 down (codes nest, so a shorter code is
# a higher level), then the places it mentions most, ties by code (SQLite met them in key
# order without being told, PostgreSQL in whatever order its rows lie).
_PLACE_ORDER = "is_primary DESC, CASE WHEN is_primary THEN length(code) END, mentions DESC, code"

_CASES = (
    "SELECT c.id AS case_id, c.article_id, a.title, a.date, c.actor, c.place, c.place_name,"
    " c.prefecture, c.practice, c.summary, c.speaker_name, c.speaker_title, c.first_paragraph,"
    " c.last_paragraph, c.figures, c.topics FROM cases c JOIN articles a ON a.id = c.article_id"
)


# article_extracts holds mentions and figures as JSON arrays of these fields, in this order.
_MENTION_FIELDS = (
    "name", "code", "level", "prefecture", "parent", "paragraph", "start", "end", "inferred",
    "ambiguous", "candidates",
)  # fmt: skip


_FIGURE_FIELDS = ("text", "value", "unit", "counts", "paragraph", "start", "end")


# One C call per object instead of a getattr per field: rows are built for every article.
_MENTION_VALUES = attrgetter(*_MENTION_FIELDS)


_FIGURE_VALUES = attrgetter(*_FIGURE_FIELDS)


@dataclass(frozen=True, slots=True)
class ExtractionRows:
    """An article's extraction as the values of its rows, without the article id. Built
    in the ingest workers: plain tuples cross the process boundary far more cheaply than
    the extraction's objects, and the single writer only binds them."""

    mentions: str  # JSON, as in article_extracts
    figures: str
    places: list[tuple[Any, ...]]
    cases: list[tuple[Any, ...]]
    topics: list[str]
    version: int


def extraction_rows(x: Extraction, version: int) -> ExtractionRows:
    return ExtractionRows(
        mentions=_json(list(map(_MENTION_VALUES, x.mentions))),
        figures=_json(list(map(_FIGURE_VALUES, x.figures))),
        places=[(p.code, p.level, p.prefecture, p.primary, p.mentions) for p in x.places],
        cases=[_case_row(seq, c) for seq, c in enumerate(x.cases)],
        topics=list(x.topics),
        version=version,
    )


def _case_row(seq: int, c: Case) -> tuple[Any, ...]:
    speaker = c.speaker
    return (
        seq, c.actor, c.place, c.place_name, c.prefecture, c.practice, c.summary,
        speaker.name if speaker else None, speaker.title if speaker else None,
        c.paragraphs[0], c.paragraphs[1], _json([_figure_json(f) for f in c.figures]),
        _json(c.topics),
    )  # fmt: skip


_CASE_PLACE = 2  # in a row of _case_row: the code of the case's place


_EXTRACTION_INSERTS = (
    "INSERT INTO article_extracts (article_id, mentions, figures) VALUES (?, ?, ?)",
    "INSERT INTO article_places (article_id, code, level, prefecture, is_primary, mentions)"
    " VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO cases (article_id, seq, actor, place, place_name, prefecture, practice,"
    " summary, speaker_name, speaker_title, first_paragraph, last_paragraph, figures, topics)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO article_topics (article_id, rank, topic) VALUES (?, ?, ?)",
)


def _extraction_values(items: Sequence[tuple[int, ExtractionRows]]) -> list[list[tuple[Any, ...]]]:
    """The values for each of _EXTRACTION_INSERTS, in that order."""
    return [
        [(i, x.mentions, x.figures) for i, x in items],
        [(i, *row) for i, x in items for row in x.places],
        [(i, *row) for i, x in items for row in x.cases],
        [(i, r, t) for i, x in items for r, t in enumerate(x.topics)],
    ]


def stat_additions(
    items: Sequence[tuple[int, ExtractionRows]], dates: dict[int, str]
) -> list[tuple[str, str, str, int, int]]:
    """What these articles add to stat_counts, as (topic, code, date, articles, cases), by the
    rules of migration 0008: an original article (one with a date in `dates`) counts once at
    each of its primary places and each case with a place counts there, under topic '' and
    under each of the article's topics. Near-duplicates never count."""
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for article_id, x in items:
        if (date := dates.get(article_id)) is None:
            continue
        primary = [code for code, _level, _prefecture, is_primary, _n in x.places if is_primary]
        cases = Counter(row[_CASE_PLACE] for row in x.cases if row[_CASE_PLACE] is not None)
        for topic in ("", *x.topics):
            for code in primary:
                sums[topic, code, date][0] += 1
            for code, n in cases.items():
                sums[topic, code, date][1] += n
    return [(*key, articles, cases) for key, (articles, cases) in sums.items()]


def _figure_json(f: Any) -> dict[str, Any]:
    return {"text": f.text, "value": f.value, "unit": f.unit, "counts": f.counts}
