"""Split one decoded newspaper page into normalised articles.

A page goes through small steps, each a pure function:

1. `_explode`: raw text → numbered lines (`　　` inside a line is a paragraph break);
2. `_read_line`: clean one line and classify it (blank, column, byline, credit, text);
3. `_units`: group text lines into paragraphs and headings, using the page's line width;
4. `_fix_units`: rejoin sentences that a heading or a blank line cut in two;
5. `_assemble_normal` / `_assemble_flipped`: turn the units into articles, for pages printed
   title-first or (seed 004) title-after-body;
6. `_finish`: captions, fallback titles and the raw text each article came from.

Everything here is heuristic: a PDF text layer keeps no structure, so rules read layout
the way an editor would (a short line without punctuation is a heading, a sentence that
does not end continues after a blank line, …). Each rule says why it holds.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise
from pathlib import Path

from bot.config import default_data_dir
from bot.ingest.model import ArticleDraft, Caption, Paragraph
from bot.ingest.normalize import (
    compact_text,
    remove_cjk_spaces,
    remove_invisible,
    remove_pinyin,
    strip_markdown,
    undouble,
    unify_punctuation,
)
from bot.ingest.webpage import (
    PageMeta,
    is_frame,
    is_related_heading,
    is_site_name,
    lead_byline,
    merge_meta,
    read_meta,
)
from bot.text import HAN, to_simplified

BLANK, TEXT, COLUMN, BYLINE, END_BYLINE, CREDIT, META = (
    "blank", "text", "column", "byline", "end_byline", "credit", "meta"
)  # fmt: skip
HEADING, PARA = "heading", "para"

SENTENCE_END = "。！？…"
GOES_ON = "，、；：“‘（《—"
CLOSING_QUOTES = "”’」』"
HEADLINE_STOPS = set("。！？；：…!?;:")
HEADLINE_MAX = 30
# Explicit markup is strong evidence, so a markdown heading may be a little longer.
MARKDOWN_HEADLINE_MAX = 40
MAX_HEADLINE_LINES = 3
# A heading line is clearly shorter than the wrapped text lines around it, and much shorter
# than the lines of its own block when no blank line sets it apart from them.
SHORT_RATIO = 0.75
GLUED_SHORT_RATIO = 0.6
# A headline does not end on a particle that needs more words after it (`…群体”的`).
DANGLING = "的地得和与與及把被"
PLACE_NOUNS = tuple(
    "湿地 基地 阵地 园地 土地 草地 耕地 林地 绿地 高地 营地 圣地 各地 当地 本地 实地 大地 天地 "
    "福地 落地".split()
)
# Inside a hard-wrapped block, a line ending a sentence this much shorter than its
# neighbours is the last line of a paragraph.
PARAGRAPH_END_RATIO = 0.8
WIDTH_WINDOW = 6
WIDTH_MIN_LINE = 8
FALLBACK_TITLE_MAX = 30
# A repeated tail longer than this is real text, not a PDF column-overlap artefact.
REPEATED_FRAGMENT_MAX = 4
CAPTION_GRAM = 4
CAPTION_CONTAINED = 0.8
# A page prints a few photos at most; the cap also bounds the work on list-like pages.
MAX_TRAILING_CAPTIONS = 5

COLUMN_MAX = 20
BYLINE_MARKS = "□◎●"
COLUMN_MARK = "■"
PHOTO_MARK = "摄"
# Longest first, so that 本报记者 goes before 记者 can match inside it.
ROLE_WORDS = (
    "本报通讯员",
    "本报记者",
    "见习记者",
    "特约记者",
    "摄影记者",
    "通讯员",
    "实习生",
    "记者",
)
MAX_CREDIT_TOKENS = 6
# A kicker (引题) above a title names the place or unit the story is about.
KICKER_MAX = 12
# A page of dated briefs (`9月12日，…` × 5) is that many articles.
MIN_BRIEFS = 3
# The common surnames: a line holding only names that start with one is an author line
# under a title (`王晓东`), where a short heading would otherwise be read.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申"
    "欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴"
    "蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席"
    "卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)

_PARA_BREAK = re.compile("\u3000{2,}")
_NAME = re.compile(f"^(?:[{HAN}]{{2,4}}|[{HAN}]{{1,6}}(?:[·・][{HAN}]{{1,6}})+)$")
_END_BYLINE = re.compile(f"^（([{HAN}]{{2,4}})）$")
_HAN_CHAR = re.compile(f"[{HAN}]")
_SERIES_NUMBER = re.compile("[\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]+$")
_PHOTO_LEAD = re.compile(f"(?:^|(?<=[{SENTENCE_END}]))图为")
_SENTENCE = re.compile(f"^.*?[{SENTENCE_END}]+[{CLOSING_QUOTES}]?")
# `孟庆华/文 高娃/图`, `文/图 王丽`: the slash ties a role to names.
_SLASH_ROLE = re.compile(
    r"[文图]\s*/\s*[文图]|(?:文字|摄影|文|图|摄)\s*/|/\s*(?:文字|摄影|文|图|摄)"
)
_KICKER = re.compile(
    f"^[{HAN}]{{2,10}}(?:高新区|开发区|园区|苏木|嘎查|社区|街道|旗|县|区|市|盟|镇|乡|村)$"
)
_NEWS_LEAD = re.compile(f"^(?:本报讯|[{HAN}]{{1,10}}讯[（(]|新华社[{HAN}]{{0,8}}电)")
_BRIEF = re.compile(r"^\d{1,2}月\d{1,2}日[，,]")


# --- data ------------------------------------------------------------------------------


@cache
def load_columns(path: Path | None = None) -> frozenset[str]:
    """Known column names from a `columns.txt` (one a line, `#` comments), as match keys."""
    source = path or default_data_dir() / "columns.txt"
    names = (line.split("#", 1)[0] for line in source.read_text(encoding="utf-8").splitlines())
    return frozenset(key for name in names if (key := _column_key(name)))


def _column_key(name: str) -> str:
    """Column names match whatever the script, spacing or series number (`⑦`)."""
    return _SERIES_NUMBER.sub("", to_simplified("".join(name.split())))


@dataclass(frozen=True)
class _Line:
    index: int  # the raw line it came from
    kind: str
    text: str = ""  # cleaned, spaces next to CJK removed; a column's name
    spaced: str = ""  # cleaned, the PDF's spaces kept: the halves of a headline need them
    level: int = 0  # markdown heading level
    names: tuple[str, ...] = ()  # a byline's authors or a photo credit's photographers
    width: float = 0.0  # typical length of the wrapped text lines around this one
    meta: PageMeta | None = None  # a metadata line's fields


@dataclass(frozen=True)
class _Unit:
    kind: str  # HEADING, PARA or a line kind other than BLANK and TEXT
    text: str
    first: int
    last: int
    names: tuple[str, ...] = ()  # byline authors; for a PARA or CREDIT the photographers
    meta: PageMeta | None = None


@dataclass
class _Article:
    title: str | None = None
    subtitle: str | None = None
    kicker: str | None = None
    column: str | None = None
    meta: PageMeta = field(default_factory=PageMeta)
    authors: list[str] = field(default_factory=list)
    signed: bool = False  # opened by a byline, as feature articles are
    paragraphs: list[Paragraph] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)
    photographers: list[str] = field(default_factory=list)
    first: int | None = None
    last: int | None = None
    original: str | None = None  # where it is not its raw lines (one brief of several)

    def take(self, unit: _Unit) -> None:
        """Record that `unit`'s raw lines belong to this article."""
        self.first = unit.first if self.first is None else min(self.first, unit.first)
        self.last = unit.last if self.last is None else max(self.last, unit.last)

    @property
    def has_body(self) -> bool:
        return bool(self.paragraphs)

    @property
    def is_blank(self) -> bool:
        return not (self.title or self.paragraphs or self.captions or self.authors)


