"""Reading every format users feed into text, and a clear Chinese reason for each refusal.

All files are real: written by the tests from the seed pages, in the encodings and formats
newsrooms hand over.
"""

from __future__ import annotations

import html
import io
import os
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import docx
import opencc
import pytest
from docx.oxml import parse_xml
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from bot.ingest.model import RawDocument, RejectedFile
from bot.ingest.readers import SUPPORTED_SUFFIXES, date_from_filename, read_document
from tests.conftest import SEEDS, seed_text
from tests.fixtures_files import (
    make_blank_pdf,
    make_docx,
    make_pdf,
    make_unmapped_pdf,
    make_zip_bomb,
    paragraphs_of,
)

MB = 1024 * 1024
LIMIT = 20 * MB
SEED_IDS = [seed.name[:3] for seed in SEEDS]


def read(path: Path, max_bytes: int = LIMIT) -> RawDocument:
    return read_document(path, max_bytes)


def refused(path: Path, max_bytes: int = LIMIT) -> str:
    """The reason `path` is rejected; it must be for that path and in Chinese."""
    with pytest.raises(RejectedFile) as info:
        read(path, max_bytes)
    assert info.value.path == str(path)
    assert not info.value.reason.isascii()
    return info.value.reason


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- plain text -----------------------------------------------------------------------

# how the test writes the bytes → the codec the reader must report
ENCODINGS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf-16": "utf-16",  # Python writes a BOM
    "utf-32": "utf-32",
    "gbk": "gb18030",  # GB18030 is the superset, so a GBK guess is read as GB18030
    "gb18030": "gb18030",
}


def _encodable() -> Iterator[object]:
    # 000 has a no-break space and 004 a "⋯": GBK has neither, GB18030 has both
    for seed in SEED_IDS:
        for encoding in ENCODINGS:
            try:
                seed_text(seed).encode(encoding)
            except UnicodeEncodeError:
                continue
            yield pytest.param(seed, encoding, id=f"{seed}-{encoding}")


@pytest.mark.parametrize(("seed", "encoding"), list(_encodable()))
def test_every_encoding_decodes_to_exactly_the_seed(
    tmp_path: Path, seed: str, encoding: str
) -> None:
    text = seed_text(seed)
    doc = read(written(tmp_path / "page.txt", text.encode(encoding)))
    assert doc.text == text
    assert (doc.format, doc.encoding) == ("txt", ENCODINGS[encoding])


def test_big_endian_utf16_with_bom(tmp_path: Path) -> None:
    text = seed_text("001")
    doc = read(written(tmp_path / "page.txt", ("\ufeff" + text).encode("utf-16-be")))
    assert doc.text == text


@pytest.mark.parametrize("text", ["中国共产党", "你好", "呼和浩特", "党"])
def test_short_gbk_text_is_read_as_chinese(tmp_path: Path, text: str) -> None:
    # so short, GBK, Big5 and EUC-KR readings are equally clean; the corpus is Chinese
    doc = read(written(tmp_path / "short.txt", text.encode("gbk")))
    assert (doc.text, doc.encoding) == (text, "gb18030")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_endings_become_newlines_and_nothing_else_changes(
    tmp_path: Path, newline: str
) -> None:
    text = seed_text("003")  # blank lines, trailing spaces and markdown, all kept
    doc = read(written(tmp_path / "page.md", text.replace("\n", newline).encode("gb18030")))
    assert doc.text == text
    assert doc.format == "md"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_traditional_script_is_kept_as_written(tmp_path: Path, encoding: str) -> None:
    text = opencc.OpenCC("s2t").convert(seed_text("003"))
    doc = read(written(tmp_path / "trad.txt", text.encode(encoding)))
    assert doc.text == text
    assert "黨建" in doc.text


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_damaged_byte_does_not_lose_the_file(tmp_path: Path, encoding: str) -> None:
    text = seed_text("003")
    data = text[:300].encode(encoding) + b"\xff" + text[300:].encode(encoding)
    doc = read(written(tmp_path / "damaged.txt", data))
    assert doc.text == text[:300] + "\ufffd" + text[300:]
    assert doc.encoding == encoding


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.text", "txt"), ("a.markdown", "md"), ("PAGE.TXT", "txt"), ("a.HTM", "html")],
)
def test_suffixes_map_to_formats_whatever_their_case(tmp_path: Path, name: str, fmt: str) -> None:
    assert read(written(tmp_path / name, "党建引领".encode())).format == fmt


# --- Word ------------------------------------------------------------------------------


