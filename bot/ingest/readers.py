"""Reading files into text: every format users feed, with a Chinese reason for each refusal.

Text keeps its line structure (the splitter relies on line breaks and blank lines) and
its script (traditional text is converted for the index only).
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from charset_normalizer import from_bytes

from bot.ingest.model import RawDocument, RejectedFile

TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf", ".html", ".htm")
ZIP_EXPANSION_LIMIT = 200 * 1024 * 1024  # uncompressed bytes a .docx may unpack to

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz"}
_DATE_IN_NAME = re.compile(
    r"(?<!\d)(20\d{2}|19\d{2})(?:[-_.年]?)(\d{1,2})(?:[-_.月]?)(\d{1,2})日?(?!\d)"
)


def date_from_filename(name: str) -> date | None:
    """A plausible date written in a file name (2024-07-01, 20240701, 2024年7月1日)."""
    for match in _DATE_IN_NAME.finditer(name):
        year, month, day = (int(g) for g in match.groups())
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if date(1949, 1, 1) <= found <= date.today().replace(year=date.today().year + 1):
            return found
    return None


def read_document(path: Path, max_bytes: int) -> RawDocument:
    """Decode one file. Raises RejectedFile with the reason for any file we cannot use."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "（无扩展名）"
        raise RejectedFile(
            path, f"不支持的文件类型 {shown}（支持 {'、'.join(SUPPORTED_SUFFIXES)}）"
        )
    data = _read_bytes(path, max_bytes)
    if not data.strip():
        raise RejectedFile(path, "文件为空")
    if suffix in TEXT_SUFFIXES:
        text, encoding = decode_text(path, data)
        doc = RawDocument(path, text, TEXT_SUFFIXES[suffix], encoding=encoding)
    elif suffix == ".docx":
        doc = _read_docx(path, data, max_bytes)
    elif suffix == ".pdf":
        doc = _read_pdf(path, data)
    else:
        doc = _read_html(path, data)
    if not doc.text.strip():
        raise RejectedFile(path, "文件为空（没有可读的文字）")
    return doc


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        if not path.exists():
            raise RejectedFile(path, "文件不存在")
        if not path.is_file():
            raise RejectedFile(path, "不是普通文件")
        size = path.stat().st_size
        if size > max_bytes:
            raise RejectedFile(
                path, f"文件过大（{size / 1048576:.1f} MB，上限 {max_bytes / 1048576:.1f} MB）"
            )
        return path.read_bytes()
    except OSError as exc:
        raise RejectedFile(path, f"无法读取文件：{exc.strerror or exc}") from exc


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """Bytes of a text file → (text with \\n line ends, encoding). Detected, not assumed."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return _checked(path, data.decode(encoding, errors="replace"), encoding)
    if b"\x00" in data:
        raise RejectedFile(path, "文件是二进制数据，不是文本")
    try:
        return _checked(path, data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise RejectedFile(path, "无法识别文件编码（不是 UTF-8 或 GBK 文本）")
    encoding = best.encoding.lower().replace("_", "")
    # GB18030 is a superset of GBK and GB2312: decode with it whatever the detector names.
    encoding = "gb18030" if encoding in _GB_FAMILY else best.encoding
    return _checked(path, data.decode(encoding, errors="replace"), encoding)


def _checked(path: Path, text: str, encoding: str) -> tuple[str, str]:
    """Refuse text that is mostly garbage: replacement or control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    visible = [c for c in text if not c.isspace()]
    bad = sum(1 for c in visible if c == "\ufffd" or (ord(c) < 32) or 0x7F <= ord(c) < 0xA0)
    if visible and bad / len(visible) > 0.05:
        raise RejectedFile(path, "文件内容无法解码为文字（可能是二进制文件或编码损坏）")
    if visible and not any(c.isalpha() for c in visible):
        raise RejectedFile(path, "文件中没有文字内容")
    return text, encoding


def _read_docx(path: Path, data: bytes, max_bytes: int) -> RawDocument:
    import io

    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise RejectedFile(path, "无法读取 Word 文件：文件已损坏或不是 .docx 格式") from exc
    if unpacked > max(ZIP_EXPANSION_LIMIT, 10 * max_bytes):
        raise RejectedFile(path, "Word 文件解压后过大（疑似压缩炸弹），已拒绝")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises assorted errors on malformed parts
        raise RejectedFile(path, "无法读取 Word 文件：文件已损坏或不是 .docx 格式") from exc
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.extend(cell.text for cell in row.cells)
    props = document.core_properties
    created = props.created.date() if isinstance(props.created, datetime) else None
    return RawDocument(
        path,
        "\n\n".join(p for p in paragraphs if p.strip()),
        "docx",
        title=props.title or None,
        date=created,
    )


def _read_pdf(path: Path, data: bytes) -> RawDocument:
    import io

    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        info = document.info[0] if document.info else {}
        text = extract_text(io.BytesIO(data))
    except PDFPasswordIncorrect as exc:
        raise RejectedFile(path, "PDF 已加密，无法读取") from exc
    except Exception as exc:  # pdfminer raises many kinds of errors on broken files
        if "encrypt" in str(exc).lower():
            raise RejectedFile(path, "PDF 已加密，无法读取") from exc
        raise RejectedFile(path, "无法读取 PDF：文件已损坏或不完整") from exc
    if not re.search(r"\w", text):
        raise RejectedFile(path, "PDF 没有文字层（可能是扫描件），请先进行文字识别")
    # pdfminer separates pages with form feeds; a page break is a paragraph break.
    text = text.replace("\x0c", "\n\n")
    return RawDocument(
        path,
        text,
        "pdf",
        title=_pdf_string(info.get("Title")),
        date=_pdf_date(_pdf_string(info.get("CreationDate"))),
    )


def _pdf_string(value: object) -> str | None:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text as decode_pdf_text

    value = resolve1(value)
    if isinstance(value, bytes):
        if value.startswith((b"\xfe\xff", b"\xff\xfe")):
            return value.decode("utf-16", errors="replace")
        return decode_pdf_text(value)
    return value if isinstance(value, str) else None


def _pdf_date(value: str | None) -> date | None:
    """PDF dates look like D:20240701083000+08'00'."""
    match = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", value or "")
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _read_html(path: Path, data: bytes) -> RawDocument:
    import trafilatura

    html = _decode_html(path, data)
    extracted = trafilatura.extract(
        html, include_comments=False, include_tables=True, favor_recall=True, output_format="txt"
    )
    text = extracted or _body_text(html)
    meta = trafilatura.extract_metadata(html)
    day = None
    if meta is not None and meta.date:
        try:
            day = date.fromisoformat(meta.date[:10])
        except ValueError:
            day = None
    # trafilatura puts one paragraph per line; blank lines make the breaks explicit.
    text = "\n\n".join(line for line in text.splitlines() if line.strip())
    return RawDocument(path, text, "html", title=meta.title if meta else None, date=day)


def _decode_html(path: Path, data: bytes) -> str:
    declared = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", data[:4096], re.IGNORECASE)
    if declared:
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in _GB_FAMILY else name
        try:
            return data.decode(name, errors="replace")
        except LookupError:
            pass
    return decode_text(path, data)[0]


def _body_text(html: str) -> str:
    """Fallback when trafilatura finds no main text: all visible text of the page."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # lxml rejects some empty or broken documents
        return ""
    for node in tree.xpath("//script|//style|//noscript"):
        node.drop_tree()
    return "\n\n".join(t.strip() for t in tree.xpath("//body//text()") if t.strip())