# --- small text predicates ------------------------------------------------------------


def _ends_sentence(text: str) -> bool:
    return text.rstrip(CLOSING_QUOTES)[-1:] in tuple(SENTENCE_END)


def _is_name(token: str) -> bool:
    return bool(_NAME.match(token))


def _strip_roles(token: str) -> str:
    """`本报记者宋爽` → `宋爽`; role words are compared in simplified script."""
    simplified = to_simplified(token)
    for role in ROLE_WORDS:
        if simplified.startswith(role):
            return _strip_roles(token[len(role) :])
    return token


def _names(tokens: Sequence[str]) -> tuple[str, ...] | None:
    """The person names among role words, or None if any token is something else."""
    names = []
    for token in tokens:
        bare = _strip_roles(token)
        if not bare:
            continue
        if not _is_name(bare):
            return None
        names.append(bare)
    return tuple(names) or None


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _tidy_headline(spaced: str) -> str:
    """Keep the space between the halves of a headline (`锚定方向 聚力前行`), drop PDF
    letter-spacing (`锚 定 方 向`) and spaces next to numbers (`“15 分钟`)."""
    chunks = spaced.split()
    halves = len(chunks) > 1 and all(len(chunk) >= 2 for chunk in chunks)
    if halves and not any(_is_latin(a[-1]) or _is_latin(b[0]) for a, b in pairwise(chunks)):
        return " ".join(chunks)
    return remove_cjk_spaces(spaced)


def _is_headline(text: str, limit: int = HEADLINE_MAX) -> bool:
    """Headline-shaped: short, some Han text, and no sentence punctuation at all but the
    colon after a place or unit that web titles open with (`武汉市青山区：“红色物业”…`)."""
    core = text.replace(" ", "")
    stops = HEADLINE_STOPS.intersection(core)
    return (
        0 < len(core) <= limit
        and len(_HAN_CHAR.findall(core)) >= 2
        and (not stops or (stops == {"："} and _colon_title(core)))
        and core[-1] not in "，、（“‘《"
        and not _dangles(core)
    )


def _dangles(core: str) -> bool:
    """Does the line end on a particle that needs more words after it? 地 ends nouns too
    (湿地, 基地, 阵地)."""
    if core.endswith("地"):
        return not core.endswith(PLACE_NOUNS)
    return core[-1] in DANGLING


