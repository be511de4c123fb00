"""What a reader sees: the 落款 flush with the right margin (PDF, and HTML as Chromium lays it out),
a long title broken where its meaning breaks (PDF, and Word as LibreOffice lays it out), tables whole
on one page in Word with readable headers, the GB/T 9704 faces' stand-ins, and no wasted pages.

The example is built once (conftest's ``built``) and once more with a long agency name; LibreOffice
converts both Word files in one run, with fontconfig told to set each official face the Word file
names in its free stand-in (``word.FACES``), as the PDF is set."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from conftest import EXAMPLE, run_xxgk
from helpers import chromium
from xxgk.paths import TEMPLATES
from xxgk.render import pdf, word
from xxgk.render.blocks import TITLE_EMS, _ems, title_lines
from xxgk.report.format import load_format

FMT = load_format()
PT_PER_MM = 72 / 25.4
PAGE_WIDTH = 210 * PT_PER_MM
RIGHT_MARGIN = PAGE_WIDTH - 26 * PT_PER_MM  # GB/T 9704: 26 mm on the right, 28 mm on the left
LONG_SUBJECT = "塔城市教育局"
CSS = TEMPLATES / "xxgk-report" / "report.css"


# --- the title's lines, as a pure function -------------------------------------------------------------

@pytest.mark.parametrize(("subject", "lines"), [
    ("额敏县", ["额敏县2025年政府信息公开工作年度报告"]),
    ("塔城市教育局", ["塔城市教育局2025年", "政府信息公开工作年度报告"]),
    ("额敏县市场监督管理局", ["额敏县市场监督管理局2025年", "政府信息公开工作年度报告"]),
    ("新疆维吾尔自治区人民政府办公厅", ["新疆维吾尔自治区人民政府办公厅", "2025年政府信息公开工作年度报告"]),
    ("新疆维吾尔自治区塔城地区额敏县人民政府办公室",
     ["新疆维吾尔自治区塔城地区", "额敏县人民政府办公室2025年", "政府信息公开工作年度报告"]),
])
def test_title_breaks_after_the_agency_or_the_year(subject, lines):
    title = FMT.title.format(subject=subject, year=2025)
    assert title_lines(title, subject, 2025) == lines
    assert all(_ems(line) <= TITLE_EMS for line in lines)


def test_a_title_without_the_agency_still_breaks_into_even_lines():
    title = "关于某某某某某某某某某某某某某某某某某某工作情况的报告"
    lines = title_lines(title)
    assert "".join(lines) == title and len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) <= 1


# --- builds and renderings ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def long_built(tmp_path_factory) -> Path:
    """The example as 塔城市教育局's: a name long enough that the title needs two lines."""
    folder = tmp_path_factory.mktemp("long")
    text = EXAMPLE.read_text(encoding="utf-8").replace("额敏县人民政府办公室", LONG_SUBJECT).replace("额敏县", "塔城市")
    text = re.sub(r"(?m)^(\s*subject:\s*)\S+", rf"\g<1>{LONG_SUBJECT}", text)
    params = folder / "tacheng.yaml"
    params.write_text(text, encoding="utf-8")
    result = run_xxgk("build", params, "--outputs", folder / "outputs", "--to", "pdf,docx")
    assert result.returncode == 0, result.stderr
    return folder / "outputs" / "2025" / "tacheng"


@pytest.fixture(scope="module")
def writer_pdfs(built, long_built, tmp_path_factory) -> dict[str, Path]:
    """Both Word files laid out by LibreOffice Writer, as PDF."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed: make test installs libreoffice-writer-nogui")
    folder = tmp_path_factory.mktemp("writer")
    sources = {"example": built / "report.docx", "long": long_built / "report.docx"}
    for name, source in sources.items():
        shutil.copy(source, folder / f"{name}.docx")
    aliases = "".join(f'<alias binding="same"><family>{official}</family><prefer><family>{free}</family></prefer>'
                      f"</alias>" for official, free in word.FACES.items())
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"{aliases}</fontconfig>", encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf"), "HOME": str(folder)}
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "pdf", "--outdir", str(folder), *(str(folder / f"{n}.docx") for n in sources)],
                   check=True, capture_output=True, env=env, timeout=120)
    return {name: folder / f"{name}.pdf" for name in sources}


def words(path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words with their boxes (xMin, yMin, xMax, yMax), from poppler's ``pdftotext -bbox``."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                           text=True).stdout
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    return [[(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")), w.text or "")
             for w in page.iterfind(".//x:word", ns)]
            for page in ET.fromstring(xhtml).iterfind(".//x:page", ns)]


def lines_of(page_words, limit: int) -> list[str]:
    """The page's first ``limit`` lines of text, words joined by their shared baseline."""
    rows: dict[float, list] = {}
    for x0, _, _, y1, text in page_words:
        rows.setdefault(round(y1), []).append((x0, text))
    return ["".join(t for _, t in sorted(rows[y])) for y in sorted(rows)][:limit]


