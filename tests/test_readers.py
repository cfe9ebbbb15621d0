"""Reading every format users feed, and a clear Chinese reason for each file we refuse."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import opencc
import pytest

from bot.ingest.model import RejectedFile
from bot.ingest.readers import date_from_filename, read_document
from tests.conftest import seed_text
from tests.fixtures_files import make_docx, make_pdf

MB = 1024 * 1024


def read(path: Path, max_bytes: int = 20 * MB):
    return read_document(path, max_bytes)


def refused(path: Path, max_bytes: int = 20 * MB) -> str:
    with pytest.raises(RejectedFile) as info:
        read(path, max_bytes)
    assert info.value.path == str(path)
    return info.value.reason


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_text_encodings_are_detected_not_assumed(tmp_path: Path, encoding: str) -> None:
    text = seed_text("003")
    path = tmp_path / "page.txt"
    path.write_bytes(text.encode(encoding))
    doc = read(path)
    assert doc.text == text
    assert doc.format == "txt"


def test_traditional_text_is_kept_as_written(tmp_path: Path) -> None:
    text = opencc.OpenCC("s2t").convert(seed_text("000"))
    path = tmp_path / "trad.md"
    path.write_text(text, encoding="utf-8")
    assert read(path).text == text


def test_docx_paragraphs_and_metadata(tmp_path: Path) -> None:
    text = seed_text("003")
    path = tmp_path / "page.docx"
    make_docx(path, text, title="党建周刊", created=datetime(2024, 7, 1, 8, 0))
    doc = read(path)
    expected = [b.strip("\n") for b in text.split("\n\n") if b.strip()]
    assert [p for p in doc.text.split("\n\n")] == expected
    assert (doc.title, doc.date) == ("党建周刊", date(2024, 7, 1))


def test_pdf_text_layer_and_metadata(tmp_path: Path) -> None:
    text = seed_text("001")
    path = tmp_path / "page.pdf"
    make_pdf(path, text, title="北疆党建", created=datetime(2024, 9, 30, 8, 0))
    doc = read(path)
    assert "".join(doc.text.split()) == "".join(text.split())
    assert (doc.title, doc.date) == ("北疆党建", date(2024, 9, 30))


def test_html_main_text_without_scripts(tmp_path: Path) -> None:
    paragraphs = [p for p in seed_text("000").split("　　") if len(p) > 40][:6]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        '<html><head><meta charset="gbk"><title>党建引领</title>'
        "<script>var tracker = 'SECRET_SCRIPT';</script><style>.x{color:red}</style></head>"
        "<body><nav><a href='/'>首页</a> | <a href='/news'>新闻</a></nav>"
        f"<article><h1>党建引领高质量发展</h1>{body}</article>"
        "<footer>版权所有 内蒙古日报社 京ICP备0000号</footer></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("gbk"))
    doc = read(path)
    assert "SECRET_SCRIPT" not in doc.text and "color:red" not in doc.text
    for paragraph in paragraphs:
        assert paragraph in doc.text


def _zip_bomb(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * MB
            for _ in range(300):
                member.write(chunk)
    path.write_bytes(buffer.getvalue())


def test_bad_files_are_refused_with_a_chinese_reason(tmp_path: Path) -> None:
    cases: dict[str, bytes] = {
        "empty.txt": b"",
        "spaces.md": b" \n\t\n ",
        "noise.txt": bytes(range(1, 32)) * 500,
        "image.txt": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
        "corrupt.docx": b"PK\x03\x04garbage" * 100,
        "truncated.pdf": b"",
        "scanned.pdf": b"",
        "sheet.xlsx": b"a,b\n1,2\n",
    }
    full = tmp_path / "full.pdf"
    make_pdf(full, seed_text("000"))
    cases["truncated.pdf"] = full.read_bytes()[: full.stat().st_size // 2]
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    from reportlab.pdfgen import canvas

    scan = canvas.Canvas(str(tmp_path / "scanned.pdf"))
    scan.rect(50, 50, 200, 200, fill=1)
    scan.save()
    _zip_bomb(tmp_path / "bomb.docx")

    reasons = {name: refused(tmp_path / name) for name in [*cases, "bomb.docx"]}
    assert "为空" in reasons["empty.txt"] and "为空" in reasons["spaces.md"]
    assert "二进制" in reasons["image.txt"] or "解码" in reasons["image.txt"]
    assert "损坏" in reasons["corrupt.docx"] and "损坏" in reasons["truncated.pdf"]
    assert "文字层" in reasons["scanned.pdf"]
    assert "压缩炸弹" in reasons["bomb.docx"]
    assert ".xlsx" in reasons["sheet.xlsx"]
    assert all(not r.isascii() for r in reasons.values())


def test_size_limit_missing_file_and_folder(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(seed_text("002"), encoding="utf-8")
    assert "过大" in refused(big, max_bytes=1000)
    assert "不存在" in refused(tmp_path / "missing.txt")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert "不是普通文件" in refused(folder)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("内蒙古日报_2024-07-01.txt", date(2024, 7, 1)),
        ("20240701_第3版.pdf", date(2024, 7, 1)),
        ("2024年7月1日党建版.docx", date(2024, 7, 1)),
        ("page_2024_7_1.md", date(2024, 7, 1)),
        ("000_5b902a13115cba45.txt", None),
        ("2024-13-45.txt", None),
        ("report_12345678.txt", None),
    ],
)
def test_date_from_filename(name: str, expected: date | None) -> None:
    assert date_from_filename(name) == expected
