"""Reading published reports back: every reader, the recognition of the format, and bad input.

Ground truth is independent of the code under test: the corpus's ``.expected.json`` (transcribed by
hand from the PDFs), ``pdftotext -raw`` (poppler) for the PDFs' narrative, the example's parameter
file for the kit's own outputs, and values written into the hand-made CMS page below.
"""

from __future__ import annotations

import dataclasses
import io
import json
import pickle
import random
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT
from xxgk import load_params
from xxgk.errors import NotAReport, NoTextLayer, OtherFormat, ReadError, TooLarge, UnreadableDocument, XxgkError
from xxgk.limits import MAX_REPORT_CELLS, MAX_REPORT_PAGES, MAX_REPORT_TABLES, MAX_SPAN
from xxgk.reading.document import Grid, Paragraph
from xxgk.reading.published import PublishedReport, number
from xxgk.reading.reading import read_document, read_report
from xxgk.report.format import load_format
from xxgk.report.narrative import split_paragraphs

CORPUS = ROOT / "tests" / "corpus"
EXAMPLE = ROOT / "params" / "2025" / "emin.yaml"
FORMAT = load_format()
TABLE2_KEYS = {row.label: row.key for block in FORMAT.table2.blocks for row in block.rows}


def cells(report: PublishedReport, table: str) -> dict[str, list[str]]:
    found = report.table(table)
    assert found is not None, f"{table} not found"
    return {row.key: [value.text for value in row.values] for row in found.rows}


def as_published(value) -> str | None:
    """An expected value as it compares with a cell's text: None for a blank."""
    return None if value is None else str(Decimal(str(value)))


def read_back(texts: list[str]) -> list[str | None]:
    """Cells' texts as numbers written plainly (3,985,758 → 3985758), blanks as None."""
    out: list[str | None] = []
    for text in texts:
        if not text.strip():
            out.append(None)
        else:
            value = number(text)
            out.append(str(value) if value is not None else text)
    return out


# ---- the corpus PDFs against their independent ground truth

@pytest.fixture(scope="module", params=["huaian-2024", "hongze-2023"])
def corpus_pdf(request) -> tuple[str, PublishedReport]:
    return request.param, read_report(CORPUS / f"{request.param}.pdf")


def test_every_table_cell_of_the_corpus_pdfs_equals_the_transcription(corpus_pdf):
    name, report = corpus_pdf
    expected = json.loads((CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))
    table2 = cells(report, "table2")
    assert {TABLE2_KEYS[label]: [as_published(v) for v in values] for label, values in expected["table2"].items()} \
        == {key: read_back(texts) for key, texts in table2.items()}
    assert {key: [as_published(v) for v in values] for key, values in expected["table3"].items()} \
        == {key: read_back(texts) for key, texts in cells(report, "table3").items()}
    table4 = [text for texts in cells(report, "table4").values() for text in texts]
    assert [as_published(v) for v in expected["table4"]] == read_back(table4)


def test_the_corpus_pdfs_keep_numbers_as_printed(corpus_pdf):
    name, report = corpus_pdf
    fees = cells(report, "table2")["fees"][0]
    assert fees == {"huaian-2024": "96171.6", "hongze-2023": "7730.28"}[name]
    assert isinstance(number(fees), Decimal)


def _pdftotext(path: Path) -> str:
    """The PDF's text as poppler reads it, without white space or page numbers."""
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    lines = [line for line in text.splitlines() if not re.fullmatch(r"\s*[-—]?\s*[0-9]+\s*[-—]?\s*", line)]
    return re.sub(r"\s+", "", "".join(lines))


def _between(text: str, start: str, end: str | None) -> str:
    after = text[text.index(start) + len(start):]
    return after[:after.index(end)] if end else after