def page_holding(pages, *texts: str) -> set[int]:
    """The pages on which each of ``texts`` (a word or several in a row) appears."""
    found = set()
    for text in texts:
        found |= {n for n, page in enumerate(pages, 1) if text in "".join(w[4] for w in page)}
    return found


# --- 落款 ---------------------------------------------------------------------------------------------

def test_signature_is_flush_with_the_right_margin_in_the_pdf(built, example):
    last = words(built / "report.pdf")[-1]
    when = f"{example.published.year}年{example.published.month}月{example.published.day}日"
    signature = [w for w in last if w[4] in (example.agency.name, when)]
    assert len(signature) == 2, last
    for x0, _, x1, _, text in signature:
        assert abs(x1 - RIGHT_MARGIN) < 0.5, f"{text} ends at x = {x1:.1f} pt, the margin is at {RIGHT_MARGIN:.1f}"
        assert x0 > PAGE_WIDTH / 2, text


def test_signature_is_flush_right_in_the_html(built):
    driver = chromium()
    try:
        driver.set_window_size(1200, 900)
        driver.get((built / "report.html").as_uri())
        lines, text_right = driver.execute_script("""
            const main = document.querySelector('main.xxgk-report');
            const right = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);
            return [[...document.querySelectorAll('.xxgk-signature p')].map(p => {
                const range = document.createRange(); range.selectNodeContents(p);
                return [getComputedStyle(p).textAlign, range.getBoundingClientRect().right]; }), right];""")
    finally:
        driver.quit()
    assert len(lines) == 2
    for align, right in lines:
        assert align == "right" and abs(right - text_right) < 1, (align, right, text_right)


def test_signature_stays_with_the_text_and_in_word_is_flush_right(built, example):
    last = words(built / "report.pdf")[-1]
    text = [w for w in last if w[4] != example.agency.name and not re.fullmatch(r"[—\d年月日]+", w[4])]
    assert text, "the 落款 is alone on the last page"
    paragraphs = Document(str(built / "report.docx")).paragraphs
    *_, before, name, day = paragraphs
    assert name.text == example.agency.name and day.text.startswith(str(example.published.year))
    assert name.alignment == day.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert before.paragraph_format.keep_with_next and name.paragraph_format.keep_with_next


# --- the title -----------------------------------------------------------------------------------------

def test_long_title_is_balanced_in_the_pdf(long_built):
    expected = title_lines(FMT.title.format(subject=LONG_SUBJECT, year=2025), LONG_SUBJECT, 2025)
    assert len(expected) == 2
    first_page = words(long_built / "report.pdf")[0]
    assert lines_of(first_page, 2) == expected


def test_long_title_is_balanced_in_word(long_built, writer_pdfs):
    expected = title_lines(FMT.title.format(subject=LONG_SUBJECT, year=2025), LONG_SUBJECT, 2025)
    title = next(p for p in Document(str(long_built / "report.docx")).paragraphs if p.style.name == "Title")
    assert title.text.split("\n") == expected  # python-docx reads a w:br as a line break
    assert lines_of(words(writer_pdfs["long"])[0], 2) == expected


def test_short_title_is_one_line_in_pdf_and_word(built, example, writer_pdfs):
    assert lines_of(words(built / "report.pdf")[0], 1) == [example.display_title]
    assert lines_of(words(writer_pdfs["example"])[0], 1) == [example.display_title]


# --- tables in Word ------------------------------------------------------------------------------------

