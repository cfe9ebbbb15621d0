"""Reading the case library: one article with what was extracted from it, and case cards.

Stored codes become names here (the store knows codes, the gazetteer names), so the CLI,
the bot and the JSON output all show the same objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.extract.topics import keywords
from bot.places import Gazetteer, get_gazetteer
from bot.store import Store
from bot.store import sources as sources_db


class UnknownPlace(ValueError):
    """A --place filter that names no division; the message is for the user."""


async def article_detail(
    store: Store, article_id: int, *, with_keywords: bool = True
) -> dict[str, Any] | None:
    """The article object of `casebot articles --json` with its text, places, cases,
    figures, topics and keywords (empty without `with_keywords`: they cost a TF-IDF table
    in memory, and the chat view does not show them); None if there is no such article."""
    found = await store.articles_by_id([article_id])
    if article_id not in found:
        return None
    article = found[article_id]
    stored = await store.article_extraction(article_id)
    gazetteer = get_gazetteer()
    return {
        **article,
        "places": _places(stored, gazetteer),
        "cases": [case_object(row, gazetteer) for row in stored["cases"]],
        "figures": [_figure(f) for f in stored["figures"]],
        "topics": [t["topic"] for t in stored["topics"]],
        "keywords": keywords(f"{article['title']}\n{article['text']}") if with_keywords else [],
        "urls": await sources_db.urls_of(store, article_id),  # read from the web, if it was
    }


async def find_cases(
    store: Store, *, place: str | None = None, topic: str | None = None, limit: int = 50
) -> list[CaseCard]:
    gazetteer = get_gazetteer()
    codes = place_codes(place, gazetteer) if place else []
    rows = await store.list_cases(place_codes=codes, topic=topic, limit=limit)
    return [case_object(row, gazetteer) for row in rows]


def place_codes(name: str, gazetteer: Gazetteer) -> list[str]:
    """Codes of the divisions a user's place filter names (赤峰, 锡盟, 150423); every reading of
    an ambiguous name (杭锦 → 杭锦旗 and 杭锦后旗)."""
    name = name.strip()
    if name in gazetteer.divisions:
        return [name]
    codes = gazetteer.codes_named(name)
    if not codes:
        raise UnknownPlace(
            f"未找到地名“{name}”，请使用盟市、旗县区或苏木乡镇名称，如“赤峰”“巴林右旗”。"
        )
    return sorted(codes)


@dataclass(frozen=True)
class Speaker:
    name: str
    title: str  # as written before the name (旗委书记)


@dataclass(frozen=True)
class CaseCard:
    """A case as staff read it, and as `--json` prints it (the case object)."""

    case_id: int
    article_id: int
    title: str  # the article's
    date: str  # the article's
    actor: str
    place: str | None  # the place's name as the article wrote it
    place_code: str | None
    chain: list[str]  # the divisions' names from its 盟市 down to the place, as people say them
    official_place: str | None  # the register's name of the place's division
    prefecture: str | None
    practice: str
    summary: str
    figures: list[dict[str, Any]]  # {"text", "value", "unit", "counts"}
    speaker: Speaker | None
    topics: list[str]
    paragraphs: list[int]  # first and last paragraph of the article it spans


def case_object(row: dict[str, Any], gazetteer: Gazetteer) -> CaseCard:
    code = row["place"]
    speaker = row["speaker_name"] and Speaker(row["speaker_name"], row["speaker_title"])
    return CaseCard(
        case_id=row["case_id"],
        article_id=row["article_id"],
        title=row["title"],
        date=row["date"],
        actor=row["actor"],
        place=row["place_name"],
        place_code=code,
        chain=gazetteer.display_chain(code) if code else [],
        official_place=_official(code, gazetteer),
        prefecture=_name(row["prefecture"], gazetteer),
        practice=row["practice"],
        summary=row["summary"],
        figures=json.loads(row["figures"]),
        speaker=speaker or None,
        topics=json.loads(row["topics"]),
        paragraphs=[row["first_paragraph"], row["last_paragraph"]],
    )


def _places(stored: dict[str, list[dict[str, Any]]], gazetteer: Gazetteer) -> list[dict[str, Any]]:
    """Resolved divisions first (primary ones first, from the 盟市 down: the store's order),
    then inferred, ambiguous and outside names, each once."""
    out = [
        {
            "name": gazetteer.display_name(p["code"]),
            "official_name": gazetteer.divisions[p["code"]].name,
            "code": p["code"],
            "level": p["level"],
            "prefecture": _name(p["prefecture"], gazetteer),
            "primary": bool(p["is_primary"]),
            "inferred": False,
            "ambiguous": False,
            "mentions": p["mentions"],
        }
        for p in stored["places"]
    ]
    seen: set[str] = set()
    for m in stored["mentions"]:
        if m["code"] or m["name"] in seen:
            continue
        seen.add(m["name"])
        out.append(
            {
                "name": m["name"],
                "code": None,
                "level": m["level"],
                "prefecture": _name(m["prefecture"], gazetteer),
                "primary": False,
                "inferred": bool(m["inferred"]),
                "ambiguous": bool(m["ambiguous"]),
                "parent": _name(m["parent"], gazetteer),
                "candidates": m["candidates"],
            }
        )
    return out


def figure_text(f: dict[str, Any]) -> str:
    """A figure as staff read it: what it counts, then the number (`132 个党建引领…`)."""
    return (
        f"{f['counts']} {f['text']}" if f["counts"] and f["counts"] not in f["text"] else f["text"]
    )


def _figure(f: dict[str, Any]) -> dict[str, Any]:
    return {k: f[k] for k in ("text", "value", "unit", "counts", "paragraph")}


def _name(code: str | None, gazetteer: Gazetteer) -> str | None:
    return gazetteer.display_name(code) if code in gazetteer.divisions else None


def _official(code: str | None, gazetteer: Gazetteer) -> str | None:
    return gazetteer.divisions[code].name if code in gazetteer.divisions else None
