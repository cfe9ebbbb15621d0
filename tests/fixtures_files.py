"""Builders of real files in the formats users upload, made from seed text."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import docx
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

# A CID font every PDF reader has built in: reportlab does not embed it, and pdfminer maps
# its glyphs back to Unicode through the Adobe-GB1 CMaps it ships.
PDF_FONT = "STSong-Light"
PDF_FONT_SIZE = 10
# 14 pt apart, lines of one paragraph fall into one pdfminer text box; a blank line
# (28 pt) starts a new box, which pdfminer writes as a blank line.
PDF_LEADING = 14
PDF_MARGIN = 50
# Wider than A4 so that printed, hard-wrapped lines (seeds 001 and 004) stay whole: the
# splitter reads line structure, and re-wrapping would change it. Longer lines still wrap.
PDF_PAGE = (1000, A4[1])

pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def paragraphs_of(text: str) -> list[str]:
    """The text's paragraphs: runs of lines between blank (or whitespace-only) lines."""
    return [block for block in re.split(r"\n\s*\n", text) if block.strip()]


def make_docx(path: Path, text: str, title: str = "", created: datetime | None = None) -> None:
    """A Word file with one paragraph per block of the text, its lines kept as line breaks."""
    document = docx.Document()
    for block in paragraphs_of(text):
        document.add_paragraph(block)
    document.core_properties.title = title
    if created:
        document.core_properties.created = created
    document.save(str(path))


def make_pdf(path: Path, text: str, title: str = "", created: datetime | None = None) -> None:
    """A PDF with a real text layer: the text's lines, wrapped to the page, over many pages."""
    # invariant: the same text gives the same bytes, so file hashes are stable across runs
    pdf = canvas.Canvas(str(path), pagesize=PDF_PAGE, invariant=True)
    pdf.setTitle(title)
    if created:
        pdf.setDateFormatter(lambda *_: created.strftime("D:%Y%m%d%H%M%S+08'00'"))
    width, height = PDF_PAGE
    y = height - PDF_MARGIN
    for line in _wrapped_lines(text, width - 2 * PDF_MARGIN):
        if y < PDF_MARGIN:
            pdf.showPage()
            y = height - PDF_MARGIN
        pdf.setFont(PDF_FONT, PDF_FONT_SIZE)
        pdf.drawString(PDF_MARGIN, y, line)
        y -= PDF_LEADING
    pdf.save()


def make_blank_pdf(path: Path) -> None:
    """A page with a drawing and no text, like a scan without OCR."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(50, 50, 200, 200, fill=1)
    pdf.save()


def make_unmapped_pdf(path: Path) -> None:
    """A text layer whose font has no Unicode map: glyph ids only, as some typesetters write."""
    content = b"BT /F1 24 Tf 72 720 Td <0001000200030004000500060007> Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Typeset /Encoding /Identity-H"
        b" /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Typeset"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))


def make_zip_bomb(path: Path, unpacked_mb: int) -> None:
    """A .docx-looking zip whose one member unpacks to `unpacked_mb` MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(unpacked_mb):
                member.write(chunk)
    path.write_bytes(buffer.getvalue())


def _wrapped_lines(text: str, width: float) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        lines.extend(_wrap(line, width))
    return lines


def _wrap(line: str, width: float) -> list[str]:
    """Cut one line into pieces no wider than `width` (Chinese wraps between any two chars)."""
    pieces, current, used = [], "", 0.0
    for char in line:
        advance = pdfmetrics.stringWidth(char, PDF_FONT, PDF_FONT_SIZE)
        if current and used + advance > width:
            pieces.append(current)
            current, used = "", 0.0
        current += char
        used += advance
    return [*pieces, current]


def make_many_paragraph_docx(path: Path, paragraphs: int) -> None:
    """A .docx of `paragraphs` distinct short paragraphs, written as XML straight into the
    package (python-docx takes minutes to add 100k paragraphs one by one)."""
    template = io.BytesIO()
    docx.Document().save(template)
    body = "".join(
        f"<w:p><w:r><w:t>第{n}段：嘎查党支部组织牧民学习政策，第{n % 97}户增收{n % 13}千元。"
        "</w:t></w:r></w:p>"
        for n in range(paragraphs)
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                data = re.sub(
                    r"<w:body>.*?<w:sectPr", f"<w:body>{body}<w:sectPr", text, flags=re.S
                ).encode()
            target.writestr(item, data)
    path.write_bytes(out.getvalue())
