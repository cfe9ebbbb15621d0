"""Word documents in the official layout of GB/T 9704-2012 (党政机关公文格式), with python-docx.

The layout: A4; margins top 37, bottom 35, left 28, right 26 mm (a 156 x 225 mm text
block); title in 方正小标宋简体 二号 (22 pt); body in 仿宋_GB2312 三号 (16 pt) at a fixed line
pitch of 28.9 pt (22 lines fill the 225 mm block); headings 黑体 “一、”, 楷体 “（一）”,
仿宋加粗 “1.”; page numbers `— 1 —` in 宋体 四号 below the text, on the outside (odd pages
right, even pages left, one character in from the edge of the text block).

Chinese text takes its font from the East-Asian slot of a run's fonts (`w:eastAsia`),
which python-docx's `font.name` does not set; and a theme font (`w:eastAsiaTheme`, which
the default template sets everywhere) wins over a named one. So every style here names its
fonts in all slots and drops the theme attributes. 方正 and the _GB2312 fonts are
commercial or old: the font table names the common fonts Word falls back to (`w:altName`:
仿宋, 楷体, 宋体), and LibreOffice has the same substitutions built in.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Length, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from lxml import etree

PAGE = (Mm(210), Mm(297))
TEXT_WIDTH = Mm(156)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
LINE_PITCH = Pt(28.9)
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(12)  # 小四: a table of five columns does not fit in 三号
WESTERN = "Times New Roman"
# The official font of each role, and the common font Word and LibreOffice fall back to.
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
FALLBACKS = {FANGSONG: "仿宋", KAITI: "楷体", XIAOBIAOSONG: SONGTI}
RED = RGBColor(0xE6, 0x00, 0x12)  # the red of a 版头 (mastheads are printed red)
BLACK = RGBColor(0, 0, 0)
# Style names: built-in headings, so Word's navigation pane and TOC fields find them.
TITLE, SUBTITLE, SOURCE, CENTERED = "Doc Title", "Doc Subtitle", "Source Line", "Centered"
HEADINGS = {1: ("Heading 1", HEITI, False), 2: ("Heading 2", KAITI, False),
            3: ("Heading 3", FANGSONG, True)}  # fmt: skip
TOC_STYLES = {1: "toc 1", 2: "toc 2"}
CN_NUMBERS = "一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五, 110 → 一百一十 (up to 999)."""
    hundreds, rest = divmod(n, 100)
    if hundreds:
        tail = "" if not rest else ("零" if rest < 10 else "") + chinese_number(rest)
        if 10 <= rest < 20:
            tail = "一" + tail  # 一百一十二, not 一百十二
        return CN_NUMBERS[hundreds - 1] + "百" + tail
    if n <= 10:
        return CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else CN_NUMBERS[tens - 1] + "十"
    return head + (CN_NUMBERS[ones - 1] if ones else "")


def chinese_date(day: date) -> str:
    """2026年12月2日: GB/T 9704 writes the date in Arabic numerals, without leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


THEME_FONTS = tuple(qn(f"w:{a}") for a in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"))


def set_fonts(element: object, east_asian: str, western: str = WESTERN) -> None:
    """Name the fonts of a style or run (anything with get_or_add_rPr) in every slot."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:ascii"), western)
    fonts.set(qn("w:hAnsi"), western)
    fonts.set(qn("w:cs"), western)
    fonts.set(qn("w:eastAsia"), east_asian)


@dataclass(frozen=True)
class TocEntry:
    level: int
    text: str
    bookmark: str