def test_tables_are_kept_whole_in_word(built, writer_pdfs):
    document = Document(str(built / "report.docx"))
    for table in document.tables:
        rows = table._tbl.tr_lst
        assert all(row.trPr is not None and row.trPr.find(qn("w:cantSplit")) is not None for row in rows)
        for row in rows[:-1]:
            assert all(p.pPr is not None and p.pPr.keepNext is not None for p in row.iter(qn("w:p")))
    pages = words(writer_pdfs["example"])
    table2 = FMT.table2.blocks
    first, last = table2[0].header, table2[-1].header
    assert len(page_holding(pages, first, last)) == 1, "表二 is split across pages"
    assert len(page_holding(pages, FMT.table3.corner[:10], FMT.table3.rows[-1].label)) == 1, "表三 is split"
    assert len(page_holding(pages, FMT.part("appeals").heading, "未经复议直接起诉", "复议后起诉")) == 1


def test_table4_headers_keep_two_characters_a_line_in_word(writer_pdfs):
    """结果维持 and its like are set as 结果/维持, not one character a line."""
    pages = words(writer_pdfs["example"])
    page = next(p for p in pages if any(w[4] == "行政复议" for w in p))
    assert sum(w[4] == "结果" for w in page) >= 6 and sum(w[4] in ("维持", "纠正") for w in page) >= 6, \
        [w[4] for w in page if len(w[4]) <= 2][:40]


# --- faces and pages ------------------------------------------------------------------------------------

def test_html_pdf_and_word_name_the_same_faces(built):
    css = CSS.read_text(encoding="utf-8")
    for official, free in word.FACES.items():
        assert free in pdf.FONTS, free
        assert re.search(rf'"{re.escape(free)}", "{re.escape(official)}"', css), (free, official)
    fonts = subprocess.run(["pdffonts", str(built / "report.pdf")], check=True, capture_output=True,
                           text=True).stdout
    assert "FandolFang" in fonts  # the body is 仿宋's stand-in, not a 宋体
    with zipfile.ZipFile(built / "report.docx") as docx:
        table = docx.read("word/fontTable.xml").decode()
    for official, free in word.FACES.items():
        assert f'w:name="{official}"><w:altName w:val="{free}"/>' in table


def test_the_fangsong_face_covers_every_character_of_the_report(built):
    from bs4 import BeautifulSoup
    from fontTools.ttLib import TTFont

    path = subprocess.run(["fc-match", "-f", "%{file}", "FandolFang"], check=True, capture_output=True,
                          text=True).stdout
    covered = TTFont(path, fontNumber=0).getBestCmap()
    text = BeautifulSoup((built / "report.html").read_text(encoding="utf-8"), "html.parser").main.get_text()
    missing = {c for c in text if ord(c) > 0x2E7F and ord(c) not in covered}
    assert not missing, "".join(sorted(missing))


def test_the_example_takes_six_pages_with_table3_beside_table2(built):
    """Parts flow: 表二's end, part 三 and 表三 share page 4 (it was 60 % empty, with 表三 alone on the
    next), parts 四 and 五 fill page 5, and 六 with the 落款 ends on page 6 (there were 7 pages)."""
    pages = words(built / "report.pdf")
    assert len(pages) == 6
    assert page_holding(pages, FMT.table2.blocks[-1].header) == page_holding(pages, FMT.table3.corner[:10]) == {4}


# --- typography of the text ------------------------------------------------------------------------

def test_no_line_of_text_opens_a_hole_wider_than_one_hanzi(built):
    """Justified lines stretch only their spaces: the spaces published text has beside 汉字
    (2025 年, 地址: 额敏县) are narrow no-break spaces in the outputs, so nothing stretches them."""
    widest = 0.0
    for page in words(built / "report.pdf"):
        rows: dict[int, list] = {}
        for box in page:
            if box[3] - box[1] >= 14:  # the body's 三号 lines, not the tables' smaller ones
                rows.setdefault(round(box[3]), []).append(box)
        for row in rows.values():
            row.sort()
            gaps = ((b[0] - a[2]) / (a[3] - a[1]) for a, b in zip(row, row[1:], strict=False))
            widest = max([widest, *gaps])
    assert 0 < widest <= 1.0


def test_a_year_stays_with_its_character(built):
    text = subprocess.run(["pdftotext", str(built / "report.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    lines = text.splitlines()
    assert text.count("2025 年") >= 5
    assert not [a for a, b in zip(lines, lines[1:], strict=False) if a.endswith("2025") and b.startswith("年")]
    assert "2025\u202f年" in (built / "report.html").read_text(encoding="utf-8")
    assert "2025 年" in EXAMPLE.read_text(encoding="utf-8")  # the parameter file keeps what was published
