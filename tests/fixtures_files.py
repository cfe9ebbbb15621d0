"""Builders of real files in the formats users upload, made from seed text."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path


def make_docx(path: Path, text: str, title: str = "", created: datetime | None = None) -> None:
    """A Word file with one paragraph per block of the text (blocks split on blank lines)."""
    import docx

    document = docx.Document()
    for block in text.split("\n\n"):
        if block.strip():
            document.add_paragraph(block.strip("\n"))
    document.core_properties.title = title
    if created:
        document.core_properties.created = created
    document.save(str(path))


def make_pdf(path: Path, text: str, title: str = "", created: datetime | None = None) -> None:
    """A PDF with a real text layer, using the CID font every PDF reader has (STSong-Light)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    # A wide page keeps every seed line whole; lines 14 pt apart at 10 pt group into text
    # boxes the way a newspaper column does.
    pdf = canvas.Canvas(str(path), pagesize=(1000, 842), invariant=created is None)
    pdf.setTitle(title)
    if created:
        pdf.setCreator("casebot tests")
        pdf._doc.info.creationDate = created.strftime("%Y%m%d%H%M%S")
    y = 800
    for line in text.splitlines():
        for piece in textwrap.wrap(line, 90) or [""]:
            if y < 50:
                pdf.showPage()
                y = 800
            pdf.setFont("STSong-Light", 10)
            pdf.drawString(40, y, piece)
            y -= 14
    pdf.save()