class OfficialDocument:
    """A document in the official layout, written paragraph by paragraph."""

    def __init__(self, title: str, author: str, *, cover: bool = False) -> None:
        """`cover`: the first page is a cover, without a page number."""
        self.doc: DocumentObject = Document()
        self.toc: list[TocEntry] = []
        self._toc_anchor: Paragraph | None = None
        self._bookmarks = 0
        self._page_setup(cover)
        self._styles()
        self._font_table()
        self._page_numbers()
        self.doc.core_properties.title = title
        self.doc.core_properties.author = author
        self.doc.core_properties.language = "zh-CN"
        # The blank template's one empty paragraph would be the first line of the page.
        body = self.doc.element.body
        for p in body.findall(qn("w:p")):
            body.remove(p)

    # --- layout ---------------------------------------------------------------------

    def _page_setup(self, cover: bool) -> None:
        section = self.doc.sections[0]
        section.start_type = WD_SECTION.NEW_PAGE
        section.page_width, section.page_height = PAGE
        for side, length in MARGINS.items():
            setattr(section, f"{side}_margin", length)
        section.header_distance = Mm(15)
        section.different_first_page_header_footer = cover
        # The page number's top 7 mm below the text block (GB/T 9704 7.5): 35 - 7 - one
        # line of 四号 is about 23 mm from the paper's edge.
        section.footer_distance = Mm(23)

    def _styles(self) -> None:
        styles = self.doc.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            styles.element.remove(defaults)  # theme fonts and en-US, under every style
        for fonts in styles.element.iter(qn("w:rFonts")):  # the template's other styles
            for attribute in THEME_FONTS:
                fonts.attrib.pop(attribute, None)
        normal = styles["Normal"]
        self._style(normal, FANGSONG, BODY_SIZE)
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "zh-CN")
        lang.set(qn("w:eastAsia"), "zh-CN")
        normal.element.get_or_add_rPr().append(lang)
        normal.paragraph_format.first_line_indent = BODY_SIZE * 2
        normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        for level, (name, font, bold) in HEADINGS.items():
            style = styles[name]
            self._style(style, font, BODY_SIZE, bold=bold)
            style.paragraph_format.first_line_indent = BODY_SIZE * 2
            style.paragraph_format.keep_with_next = True
            style.paragraph_format.outline_level = level - 1  # type: ignore[attr-defined]
        for name, font, size in ((TITLE, XIAOBIAOSONG, TITLE_SIZE), (SUBTITLE, KAITI, BODY_SIZE),
                                 (CENTERED, FANGSONG, BODY_SIZE)):  # fmt: skip
            style = self._new_style(name, font, size)
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            style.paragraph_format.first_line_indent = Pt(0)
        title = styles[TITLE]
        title.paragraph_format.line_spacing = Pt(36)  # two lines of 二号 must not touch
        title.paragraph_format.keep_with_next = True
        self._new_style(SOURCE, KAITI, BODY_SIZE)
        for level, name in TOC_STYLES.items():
            style = self._new_style(name, FANGSONG if level > 1 else HEITI, BODY_SIZE)
            style.paragraph_format.first_line_indent = Pt(0)
            style.paragraph_format.left_indent = BODY_SIZE * 2 * (level - 1)
            style.paragraph_format.tab_stops.add_tab_stop(
                TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
            )
        for name in ("Header", "Footer"):
            self._style(styles[name], SONGTI, PAGE_NUMBER_SIZE)
            styles[name].paragraph_format.first_line_indent = Pt(0)

    def _new_style(self, name: str, font: str, size: Pt) -> ParagraphStyle:
        style = self.doc.styles.add_style(name, 1)  # WD_STYLE_TYPE.PARAGRAPH
        style.base_style = self.doc.styles["Normal"]
        self._style(style, font, size)
        return style  # type: ignore[return-value]

    @staticmethod
    def _style(style: ParagraphStyle, font: str, size: Pt, *, bold: bool = False) -> None:
        set_fonts(style.element, font)
        style.font.size = size
        style.font.bold = bold
        style.font.italic = False
        style.font.color.rgb = BLACK
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = LINE_PITCH  # a Length: an exact line pitch
        fmt.widow_control = False  # a fixed grid of lines; orphans are the lesser evil

    def _font_table(self) -> None:
        """The official fonts with the common font to fall back to where they are missing."""
        part = self.doc.part.part_related_by(RT.FONT_TABLE)
        table = parse_xml(part.blob)
        for name, alt in (*FALLBACKS.items(), (HEITI, HEITI)):
            font = parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}">'
                + (f'<w:altName w:val="{alt}"/>' if alt != name else "")
                + '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/>'
                "</w:font>"
            )
            table.append(font)
        part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)  # type: ignore[attr-defined]

    def _page_numbers(self) -> None:
        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        for footer, alignment, side in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right_indent"),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left_indent"),
        ):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.alignment = alignment
            setattr(p.paragraph_format, side, PAGE_NUMBER_SIZE)  # one character in
            p.add_run("— ")
            _field(p, "PAGE", "1")
            p.add_run(" —")

    # --- content --------------------------------------------------------------------

    def title(self, text: str, *, color: RGBColor | None = None, size: Pt | None = None) -> None:
        run = self.doc.add_paragraph(style=TITLE).add_run(text)
        if color is not None:
            run.font.color.rgb = color
        if size is not None:
            run.font.size = size

    def subtitle(self, text: str) -> None:
        self.doc.add_paragraph(text, style=SUBTITLE)

    def centered(self, text: str) -> Paragraph:
        return self.doc.add_paragraph(text, style=CENTERED)

    def flush(self, text: str, right: str = "") -> Paragraph:
        """A line flush left, with `right` flush right on it (版头's unit and date)."""
        p = self.doc.add_paragraph(style=CENTERED)
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        p.add_run(text)
        if right:
            p.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
            p.add_run(f"\t{right}")
        return p

    def blank(self) -> None:
        self.doc.add_paragraph(style=CENTERED)

    def heading(self, level: int, text: str, *, in_toc: bool = False) -> None:
        """“一、…” in 黑体, “（一）…” in 楷体, “1.…” in bold 仿宋: `text` carries its number."""
        p = self.doc.add_paragraph(style=HEADINGS[level][0])
        if in_toc:
            self._bookmarks += 1
            name = f"_Toc{self._bookmarks:06d}"
            _bookmark(p, name, self._bookmarks, text)
            self.toc.append(TocEntry(level, text, name))
        else:
            p.add_run(text)

    def paragraph(self, text: str, *, lead: str = "", style: str | None = None) -> Paragraph:
        """A body paragraph; `lead` is set in bold first (“1.背景。”, the third heading level
        run into its paragraph)."""
        p = self.doc.add_paragraph(style=style)
        if lead:
            p.add_run(lead).bold = True
        p.add_run(text)
        return p

    def source(self, text: str) -> None:
        self.doc.add_paragraph(text, style=SOURCE)

    def table(self, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            _cell(cell, str(text), bold=True)
        _repeat_header(table.rows[0])
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                _cell(cell, "" if value is None else str(value))

    def picture(self, png: bytes, width: Length, height: Length) -> None:
        """A centred figure as large as fits in `width` x `height`, on a line of its own
        height (an exact line pitch would crop it)."""
        image = Image.from_blob(png)
        scale = min(width / image.px_width, height / image.px_height)
        p = self.doc.add_paragraph(style=CENTERED)
        p.paragraph_format.line_spacing = 1.0
        p.add_run().add_picture(io.BytesIO(png), width=Emu(int(image.px_width * scale)))

    def rule(self, color: RGBColor, *, top: bool = False, size: int = 12) -> Paragraph:
        """An empty line drawn as a line across the text block (版头 red line, 版记 lines)."""
        p = self.doc.add_paragraph(style=CENTERED)
        _border(p, "top" if top else "bottom", color, size)
        p.paragraph_format.line_spacing = Pt(8)
        return p

    def imprint(self, lines: Sequence[str], left: str, right: str) -> None:
        """版记 after the body: `lines` (报：…, 送：…), then `left` and `right` (issuing unit,
        印发 date) on one line, with a thick line above and below and thin lines between
        (GB/T 9704 8.3). Not floated to the foot of the page: LibreOffice 7.4 shows a
        floating table at the top of the next page."""
        table = self.doc.add_table(rows=len(lines) + 1, cols=1)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        properties = table._tbl.tblPr
        width = properties.find(qn("w:tblW"))
        if width is None:
            width = OxmlElement("w:tblW")
            properties.append(width)
        width.set(qn("w:type"), "pct")
        width.set(qn("w:w"), "5000")  # the whole text block
        borders = OxmlElement("w:tblBorders")
        for side, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0),
                           ("insideH", 4), ("insideV", 0)):  # fmt: skip
            line = OxmlElement(f"w:{side}")
            line.set(qn("w:val"), "single" if size else "nil")
            if size:
                line.set(qn("w:sz"), str(size))  # eighths of a point: 1 pt and 0.5 pt
                line.set(qn("w:color"), "000000")
            borders.append(line)
        look = properties.find(qn("w:tblLook"))
        if look is None:
            properties.append(borders)
        else:
            look.addprevious(borders)
        texts = [*lines, f"{left}\t{right}"]
        for row, text in zip(table.rows, texts, strict=True):
            row.height = LINE_PITCH
            row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
            p = row.cells[0].paragraphs[0]
            p.style = self.doc.styles[CENTERED]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            fmt = p.paragraph_format
            fmt.left_indent = fmt.right_indent = PAGE_NUMBER_SIZE  # one character in
            fmt.tab_stops.add_tab_stop(TEXT_WIDTH - Mm(8) - PAGE_NUMBER_SIZE,
                                       WD_TAB_ALIGNMENT.RIGHT)  # fmt: skip
            p.add_run(text).font.size = PAGE_NUMBER_SIZE  # 四号
        self.doc.add_paragraph(style=CENTERED)  # a document does not end with a table

    def page_break(self) -> None:
        self.doc.add_paragraph(style=CENTERED).add_run().add_break(WD_BREAK.PAGE)

    def toc_here(self) -> None:
        """Where the table of contents goes; filled by save() once every heading is in."""
        self._toc_anchor = self.doc.add_paragraph(style=CENTERED)

    def save(self) -> bytes:
        if self._toc_anchor is not None:
            _fill_toc(self._toc_anchor, self.toc)
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