def test_the_six_parts_narrative_is_what_pdftotext_reads(corpus_pdf):
    name, report = corpus_pdf
    reference = _pdftotext(CORPUS / f"{name}.pdf")
    headings = [part.heading for part in FORMAT.parts]
    assert [section.heading for section in report.sections] == headings
    plain = {section.key: re.sub(r"\s+", "", "".join(
        list(section.paragraphs) + [f"{s.number}{s.title}。" + "".join(s.paragraphs) for s in section.subsections]))
        for section in report.sections}
    for index in (0, 4, 5):  # the parts with text; 二、三、四 hold the tables
        end = headings[index + 1] if index + 1 < len(headings) else None
        assert plain[FORMAT.parts[index].key] == _between(reference, headings[index], end)
    assert [s.title for s in report.section("overview").subsections] == [
        "主动公开情况", "依申请公开情况", "政府信息管理情况", "政府信息公开平台建设情况", "政府信息公开监督保障情况"]
    assert re.sub(r"\s+", "", "".join(report.introduction)) == _between(reference, "年度报告", headings[0])


def test_hongze_has_exactly_its_collapsed_row_and_its_label_typo(corpus_pdf):
    name, report = corpus_pdf
    if name == "huaian-2024":
        assert [f for f in report.findings if f.kind == "structure"] == []
        assert all("编号或标点" in f.message for f in report.findings)  # 1、2、3、 in （六）
        return
    typo, collapsed = sorted(report.findings, key=lambda f: f.kind)
    assert typo.kind == "label" and "2.其他法律行政止公开" in typo.message
    assert "2.其他法律行政法规禁止公开" in typo.message and typo.place.page == 3
    assert collapsed.kind == "structure" and "（六）其他处理" in collapsed.message
    assert str(collapsed).startswith("第4页 表三 （六）其他处理")
    assert [row.key for row in report.table("table3").rows].count("r6") == 1
    assert report.locate("table3", "r3_4", 0) == "第3页 表三 （三）不予公开 4.保护第三方合法权益 × 自然人"
    assert report.locate("table4", "suit_after_review", 4) == "第4页 表四 行政诉讼 复议后起诉 × 总计"
    assert report.locate("table2", "fees", 0) == "第3页 表二 行政事业性收费 × 本年收费金额（单位：万元）"
    # the collapsed row is named by its group; a key of no row is said, not a StopIteration
    assert report.locate("table3", "r6", 0) == "第4页 表三 三、本年度办理结果 （六）其他处理 × 自然人"
    for table, row in (("table3", "r9"), ("table4", "suit"), ("table2", "fee")):
        with pytest.raises(KeyError, match=f"没有“{row}”这一行；应为其中之一："):
            report.locate(table, row, 0)


def test_title_agency_year_and_contact_of_a_corpus_pdf(corpus_pdf):
    name, report = corpus_pdf
    assert report.title.endswith("政府信息公开工作年度报告") and report.year == int(name[-4:])
    assert dict(report.contact)["电话"] == {"huaian-2024": "0517-83605210", "hongze-2023": "0517-87222589"}[name]


# ---- a government web page, written by hand the way a CMS page looks

CMS_TABLE2 = {"regulations": ["2", "", "14"], "normative_documents": ["7", "1", "63"], "licensing": ["1,234"],
              "punishment": ["/"], "enforcement": ["56"], "fees": ["24252.311082"]}