def _colon_title(core: str) -> bool:
    head, _, tail = core.partition("：")
    return 2 <= len(head) <= KICKER_MAX and "：" not in tail and len(tail) >= 4


def _headline_piece(text: str, last: bool) -> bool:
    """One line of a plain-text headline. Clause commas mark body text, except the comma
    that ends the first line of a two-line heading (`联建共建，` / `破解难题找到“最优解”`)."""
    core = text[:-1] if not last and text.endswith("，") else text
    return not any(c in "，、" for c in core) and _is_headline(core)


def _join(a: str, b: str) -> str:
    """Glue two pieces of a wrapped paragraph: Chinese has no spaces, Latin words do."""
    spaced = a[-1:].isascii() and a[-1:].isalpha() and b[:1].isascii() and b[:1].isalpha()
    return f"{a} {b}" if spaced else a + b


def _join_headline(parts: Sequence[str]) -> str:
    joined = parts[0]
    for part in parts[1:]:
        glued = joined[-1] in "，、：“‘《（" or part[0] in "，、：”’》）"
        joined = joined + part if glued else f"{joined} {part}"
    return joined


# --- 1-2. lines -----------------------------------------------------------------------


def _explode(raw_text: str) -> Iterator[tuple[int, str]]:
    for index, raw in enumerate(raw_text.splitlines()):
        for n, piece in enumerate(_PARA_BREAK.split(raw)):
            if n:
                yield index, ""
            yield index, piece


def _is_credit_token(token: str) -> bool:
    bare = _strip_roles(token)
    return not bare or _is_name(bare)


def _photo_credit(spaced: str) -> tuple[str, tuple[str, ...]] | None:
    """Split `…稳定。 牛鑫 章善玉 摄` into the text before the credit and the photographers.

    The text must end a sentence (or be empty: a credit line), so a sentence that merely
    ends in `…拍 摄` is left alone.
    """
    *text, mark = spaced.split() or [""]
    if not text or to_simplified(mark) != PHOTO_MARK:
        return None
    credit: list[str] = []
    while text and len(credit) < MAX_CREDIT_TOKENS and _is_credit_token(text[-1]):
        credit.insert(0, text.pop())
    if text and not _ends_sentence(text[-1]):
        # a name glued to the sentence before it: `…好转。王鑫 摄`
        sentence, stop, name = text[-1].rpartition("。")
        if not (stop and _is_name(name)):
            return None
        text[-1] = sentence + stop
        credit.insert(0, name)
    names = _names(credit)
    return (" ".join(text), names) if names else None


def _column_name(spaced: str, columns: frozenset[str]) -> str | None:
    if len(spaced) > COLUMN_MAX:
        return None
    if spaced.startswith(COLUMN_MARK):
        name = _tidy_headline(spaced[1:].strip())
        return name if _is_headline(name) or _column_key(name) in columns else None
    return _tidy_headline(spaced) if _column_key(spaced) in columns else None


def _byline(spaced: str) -> tuple[str, ...] | None:
    """The authors of a byline line: marked (`□本报记者 宋爽`, `●本报记者 孟庆华/文 高娃/图`),
    with roles tied by slashes (`文/王丽`), or opened by a role word (`记者 张丽 通讯员 马俊`)."""
    marked = spaced[0] in BYLINE_MARKS
    body = spaced[1:] if marked else spaced
    unslashed = _SLASH_ROLE.sub(" ", body)
    tokens = [t for t in re.split(r"[\s、，]+", unslashed) if t]
    # `记者 张丽 通讯员 马俊` spaces its names apart; `记者走访` is a sentence's start
    opened_by_role = " " in body.strip() and bool(tokens) and _strip_roles(tokens[0]) != tokens[0]
    if not (marked or unslashed != body or opened_by_role):
        return None
    return _names(tokens)


def _is_author_line(text: str) -> bool:
    """A line of one to four person names, each after a common surname (`王晓东`)."""
    tokens = text.split()
    return 0 < len(tokens) <= 4 and all(
        _is_name(t) and t[0] in SURNAMES and len(t) <= 3 for t in tokens
    )


def _read_line(index: int, raw: str, after_sentence: bool, columns: frozenset[str]) -> _Line:
    """Clean one line and say what it is.

    Undoubling and credit parsing run before the CJK spaces go: a doubled credit is
    `本报记者本报记者 陈春艳陈春艳 摄摄`, and only the spaces tell names from text.
    """
    stripped, level = strip_markdown(remove_pinyin(remove_invisible(raw)).strip())
    spaced = undouble(unify_punctuation(stripped))
    if not spaced:
        return _Line(index, BLANK)
    if meta := read_meta(spaced):  # before the frame: `…浏览次数：326` ends a metadata line
        return _Line(index, META, meta=meta)
    if is_frame(spaced):
        return _Line(index, BLANK)
    if column := _column_name(spaced, columns):
        return _Line(index, COLUMN, column)
    if names := _byline(spaced):
        return _Line(index, BYLINE, names=names)
    if after_sentence and (m := _END_BYLINE.match(spaced)):
        return _Line(index, END_BYLINE, names=(m.group(1),))
    credit = _photo_credit(spaced)
    if credit and not credit[0]:
        return _Line(index, CREDIT, names=credit[1])
    if credit:
        spaced = credit[0]
    text = remove_cjk_spaces(spaced)
    return _Line(index, TEXT, text, spaced, level, credit[1] if credit else ())