# --- raw WordprocessingML: fields, bookmarks, borders, table cells ---------------------


def _field(p: Paragraph, instruction: str, shown: str) -> None:
    """A field (PAGE, PAGEREF …) with `shown` as its last computed result."""
    _field_part(p, "begin")
    _instruction(p, instruction)
    _field_part(p, "separate")
    p.add_run(shown)
    _field_part(p, "end")


def _bookmark(p: Paragraph, name: str, number: int, text: str) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    p._p.append(start)
    p.add_run(text)
    p._p.append(end)


def _fill_toc(anchor: Paragraph, entries: list[TocEntry]) -> None:
    """The headings, each with a PAGEREF field to its bookmark: LibreOffice computes the
    page numbers when it lays the document out, Word when it updates fields, which it
    offers on opening (settings' updateFields). Not a TOC field: LibreOffice shows a TOC
    field's stored text, whose page numbers nobody has computed."""
    anchor.style = TITLE
    anchor.add_run("目  录")
    current = anchor
    for entry in entries:
        p = _insert_after(current, TOC_STYLES[entry.level])
        p.add_run(entry.text)
        p.add_run("\t")
        _field(p, f"PAGEREF {entry.bookmark} \\h", "")
        current = p
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings = anchor.part.settings.element  # type: ignore[attr-defined]
    # Word reads settings in the schema's order: updateFields comes before these.
    later = next((e for e in settings if etree.QName(e).localname in _AFTER_UPDATE_FIELDS), None)
    if later is None:
        settings.append(update)
    else:
        later.addprevious(update)


_AFTER_UPDATE_FIELDS = {
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
    "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
    "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
    "listSeparator",
}  # fmt: skip


def _insert_after(p: Paragraph, style: str) -> Paragraph:
    new = OxmlElement("w:p")
    p._p.addnext(new)
    para = Paragraph(new, p._parent)
    para.style = style
    return para


def _field_part(p: Paragraph, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    p.add_run()._r.append(char)


def _instruction(p: Paragraph, instruction: str) -> None:
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    p.add_run()._r.append(text)


def _border(p: Paragraph, side: str, color: RGBColor, size: int) -> None:
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))  # eighths of a point
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), str(color))
    borders.append(line)
    p._p.get_or_add_pPr().append(borders)


def _cell(cell: object, text: str, *, bold: bool = False) -> None:
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = Pt(20)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.font.size = TABLE_SIZE
    run.bold = bold
    if bold:
        set_fonts(run._r, HEITI)


def _repeat_header(row: object) -> None:
    """The header row again on every page a long table runs onto."""
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