def test_docx_paragraphs_come_apart_by_blank_lines_with_metadata(tmp_path: Path) -> None:
    text = seed_text("003")
    path = tmp_path / "page.docx"
    make_docx(path, text, title="党建周刊", created=datetime(2024, 7, 1, 8, 0))
    doc = read(path)
    assert doc.text == "\n\n".join(paragraphs_of(text))
    assert (doc.format, doc.title, doc.date) == ("docx", "党建周刊", date(2024, 7, 1))


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEXT_BOX_RUN = f"""
<w:r xmlns:w="{W}"
     xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
     xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
     xmlns:v="urn:schemas-microsoft-com:vml">
  <mc:AlternateContent>
    <mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx><w:txbxContent>
      <w:p><w:r><w:t>文本框里的文字。</w:t></w:r></w:p>
    </w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>
    <mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>
      <w:p><w:r><w:t>文本框里的文字。</w:t></w:r></w:p>
    </w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>
  </mc:AlternateContent>
</w:r>"""


def test_docx_table_cells_and_text_boxes_are_paragraphs_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("表格前的段落。")
    table = document.add_table(rows=2, cols=2)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "合并的单元格"
    table.cell(1, 0).text = "左下"
    table.cell(1, 1).text = "右下"
    anchor = document.add_paragraph("表格后的段落。")
    anchor._p.append(parse_xml(TEXT_BOX_RUN))
    document.save(str(tmp_path / "layout.docx"))

    doc = read(tmp_path / "layout.docx")
    # a merged cell once, and a text box once although Word stores it twice
    assert doc.text.split("\n\n") == [
        "表格前的段落。",
        "合并的单元格",
        "左下",
        "右下",
        "表格后的段落。",
        "文本框里的文字。",
    ]


def test_bad_word_files_are_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    make_docx(good, seed_text("001"))
    blank = tmp_path / "blank.docx"
    docx.Document().save(str(blank))
    corrupt = "无法读取 Word 文件：文件已损坏或不是 .docx 格式"
    assert refused(written(tmp_path / "noise.docx", os.urandom(4096))) == corrupt
    assert refused(written(tmp_path / "cut.docx", good.read_bytes()[:5000])) == corrupt
    assert refused(written(tmp_path / "zip.docx", _zip_of_text())) == corrupt
    # found by fuzzing: zipfile raises NotImplementedError for a version it does not know
    assert refused(written(tmp_path / "v99.docx", _zip_of_text(needs_version=99))) == corrupt
    assert refused(blank) == "文件为空"


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    make_zip_bomb(bomb, unpacked_mb=64)  # 64 KB on disk
    reason = refused(bomb, max_bytes=1 * MB)  # unpacked limit: 16 MB floor
    assert reason.startswith("Word 文件解压后过大（64.0 MB，上限 16.0 MB）")


def _zip_of_text(needs_version: int = 20) -> bytes:
    """A zip that is not a Word file; its one member needs that zip version (×10) to unpack."""
    buffer = io.BytesIO()
    member = zipfile.ZipInfo("notes.txt")
    member.extract_version = needs_version
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "会议纪要")
    return buffer.getvalue()


# --- PDF -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEED_IDS)
def test_pdf_text_layer_holds_every_character_of_the_seed(tmp_path: Path, seed: str) -> None:
    text = seed_text(seed)
    path = tmp_path / "page.pdf"
    make_pdf(path, text)
    doc = read(path)
    # STSong-Light has one glyph for both ellipses; pdfminer maps it back to "…"
    expected = "".join(text.split()).replace("⋯", "…")
    assert "".join(doc.text.split()) == expected
    assert "\f" not in doc.text and doc.format == "pdf"


def test_pdf_keeps_lines_and_puts_blank_lines_between_paragraphs(tmp_path: Path) -> None:
    # the first paragraphs of 004: short hard-wrapped lines on one page, as printed
    paragraphs = [p.strip() for p in paragraphs_of(seed_text("004"))[:3]]
    path = tmp_path / "page.pdf"
    make_pdf(path, "\n\n".join(paragraphs))
    assert read(path).text == "\n\n".join(paragraphs)


def test_a_page_break_is_a_blank_line(tmp_path: Path) -> None:
    lines = [f"第{n}行。" for n in range(1, 121)]  # 53 lines fit on a page
    path = tmp_path / "pages.pdf"
    make_pdf(path, "\n".join(lines))
    text = read(path).text
    assert [block.splitlines() for block in text.split("\n\n")] == [
        lines[:53],
        lines[53:106],
        lines[106:],
    ]


def test_pdf_metadata_gives_title_and_date(tmp_path: Path) -> None:
    path = tmp_path / "page.pdf"
    make_pdf(path, seed_text("001"), title="北疆党建", created=datetime(2024, 9, 30, 8, 0))
    doc = read(path)
    assert (doc.title, doc.date) == ("北疆党建", date(2024, 9, 30))