CMS_TABLE3 = {
    "new": ["31", "4", "", "0", "2", "1", "38"], "carry_in": ["3", "0", "0", "0", "0", "0", "3"],
    "r1": ["12", "1", "0", "0", "1", "0", "14"], "r2": ["5", "1", "0", "0", "0", "0", "6"],
    "r3_1": ["0"] * 7, "r3_2": ["1", "0", "0", "0", "0", "0", "1"], "r3_3": ["0"] * 7,
    "r3_4": ["2", "0", "0", "0", "0", "0", "2"], "r3_5": ["0"] * 7, "r3_6": ["1", "0", "0", "0", "0", "0", "1"],
    "r3_7": ["0"] * 7, "r3_8": ["0"] * 7, "r4_1": ["6", "1", "0", "0", "1", "0", "8"],
    "r4_2": ["1", "0", "0", "0", "0", "0", "1"], "r4_3": ["0"] * 7, "r5_1": ["2", "0", "0", "0", "0", "0", "2"],
    "r5_2": ["1", "0", "0", "0", "0", "0", "1"], "r5_3": ["0"] * 7, "r5_4": ["0"] * 7, "r5_5": ["0"] * 7,
    "r6_1": ["1", "0", "0", "0", "0", "1", "2"], "r6_2": ["0"] * 7, "r6_3": ["1", "0", "0", "0", "0", "0", "1"],
    "total": ["33", "3", "0", "0", "2", "1", "39"], "carry_out": ["1", "1", "", "0", "0", "0", "2"]}
CMS_TABLE4 = {"review": ["3", "1", "/", "0", "4"], "suit_direct": ["2", "0", "0", "1", "3"],
              "suit_after_review": ["", "0", "0", "0", "0"]}


def test_a_cms_page_is_read_exactly_and_its_site_ignored():
    report = read_report(CORPUS / "cms-page.html")
    assert cells(report, "table2") == CMS_TABLE2
    assert cells(report, "table3") == CMS_TABLE3
    assert cells(report, "table4") == CMS_TABLE4
    assert report.findings == ()
    assert report.title == "示例县人民政府2024年政府信息公开工作年度报告"
    assert (report.agency, report.year, report.published) == ("示例县人民政府办公室", 2024, "2025年1月20日")
    assert report.introduction[0].startswith("本报告由示例县人民政府办公室")
    overview = report.section("overview")
    assert overview.paragraphs == ("2024年，示例县坚持以公开为常态、不公开为例外，政府信息公开工作稳步推进。",)
    assert [(s.number, s.title, s.paragraphs) for s in overview.subsections][:2] == [
        ("（一）", "主动公开情况", ("全年主动公开政府信息1,234条。",)),
        ("（二）", "依申请公开情况", ("全年新收申请38件。",))]
    assert report.section("problems").paragraphs == (
        "一是公开内容还不够全面；二是政策解读形式较单一。", "下一步，将进一步拓展公开深度和广度。")
    assert report.section("other").paragraphs == ("本年度未收取信息处理费。",)
    everything = json.dumps([report.introduction, [s.paragraphs for s in report.sections]], ensure_ascii=False)
    for site in ("首页", "您当前的位置", "索引号", "浏览次数", "主办单位", "分享到", "2023年政府信息公开工作年度报告"):
        assert site not in everything
    place = report.table("table3").row("r3_4").values[0].place
    assert place.describe() == "第2个表格第11行第4格"  # counted within the report, not the page


def test_a_page_saved_in_gb2312_reads_as_in_utf8(tmp_path):
    """Many government sites still serve GB2312/GBK; the page's own meta charset says so."""
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8").replace("charset=utf-8", "charset=gb2312")
    path = _write(tmp_path, "gbk.html", page.encode("gb18030"))
    text = _write(tmp_path, "gbk.txt", (CORPUS / "emin-2025.txt").read_text(encoding="utf-8").encode("gb18030"))
    assert read_report(path) == dataclasses.replace(read_report(CORPUS / "cms-page.html"), source="gbk.html")
    assert read_report(text) == dataclasses.replace(read_report(CORPUS / "emin-2025.txt"), source="gbk.txt")


def test_a_report_inside_an_old_cms_layout_table_reads_the_same(tmp_path):
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8")
    wrapped = page.replace("<div class=WordSection1 style='layout-grid:15.6pt'>",
                           "<table width=100% class=layout><tr><td><div class=WordSection1>", 1)
    wrapped = wrapped.replace('</div>\n</div>\n<div class="share">',
                              '</div></td></tr></table>\n</div>\n<div class="share">', 1)
    assert wrapped.count("class=layout") == 1 and wrapped.count("</td></tr></table>\n</div>") == 1
    original, read = read_report(CORPUS / "cms-page.html"), read_report(_write(tmp_path, "layout.html", wrapped))
    assert (read.title, read.introduction, read.sections) == (original.title, original.introduction, original.sections)
    assert [[row.key, [v.text for v in row.values]] for table in read.tables for row in table.rows] \
        == [[row.key, [v.text for v in row.values]] for table in original.tables for row in table.rows]