def _read_lines(raw_text: str, columns: frozenset[str]) -> list[_Line]:
    lines: list[_Line] = []
    after_sentence = False
    related = False
    for index, raw in _explode(raw_text):
        if related:  # everything after `相关链接` lists other pages
            lines.append(_Line(index, BLANK))
            continue
        line = _read_line(index, raw, after_sentence, columns)
        if line.kind == TEXT and is_related_heading(line.text):
            related = True
            line = _Line(index, BLANK)
        if line.kind != BLANK:
            after_sentence = line.kind == TEXT and _ends_sentence(line.text)
        lines.append(line)
    return _with_widths(_without_site_name(lines))


def _without_site_name(lines: list[_Line]) -> list[_Line]:
    """`达拉特旗人民政府` above the title is the site's name: a site-name-shaped first line
    with a heading-shaped line after it, before any sentence."""
    content = [i for i, line in enumerate(lines) if line.kind == TEXT]
    if len(content) < 2 or not is_site_name(lines[content[0]].text):
        return lines
    if _ends_sentence(lines[content[1]].text):
        return lines
    out = list(lines)
    out[content[0]] = _Line(lines[content[0]].index, BLANK)
    return out


def _window_median(lengths: Sequence[int]) -> float:
    return statistics.median(lengths) if lengths else 0.0


def _with_widths(lines: list[_Line]) -> list[_Line]:
    """Give every text line the wrap width around it: the larger median length of the text
    lines just before and just after. Layouts mix column widths, and a title sits next to
    its own article's lines: before them in a normal page, after them in a flipped one."""
    positions = [i for i, line in enumerate(lines) if line.kind == TEXT]
    lengths = [len(lines[i].text) for i in positions]
    sample = [n if n >= WIDTH_MIN_LINE else None for n in lengths]
    out = list(lines)
    for k, i in enumerate(positions):
        before = [n for n in sample[max(0, k - WIDTH_WINDOW) : k] if n]
        after = [n for n in sample[k + 1 : k + 1 + WIDTH_WINDOW] if n]
        out[i] = replace(lines[i], width=max(_window_median(before), _window_median(after)))
    return out


def _is_hard_wrapped(lines: Sequence[_Line]) -> bool:
    """A page whose text lines mostly stop mid-sentence was wrapped at a fixed width;
    otherwise every line is a paragraph. Lines without clause punctuation (headings) and
    very short lines say nothing either way."""
    prose = [
        line.text
        for line in lines
        if line.kind == TEXT and len(line.text) >= 6 and any(c in "，、。；！？" for c in line.text)
    ]
    open_ended = sum(not _ends_sentence(text) for text in prose)
    return open_ended * 2 > len(prose)


# --- 3. lines → units -----------------------------------------------------------------


def _short(line: _Line, width: float, ratio: float) -> bool:
    return not width or len(line.text) <= ratio * width


def _headline_run(
    run: Sequence[_Line], width_of: Sequence[float], ratio: float = SHORT_RATIO
) -> bool:
    """Do these consecutive lines form one heading? Each must be headline-shaped and short
    for the page, unless it has two halves spaced apart, which body lines never have."""
    last = len(run) - 1
    if not all(_headline_piece(line.text, i == last) for i, line in enumerate(run)):
        return False
    if not _is_headline(_join_headline([_tidy_headline(line.spaced) for line in run])):
        return False
    return all(
        " " in _tidy_headline(line.spaced) or _short(line, width, ratio)
        for line, width in zip(run, width_of, strict=True)
    )


def _heading_unit(run: Sequence[_Line]) -> _Unit:
    text = _join_headline([_tidy_headline(line.spaced) for line in run])
    return _Unit(HEADING, text, run[0].index, run[-1].index)


def _para_unit(run: Sequence[_Line]) -> _Unit:
    text = run[0].text
    for line in run[1:]:
        text = _join(text, line.text)
    return _Unit(PARA, text, run[0].index, run[-1].index, run[-1].names)


def _unfinished(unit: _Unit | None) -> bool:
    return (
        unit is not None and unit.kind == PARA and not unit.names and not _ends_sentence(unit.text)
    )


def _widths(run: Sequence[_Line], wrapped: bool) -> list[float]:
    """Line widths only mean something on a hard-wrapped page; elsewhere a line is a
    paragraph, and a headline-shaped one is a heading whatever its length."""
    return [line.width if wrapped else 0.0 for line in run]