def test_bad_pdfs_are_refused_with_the_cause(tmp_path: Path) -> None:
    full = tmp_path / "full.pdf"
    make_pdf(full, seed_text("000"))
    cut = written(tmp_path / "cut.pdf", full.read_bytes()[: full.stat().st_size // 2])
    scanned = tmp_path / "scan.pdf"
    make_blank_pdf(scanned)
    unmapped = tmp_path / "glyphs.pdf"
    make_unmapped_pdf(unmapped)
    locked = tmp_path / "lock.pdf"
    _encrypted_pdf(locked)
    garbage = b"%PDF-1.4\n" + os.urandom(4096).replace(b"%%EOF", b"") + b"\n%%EOF\n"

    assert refused(scanned) == "PDF 没有文字层（可能是扫描件），请先进行文字识别"
    assert "不完整" in refused(cut)
    assert "不是 PDF" in refused(written(tmp_path / "noise.pdf", os.urandom(4096)))
    assert "已损坏" in refused(written(tmp_path / "garbage.pdf", garbage))
    assert "加密" in refused(locked)
    assert "无法解码" in refused(unmapped)


def _encrypted_pdf(path: Path) -> None:
    pdf = canvas.Canvas(str(path), encrypt=StandardEncryption("secret"))
    pdf.drawString(50, 800, "Locked")
    pdf.save()


# --- HTML ------------------------------------------------------------------------------


def _article_page(paragraphs: list[str], head: str) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head>{head}
<title>下好党建领航“先手棋” - 内蒙古日报</title>
<meta property="article:published_time" content="2024-07-01T08:00:00+08:00">
<style>.lead::before {{ content: "样式内容"; }}</style>
<script>var secret = "脚本内容";</script></head>
<body><nav><ul><li><a href="/">首页</a></li><li><a href="/news">新闻中心</a></li></ul></nav>
<article><h1>下好党建领航“先手棋”</h1>{body}</article>
<footer><p>版权所有 内蒙古日报社</p></footer>
<script>document.write("另一段脚本")</script></body></html>"""


def test_html_main_text_only_one_paragraph_per_block(tmp_path: Path) -> None:
    paragraphs = paragraphs_of(seed_text("003"))[2:9]
    page = _article_page(paragraphs, '<meta charset="utf-8">')
    doc = read(written(tmp_path / "page.html", page.encode()))
    # HTML collapses whitespace, so the paragraphs come back collapsed too
    collapsed = [" ".join(p.split()) for p in paragraphs]
    assert doc.text.split("\n\n") == ["下好党建领航“先手棋”", *collapsed]
    for boilerplate in ("脚本", "样式", "首页", "新闻中心", "版权所有"):
        assert boilerplate not in doc.text
    assert (doc.format, doc.title, doc.date) == ("html", "下好党建领航“先手棋”", date(2024, 7, 1))


@pytest.mark.parametrize(
    "head",
    [
        '<meta charset="gbk">',
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
        '<meta charset="utf-8">',  # wrong: a re-saved page; detection puts it right
    ],
)
def test_gbk_html_decodes_right(tmp_path: Path, head: str) -> None:
    paragraphs = paragraphs_of(seed_text("001"))[1:6]
    doc = read(written(tmp_path / "page.htm", _article_page(paragraphs, head).encode("gbk")))
    assert doc.encoding == "gb18030"
    assert "\n\n".join(" ".join(p.split()) for p in paragraphs) in doc.text


def test_html_without_an_article_falls_back_to_the_body_text(tmp_path: Path) -> None:
    page = (
        "<html><head><script>var x = '脚本';</script></head><body>"
        "<div id='comments'><p>评论区里的一段正文。</p><style>p{}</style></div></body></html>"
    )
    doc = read(written(tmp_path / "page.html", page.encode()))
    assert doc.text == "评论区里的一段正文。"


def test_markup_that_crashes_the_date_finder_still_reads(tmp_path: Path) -> None:
    # found by fuzzing: htmldate hits an AssertionError in lxml on this tree
    page = "<iframe srcdoc='<p>x</p>'><head><html></script><title><svg><text>x</text></svg>党建引领"
    doc = read(written(tmp_path / "broken.html", page.encode()))
    assert "党建引领" in doc.text and (doc.title, doc.date) == (None, None)


def test_html_without_text_is_empty(tmp_path: Path) -> None:
    page = "<html><head><title>只有标题</title><script>var x;</script></head><body></body></html>"
    assert refused(written(tmp_path / "page.html", page.encode())) == "文件为空"


# --- every format ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_an_empty_file_is_refused_in_every_format(tmp_path: Path, suffix: str) -> None:
    assert refused(written(tmp_path / f"empty{suffix}", b"")) == "文件为空"


@pytest.mark.parametrize("name", ["blank.txt", "blank.md", "blank.html"])
def test_whitespace_only_is_empty(tmp_path: Path, name: str) -> None:
    assert refused(written(tmp_path / name, " \n\t\r\n　\n".encode())) == "文件为空"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(os.urandom(64 * 1024), id="random"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096), id="png"),
        pytest.param(bytes(range(1, 32)) * 500, id="control-chars"),  # valid UTF-8, no NUL
        pytest.param(seed_text("001").encode("utf-16-le"), id="utf16-without-bom"),
    ],
)
def test_binary_data_is_not_text(tmp_path: Path, data: bytes) -> None:
    assert "不是文字" in refused(written(tmp_path / "data.txt", data))


def test_an_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(1024 * MB)  # sparse: reading it would take seconds and a gigabyte
    assert refused(huge) == "文件过大（1024.0 MB，上限 20.0 MB）"
    page = written(tmp_path / "page.txt", seed_text("002").encode())
    assert refused(page, max_bytes=10_000) == "文件过大（0.016 MB，上限 0.010 MB）"


@pytest.mark.parametrize("name", ["sheet.xlsx", "old.doc", "README"])
def test_an_unknown_suffix_is_refused_naming_what_is_supported(tmp_path: Path, name: str) -> None:
    reason = refused(written(tmp_path / name, "党建".encode()))
    assert reason.startswith(f"不支持的文件类型 {Path(name).suffix or '（无扩展名）'}（支持 .txt")
    assert ".docx" in reason and ".pdf" in reason and ".html" in reason


def test_paths_that_are_not_readable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert refused(folder) == "这是一个文件夹，不是文件"
    assert refused(tmp_path / "missing.txt") == "文件不存在"
    assert "不是普通文件" in refused(fifo)
    locked = written(tmp_path / "locked.txt", "党建".encode())

    def denied(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    # the tests may run as root, which chmod cannot lock out
    monkeypatch.setattr(Path, "open", denied)
    assert refused(locked) == "没有读取该文件的权限"


@pytest.mark.parametrize("suffix", [".docx", ".pdf", ".html"])
def test_any_cut_of_a_real_file_is_read_or_refused_never_a_crash(
    tmp_path: Path, suffix: str
) -> None:
    source = tmp_path / f"full{suffix}"
    text = seed_text("001")
    if suffix == ".docx":
        make_docx(source, text)
    elif suffix == ".pdf":
        make_pdf(source, text)
    else:
        source.write_text(_article_page(paragraphs_of(text), '<meta charset="utf-8">'))
    data = source.read_bytes()
    for cut in (1, 10, 100, 1000, len(data) // 3, len(data) // 2, len(data) - 10):
        path = written(tmp_path / f"cut{cut}{suffix}", data[:cut])
        try:
            read(path)
        except RejectedFile as exc:
            assert not exc.reason.isascii()


# --- dates in file names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("内蒙古日报_2024-07-01.txt", date(2024, 7, 1)),
        ("2024_07_01_第3版.pdf", date(2024, 7, 1)),
        ("rmrb20240701.txt", date(2024, 7, 1)),
        ("内蒙古日报2024年7月1日第3版.docx", date(2024, 7, 1)),
        ("2024 年 07 月 01 日.md", date(2024, 7, 1)),
        ("page_2024.7.1.html", date(2024, 7, 1)),
        ("20241399_then_2023-05-04.txt", date(2023, 5, 4)),  # the first real date wins
        ("000_5b902a13115cba45.txt", None),
        ("2024-13-45.txt", None),
        ("2023-02-29.txt", None),
        ("2024-07_01.txt", None),  # mixed separators are not a date
        ("report_12345678.txt", None),  # year 1234
        ("id_202407011.txt", None),  # nine digits: a number, not a date
        ("1899年1月1日.txt", None),
        (f"{date.today().year + 5}0101.txt", None),
        ("plain.txt", None),
    ],
)
def test_date_from_filename(name: str, expected: date | None) -> None:
    assert date_from_filename(name) == expected


@pytest.mark.parametrize(
    ("link", "url"),
    [
        ('<link rel="canonical" href="https://news.example.cn/a/1.html">',
         "https://news.example.cn/a/1.html"),
        ('<meta property="og:url" content="http://site.example.cn/p?id=7">',
         "http://site.example.cn/p?id=7"),
        ('<link rel="canonical" href="/a/1.html">', None),  # relative: where is unknown
        ("", None),
    ],
)  # fmt: skip
def test_html_says_where_it_lives(tmp_path: Path, link: str, url: str | None) -> None:
    page = _article_page(paragraphs_of(seed_text("003"))[2:5], f'<meta charset="utf-8">{link}')
    assert read(written(tmp_path / "page.html", page.encode())).url == url