def test_a_cms_page_keeps_thousands_separators_and_decimals_as_printed():
    report = read_report(CORPUS / "cms-page.html")
    row = report.table("table2").row("licensing")
    assert row.values[0].text == "1,234" and row.values[0].number == Decimal(1234)
    fees = report.table("table2").row("fees").values[0]
    assert fees.number == Decimal("24252.311082") and str(fees.number) == "24252.311082"
    assert report.table("table2").row("regulations").values[1].blank
    assert report.table("table2").row("punishment").values[0].number is None


# ---- the kit's own outputs read back to the parameter file

@pytest.fixture(scope="module")
def example():
    return load_params(EXAMPLE)


def _source_tables(report) -> dict[str, dict[str, list[str]]]:
    table2 = {}
    for block in FORMAT.table2.blocks:
        for row in block.rows:
            value = getattr(report.table2, row.key)
            table2[row.key] = [str(v) for v in value] if isinstance(value, tuple) else [str(value)]
    table3 = {row.key: [str(v) for v in getattr(report.table3, row.key)] for row in FORMAT.table3.rows}
    table4 = {group.key: [str(v) for v in getattr(report.table4, group.key)] for group in FORMAT.table4.groups}
    return {"table2": table2, "table3": table3, "table4": table4}


def _source_narrative(report) -> dict[str, list]:
    return {"introduction": split_paragraphs(report.introduction),
            "overview": split_paragraphs(report.part1.overview),
            "subsections": [(s.title, split_paragraphs(s.text)) for s in report.part1.subsections],
            "problems": split_paragraphs(report.part5), "other": split_paragraphs(report.part6)}


def _read_narrative(read: PublishedReport) -> dict[str, list]:
    overview = read.section("overview")
    return {"introduction": list(read.introduction), "overview": list(overview.paragraphs),
            "subsections": [(s.title, list(s.paragraphs)) for s in overview.subsections],
            "problems": list(read.section("problems").paragraphs), "other": list(read.section("other").paragraphs)}


@pytest.mark.parametrize("output", ["report.html", "report.pdf", "report.docx"])
def test_the_examples_outputs_read_back_to_its_parameter_file(built, example, output):
    read = read_report(built / output)
    assert {table: cells(read, table) for table in ("table2", "table3", "table4")} == _source_tables(example)
    assert _read_narrative(read) == _source_narrative(example)
    assert (read.agency, read.year, read.published) == (example.agency.name, example.year, "2026年1月15日")
    assert [f.message for f in read.findings] == ["“规范性文件”措辞与统一格式不同，统一格式为“行政规范性文件”"]


def test_text_copied_from_the_published_report_is_read(example):
    read = read_report(CORPUS / "emin-2025.txt")
    assert _read_narrative(read) == _source_narrative(example)
    source = _source_tables(example)
    assert cells(read, "table2") == source["table2"] and cells(read, "table4") == source["table4"]
    three_levels = {key for key, path in FORMAT.table3.full_labels().items() if len(path) == 3}
    for key, values in cells(read, "table3").items():
        # the copy lost one cell of every row with three labels; which one is not known, the
        # reader says so and keeps the row's other cells in place
        assert values == ([""] + source["table3"][key][1:] if key in three_levels else source["table3"][key])
    missing = [f for f in read.findings if f.kind == "structure"]
    assert len(missing) == len(three_levels) and all("自然人" in f.where for f in missing)
    assert missing[0].place.line == 52