def _leading_headline(block: Sequence[_Line], previous: _Unit | None, wrapped: bool) -> int:
    """How many lines at the top of a block form a heading (0 if none).

    A heading never follows an unfinished sentence: that line is the sentence going on.
    Lines above the block's text are compared with that text, a whole block with the page.
    """
    if _unfinished(previous):
        return 0
    for k in range(min(MAX_HEADLINE_LINES, len(block)), 0, -1):
        if not wrapped and not all(line.text[-1] in GOES_ON for line in block[: k - 1]):
            continue  # where lines are paragraphs, a heading goes on only after a comma
        run, rest = block[:k], [len(line.text) for line in block[k:]]
        if rest:
            width = _window_median(rest) if wrapped else 0.0
            fits = _headline_run(run, [width] * k, GLUED_SHORT_RATIO)
        else:
            fits = _headline_run(run, _widths(run, wrapped))
        if fits:
            return k
    return 0


def _trailing_headline(block: Sequence[_Line], start: int, wrapped: bool) -> bool:
    """Is everything from `start` to the end of the block a heading? (001: `…新篇章。` is
    followed on the next line by the out-of-place subheading `夯实组织建设`.)"""
    if len(block) - start > MAX_HEADLINE_LINES:
        return False
    run = block[start:]
    return _headline_run(run, _widths(run, wrapped))


def _paragraph_ends(block: Sequence[_Line], i: int, wrapped: bool) -> bool:
    """Does a paragraph end after block[i], though no blank line follows? Dash-led list
    items (`——选树命名…`) start paragraphs of their own."""
    if not _ends_sentence(block[i].text):
        # On a page whose lines are paragraphs, a line goes on in the next one only where
        # the text says so: it is a clause that stopped (`近日，某地印发`) or its last
        # character calls for more (a comma, an open quote). A title or a name does neither.
        text = block[i].text
        return not wrapped and text[-1] not in GOES_ON and not any(c in "，、；" for c in text)
    if not wrapped or block[i + 1].text.startswith("——"):
        return True
    neighbours = [len(block[j].text) for j in (i - 1, i + 1) if 0 <= j < len(block)]
    return len(block[i].text) < PARAGRAPH_END_RATIO * max(neighbours, default=0)


def _block_units(block: Sequence[_Line], previous: _Unit | None, wrapped: bool) -> list[_Unit]:
    """Units of consecutive text lines: an optional heading on top, paragraphs, and an
    optional heading at the bottom after a finished sentence."""
    lead = _leading_headline(block, previous, wrapped)
    units = [_heading_unit(block[:lead])] if lead else []
    start = lead
    for i in range(lead, len(block)):
        if not wrapped and i == start and _headline_run(block[i : i + 1], [0.0]):
            # where each line is a paragraph, a headline-shaped one is a heading of its own
            # (a kicker over its title, a subhead under a paragraph)
            units.append(_heading_unit(block[i : i + 1]))
            start = i + 1
            continue
        if (
            i + 1 < len(block)
            and _ends_sentence(block[i].text)
            and _trailing_headline(block, i + 1, wrapped)
        ):
            units += [_para_unit(block[start : i + 1]), _heading_unit(block[i + 1 :])]
            return units
        if i + 1 == len(block) or _paragraph_ends(block, i, wrapped):
            units.append(_para_unit(block[start : i + 1]))
            start = i + 1
    return units


def _markdown_heading(line: _Line) -> _Unit | None:
    text = _tidy_headline(line.spaced)
    if line.level and _is_headline(text, MARKDOWN_HEADLINE_MAX):
        return _Unit(HEADING, text, line.index, line.index)
    return None


def _units(lines: Sequence[_Line]) -> list[_Unit]:
    wrapped = _is_hard_wrapped(lines)
    units: list[_Unit] = []
    block: list[_Line] = []

    def flush() -> None:
        units.extend(_block_units(block, units[-1] if units else None, wrapped))
        block.clear()

    for line in lines:
        heading = _markdown_heading(line) if line.kind == TEXT else None
        if line.kind == TEXT and not heading:
            block.append(line)
            if line.names:  # a photo credit closes its caption
                flush()
            continue
        if block:
            flush()
        if heading:
            units.append(heading)
        elif line.kind != BLANK:
            unit = _Unit(line.kind, line.text, line.index, line.index, line.names, line.meta)
            units.append(unit)
    if block:
        flush()
    return units


# --- 4. sentences cut in two ----------------------------------------------------------


def _merge(a: _Unit, b: _Unit) -> _Unit:
    return _Unit(PARA, _join(a.text, b.text), a.first, b.last, b.names)


def _overlap(a: str, b: str) -> int:
    """Length of the longest short tail of `a` that `b` starts with."""
    sizes = range(min(REPEATED_FRAGMENT_MAX, len(a), len(b)), 0, -1)
    return next((n for n in sizes if a.endswith(b[:n])), 0)


def _rejoin_across_headings(units: list[_Unit]) -> list[_Unit]:
    """003: `…老旧小区基` / `## 基层治理增效能` / `基础设施不完善…`: the layout put a
    subheading inside a sentence. Rejoin the sentence, dropping what the column break
    printed twice (`基`); the heading goes after it."""
    out: list[_Unit] = []
    i = 0
    while i < len(units):
        if (
            i + 2 < len(units)
            and _unfinished(units[i])
            and units[i + 1].kind == HEADING
            and units[i + 2].kind == PARA
        ):
            a, b = units[i], units[i + 2]
            b = replace(b, text=b.text[_overlap(a.text, b.text) :])
            out += [_merge(a, b), units[i + 1]]
            i += 3
        else:
            out.append(units[i])
            i += 1
    return out


