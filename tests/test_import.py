"""``xxgk import`` and ``xxgk audit`` of published reports, through the real command where the
statistician meets it (exit status, messages, files written) and in-process where many files are read.

Ground truth never comes from the code under test: the corpus's ``.expected.json`` (transcribed by
hand), the values written into the hand-made CMS page (``test_reading.CMS_TABLE*``), the source
parameter files of the kit's own outputs, and the published 额敏县 text for the built import.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, EXAMPLE, ROOT, run_xxgk
from helpers import assert_in_order, published_fields, visible_text
from test_reading import CMS_TABLE2, CMS_TABLE3, CMS_TABLE4, TRIAL_2019, _pdf
from xxgk import load_params
from xxgk.reading.importer import import_file
from xxgk.reading.published import number
from xxgk.reading.reading import read_report
from xxgk.render import tables
from xxgk.report.format import load_format
from xxgk.report.model import Report
from xxgk.report.rules import narrative_texts

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_agencies  # noqa: E402

FORMAT = load_format()
AGENCIES = 20


# ---- one batch build shared by the round trips and the built import of the seed text

@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, str]:
    """The example, 20 generated agencies with no zero cell, and the published 额敏县 text imported
    (through the command), built in one batch ``--to html,pdf,docx``: the project folder, and what
    the build said (each test looks for the outputs it needs, so one agency's failure is its own)."""
    root = tmp_path_factory.mktemp("batch")
    params = root / "params" / "2025"
    params.mkdir(parents=True)
    shutil.copy(EXAMPLE, params / "emin.yaml")
    write_agencies(params, AGENCIES, seed=9, nonzero=True)
    imported = run_xxgk("import", CORPUS / "emin-2025.txt", "-o", root / "params")
    assert imported.returncode == 0, imported.stderr
    # the copy lost a cell of each three-label row of 表三: written blank, so the build needs --allow-errors
    built = run_xxgk("build", params, "--to", "html,pdf,docx", "--outputs", root / "outputs", "--allow-errors")
    return root, built.stdout + built.stderr


def _output(batch: tuple[Path, str], agency: str, kind: str) -> Path:
    root, said = batch
    path = root / "outputs" / "2025" / agency / f"report.{kind}"
    assert path.is_file(), said
    return path


def _sources(batch: tuple[Path, str]) -> list[Path]:
    return sorted(p for p in (batch[0] / "params" / "2025").glob("*.yaml") if p.stem != "emin-2025")


def _tables(report) -> dict:
    return {key: getattr(report, key).model_dump(exclude={"amount_decimals"}) for key in ("table2", "table3", "table4")}


@pytest.mark.parametrize("kind", ["html", "pdf", "docx"])
def test_every_output_imports_back_to_its_parameter_file(batch, tmp_path, kind):
    sources = _sources(batch)
    assert len(sources) == AGENCIES + 1
    for source in sources:
        output = tmp_path / f"{source.stem}.{kind}"
        shutil.copy(_output(batch, source.stem, kind), output)
        written = import_file(output, tmp_path / "params")
        assert written == tmp_path / "params" / "2025" / f"{source.stem}.yaml"
        expected, imported = load_params(source), load_params(written)
        assert _tables(imported) == _tables(expected), source.name
        assert list(narrative_texts(imported)) == list(narrative_texts(expected)), source.name
        assert imported.label_variants == expected.label_variants
        assert (imported.year, imported.agency, imported.published) \
            == (expected.year, expected.agency, expected.published)


def test_the_published_text_imports_to_a_file_that_builds_the_published_report(batch):
    imported = load_params(batch[0] / "params" / "2025" / "emin-2025.yaml")
    example = load_params(EXAMPLE)
    assert list(narrative_texts(imported)) == list(narrative_texts(example))
    lost = {key for key, path in FORMAT.table3.full_labels().items() if len(path) == 3}
    for key in FORMAT.table3.full_labels():
        row = list(getattr(imported.table3, key))
        assert row == ([None] + list(getattr(example.table3, key))[1:] if key in lost else
                       list(getattr(example.table3, key))), key
    page = _output(batch, "emin-2025", "html").read_text(encoding="utf-8")
    assert_in_order(published_fields(), visible_text(page))


# ---- the corpus and the hand-made CMS page

def test_a_cms_page_imports_exactly_blanks_and_slashes_as_blank(tmp_path):
    result = run_xxgk("import", CORPUS / "cms-page.html", "-o", tmp_path)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "2024" / "cms-page.yaml"
    text = written.read_text(encoding="utf-8")
    assert "regulations: [2, ~, 14]" in text and "punishment: ~" in text
    report = load_params(written)

    def plain(values):
        return [None if not v.strip() or number(v) is None else number(v) for v in values]

    table2 = {key: plain(values) for key, values in CMS_TABLE2.items()}
    assert {k: list(v) if isinstance(v, tuple) else [v] for k, v in report.table2.model_dump().items()
            if k != "amount_decimals"} == table2
    assert {k: list(v) for k, v in report.table3.model_dump().items() if v is not None} \
        == {k: plain(v) for k, v in CMS_TABLE3.items()}
    assert {k: list(v) for k, v in report.table4.model_dump().items()} == {k: plain(v) for k, v in CMS_TABLE4.items()}
    assert str(report.table2.fees) == "24252.311082"
    assert (report.agency.name, report.agency.subject, report.agency.kind) == ("示例县人民政府办公室", "示例县人民政府",
                                                                               "government")
    assert report.contact.postcode == "100000" and str(report.published) == "2025-01-20"


@pytest.mark.parametrize("name", ["huaian-2024", "hongze-2023"])
def test_the_corpus_pdfs_import_to_their_transcription(tmp_path, name):
    written = import_file(CORPUS / f"{name}.pdf", tmp_path)
    report = load_params(written)
    expected = json.loads((CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))
    labels = {row.label: row.key for _, row in FORMAT.table2.rows()}
    table2 = report.table2.model_dump()
    assert {labels[label]: [number(str(v)) for v in values] for label, values in expected["table2"].items()} \
        == {key: [number(str(v)) for v in (value if isinstance(value, tuple) else (value,))]
            for key, value in table2.items() if key != "amount_decimals"}
    assert {k: list(v) for k, v in report.table3.model_dump().items() if v is not None} == expected["table3"]
    assert [v for values in report.table4.model_dump().values() for v in values] == expected["table4"]


def _audit(*args) -> tuple[int, dict]:
    result = run_xxgk("audit", *args, "--json")
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def test_audit_of_huaian_finds_no_error_and_of_hongze_its_two_t4_errors_its_row_and_its_typo(tmp_path):
    status, found = _audit(CORPUS / "huaian-2024.pdf", CORPUS / "hongze-2023.pdf")
    assert status == 1
    assert found["summary"] == {"read": 2, "clean": 1, "with_errors": 1, "unreadable": 0}
    huaian, hongze = found["reports"]
    assert [f for f in huaian["findings"] if f["severity"] == "error"] == []
    errors = [(f["rule"], f["place"]) for f in hongze["findings"] if f["severity"] == "error"]
    assert errors == [("T4", "第4页 表四 行政复议 × 总计"), ("T4", "第4页 表四 行政诉讼 复议后起诉 × 总计")]
    # and nothing else: each of the two said once, though both the reading and the rules see it
    collapsed, typo = [f for f in hongze["findings"] if f["severity"] == "warning"]
    assert collapsed["rule"] == typo["rule"] == "X4"
    assert "（六）其他处理" in collapsed["message"]
    assert collapsed["place"] == "第4页 表三 三、本年度办理结果 （六）其他处理"
    assert "2.其他法律行政止公开" in typo["message"] and "2.其他法律行政法规禁止公开" in typo["message"]
    assert typo["place"] == "第3页 表三 （三）不予公开 2.其他法律行政法规禁止公开"
    text = run_xxgk("audit", CORPUS / "hongze-2023.pdf")
    assert text.returncode == 1 and "第4页 表四 行政复议 × 总计" in text.stdout
    assert "共 1 份报告：读取 1 份，无错误 0 份，有错误 1 份，无法读取 0 份。" in text.stdout


def test_audit_compares_with_last_years_report_given_or_found_beside(tmp_path):
    """X1: this year's 上年结转 is last year's 结转下年度; last year's file as --previous, or
    named like this year's with the year before (huaian-2023.yaml beside huaian-2024.pdf)."""
    shutil.copy(CORPUS / "huaian-2024.pdf", tmp_path / "huaian-2024.pdf")
    last = import_file(CORPUS / "huaian-2024.pdf", tmp_path / "params")
    text = last.read_text(encoding="utf-8").replace("year: 2024", "year: 2023")
    lines = [("  carry_out: [30, 0, 0, 0, 0, 0, 30]" if line.lstrip().startswith("carry_out:") else line)
             for line in text.splitlines()]
    assert lines != text.splitlines()
    (tmp_path / "last.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, given = _audit(tmp_path / "huaian-2024.pdf", "--previous", tmp_path / "last.yaml")
    x1 = [f for f in given["reports"][0]["findings"] if f["rule"] == "X1"]
    assert status == 1 and x1 and all(f["place"].startswith("第") and "表三" in f["place"] for f in x1)
    shutil.move(tmp_path / "last.yaml", tmp_path / "huaian-2023.yaml")
    status, beside = _audit(tmp_path)
    assert beside["reports"][0]["previous"].endswith("huaian-2023.yaml")
    assert [f["rule"] for f in beside["reports"][0]["findings"] if f["rule"] == "X1"] == [f["rule"] for f in x1]


def test_an_unreadable_last_years_file_beside_a_report_is_one_warning_and_its_findings_stand(tmp_path):
    """Guessed from the name, last year's file is only a help: this report is checked without it.
    Asked for by --previous, it is what was asked, so its being unreadable is a refusal."""
    shutil.copy(CORPUS / "hongze-2023.pdf", tmp_path / "hongze-2023.pdf")
    (tmp_path / "hongze-2022.pdf").write_bytes(b"")
    status, found = _audit(tmp_path / "hongze-2023.pdf")
    report = found["reports"][0]
    assert status == 1 and found["summary"]["unreadable"] == 0 and report["previous"] is None
    assert [f["rule"] for f in report["findings"] if f["severity"] == "error"] == ["T4", "T4"]
    lost = [f for f in report["findings"] if "hongze-2022.pdf" in f["message"]]
    assert [(f["rule"], f["severity"]) for f in lost] == [("X1", "warning")]
    status, given = _audit(tmp_path / "hongze-2023.pdf", "--previous", tmp_path / "hongze-2022.pdf")
    assert status == 2 and "hongze-2022.pdf" in given["reports"][0]["unreadable"]


@pytest.mark.parametrize("printed", ["2026年2月30日", "2026年13月1日", "二〇二六年二月三十日"])
def test_an_impossible_printed_date_is_a_finding_about_the_date_not_an_unreadable_report(tmp_path, printed):
    text = (CORPUS / "emin-2025.txt").read_text(encoding="utf-8")
    assert text.count("2026年1月15日") == 1
    (tmp_path / "emin-2025.txt").write_text(text.replace("2026年1月15日", printed), encoding="utf-8")
    status, found = _audit(tmp_path / "emin-2025.txt")
    report = found["reports"][0]
    assert status == 1 and "unreadable" not in report
    about = [f for f in report["findings"] if printed in f["location"] + f["message"]]
    assert len(about) == 1 and Report.model_fields["published"].title in about[0]["message"]
    assert not any(f["rule"] == "D1" for f in report["findings"])
    refused = run_xxgk("import", tmp_path / "emin-2025.txt", "-o", tmp_path / "out")
    assert refused.returncode == 2 and printed in refused.stderr and "--partial" in refused.stderr


# ---- bad input, through the command

def _bad_inputs(folder: Path) -> dict[str, str]:
    """name -> what its message must say"""
    folder.mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "scan.pdf").write_bytes(_pdf(2, image=True))
    (folder / "long.pdf").write_bytes(_pdf(200))
    (folder / "truncated.pdf").write_bytes((CORPUS / "hongze-2023.pdf").read_bytes()[:60_000])
    (folder / "news.html").write_text("<html><body><nav>首页</nav><p>县长到乡镇调研。</p></body></html>",
                                      encoding="utf-8")
    (folder / "trial-2019.txt").write_text(TRIAL_2019, encoding="utf-8")
    return {"empty.pdf": "空", "scan.pdf": "OCR", "long.pdf": "200 页", "truncated.pdf": "不完整",
            "news.html": "不像一份年度报告", "trial-2019.txt": "2019年试行格式"}


def test_bad_input_is_named_with_exit_2_no_traceback_and_nothing_written(tmp_path):
    says = _bad_inputs(tmp_path / "in")
    out = tmp_path / "out"
    result = run_xxgk("import", *sorted((tmp_path / "in").iterdir()), "-o", out, "--partial")
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == len(says)
    for name, word in says.items():
        line = next(line for line in lines if f"错误：{name}：" in line)
        assert word in line, line
    assert not out.exists() or list(out.rglob("*")) == []
    status, audit = _audit(tmp_path / "in")
    assert status == 2 and audit["summary"] == {"read": 0, "clean": 0, "with_errors": 0, "unreadable": len(says)}
    assert {Path(r["file"]).name: r["unreadable"] for r in audit["reports"]}.keys() == says.keys()


def test_missing_fields_are_named_and_written_only_with_partial(tmp_path):
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8")
    heading = FORMAT.part("problems").heading
    start = page.index(heading)
    cut = page[:page.rindex("<p", 0, start)] + page[page.index(FORMAT.part("other").heading) - 200:]
    assert heading not in cut
    (tmp_path / "cut.html").write_text(cut, encoding="utf-8")
    refused = run_xxgk("import", tmp_path / "cut.html", "-o", tmp_path / "out")
    assert refused.returncode == 2 and heading in refused.stderr and "--partial" in refused.stderr
    assert not (tmp_path / "out").exists()
    partial = run_xxgk("import", tmp_path / "cut.html", "-o", tmp_path / "out", "--partial")
    assert partial.returncode == 0, partial.stderr
    text = (tmp_path / "out" / "2024" / "cut.yaml").read_text(encoding="utf-8")
    head = text.split("\n\n", 1)[0]
    assert f"#   缺少：{heading}" in head and "part5:" not in text and "table3:" in text
    again = run_xxgk("import", tmp_path / "cut.html", "-o", tmp_path / "out", "--partial")
    assert again.returncode == 2 and "--force" in again.stderr


def test_the_file_name_alone_names_the_written_file(tmp_path):
    """The document's words never make a path: a title of ../../x is text, a bad file name refused."""
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8").replace("示例县人民政府2024年", "../../x2024年", 1)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.html").write_text(page, encoding="utf-8")
    (tmp_path / "in" / "..page.html").write_text(page, encoding="utf-8")
    result = run_xxgk("import", tmp_path / "in" / "page.html", tmp_path / "in" / "..page.html", "-o", tmp_path / "out")
    assert result.returncode == 2 and "..page" in result.stderr
    written = [p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.yaml")]
    assert written == ["2024/page.yaml"]


def test_a_heading_and_a_column_label_worded_otherwise_are_kept_and_audited_once(tmp_path):
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8")
    page = page.replace("本年制发件数", "本年新制发件数", 1)
    page = page.replace("存在的主要问题及改进情况", "存在的主要问题和改进情况", 1)
    (tmp_path / "worded.html").write_text(page, encoding="utf-8")
    report = load_params(import_file(tmp_path / "worded.html", tmp_path / "out"))
    assert report.wording("table2", "issued") == "本年新制发件数"
    assert report.wording("parts", "problems") == "五、存在的主要问题和改进情况"
    status, found = _audit(tmp_path / "worded.html")
    worded = [f for f in found["reports"][0]["findings"] if f["rule"] == "X4" and f["severity"] == "warning"]
    assert sorted(sum(text in f["message"] for f in worded) for text in ("本年新制发件数", "问题和改进")) == [1, 1]


def test_audit_names_a_missing_part_once_and_checks_the_rest(tmp_path):
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8")
    heading = FORMAT.part("other").heading
    (tmp_path / "short.html").write_text(page.replace(heading, "", 1), encoding="utf-8")
    status, found = _audit(tmp_path / "short.html")
    report = found["reports"][0]
    assert status == 1 and sum(heading in f["location"] + f["message"] for f in report["findings"]) == 1
    assert any(f["rule"] == "X4" and f["found"] == "空白" for f in report["findings"])  # the tables still checked


def _renamed(page: str, renames: list[tuple[str, str, str]]) -> str:
    """``page`` with each (after, label, printed) renamed once, in the first cell after ``after``."""
    for after, label, printed in renames:
        start = page.index(after)
        page = page[:start] + page[start:].replace(f">{label}<", f">{printed}<", 1)
    return page


_TABLE4_HEADING = FORMAT.table4.title
# (where the label is, key under label_variants, official, as printed): a block header, a column,
# a column of 表四 and a group of 表四, each renamed the way real reports rename them
_RENAMES = [("table2", "item5", FORMAT.table2.blocks[1].header, "第二十条第五项"),
            ("table3", "legal", "法律服务机构", "法律服务组织"), ("table3", "total", "总计", "合计"),
            ("table4", "upheld", "结果维持", "维持"),
            ("table4", "suit_direct", "未经复议直接起诉", "未经复议起诉")]


def test_table_heads_worded_otherwise_are_kept_printed_and_audited_once_at_their_place(tmp_path):
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8")
    page = _renamed(page, [(_TABLE4_HEADING if where == "table4" else FORMAT.table2.title, official, printed)
                           for where, _, official, printed in _RENAMES])
    (tmp_path / "heads.html").write_text(page, encoding="utf-8")
    report = load_params(import_file(tmp_path / "heads.html", tmp_path / "out"))
    for where, key, official, printed in _RENAMES:
        assert FORMAT.variant_labels()[where][key] == official
        assert report.wording(where, key) == printed
    # the values under a renamed column are still read, not left blank
    assert list(report.table3.new) == [number(v) if v else None for v in CMS_TABLE3["new"]]
    for where, _, official, printed in _RENAMES:
        rendered = getattr(tables, where)(report).html
        assert f">{printed}<" in rendered and f">{official}<" not in rendered, printed
    status, found = _audit(tmp_path / "heads.html")
    worded = [f for f in found["reports"][0]["findings"] if f["rule"] == "X4" and f["severity"] == "warning"]
    for where, _, official, printed in _RENAMES:
        about = [f for f in worded if f["found"] == printed]
        assert len(about) == 1 and about[0]["expected"] == official and official in about[0]["message"], printed
        assert about[0]["place"].startswith("第") and getattr(FORMAT, where).name in about[0]["place"], printed


def test_a_head_label_far_from_every_official_one_is_said_not_guessed(tmp_path):
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8")
    (tmp_path / "far.html").write_text(page.replace(">社会公益组织<", ">天气预报<", 1), encoding="utf-8")
    report = load_params(import_file(tmp_path / "far.html", tmp_path / "out"))
    assert report.label_variants.table3 is None  # taken for no column
    nonprofit = [c.label for c in FORMAT.table3.columns].index("社会公益组织")
    assert report.table3.new[nonprofit] is None
    status, found = _audit(tmp_path / "far.html")
    said = [f for f in found["reports"][0]["findings"] if "天气预报" in f["message"]]
    assert status == 1 and len(said) == 1 and said[0]["rule"] == "X4"


def test_table4_renamed_ends_table3_even_when_its_last_row_is_not_recognised(tmp_path):
    page = (CORPUS / "cms-page.html").read_text(encoding="utf-8")
    page = page.replace(">四、结转下年度继续办理<", ">附注<", 1).replace(">行政复议<", ">行政复议案件<", 1)
    (tmp_path / "ends.html").write_text(page, encoding="utf-8")
    read = read_report(tmp_path / "ends.html")
    variants = {f.subject: f.text for f in read.findings if f.kind == "label"}
    # 表四's head (其他结果, 总计) is not taken for a second head of 表三
    assert variants == {"label_variants.table4.review": "行政复议案件"}
    assert [row.values[0].text for row in read.table("table4").rows] == [v[0] for v in CMS_TABLE4.values()]


def test_missing_fields_are_named_by_the_models_titles():
    """A transcript names what it lacks as validation names a field (the model's titles through
    ``describe``), so that a title changed in the model changes here too; the contact details it
    reads are keyed by the same titles."""
    from xxgk.reading.published import PublishedReport
    from xxgk.reading.transcribe import transcribe
    from xxgk.report.model import Contact, describe

    titles = {key: field.title for key, field in Contact.model_fields.items()}
    found = transcribe(PublishedReport("x.html", "html", "", "", None, "",
                                       tuple((titles[key], value) for key, value in
                                             (("address", "友好路"), ("postcode", "834600"), ("phone", "3340090"))),
                                       (), (), (), ()))
    assert found.data["contact"] == {"office": "", "address": "友好路", "postcode": "834600", "phone": "3340090"}
    for loc in (("year",), ("agency", "name"), ("agency", "subject"), ("agency", "kind"), ("introduction",),
                ("part1", "overview"), ("table3",), ("part6",)):
        assert describe(loc) in found.missing