def _table3_grid(path: Path) -> Grid:
    grids = [block for block in read_document(path).blocks if isinstance(block, Grid)]
    return next(grid for grid in grids if any(cell and cell.text == FORMAT.table3.spanner for cell in grid.rows[0]))


@pytest.mark.parametrize("output", ["report.docx", "report.html"])
def test_merged_cells_are_spread_as_covered_slots(built, output):
    """vMerge/rowspan and gridSpan/colspan: the merged cell at its top-left slot, None under it."""
    grid = _table3_grid(built / output)
    labels = [[cell.text if cell else None for cell in row[:3]] for row in grid.rows]
    first = FORMAT.table3.row("r1").labels
    at = labels.index([first[0], first[1], None])  # （一）予以公开 spans two label columns
    assert labels[at + 1][0] is None  # 三、本年度办理结果 covers the rows below it
    assert labels[at + 2] == [None, FORMAT.table3.row("r3_1").labels[1], FORMAT.table3.row("r3_1").labels[2]]
    assert labels[at + 3][:2] == [None, None]
    assert all(len(row) == 10 for row in grid.rows)


# ---- bad input: a clear message naming the file, never a traceback

def _pdf(pages: int, image: bool = False) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    if image:
        page = pdf.pages[0]
        scan = pikepdf.Stream(pdf, b"\x80" * 100)
        scan.Type, scan.Subtype, scan.Width, scan.Height = pikepdf.Name.XObject, pikepdf.Name.Image, 10, 10
        scan.ColorSpace, scan.BitsPerComponent = pikepdf.Name.DeviceGray, 8
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=scan))
        page.Contents = pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


TRIAL_2019 = ("某县2019年政府信息公开工作年度报告\n一、总体情况\n正文。\n二、主动公开政府信息情况\n"
              "第二十条第（一）项\t\t\t\n信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t0\t0\t0\n")