def _rejoin_across_blanks(units: list[_Unit]) -> list[_Unit]:
    """PDFs put blank lines inside sentences (001, 002): a paragraph that stops
    mid-sentence goes on in the next one."""
    out: list[_Unit] = []
    for unit in units:
        if out and unit.kind == PARA and _unfinished(out[-1]):
            out[-1] = _merge(out[-1], unit)
        else:
            out.append(unit)
    return out


def _drop_repeated_fragments(units: list[_Unit]) -> list[_Unit]:
    """003: `…的一项具体举措。` / `措。2020年，…`: a column break repeated the end of a
    paragraph at the start of the next one."""
    out: list[_Unit] = []
    for unit in units:
        previous = out[-1] if out else None
        m = _SENTENCE.match(unit.text) if unit.kind == PARA else None
        if (
            m
            and previous is not None
            and previous.kind == PARA
            and len(m.group()) <= REPEATED_FRAGMENT_MAX
            and previous.text.endswith(m.group())
        ):
            unit = replace(unit, text=unit.text[m.end() :])
            if not unit.text:
                continue
        out.append(unit)
    return out


def _fix_units(units: list[_Unit]) -> list[_Unit]:
    return _drop_repeated_fragments(_rejoin_across_blanks(_rejoin_across_headings(units)))


# --- 5. units → articles --------------------------------------------------------------


def _next_kind(units: Sequence[_Unit], i: int, skip: tuple[str, ...] = ()) -> str | None:
    kinds = (units[j].kind for j in range(i + 1, len(units)))
    return next((kind for kind in kinds if kind not in skip), None)


def _photo_lead(text: str) -> int:
    """Where the `图为…` sentence starts (0 if none), found in simplified script: t2s maps
    character to character, so positions carry over when the lengths agree."""
    simplified = to_simplified(text)
    m = _PHOTO_LEAD.search(simplified) if len(simplified) == len(text) else None
    return m.start() if m else 0


def _add_para(article: _Article, unit: _Unit) -> None:
    """A body paragraph, or a photo caption if it carries a credit: then a `图为…` sentence
    is the caption and what comes before it the photo news' body; without one, the whole
    paragraph is the caption (`_finish` makes it the body of a photo-only article)."""
    if not unit.names:
        article.paragraphs.append(Paragraph(unit.text))
        return
    cut = _photo_lead(unit.text)
    body, caption = unit.text[:cut], unit.text[cut:]
    if body:
        article.paragraphs.append(Paragraph(body))
    article.captions.append(Caption(caption, "、".join(unit.names)))
    article.photographers += unit.names


def _add_credit(article: _Article, unit: _Unit) -> None:
    article.captions.append(Caption("", "、".join(unit.names)))
    article.photographers += unit.names


def _is_collection(units: Sequence[_Unit]) -> bool:
    """Is the page a set of items rather than one article with sections? Pages with column
    labels are, and so are pages where most headings head a single paragraph (a feature's
    sections run to several)."""
    if any(unit.kind == COLUMN for unit in units):
        return True
    sections: list[int] = []
    for unit in units:
        if unit.kind == HEADING:
            sections.append(0)
        elif unit.kind == PARA and sections:
            sections[-1] += 1
    sized = [n for n in sections if n]
    return len(sized) >= 2 and sum(n == 1 for n in sized) * 2 > len(sized)


def _starts_article(article: _Article, units: Sequence[_Unit], i: int, collection: bool) -> bool:
    """Does the heading units[i], met after body text, open a new article?"""
    return (
        _next_kind(units, i) in (BYLINE, META)
        or _opens_news_item(units, i)
        or article.title is None
        or (collection and not article.signed)
    )


def _opens_news_item(units: Sequence[_Unit], i: int) -> bool:
    """Is the unit after the heading a news item's lead (`本报讯（记者 …）近日，…`)? Then the
    heading is that item's title, even inside a signed feature's column."""
    following = units[i + 1] if i + 1 < len(units) else None
    return (
        following is not None and following.kind == PARA and bool(_NEWS_LEAD.match(following.text))
    )


