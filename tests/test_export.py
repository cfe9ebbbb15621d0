"""`casebot export`: Word documents in the official layout (GB/T 9704-2012), opened again
with python-docx and, once, laid out by LibreOffice."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTTextContainer

from tests.botkit import seeded_copy
from tests.conftest import casebot, seed_text
from tests.debian import install_debian_packages
from tests.fixtures_files import paragraphs_of
from tests.test_readers import _article_page


@pytest.fixture
def db(seeded_file: Path, tmp_path: Path) -> Path:
    return seeded_copy(seeded_file, tmp_path)


def export(db: Path, target: Path, *args: str) -> Document:
    done = casebot("export", *args, "--docx", str(target), db=db)
    assert done.returncode == 0, done.stderr
    assert f"已导出：{target}" in done.stdout
    return docx.Document(str(target))


def east_asian(element: object) -> str | None:
    fonts = element.find(qn("w:rPr") + "/" + qn("w:rFonts"))  # type: ignore[attr-defined]
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def assert_official_layout(document: Document) -> None:
    section = document.sections[0]
    # Stored in twentieths of a point: exact to a hundredth of a millimetre.
    assert [round(x.mm, 1) for x in (section.page_width, section.page_height)] == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin,
               section.right_margin)  # fmt: skip
    assert [round(x.mm, 1) for x in margins] == [37, 35, 28, 26]
    styles = document.styles
    normal = styles["Normal"]
    assert east_asian(normal.element) == "仿宋_GB2312"
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert Pt(28) <= normal.paragraph_format.line_spacing <= Pt(29)
    assert east_asian(styles["Doc Title"].element) == "方正小标宋简体"
    assert styles["Doc Title"].font.size == Pt(22)
    assert east_asian(styles["Heading 1"].element) == "黑体"
    assert east_asian(styles["Heading 2"].element) == "楷体_GB2312"
    assert east_asian(styles["Heading 3"].element) == "仿宋_GB2312"
    assert styles["Heading 3"].font.bold and not styles["Heading 1"].font.bold
    # No theme font anywhere: a theme attribute would win over the named font.
    assert "Theme" not in "".join(
        etree.tostring(f).decode() for f in styles.element.iter(qn("w:rFonts"))
    )
    # The official fonts fall back to the common ones where they are not installed.
    table = etree.fromstring(document.part.part_related_by(RT.FONT_TABLE).blob)
    alt = {
        f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val"))
        for f in table.iter(qn("w:font"))
        if f.find(qn("w:altName")) is not None
    }
    assert alt == {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体"}
    # — 1 — on the outside: odd pages right, even pages left.
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    for footer in (odd, even):
        assert footer.text.startswith("— ") and footer.text.endswith(" —")
        assert "PAGE" in "".join(t.text for t in footer._p.iter(qn("w:instrText")))


def paragraphs(document: Document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


def test_a_case_compilation_cites_every_case_from_its_article(db: Path, tmp_path: Path) -> None:
    found = casebot("search", "地区:鄂尔多斯", "类型:案例", "--limit", "100", "--json", db=db)
    expected = json.loads(found.stdout)["cases"]
    assert expected
    target = tmp_path / "汇编.docx"
    document = export(db, target, "cases", "地区:鄂尔多斯")
    assert_official_layout(document)
    assert paragraphs(document, "Doc Title")[:2] == ["鄂尔多斯市典型案例汇编", "目  录"]
    assert paragraphs(document, "Doc Subtitle") == ["（2024年7月1日至2024年7月1日）"]
    assert "党委宣传部" in paragraphs(document, "Centered")
    assert paragraphs(document, "Heading 1") == [f"一、鄂尔多斯市（{len(expected)}个）"]
    headings = paragraphs(document, "Heading 2")
    assert len(headings) == len(expected)
    numbers = "一二三四五六七八九十"
    assert all(h.startswith(f"（{n}）") for h, n in zip(headings, numbers, strict=False))
    # The table of contents lists every heading with a page reference to it.
    # Word asks to update fields on opening (the contents' page numbers); its settings are
    # read in the schema's order, where updateFields comes before compat.
    names = [etree.QName(e).localname for e in document.settings.element]
    assert names.index("updateFields") < names.index("compat")
    toc = [p for p in document.paragraphs if p.style.name in {"toc 1", "toc 2"}]
    assert [p.text.split("\t")[0] for p in toc] == paragraphs(document, "Heading 1") + headings
    assert all("PAGEREF _Toc" in "".join(t.text for t in p._p.iter(qn("w:instrText"))) for p in toc)

    articles = {a["title"]: a for a in json.loads(casebot("articles", "--json", db=db).stdout)}
    body = document.paragraphs
    starts = [n for n, p in enumerate(body) if p.style.name == "Heading 2"] + [len(body)]
    for start, end in itertools.pairwise(starts):
        case = body[start + 1 : end]
        [source] = [p.text for p in case if p.style.name == "Source Line"]
        title = re.fullmatch(r"来源：文件 \S+，2024-07-01，《(.+)》", source)
        assert title and title.group(1) in articles, source
        article_id = articles[title.group(1)]["article_id"]
        text = json.loads(casebot("show", str(article_id), "--json", db=db).stdout)["text"]
        parts = [p for p in case if p.style.name == "Normal"]
        assert any(p.runs[0].text.endswith("做法。") for p in parts)
        for p in parts:
            lead, rest = p.runs[0].text, "".join(r.text for r in p.runs[1:])
            assert re.fullmatch(r"\d\.(背景|做法|成效|讲述)。", lead) and p.runs[0].bold
            if not rest.startswith("主要数据："):
                # Every part is the article's own sentences, word for word.
                for sentence in re.findall(r"[^。！？]+[。！？]?”?", rest):
                    assert sentence.strip("“”") in text.replace("\n", ""), sentence


def test_a_compilation_without_cases_is_refused_and_nothing_written(
    db: Path, tmp_path: Path
) -> None:
    target = tmp_path / "none.docx"
    done = casebot("export", "cases", "地区:赤峰", "时间:2023", "--docx", str(target), db=db)
    assert done.returncode == 2 and "没有找到符合条件的案例" in done.stderr
    done = casebot("export", "cases", "地区:火星", "--docx", str(target), db=db)
    assert done.returncode == 2 and "未找到地区“火星”" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.glob("*.docx")) == []


def test_a_brief_has_masthead_body_and_recipients(db: Path, tmp_path: Path) -> None:
    config = tmp_path / "casebot.toml"
    config.write_text(
        'issuing_unit = "中共测试旗委宣传部"\nbrief_title = "测试工作简报"\n'
        'brief_recipients = "报：旗委办公室；送：各苏木镇党委"\n',
        encoding="utf-8",
    )
    target = tmp_path / "简报.docx"
    document = export(db, target, "digest", "--date", "2024-07-01", "--config", str(config))
    assert_official_layout(document)
    titles = [p for p in document.paragraphs if p.style.name == "Doc Title"]
    assert titles[0].text == "测试工作简报"
    assert titles[0].runs[0].font.color.rgb == docx.shared.RGBColor(0xE6, 0x00, 0x12)
    assert titles[1].text == "党建报道日报（2024年7月1日）"
    texts = [p.text for p in document.paragraphs]
    assert "2024年第183期" in texts
    assert any(t.startswith("中共测试旗委宣传部\t") for t in texts)
    imprint = [row.cells[0].text for row in document.tables[-1].rows]  # 版记, after the body
    assert imprint[:2] == ["报：旗委办公室", "送：各苏木镇党委"]
    assert re.fullmatch(r"中共测试旗委宣传部\t\d{4}年\d{1,2}月\d{1,2}日印发", imprint[2])
    assert document.element.body.index(document.tables[-1]._tbl) > document.element.body.index(
        document.paragraphs[-2]._p
    )
    digest = json.loads(casebot("digest", "--date", "2024-07-01", "--json", db=db).stdout)
    count = sum(len(g["articles"]) for g in digest["groups"])
    lead = texts[texts.index(titles[1].text) + 2]
    assert f"本期收录2024年7月1日发表的党建报道 {count} 篇" in lead
    headings = paragraphs(document, "Heading 2")
    for group in digest["groups"]:
        heading = f"{group['prefecture']}（{len(group['articles'])}篇）"
        assert any(h.endswith(heading) for h in headings)

    weekly = export(db, tmp_path / "周报.docx", "digest", "--date", "2024-07-03", "--week")
    assert "2024年第27期" in [p.text for p in weekly.paragraphs]


def test_a_statistics_table_matches_the_counts(db: Path, tmp_path: Path) -> None:
    counted = json.loads(casebot("stats", "鄂尔多斯", "时间:2024-07", "--json", db=db).stdout)
    document = export(db, tmp_path / "统计.docx", "stats", "鄂尔多斯", "时间:2024-07")
    assert_official_layout(document)
    assert paragraphs(document, "Doc Title") == ["鄂尔多斯市党建报道统计"]
    table = document.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["地区", "代码", "文章数", "案例数", "上期文章数"]
    rows = [*counted["rows"], counted["totals"]]
    assert cells[1:] == [
        [r["name"], r["code"], str(r["articles"]), str(r["cases"]), str(r["previous_articles"])]
        for r in rows
    ]
    assert len(document.inline_shapes) == 2, "the map and the chart are in the document"


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice, installed from Debian's packages when missing and possible."""
    found = shutil.which("soffice")
    failure = None
    if found is None:
        failure = install_debian_packages("libreoffice-writer-nogui")
        found = shutil.which("soffice")
    if found is None:
        reason = f"LibreOffice (soffice) is missing: {failure or 'the package has no soffice'}"
        print(reason)
        pytest.skip(reason)
    return found