@pytest.mark.parametrize(("name", "data", "error", "says"), [
    ("empty.pdf", b"", UnreadableDocument, "空"),
    ("blank.pdf", _pdf(1), NoTextLayer, "没有文字层"),
    ("scan.pdf", _pdf(2, image=True), NoTextLayer, "OCR"),
    ("long.pdf", _pdf(MAX_REPORT_PAGES + 140), TooLarge, f"{MAX_REPORT_PAGES + 140} 页"),
    ("truncated.pdf", (CORPUS / "hongze-2023.pdf").read_bytes()[:60_000], UnreadableDocument, "不完整"),
    ("truncated.docx", b"PK\x03\x04" + b"\0" * 200, UnreadableDocument, "不完整"),
    ("news.html", "<html><head><title>县长调研</title></head><body><nav>首页</nav><p>县长到乡镇调研。</p>"
                  "<table><tr><td>日期</td><td>2025-01-01</td></tr></table></body></html>",
     NotAReport, "不像一份年度报告"),
    ("trial-2019.txt", TRIAL_2019, OtherFormat, "2019年试行格式"),
    ("spans.html", "<table>" + "<tr><td colspan=50 rowspan=50>一、总体情况</td></tr>" * 400 + "</table>",
     TooLarge, "单元格超过"),
    ("report.xlsx", b"PK", UnreadableDocument, "不能读取"),
    ("tables.html", "<p>一、总体情况</p>" + "<table><tr><td>x</td></tr></table>" * (MAX_REPORT_TABLES + 1),
     TooLarge, f"表格超过 {MAX_REPORT_TABLES} 个"),
    ("rows.txt", "一、总体情况\n" + "1\t2\n" * (MAX_REPORT_CELLS // 2 + 1), TooLarge, "单元格超过"),
    ("tabs.txt", "1\t" * (MAX_REPORT_CELLS * 10), TooLarge, "第1行"),
])
def test_bad_input_is_refused_with_a_message_naming_the_file(tmp_path, name, data, error, says):
    path = _write(tmp_path, name, data)
    with pytest.raises(error) as raised:
        read_report(path)
    assert isinstance(raised.value, ReadError) and isinstance(raised.value, XxgkError)
    assert raised.value.exit_code == 2
    assert str(raised.value).startswith(name) and says in str(raised.value)
    assert "\n" not in str(raised.value)  # one line for the statistician
    # and printed with its traceback (a log), no library exception shows through it
    assert raised.value.__cause__ is None and (raised.value.__suppress_context__ or raised.value.__context__ is None)
    assert str(pickle.loads(pickle.dumps(raised.value))) == str(raised.value)  # batches carry errors across processes


@pytest.mark.parametrize("source", ["cms-page.html", "emin-2025.txt"])
def test_damaged_copies_give_a_report_or_a_read_error_never_another_exception(tmp_path, source):
    """Lines dropped, repeated or cut at random, as careless copying and broken pages do."""
    lines = (CORPUS / source).read_text(encoding="utf-8").splitlines()
    for seed in range(25):
        rng = random.Random(seed)
        damaged = list(lines)
        for _ in range(rng.randint(1, 30)):
            at = rng.randrange(len(damaged))
            what = rng.choice(("drop", "repeat", "cut"))
            if what == "drop":
                del damaged[at]
            elif what == "repeat":
                damaged.insert(at, damaged[rng.randrange(len(damaged))])
            else:
                damaged[at] = damaged[at][:rng.randrange(len(damaged[at]) + 1)]
        path = _write(tmp_path, f"{seed}-{source}", "\n".join(damaged))
        try:
            report = read_report(path)
        except ReadError:
            continue
        assert isinstance(report, PublishedReport)


def test_labels_and_numbers_tolerate_how_reports_print_them():
    from xxgk.reading.labels import best
    rows = {key: path[-1] for key, path in FORMAT.table3.full_labels().items()}
    assert best("１．属于国家秘密", rows).key == "r3_1" and best("１．属于国家秘密", rows).exact  # full width
    assert best("1、属于国家秘密", rows).exact  # numbering punctuation is not a wording difference
    assert best("4.保护第三方\n合法权益", rows).key == "r3_4"  # split over lines
    assert best("2.其他法律行政止公开", rows).key == "r3_2" and not best("2.其他法律行政止公开", rows).exact
    assert best("2.其他", rows) is None  # near 2.其他法律… and 3.其他 alike: refused, not guessed
    assert best("行政复议", rows) is None
    # one character is inside many labels and names none: a page number 六 is not part 六
    headings = {part.key: part.heading for part in FORMAT.parts}
    columns = {column.key: column.label for column in FORMAT.table3.columns}
    assert best("一", headings) is None and best("六", headings) is None and best("人", columns) is None
    assert best("规范性文件", {"n": "行政规范性文件", "r": "规章"}).key == "n"  # a part that says something still is
    assert [number(text) for text in ("3,985,758", "１２３", "五", "二十一", "7545", "24252.311082", "/", "", "—")] \
        == [Decimal(3985758), Decimal(123), Decimal(5), Decimal(21), Decimal(7545), Decimal("24252.311082"),
            None, None, None]


def test_external_entities_are_not_resolved(tmp_path):
    """A page or Word file naming a local file as an entity gets the entity's name at most, never the file."""
    import zipfile

    import docx
    secret = _write(tmp_path, "secret.txt", "TOPSECRET")
    html = (f'<!DOCTYPE html [<!ENTITY leak SYSTEM "file://{secret}">]><html><body><p>一、总体情况</p>'
            "<p>&leak;</p><table><tr><td>申请人情况</td></tr></table><p>六、其他需要报告的事项</p></body></html>")
    page = read_document(_write(tmp_path, "entity.html", html))
    word = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("一、总体情况")
    document.add_paragraph("LEAKHERE")
    document.save(word)
    poisoned = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(word.getvalue())) as source, zipfile.ZipFile(poisoned, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"?>", f'?><!DOCTYPE w:document [<!ENTITY leak SYSTEM "file://{secret}">]>'
                                    .encode(), 1).replace(b"LEAKHERE", b"&leak;")
            target.writestr(item, data)
    word_document = read_document(_write(tmp_path, "entity.docx", poisoned.getvalue()))
    assert "一、总体情况" in [b.text for b in page.blocks if isinstance(b, Paragraph)]
    # the file was read (a refusal would leave nothing to check), its entity not expanded
    assert [b.text for b in word_document.blocks if isinstance(b, Paragraph)] == ["一、总体情况"]
    for read in (page, word_document):
        assert "TOPSECRET" not in json.dumps([getattr(b, "text", "") for b in read.blocks], ensure_ascii=False)


def _form_pdf() -> bytes:
    """A page whose rules are drawn inside a form XObject placed by two matrices."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    form = pikepdf.Stream(pdf, b"0 0 m 100 0 l S 0 0 50 20 re f 0 30 m 0 90 l S")
    form.Type, form.Subtype, form.BBox, form.Matrix = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 200, 200], \
        [1, 0, 0, 1, 10, 10]
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm0=form))
    pdf.pages[0].Contents = pikepdf.Stream(pdf, b"q 2 0 0 1 50 500 cm /Fm0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize("source", ["huaian-2024.pdf", "hongze-2023.pdf", "form"])
def test_pdfium_gives_the_rules_pdfminer_gives(source):
    """The table finder sees the same ruling edges through PDFium (shipped, fast) as through
    pdfminer.six (pdfplumber's own parser, the reference), forms included."""
    import pdfplumber
    import pypdfium2

    from xxgk.reading.pdfpage import page_objects
    data = _form_pdf() if source == "form" else (CORPUS / source).read_bytes()

    def edges(page) -> list[tuple]:
        return sorted((e["orientation"], round(e["x0"]), round(e["top"]), round(e["x1"]), round(e["bottom"]))
                      for e in page.edges if e["orientation"] in ("h", "v"))
    drawn = pypdfium2.PdfDocument(data)
    with pdfplumber.open(io.BytesIO(data)) as reference, pdfplumber.open(io.BytesIO(data)) as shipped:
        for number, (expected, page) in enumerate(zip(reference.pages, shipped.pages, strict=True)):
            page._objects = page_objects(drawn[number])
            assert edges(page) == edges(expected), f"page {number + 1}"


# ---- pages, copies and files built to cost time, memory or the stack

def test_a_page_of_nested_tables_is_searched_once_not_per_ancestor(tmp_path, monkeypatch):
    """Finding the report used to take the text of every ancestor of every table, twice when the last
    heading is missing: 480 tables nested in one another took over a minute. The page's text is now
    walked once, so no ancestor's text is gathered on the way (counted, not timed)."""
    from bs4.element import Tag

    gathered = []
    original = Tag.get_text

    def counted(self, *args, **kwargs):
        gathered.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Tag, "get_text", counted)
    page = "<html><body><p>一、总体情况</p>" + "<div><table><tr><td>索引号</td></tr></table>" * 480 \
        + "</div>" * 480 + "</body></html>"
    with pytest.raises(NotAReport):
        read_report(_write(tmp_path, "nested.html", page))
    assert set(gathered) <= {"td"}  # each cell's own text, read once; never an ancestor's


def test_markup_nested_beyond_the_stack_and_endless_spans_are_read(tmp_path):
    page = ("<html><body><p>一、总体情况</p>" + "<b>" * 3000 + "正文" + "</b>" * 3000
            + "<table><tr><td rowspan='" + "9" * 5000 + "'>x</td></tr></table></body></html>")
    document = read_document(_write(tmp_path, "deep.html", page))
    assert [b.text for b in document.blocks if isinstance(b, Paragraph)] == ["一、总体情况", "正文"]
    grid = next(b for b in document.blocks if isinstance(b, Grid))
    assert len(grid.rows) == MAX_SPAN  # a rowspan of 5,000 digits is clamped like any other too long


def test_a_word_table_is_refused_at_the_row_that_passes_the_cell_bound(tmp_path):
    """Each w:tc may span 50 columns: the bound is counted while the grid is built, not after."""
    import copy

    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    document = docx.Document()
    table = document.add_table(rows=1, cols=1)
    row = table._tbl.tr_lst[0]
    span = OxmlElement("w:gridSpan")
    span.set(qn("w:val"), str(MAX_SPAN))
    row.tc_lst[0].get_or_add_tcPr().append(span)
    for _ in range(2 * MAX_REPORT_CELLS // MAX_SPAN):
        table._tbl.append(copy.deepcopy(row))
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(TooLarge) as raised:
        read_report(_write(tmp_path, "spans.docx", out.getvalue()))
    assert f"第1个表格第{MAX_REPORT_CELLS // MAX_SPAN + 1}行" in str(raised.value)


def _emin_text(insert: dict[int, str] | None = None) -> str:
    lines = (CORPUS / "emin-2025.txt").read_text(encoding="utf-8").splitlines()
    for index, line in sorted((insert or {}).items(), reverse=True):
        lines.insert(index, line)
    return "\n".join(lines)


def test_a_long_title_is_not_joined_to_the_text_after_it(tmp_path):
    """A title of 30 characters or more ends without punctuation, like a paragraph a page break cut."""
    title = "新疆维吾尔自治区塔城地区额敏县人民政府办公室2025年政府信息公开工作年度报告"
    text = _emin_text().replace("额敏县 2025 年政府信息公开工作年度报告", title, 1)
    assert f"\n{title}\n" in text
    read = read_report(_write(tmp_path, "long-title.txt", text))
    assert (read.title, read.year) == (title, 2025)
    assert read.introduction[0].startswith("本报告根据")


def test_a_stray_page_number_does_not_claim_a_part(tmp_path):
    """六 alone (a page number copied with the text) is no heading of part 六, so 二 … 六 are still found."""
    lines = _emin_text().splitlines()
    at = lines.index("一、总体情况") + 1
    read = read_report(_write(tmp_path, "page-number.txt", _emin_text(insert={at: "六"})))
    assert [s.key for s in read.sections] == [part.key for part in FORMAT.parts]
    assert [f for f in read.findings if "找不到" in f.message] == []


def test_the_title_words_and_the_article_of_table_two_come_from_the_format(tmp_path, monkeypatch):
    """A change of the official wording is a change of format-2021.json, not of the reader."""
    renamed = dataclasses.replace(
        FORMAT, title=FORMAT.title.replace("政府信息公开工作年度报告", "政务公开工作年报"),
        table2=dataclasses.replace(FORMAT.table2, blocks=tuple(
            dataclasses.replace(block, header=block.header.replace("第二十条", "第二十一条"))
            for block in FORMAT.table2.blocks)))
    monkeypatch.setattr("xxgk.reading.recognise.load_format", lambda: renamed)
    text = _emin_text().replace("政府信息公开工作年度报告", "政务公开工作年报").replace("第二十条", "第二十一条")
    read = read_report(_write(tmp_path, "renamed.txt", text))
    assert read.title == "额敏县 2025 年政务公开工作年报"
    assert [row.key for row in read.table("table2").rows] == [row.key for _, row in FORMAT.table2.rows()]


def test_paragraphs_of_a_web_page_are_never_joined(tmp_path):
    """Only text copied out of a PDF has paragraphs cut by page breaks; a page's paragraph that ends
    without punctuation (a list item) is a paragraph of its own."""
    item = "一是公开内容还不够全面；二是政策解读形式较单一；三是栏目设置还需要进一步优化完善"
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8").replace(
        "一是公开内容还不够全面；二是政策解读形式较单一。", item, 1)
    read = read_report(_write(tmp_path, "items.html", page))
    assert read.section("problems").paragraphs == (item, "下一步，将进一步拓展公开深度和广度。")