def _assemble_normal(units: Sequence[_Unit]) -> list[_Article]:
    """Title first: column label, title, subtitle, byline, body with subheadings."""
    collection = _is_collection(units)
    articles = [_Article()]
    for i, unit in enumerate(units):
        article = articles[-1]
        if unit.kind == COLUMN and (article.title or article.has_body):
            articles.append(_Article(column=unit.text))
        elif unit.kind == COLUMN:
            article.column = unit.text
        elif unit.kind == META:
            merge_meta(article.meta, unit.meta)  # type: ignore[arg-type]
            article.signed = article.signed or not article.has_body
        elif unit.kind == HEADING and article.title is None and not article.has_body:
            article.title = unit.text
        elif unit.kind == HEADING and not article.has_body:
            if not article.authors and _is_author_line(unit.text):
                article.authors += unit.text.split()
            elif _is_kicker(article, unit.text) or _is_phrase_kicker(article, units, i):
                article.kicker, article.title = article.title, unit.text
            elif article.subtitle is None and (
                unit.text.startswith("——") or _next_kind(units, i) == BYLINE
            ):
                article.subtitle = unit.text
            else:
                article.paragraphs.append(Paragraph(unit.text, "subheading"))
        elif unit.kind == HEADING and _is_signature(units, i):
            pass  # `…领导小组办公室` over the date that ends the page signs the article
        elif unit.kind == HEADING and _starts_article(article, units, i, collection):
            # short items in one column block share its label
            column = None if article.signed else article.column
            articles.append(_Article(title=unit.text, column=column))
        elif unit.kind == HEADING:
            article.paragraphs.append(Paragraph(unit.text, "subheading"))
        elif unit.kind == BYLINE and article.has_body:
            articles.append(_Article(authors=list(unit.names), signed=True))
        elif unit.kind == BYLINE:
            article.authors += unit.names
            article.signed = True
        elif unit.kind == END_BYLINE:
            article.authors += unit.names
        elif unit.kind == CREDIT:
            _add_credit(article, unit)
        elif article.title and not article.has_body and _is_subtitle(article, unit):
            article.subtitle = unit.text
        else:
            _add_para(article, unit)
        articles[-1].take(unit)
    return articles


def _is_signature(units: Sequence[_Unit], i: int) -> bool:
    """A heading after the body, followed only by a metadata line holding a date, is the
    signature of a notice or a report, not a new article's title."""
    rest = [u for u in units[i + 1 :] if u.kind != CREDIT]
    return (
        len(rest) == 1
        and rest[0].kind == META
        and rest[0].meta is not None
        and rest[0].meta.published is not None
    )


def _is_kicker(article: _Article, heading: str) -> bool:
    """Is the article's title a kicker (`鄂尔多斯高新区`, `五原县`) above `heading`, the real
    title? A kicker names a place or unit only, and nothing but it stands above the title."""
    title = article.title or ""
    return (
        article.kicker is None
        and article.subtitle is None
        and not article.authors
        and len(title) <= KICKER_MAX
        and bool(_KICKER.match(title))
        and not heading.startswith("——")
    )


def _is_phrase_kicker(article: _Article, units: Sequence[_Unit], i: int) -> bool:
    """引题/主题/副题: a heading between the first heading and a `——` subtitle is the title, and
    the first one its kicker, whatever it says."""
    following = units[i + 1] if i + 1 < len(units) else None
    return (
        article.kicker is None
        and article.subtitle is None
        and not units[i].text.startswith("——")
        and following is not None
        and following.kind in (HEADING, PARA)
        and following.text.startswith("——")
    )


def _is_subtitle(article: _Article, unit: _Unit) -> bool:
    """`——乌审旗嘎鲁图镇党建引领产业发展纪实`: a dash-led line right under the title, too long
    or too punctuated to be read as a heading, is still its subtitle."""
    return (
        article.subtitle is None
        and unit.kind == PARA
        and unit.text.startswith("——")
        and len(unit.text) <= MARKDOWN_HEADLINE_MAX * 3 // 2
        and not _ends_sentence(unit.text)
    )


def _labels_follow_headings(units: Sequence[_Unit]) -> bool:
    """Do column labels come after headings more often than before them? A byline may sit
    between a title and its label (004: `锚定方向 聚力前行` / `◎宋爽` / `观潮`)."""
    kinds = [unit.kind for unit in units if unit.kind != BYLINE]
    pairs = list(pairwise(kinds))
    return pairs.count((HEADING, COLUMN)) > pairs.count((COLUMN, HEADING))


def _is_flipped(units: Sequence[_Unit]) -> bool:
    """Seed 004 prints each title after its body. Such a page opens with untitled body text
    (not a photo caption), and ends with a title or puts its labels after its titles."""
    content = [unit for unit in units if unit.kind in (HEADING, PARA)]
    if not content or content[0].kind != PARA or content[0].names:
        return False
    return content[-1].kind == HEADING or _labels_follow_headings(units)


def _flipped_title(units: Sequence[_Unit], i: int) -> bool:
    """In a flipped page a title ends its article: a byline, a column label or the end of
    the page follows it, or it comes right after a photo credit (photo news)."""
    previous = units[i - 1] if i else None
    after_photo = previous is not None and previous.kind in (PARA, CREDIT) and bool(previous.names)
    return after_photo or _next_kind(units, i) in (BYLINE, COLUMN, None)


