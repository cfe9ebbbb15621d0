"""Turn a file on disk into decoded text, or refuse it with a reason the user can act on.

`read_document` is the only entry point the pipeline needs. Every bad input ends in
`RejectedFile` (reason in Chinese): parsers of untrusted files raise all kinds of
exceptions, so each format catches them at its boundary and says what went wrong.

Text is returned as written: no script conversion, no re-wrapping. Formats without a
plain-text line structure (Word, PDF, HTML) put a blank line between paragraphs, which
is what the splitter reads as a paragraph break.
"""

from __future__ import annotations

import codecs
import copy
import hashlib
import html
import io
import logging
import os
import re
import stat
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import docx
import trafilatura
from charset_normalizer import from_bytes
from lxml import etree
from lxml import html as lxml_html
from pdfminer.high_level import extract_text
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text

from bot.ingest.model import RawDocument, RejectedFile

log = logging.getLogger(__name__)

MB = 1024 * 1024

_FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
}
SUPPORTED_SUFFIXES = frozenset(_FORMATS)

EMPTY = "文件为空"
CHANGING = "读取期间文件被修改（可能仍在写入或复制），已跳过，写完后重新导入即可"
BINARY = "文件内容不是文字（可能是图片、压缩包或其他二进制文件）"
DOCX_CORRUPT = "无法读取 Word 文件：文件已损坏或不是 .docx 格式"
PDF_NOT_PDF = "无法读取 PDF 文件：文件不是 PDF 格式"
PDF_TRUNCATED = "无法读取 PDF 文件：文件不完整（可能下载或复制时中断）"
PDF_CORRUPT = "无法读取 PDF 文件：文件已损坏"
PDF_ENCRYPTED = "PDF 文件已加密，需要密码才能打开，请先解除加密"
PDF_NO_TEXT = "PDF 没有文字层（可能是扫描件），请先进行文字识别"
PDF_UNMAPPED = "PDF 中的文字无法解码（字体缺少文字编码信息），请先进行文字识别或另存为文本"

# A damaged text file has a few bad characters; decoded binary data has them everywhere
# (uniformly random bytes alone give ~12% C0 controls).
BINARY_SHARE = 0.05
# Controls that never occur in text; tab, newlines, form feed and vertical tab do.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")