def test_libreoffice_lays_out_the_compilation_with_its_page_numbers(
    db: Path, tmp_path: Path, soffice: str
) -> None:
    target = tmp_path / "cases.docx"
    document = export(db, target, "cases", "地区:鄂尔多斯")
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(target)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pages = [
        "".join(e.get_text() for e in page if isinstance(e, LTTextContainer))
        for page in extract_pages(tmp_path / "cases.pdf")
    ]
    # Cover, contents, then ten cases of a few lines each.
    assert 4 <= len(pages) <= 12
    assert "典型案例汇编" in pages[0] and "— 1 —" not in pages[0]  # the cover has no number
    assert "目" in pages[1] and "— 2 —" in pages[1]
    headings = paragraphs(document, "Heading 2")
    # The contents' page numbers are where the headings are laid out.
    first = pages[1].split(headings[0][:8], 1)[1]
    listed = int(re.search(r"\.{3,}\s*(\d+)", first).group(1))
    assert headings[0][:8] in pages[listed - 1]
    assert f"— {len(pages)} —" in pages[-1]


def test_a_case_from_a_web_page_cites_the_page(tmp_path: Path) -> None:
    head = '<meta charset="utf-8"><link rel="canonical" href="https://news.example.cn/a/1.html">'
    page = tmp_path / "page.html"
    page.write_text(_article_page(paragraphs_of(seed_text("003"))[:30], head), encoding="utf-8")
    db = tmp_path / "web.db"
    done = casebot("ingest", str(page), "--source", "内蒙古日报", db=db)
    assert done.returncode == 0, done.stderr
    articles = json.loads(casebot("articles", "--json", db=db).stdout)
    # A page may hold several articles: each has the page's address.
    assert {a["url"] for a in articles} == {"https://news.example.cn/a/1.html"}
    document = export(db, tmp_path / "web.docx", "cases")
    sources = paragraphs(document, "Source Line")
    titles = {a["title"] for a in articles}
    for source in sources:
        m = re.fullmatch(
            r"来源：内蒙古日报，\d{4}-\d{2}-\d{2}，《(.+)》，https://news\.example\.cn/a/1\.html",
            source,
        )
        assert m and m.group(1) in titles, source
    assert sources