def _assemble_flipped(units: Sequence[_Unit]) -> list[_Article]:
    """Body first, then the title. A byline followed by body opens the next article; one
    followed by labels or another byline signs the article just closed. A column label
    right after a title belongs to that article; later labels go to the next article only
    if it opens with a byline (a regular article), else they are dropped."""
    done: list[_Article] = []
    article = _Article()
    pending: str | None = None
    for i, unit in enumerate(units):
        target = article
        if unit.kind == COLUMN and done and article.is_blank and done[-1].column is None:
            target = done[-1]
            target.column = unit.text
        elif unit.kind == COLUMN:
            pending = unit.text
        elif unit.kind == BYLINE and _next_kind(units, i, (COLUMN,)) == PARA:
            if article.has_body:
                done.append(article)
                article = target = _Article()
            article.authors += unit.names
            article.signed = True
            article.column, pending = pending, None
        elif unit.kind in (BYLINE, END_BYLINE) and not article.has_body and done:
            target = done[-1]
            target.authors += unit.names
        elif unit.kind in (BYLINE, END_BYLINE):
            article.authors += unit.names
        elif unit.kind == META:
            merge_meta(article.meta, unit.meta)  # type: ignore[arg-type]
        elif unit.kind == HEADING and _flipped_title(units, i):
            article.title = unit.text
            done.append(article)
            article = _Article()
        elif unit.kind == HEADING:
            article.paragraphs.append(Paragraph(unit.text, "subheading"))
        else:
            pending = None
            if unit.kind == CREDIT:
                _add_credit(article, unit)
            else:
                _add_para(article, unit)
        target.take(unit)
    return [*done, article]


# --- 6. finishing ---------------------------------------------------------------------


def _grams(text: str) -> set[str]:
    compact = compact_text(text)
    return {compact[i : i + CAPTION_GRAM] for i in range(len(compact) - CAPTION_GRAM + 1)}


def _repeats_body(text: str, body: Sequence[Paragraph]) -> bool:
    grams = _grams(text)
    if len(grams) < 2 * CAPTION_GRAM:
        return False
    seen = _grams("\n".join(p.text for p in body))
    return len(grams & seen) >= CAPTION_CONTAINED * len(grams)


def _trailing_captions(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[Caption]]:
    """002 ends with three photo captions that restate body sentences: a trailing paragraph
    whose text is (almost) all in the body above is a caption, not more body."""
    body, captions = list(paragraphs), []
    while (
        len(body) > 1
        and len(captions) < MAX_TRAILING_CAPTIONS
        and body[-1].kind == "body"
        and _repeats_body(body[-1].text, body[:-1])
    ):
        captions.append(Caption(body.pop().text))
    return body, captions[::-1]


def _has_content(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _fallback_title(paragraphs: Sequence[Paragraph]) -> str:
    """The first sentence, cut to a headline's length."""
    text = next(p.text for p in paragraphs if _has_content(p.text))
    m = _SENTENCE.match(text)
    sentence = (m.group() if m else text).rstrip(SENTENCE_END + CLOSING_QUOTES + "，、；：")
    sentence = sentence or text
    if len(sentence) <= FALLBACK_TITLE_MAX:
        return sentence
    return sentence[: FALLBACK_TITLE_MAX - 1] + "…"


def _finish(article: _Article, raw_lines: Sequence[str]) -> ArticleDraft | None:
    paragraphs = [p for p in article.paragraphs if _has_content(p.text)]
    captions = article.captions
    if not any(p.kind == "body" for p in paragraphs):
        # photo news: the captioned text is the news itself
        paragraphs += [Paragraph(c.text) for c in captions if _has_content(c.text)]
        captions = [Caption("", c.credit) for c in captions]
    paragraphs, repeated = _trailing_captions(paragraphs)
    if not paragraphs and not article.title:
        return None
    lead = next((p.text for p in paragraphs if p.kind == "body"), "")
    authors = list(dict.fromkeys(article.authors + article.meta.authors + lead_byline(lead)))
    original = article.original
    if original is None:
        original = "\n".join(raw_lines[article.first : (article.last or 0) + 1])
    return ArticleDraft(
        title=article.title or _fallback_title(paragraphs),
        paragraphs=paragraphs,
        subtitle=article.subtitle,
        authors=authors or list(dict.fromkeys(article.photographers)),
        column=article.column,
        captions=captions + repeated,
        original=original,
        kicker=article.kicker,
        source=article.meta.source,
        editor=article.meta.editor,
        published=article.meta.published,
    )


def _briefs(article: _Article) -> list[_Article]:
    """A page of dated briefs (`9月12日，…` × 5) is that many untitled articles, under the
    heading they share as their column. A feature's paragraphs rarely all open with a date,
    and never all of them with none between."""
    paragraphs = article.paragraphs
    if len(paragraphs) < MIN_BRIEFS or not all(
        p.kind == "body" and _BRIEF.match(p.text) for p in paragraphs
    ):
        return [article]
    column = article.title or article.column
    return [
        _Article(
            column=column,
            paragraphs=[p],
            meta=replace(article.meta, authors=list(article.meta.authors)),
            first=article.first,
            last=article.last,
            original=p.text,
        )
        for p in paragraphs
    ]


def split_page(raw_text: str) -> list[ArticleDraft]:
    """The articles on one decoded page, in page order (possibly none)."""
    lines = _read_lines(raw_text, load_columns())
    units = _fix_units(_units(lines))
    assemble = _assemble_flipped if _is_flipped(units) else _assemble_normal
    raw_lines = raw_text.splitlines()
    articles = [brief for article in assemble(units) for brief in _briefs(article)]
    drafts = (_finish(article, raw_lines) for article in articles)
    return [draft for draft in drafts if draft is not None]