_BOMS = (
    # UTF-32 LE first: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_GB_FAMILY = {"gb2312", "gbk", "gb18030"}
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# The charset declaration must come early in a page (HTML spec: within the first 1024 bytes);
# a larger window tolerates long comment headers some CMSs put first.
_CHARSET_WINDOW = 4096

# A .docx is a zip; a few kilobytes of zeros can unpack to gigabytes. The blank python-docx
# template alone unpacks 36 KB into 0.8 MB, so small size limits still get a usable floor.
UNZIP_FACTOR = 10
UNZIP_FLOOR = 16 * MB
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Every paragraph in document order: body, table cells (nested too) and text boxes, which
# newspaper layouts use for their columns. A text box is stored twice (modern shape and
# legacy VML fallback); skipping the fallback reads it once.
_DOCX_PARAGRAPHS = etree.XPath(
    ".//w:p[not(ancestor::mc:Fallback)]", namespaces={"w": _W, "mc": _MC}
)

# pdfminer writes a glyph it cannot map to Unicode as "(cid:123)".
_PDF_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")
# Where readers look for the header and for the end-of-file marker; a cut-off file has
# no marker near its end.
_PDF_HEADER_WINDOW = 1024
_PDF_EOF_WINDOW = 1024

_HTML_NOT_TEXT = ("script", "style", "noscript", "template")
_HTML_SKIPPED = re.compile(
    r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_HTML_TAG = re.compile(r"<[^>]*>")
_HTML_PARSER = lxml_html.HTMLParser(encoding="utf-8", huge_tree=True)

# Digits right before or after make it an id or a number, not a date (`202407011`).
_FILENAME_DATES = (
    re.compile(r"(?<!\d)(?P<y>\d{4})(?P<sep>[-_.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})(?!\d)"),
)
EARLIEST_YEAR = 1900  # older "dates" are ids or placeholders (1601-01-01 in Office files)
# Where a dateline is looked for: the first lines of the text, each from its start.
DATELINE_LINES = 3
DATELINE_CHARS = 40
_DATELINE = re.compile(
    r"(?:(?:发布)?(?:日期|时间)\s*[:：]\s*)?\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?"
    r"\s*(?:[（(]?(?:星期|周)[一二三四五六日天][)）]?)?"
)


def read_document(path: Path, max_bytes: int) -> RawDocument:
    """Decode one file; raise RejectedFile (reason in Chinese) for anything unusable."""
    before = _regular_file(path)
    fmt = _format_of(path)
    if before.st_size == 0:
        raise RejectedFile(path, EMPTY)
    if before.st_size > max_bytes:
        raise RejectedFile(path, _too_large(before.st_size, max_bytes))
    data = _read_bytes(path, max_bytes)
    if len(data) != before.st_size or _changed(path, before):
        # Still being written or copied: what was read may end mid-article. Reading it
        # again later stores it whole (a longer version replaces a shorter one's articles).
        raise RejectedFile(path, CHANGING)
    match fmt:
        case "docx":
            document = _read_docx(path, data, max_bytes)
        case "pdf":
            document = _read_pdf(path, data)
        case "html":
            document = _read_html(path, data)
        case _:
            text, encoding = _decode(path, data)
            document = RawDocument(path=path, text=text, format=fmt, encoding=encoding)
    if not document.text.strip():
        raise RejectedFile(path, EMPTY)
    return replace(document, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def date_in_text(text: str) -> date | None:
    """A date written at the top of a text (a dateline, `2024年6月28日 星期五`, `发布时间：
    2024-06-28`): the first plausible one in its first lines, which says when the page was
    published more surely than a document's metadata (the date its template was made)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:DATELINE_LINES]
    for line in lines:
        if found := date_from_filename(line[:DATELINE_CHARS]):
            return found
    return None


def without_dateline(text: str) -> str:
    """The text without lines at its top that are only a dateline (`2024年6月28日 星期五`,
    `发布时间：2024-06-28`): they date the page, they are no article's title."""
    lines = text.splitlines(keepends=True)
    seen = 0
    for n, line in enumerate(lines):
        if not line.strip():
            continue
        if seen == DATELINE_LINES or not _DATELINE.fullmatch(line.strip()):
            break
        seen += 1
        lines[n] = "\n" if line.endswith("\n") else ""
    return "".join(lines)


def date_from_filename(name: str) -> date | None:
    """The first plausible date written in a file name (2024-07-01, 20240701, 2024年7月1日…)."""
    found = sorted(
        (match.start(), match.group("y", "m", "d"))
        for pattern in _FILENAME_DATES
        for match in pattern.finditer(name)
    )
    for _, (year, month, day) in found:
        try:
            candidate = date(int(year), int(month), int(day))
        except ValueError:
            continue
        if _plausible(candidate):
            return candidate
    return None


# --- the file itself ----------------------------------------------------------------


def _changed(path: Path, before: os.stat_result) -> bool:
    try:
        after = path.stat()
    except OSError:
        return True
    return (after.st_size, after.st_mtime_ns, after.st_ino) != (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )


def _regular_file(path: Path) -> os.stat_result:
    try:
        info = path.stat()
    except OSError as exc:
        raise RejectedFile(path, _os_reason(exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise RejectedFile(path, "这是一个文件夹，不是文件")
    if not stat.S_ISREG(info.st_mode):
        # reading a pipe or device could block forever or never end
        raise RejectedFile(path, "不是普通文件（可能是设备或管道），无法读取")
    return info


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        shown = suffix or "（无扩展名）"
        raise RejectedFile(path, f"不支持的文件类型 {shown}（支持 {'、'.join(_FORMATS)}）")
    return _FORMATS[suffix]


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as handle:
            # one byte more than allowed tells a file that grew since stat() from one that fits
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise RejectedFile(path, _os_reason(exc)) from exc
    if len(data) > max_bytes:
        raise RejectedFile(path, _too_large(len(data), max_bytes))
    return data


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有读取该文件的权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    return f"无法读取文件（{exc.strerror or exc}）"


def _too_large(size: int, limit: int) -> str:
    return f"文件过大（{_megabytes(size)} MB，上限 {_megabytes(limit)} MB）"


def _megabytes(size: int) -> str:
    # one decimal suits real limits; tiny limits (tests, odd configs) still need a figure
    value = size / MB
    return f"{value:.1f}" if value >= 0.1 else f"{value:.3f}"


def _plausible(day: date) -> bool:
    """Rules out placeholder and garbage dates (1601-01-01, 0000…, far future)."""
    return EARLIEST_YEAR <= day.year <= date.today().year + 1


# --- plain text ---------------------------------------------------------------------


def _decode(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Bytes → text with \\n line ends, and the encoding used.

    Order: a BOM is certain; valid UTF-8 is near-certain (other encodings of Chinese almost
    never pass strict UTF-8 validation); a declared charset (HTML) next; detection last.
    """
    text, encoding = _decode_raw(path, data, declared)
    if _looks_binary(text):
        raise RejectedFile(path, BINARY)
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _decode_raw(path: Path, data: bytes, declared: str | None) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    # only UTF-16/32 text has NUL bytes, and without a BOM we cannot tell it from binary
    if b"\x00" in data:
        raise RejectedFile(path, BINARY)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            log.debug("%s: declared charset %s does not fit, detecting", path, declared)
    if encoding := _detect(data):
        return data.decode(encoding, errors="replace"), encoding
    # The detector gives up on a single bad byte; a damaged UTF-8 or GB file should still
    # read. GBK read as UTF-8 is mostly replacement characters, so the order is safe.
    for encoding in ("utf-8", "gb18030"):
        text = data.decode(encoding, errors="replace")
        if not _looks_binary(text):
            return text, encoding
    raise RejectedFile(path, BINARY)


def _looks_binary(text: str) -> bool:
    return len(_NOT_TEXT.findall(text)) > len(text) * BINARY_SHARE


def _detect(data: bytes) -> str | None:
    """The detector's best guess, with GB18030 for any GB guess (it is their superset)."""
    # Without a BOM, UTF-16/32 is what random bytes most often look like.
    matches = [m for m in from_bytes(data) if not m.encoding.startswith(("utf_16", "utf_32"))]
    if not matches:
        return None
    # Short Chinese texts are equally clean as GBK, Big5, EUC-KR…; this corpus is mainland
    # Chinese, so among the cleanest guesses a GB one wins.
    cleanest = [m for m in matches if m.chaos == matches[0].chaos]
    if any(_GB_FAMILY & {_codec_name(e) for e in m.could_be_from_charset} for m in cleanest):
        return "gb18030"
    return matches[0].encoding


def _codec_name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


# --- Word ---------------------------------------------------------------------------


def _read_docx(path: Path, data: bytes, max_bytes: int) -> RawDocument:
    _check_unzipped_size(path, data, max_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = [p.text for p in _DOCX_PARAGRAPHS(document.element.body)]
        properties = document.core_properties
        title, created = properties.title, properties.created
    except MemoryError:  # the worker's limit: the pipeline says so, not "corrupt"
        raise
    except Exception as exc:  # python-docx, zipfile and lxml each raise their own types
        if "memory allocation failed" in str(exc).lower():  # libxml2 out of memory
            raise MemoryError(str(exc)) from exc
        log.debug("%s: python-docx failed", path, exc_info=True)
        raise RejectedFile(path, DOCX_CORRUPT) from exc
    return RawDocument(
        path=path,
        text=_join_paragraphs(paragraphs),
        format="docx",
        title=title.strip() or None,
        date=_plausible_date(created),
    )


def _check_unzipped_size(path: Path, data: bytes, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # zipfile stops each member at its declared size, so the declared sizes bound
            # what python-docx can unpack
            unzipped = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError) as exc:
        # NotImplementedError: a damaged header claims a zip version zipfile does not know
        raise RejectedFile(path, DOCX_CORRUPT) from exc
    limit = max(UNZIP_FACTOR * max_bytes, UNZIP_FLOOR)
    if unzipped > limit:
        raise RejectedFile(
            path,
            f"Word 文件解压后过大（{_megabytes(unzipped)} MB，上限 {_megabytes(limit)} MB），"
            "可能是恶意压缩文件",
        )


def _plausible_date(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    day = moment.date()
    return day if _plausible(day) else None


def _join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(p for p in paragraphs if p.strip())


# --- PDF ----------------------------------------------------------------------------


def _read_pdf(path: Path, data: bytes) -> RawDocument:
    if b"%PDF-" not in data[:_PDF_HEADER_WINDOW]:
        raise RejectedFile(path, PDF_NOT_PDF)
    if b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
        # pdfminer would recover what it can and silently lose the rest
        raise RejectedFile(path, PDF_TRUNCATED)
    try:
        info = _pdf_info(data)
        text = extract_text(io.BytesIO(data))
    except PDFEncryptionError as exc:
        raise RejectedFile(path, PDF_ENCRYPTED) from exc
    except MemoryError:  # the worker's limit: the pipeline says so, not "corrupt"
        raise
    except Exception as exc:  # pdfminer raises many unrelated types on malformed files
        log.debug("%s: pdfminer failed", path, exc_info=True)
        raise RejectedFile(path, PDF_CORRUPT) from exc
    return RawDocument(
        path=path,
        text=_pdf_text(path, text),
        format="pdf",
        title=info.get("Title") or None,
        date=_pdf_date(info.get("CreationDate", "")),
    )


def _pdf_info(data: bytes) -> dict[str, str]:
    """The document information dictionary, values decoded to str."""
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    info: dict[str, str] = {}
    # later trailers (incremental updates) come first; the first value found is current
    for entries in document.info:
        for key, value in entries.items():
            resolved = resolve1(value)
            if isinstance(resolved, bytes) and key not in info:
                info[key] = decode_text(resolved).strip()
    return info


def _pdf_text(path: Path, text: str) -> str:
    """pdfminer's output with a blank line between pages, or a rejection."""
    unmapped = len(_PDF_UNMAPPED_GLYPH.findall(text))
    text = _PDF_UNMAPPED_GLYPH.sub("", text)
    if unmapped and unmapped > len("".join(text.split())):
        raise RejectedFile(path, PDF_UNMAPPED)
    pages = [page.strip("\n") for page in text.split("\f")]
    joined = _join_paragraphs(pages)
    if not joined.strip():
        raise RejectedFile(path, PDF_NO_TEXT)
    return joined


def _pdf_date(value: str) -> date | None:
    if not (match := _PDF_DATE.match(value)):
        return None
    try:
        day = date(*map(int, match.groups()))
    except ValueError:
        return None
    return day if _plausible(day) else None


# --- HTML ---------------------------------------------------------------------------


def _read_html(path: Path, data: bytes) -> RawDocument:
    markup, encoding = _decode(path, data, _declared_charset(data))
    tree = _html_tree(markup)
    title, day, site, url = _html_metadata(path, tree)
    return RawDocument(
        path=path,
        text=_join_paragraphs([p.strip(" \t") for p in _html_paragraphs(path, markup, tree)]),
        format="html",
        encoding=encoding,
        title=title,
        date=day,
        source=site,
        url=url,
    )


def _html_tree(markup: str) -> etree._Element | None:
    """The page's tree. huge_tree lifts libxml2's nesting limit of 256 levels, past which it
    drops the text (a page with unclosed tags reaches it); None if the tree still lost most
    of the text, so the page is read without one."""
    try:
        # lxml refuses str input that carries an XML encoding declaration; bytes it takes
        tree = lxml_html.document_fromstring(markup.encode("utf-8"), parser=_HTML_PARSER)
    except (etree.ParserError, ValueError):
        return None
    seen = len(re.sub(r"\s", "", tree.text_content()))
    return tree if seen * 2 >= len(_visible_text(markup)) else None


def _visible_text(markup: str) -> str:
    """The text between the tags, without scripts and styles, whitespace removed."""
    text = _HTML_SKIPPED.sub("", markup)
    return re.sub(r"\s", "", html.unescape(_HTML_TAG.sub("", text)))


def _html_metadata(
    path: Path, tree: etree._Element | None
) -> tuple[str | None, date | None, str | None, str | None]:
    """Title, date, site name and web address (canonical or og:url link; only an absolute
    http(s) one) of a saved web page."""
    if tree is None:
        return None, None, None, None
    try:
        metadata = trafilatura.extract_metadata(tree)
    except MemoryError:  # the worker's limit: the pipeline says so, not "corrupt"
        raise
    except Exception:  # htmldate trips over some malformed trees (AssertionError in lxml)
        log.debug("%s: no HTML metadata", path, exc_info=True)
        return None, None, None, None
    if metadata is None:
        return None, None, None, None
    url = metadata.url or ""
    absolute = url.startswith(("http://", "https://"))
    site = metadata.sitename or None
    return metadata.title or None, _html_date(metadata.date), site, url if absolute else None


def _html_paragraphs(path: Path, markup: str, tree: etree._Element | None) -> list[str]:
    if tree is None:  # too deep even for huge_tree: the lines of the text between the tags
        text = _HTML_SKIPPED.sub("", markup)
        return html.unescape(_HTML_TAG.sub("\n", text)).splitlines()
    try:
        text = trafilatura.extract(
            copy.deepcopy(tree),  # extract prunes the tree it is given
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            output_format="txt",
        )
    except MemoryError:  # the worker's limit: the pipeline says so, not "corrupt"
        raise
    except Exception:  # same malformed trees as above; the plain body text still reads
        log.debug("%s: trafilatura failed", path, exc_info=True)
        text = None
    # trafilatura puts each block on one line: a line is a paragraph
    return text.splitlines() if text else _body_lines(tree)


def decode_markup(where: str, data: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Fetched HTML bytes → text and encoding: the HTTP header's charset, else the page's
    <meta>, else detection. A Western charset in the header is a server default more often
    than the truth on Chinese sites (and decodes anything), so the page's own word wins."""
    name = _codec_name(header_charset) if header_charset else None
    declared = None if name in _SERVER_DEFAULTS else name
    declared = "gb18030" if declared in _GB_FAMILY else declared
    return _decode(Path(where), data, declared or _declared_charset(data))


_SERVER_DEFAULTS = {"iso8859-1", "ascii", "cp1252"}


def _declared_charset(data: bytes) -> str | None:
    """The <meta> charset as a Python codec (GB ones widened to GB18030), if it names one."""
    match = _META_CHARSET.search(data[:_CHARSET_WINDOW])
    name = _codec_name(match.group(1).decode("ascii")) if match else None
    return "gb18030" if name in _GB_FAMILY else name


def _body_lines(tree: etree._Element) -> list[str]:
    """Fallback when trafilatura finds no article: every line of <body> text."""
    etree.strip_elements(tree, *_HTML_NOT_TEXT, with_tail=False)
    body = tree.find("body")
    return body.text_content().splitlines() if body is not None else []


def _html_date(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
    return day if day and _plausible(day) else None
