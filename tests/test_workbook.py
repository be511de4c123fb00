"""The Excel fill-in workbook: written from a report, read back to the same report, opened and
saved by LibreOffice, and every way a returned workbook goes wrong named by its sheet and cell."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import EXAMPLE, ROOT, run_xxgk
from helpers import grid, table_of
from xxgk import load_params
from xxgk.render import tables
from xxgk.report.format import load_format
from xxgk.report.params import Source, parse_params
from xxgk.workbook import write as workbook

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_agencies  # noqa: E402

SECOND = ROOT / "params" / "2025" / "shili.yaml"
FMT = load_format()


def dump(report) -> dict:
    return report.model_dump(mode="json")


def xlsx(params: Path, folder: Path, name: str | None = None) -> Path:
    """The workbook of ``params``, written by the command as a statistician runs it."""
    target = folder / f"{name or params.stem}.xlsx"
    result = run_xxgk("workbook", params, "-o", target)
    assert result.returncode == 0, result.stderr
    return target


def imported(workbook: Path, folder: Path) -> Path:
    result = run_xxgk("import", workbook, "-o", folder)
    assert result.returncode == 0, result.stderr
    return next(folder.glob(f"*/{workbook.stem}.yaml"))


def find(sheet, text: str) -> tuple[int, int]:
    """Row and column of the one cell of ``sheet`` showing ``text``."""
    hits = [(c.row, c.column) for row in sheet.iter_rows() for c in row if c.value == text]
    assert len(hits) == 1, f"{text!r} found {len(hits)} times"
    return hits[0]


def value_cell(sheet, row_label: str, column_label: str) -> str:
    """The coordinate of a value cell, found by its labels as a person filling it in would."""
    row, _ = find(sheet, row_label)
    _, column = find(sheet, column_label)
    return sheet.cell(row, column).coordinate


@pytest.mark.parametrize("params", [EXAMPLE, SECOND], ids=["emin", "shili"])
def test_the_examples_survive_workbook_and_import(params, tmp_path):
    workbook = xlsx(params, tmp_path)
    again = imported(workbook, tmp_path / "params")
    assert again.parent.name == str(load_params(params).year)
    assert dump(load_params(again)) == dump(load_params(params))
    text = again.read_text(encoding="utf-8")
    assert "# 三、本年度办理结果 › （三）不予公开 › 1.属于国家秘密" in text  # labels as comments


def test_twenty_agencies_with_every_cell_nonzero_survive(tmp_path):
    from xxgk.report import paramsfile
    from xxgk.workbook import read as workbookread

    for path in write_agencies(tmp_path / "in", 20, seed=13, nonzero=True):
        report = load_params(path)
        for table in ("table2", "table3", "table4"):
            rows = getattr(report, table).model_dump(exclude={"amount_decimals"}, exclude_none=True)  # r6 and the like
            assert all(v for row in rows.values() for v in (row if isinstance(row, (list, tuple)) else [row]))
        target = tmp_path / f"{path.stem}.xlsx"
        target.write_bytes(workbook.render(report))
        back = workbookread.report_from_workbook(target)
        assert dump(back) == dump(report)
        text = paramsfile.render(back, target.name)
        assert dump(parse_params(Source(path, path.stem, text.encode()))) == dump(report)


def test_amounts_keep_their_decimals_and_print_as_the_report_does(tmp_path):
    report = load_params(EXAMPLE)
    sheet = load_workbook(xlsx(EXAMPLE, tmp_path))[FMT.table2.name]
    row, _ = find(sheet, "行政事业性收费")
    cell = sheet.cell(row, 2)
    assert str(cell.value) == str(report.table2.fees) == "709.48"
    assert cell.number_format == "0." + "0" * report.table2.amount_decimals


def test_labels_are_locked_numbers_unlocked_and_validated(tmp_path):
    book = load_workbook(xlsx(EXAMPLE, tmp_path))
    sheet = book[FMT.table3.name]
    assert sheet.protection.sheet
    label = sheet.cell(*find(sheet, "一、本年新收政府信息公开申请数量"))
    number = sheet[value_cell(sheet, "一、本年新收政府信息公开申请数量", "商业企业")]
    total = sheet[value_cell(sheet, "一、本年新收政府信息公开申请数量", "总计")]
    assert label.protection.locked and total.protection.locked and not number.protection.locked
    assert str(total.value).startswith("=SUM(")
    rules = [dv for dv in sheet.data_validations.dataValidation if number.coordinate in dv.sqref]
    assert [(dv.type, dv.formula1) for dv in rules] == [("whole", "0")]
    fees = book[FMT.table2.name].cell(find(book[FMT.table2.name], "行政事业性收费")[0], 2)
    rules = [dv for dv in book[FMT.table2.name].data_validations.dataValidation if fees.coordinate in dv.sqref]
    assert [(dv.type, dv.formula1) for dv in rules] == [("decimal", "0")]


def spans(cells) -> set[tuple[str, int, int]]:
    return {(c.text, c.rowspan, c.colspan) for c in cells if c.text and not c.text.isdigit()}


def sheet_spans(sheet) -> set[tuple[str, int, int]]:
    merged = {(r.min_row, r.min_col): (r.max_row - r.min_row + 1, r.max_col - r.min_col + 1)
              for r in sheet.merged_cells.ranges}
    return {(c.value, *merged.get((c.row, c.column), (1, 1))) for row in sheet.iter_rows(min_row=2)
            for c in row if isinstance(c.value, str) and not c.value.startswith("=")}


@pytest.mark.parametrize("table", ["table3", "table4"])
def test_label_cells_merge_as_in_the_official_tables(table, tmp_path):
    """The same merged cells as the report's own HTML table, which other tests hold to the format."""
    report = load_params(EXAMPLE)
    html = table_of(getattr(tables, table)(report).html)
    official = spans(grid(html.find("thead"))) | spans(grid(html.find("tbody")))
    assert official == sheet_spans(load_workbook(xlsx(EXAMPLE, tmp_path))[getattr(FMT, table).name])


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Two workbooks (the second example, a synthetic agency with no zero) opened, recalculated
    and saved by LibreOffice Calc: name -> (parameter file, the saved workbook)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed: make test installs libreoffice-calc-nogui")
    folder = tmp_path_factory.mktemp("calc")
    (synthetic,) = write_agencies(folder / "params" / "2025", 1, seed=7, nonzero=True)
    sources = {"shili": SECOND, synthetic.stem: synthetic}
    written = [xlsx(params, folder / "written", name) for name, params in sources.items()]
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "xlsx", "--outdir", str(folder / "saved"), *map(str, written)],
                   check=True, capture_output=True, env={"HOME": str(folder), "PATH": "/usr/bin:/bin"}, timeout=180)
    return {name: (params, folder / "saved" / f"{name}.xlsx") for name, params in sources.items()}


def test_a_workbook_saved_by_libreoffice_imports_unchanged(libreoffice, tmp_path):
    for params, saved in libreoffice.values():
        assert dump(load_params(imported(saved, tmp_path / "params"))) == dump(load_params(params))


def test_libreoffice_keeps_the_layout_and_computes_the_totals_the_kit_computes(libreoffice):
    params, saved = libreoffice["shili"]
    report = load_params(params)
    formulas, values = load_workbook(saved), load_workbook(saved, data_only=True)
    sheet = formulas[FMT.table3.name]
    assert sheet.protection.sheet
    cell = value_cell(sheet, "（七）总计", "总计")
    assert str(sheet[cell].value).startswith("=SUM(")
    assert values[FMT.table3.name][cell].value == report.table3.total[-1]
    for group in FMT.table4.groups:
        column = 1 + FMT.table4.groups.index(group) * len(FMT.table4.columns) + len(FMT.table4.columns) - 1
        assert values[FMT.table4.name].cell(5, column).value == getattr(report.table4, group.key)[-1]
    official = load_workbook(xlsx(params, saved.parent.parent / "again"))
    for name in (FMT.table2.name, FMT.table3.name, FMT.table4.name):
        assert sheet_spans(formulas[name]) == sheet_spans(official[name])


def refused(workbook: Path, *expected: str) -> str:
    result = run_xxgk("import", workbook, "-o", workbook.parent / "params")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert not (workbook.parent / "params").exists()
    return result.stderr


@pytest.fixture
def example_book(tmp_path) -> Path:
    return xlsx(EXAMPLE, tmp_path)


def edit(path: Path, change) -> None:
    book = load_workbook(path)
    change(book)
    book.save(path)


def test_text_in_a_number_cell_is_named_by_sheet_and_cell(example_book):
    sheet = load_workbook(example_book)[FMT.table3.name]
    cell = value_cell(sheet, "一、本年新收政府信息公开申请数量", "商业企业")
    edit(example_book, lambda book: book[FMT.table3.name].__setitem__(cell, "十二"))
    refused(example_book, f"{FMT.table3.name}!{cell}：应为非负整数，实际是“十二”")


@pytest.mark.parametrize("change", ["delete", "insert"])
def test_a_deleted_or_inserted_row_is_named_not_misread(example_book, change):
    sheet = load_workbook(example_book)[FMT.table3.name]
    row, column = find(sheet, "二、上年结转政府信息公开申请数量")
    shifted = row + 1 if change == "insert" else row - 1

    def alter(book):
        table = book[FMT.table3.name]
        table.insert_rows(row) if change == "insert" else table.delete_rows(row - 1)

    edit(example_book, alter)
    name, letter = FMT.table3.name, sheet.cell(row, column).column_letter
    if change == "insert":  # the label is found one row down
        refused(example_book, f"{name}!{letter}{row}：应是“二、", f"现在在 {name}!{letter}{shifted}")
    else:  # the row above is gone: its place shows the label that belongs one row down
        refused(example_book, f"{name}!{letter}{shifted}：应是“一、", f"应在 {name}!{letter}{row}")


def test_a_moved_table_is_named(example_book):
    sheet = load_workbook(example_book)[FMT.table4.name]
    row, column = find(sheet, FMT.table4.title)
    edit(example_book, lambda book: book[FMT.table4.name].move_range("A1:O5", rows=2, cols=1))
    moved = sheet.cell(row + 2, column + 1).coordinate
    refused(example_book, f"{FMT.table4.name}!{sheet.cell(row, column).coordinate}：应是“{FMT.table4.title}”",
            f"现在在 {FMT.table4.name}!{moved}")


def test_a_total_overwritten_with_a_wrong_number_is_named(example_book, tmp_path):
    sheet = load_workbook(example_book)[FMT.table3.name]
    cell = value_cell(sheet, "（七）总计", "自然人")
    edit(example_book, lambda book: book[FMT.table3.name].__setitem__(cell, 5))
    refused(example_book, f"{FMT.table3.name}!{cell}：", "被改成了数字 5")
    edit(example_book, lambda book: book[FMT.table3.name].__setitem__(cell, 0))  # the right number is fine
    imported(example_book, tmp_path / "fine")


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    (tmp_path / "notes.xlsx").write_text("年度报告", encoding="utf-8")
    refused(tmp_path / "notes.xlsx", "这不是 Excel 工作簿")
    with zipfile.ZipFile(tmp_path / "zipped.xlsx", "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    refused(tmp_path / "zipped.xlsx", "这不是 Excel 工作簿")
    result = run_xxgk("import", EXAMPLE)
    assert result.returncode == 2 and ".xlsx" in result.stderr


def test_a_blank_workbook_names_the_cells_still_to_fill(tmp_path):
    target = tmp_path / "xinju.xlsx"
    result = run_xxgk("workbook", "--blank", "--year", "2026", "--agency", "新局", "-o", target)
    assert result.returncode == 0, result.stderr
    details = load_workbook(target)["基本信息"]
    assert details.cell(find(details, "报告年度")[0], 2).value == 2026
    assert details.cell(find(details, "机关 · 发布机关")[0], 2).value == "新局"
    stderr = refused(target, "缺少此项")
    assert "基本信息!" in stderr


def test_import_never_overwrites_without_force(example_book, tmp_path):
    first = imported(example_book, tmp_path / "params")
    first.write_text("# mine\n", encoding="utf-8")
    result = run_xxgk("import", example_book, "-o", tmp_path / "params")
    assert result.returncode == 2 and "--force" in result.stderr
    assert first.read_text(encoding="utf-8") == "# mine\n"
    assert run_xxgk("import", example_book, "-o", tmp_path / "params", "--force").returncode == 0
    assert dump(load_params(first)) == dump(load_params(EXAMPLE))


def workbook_project(root: Path) -> Path:
    """``params/2025/wb.yaml`` taking its tables from ``wb.xlsx`` beside it: the second example
    with its three tables moved into the workbook."""
    folder = root / "params" / "2025"
    folder.mkdir(parents=True)
    (folder / "wb.xlsx").write_bytes(workbook.render(load_params(SECOND)))
    kept, skipping = [], False
    for line in SECOND.read_text(encoding="utf-8").split("\n"):
        if line.startswith(("table2:", "table3:", "table4:")):
            skipping = True
        elif skipping and not line.startswith((" ", "#")) and line.strip():
            skipping = False
        if not skipping:
            kept.append(line)
    (folder / "wb.yaml").write_text("\n".join(kept) + "\ntables: wb.xlsx\n", encoding="utf-8")
    return folder / "wb.yaml"


def test_a_parameter_file_takes_its_tables_from_a_workbook(tmp_path):
    from xxgk.render.provenance import sha256

    params = workbook_project(tmp_path)
    assert dump(load_params(params)) == dump(load_params(SECOND))
    assert run_xxgk("build", params, "--to", "html").returncode == 0
    out = tmp_path / "outputs" / "2025" / "wb"
    book = params.with_suffix(".xlsx")
    assert (out / "params.xlsx").read_bytes() == book.read_bytes()  # kept beside params.yaml
    manifest = __import__("json").loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"file": "params.xlsx", "from": "wb.xlsx", "sha256": sha256(book.read_bytes())} in manifest["inputs"]
    audit = (out / "audit.html").read_text(encoding="utf-8")
    sheet = load_workbook(book)[FMT.table2.name]
    licensing = sheet.cell(find(sheet, "行政许可")[0], 2)
    assert f"取自工作簿 wb.xlsx 的 {FMT.table2.name}!{licensing.coordinate}" in audit

    edit(book, lambda b: b[FMT.table2.name].__setitem__(licensing.coordinate, licensing.value + 1))
    again = run_xxgk("build", params, "--to", "html")
    assert again.returncode == 0 and "沿用" not in again.stdout, again.stdout  # every section ran again
    assert f"{licensing.value + 1}" in (out / "report.html").read_text(encoding="utf-8")
    assert "已是最新" in run_xxgk("build", params, "--to", "html").stdout
    verified = run_xxgk("verify", out)
    assert verified.returncode == 0 and "identical" in verified.stdout, verified.stdout + verified.stderr


@pytest.mark.parametrize("case", ["parent", "symlink", "folder", "both"])
def test_a_workbook_outside_the_folder_or_doubling_the_tables_is_refused(case, tmp_path):
    params = workbook_project(tmp_path)
    text = params.read_text(encoding="utf-8")
    if case == "parent":
        params.with_suffix(".xlsx").rename(tmp_path / "params" / "wb.xlsx")
        text = text.replace("tables: wb.xlsx", "tables: ../wb.xlsx")
    elif case == "symlink":
        params.with_suffix(".xlsx").rename(tmp_path / "outside.xlsx")
        params.with_suffix(".xlsx").symlink_to(tmp_path / "outside.xlsx")
    elif case == "folder":
        params.with_suffix(".xlsx").unlink()
        params.with_suffix(".xlsx").mkdir()
    else:
        text += "table4:\n  review: [0, 0, 0, 0, 0]\n"
    params.write_text(text, encoding="utf-8")
    result = run_xxgk("check", params)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    says = {"parent": "tables 应是与参数文件在同一文件夹中的工作簿（.xlsx）的文件名，如 emin.xlsx，不含路径",
            "symlink": "文件夹之外", "folder": "这是一个文件夹，不是工作簿", "both": "不能再"}
    assert says[case] in result.stderr


def test_accepted_findings_and_wording_variants_survive_and_an_overfull_list_is_refused(tmp_path):
    from xxgk.errors import UsageError
    from xxgk.report import paramsfile
    from xxgk.report.model import Acceptance
    from xxgk.workbook import read as workbookread

    report = load_params(EXAMPLE)  # its label_variants: 规范性文件
    accepted = (Acceptance(rule="X3", where="依申请公开方面", text="备案…134件", reason="134件是备案数，不是申请数"),
                Acceptance(rule="C2", reason="与上年相同属实"))
    report = report.model_copy(update={"accepted": accepted})
    target = tmp_path / "emin.xlsx"
    target.write_bytes(workbook.render(report))
    back = workbookread.report_from_workbook(target)
    assert back.accepted == accepted and back.label_variants.normative_documents == "规范性文件"
    text = paramsfile.render(back, target.name)
    assert dump(parse_params(Source(target, "emin", text.encode()))) == dump(report)
    with pytest.raises(UsageError, match="至多容纳"):
        workbook.render(report.model_copy(update={"accepted": accepted * 16}))


def test_a_kept_parameter_file_reads_its_kept_workbook(tmp_path):
    """In an output folder this year's and last year's workbooks, usually both ``wb.xlsx``, are
    kept as ``params.xlsx`` and ``previous.xlsx``; each kept file reads its own."""
    params = workbook_project(tmp_path / "project")
    this_year, last_year = load_params(SECOND), load_params(EXAMPLE)
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "params.yaml").write_bytes(params.read_bytes())
    (kept / "previous.yaml").write_bytes(params.read_bytes())
    (kept / "params.xlsx").write_bytes(params.with_suffix(".xlsx").read_bytes())
    (kept / "previous.xlsx").write_bytes(workbook.render(last_year))
    assert dump(load_params(kept / "params.yaml"))["table3"] == dump(this_year)["table3"]
    assert dump(load_params(kept / "previous.yaml"))["table3"] == dump(last_year)["table3"]


def test_a_blank_or_wrong_cell_of_a_tables_workbook_is_named_by_its_cell(tmp_path):
    """A problem of a workbook named by ``tables:`` is at its cell, never at a line of the YAML
    file; a blank cell is one problem, not also a row one number short."""
    from xxgk.errors import WorkbookError

    params = workbook_project(tmp_path)
    book = params.with_suffix(".xlsx")
    sheet = load_workbook(book)[FMT.table3.name]
    blank = value_cell(sheet, "一、本年新收政府信息公开申请数量", "商业企业")
    wrong = value_cell(sheet, "二、上年结转政府信息公开申请数量", "自然人")

    def spoil(book):
        book[FMT.table3.name][blank] = None
        book[FMT.table3.name][wrong] = -3

    edit(book, spoil)
    with pytest.raises(WorkbookError) as caught:
        load_params(params)
    problems = caught.value.problems
    assert sorted(p.split("：")[0] for p in problems) == sorted(f"{FMT.table3.name}!{c}" for c in (wrong, blank))
    assert any("未填写" in p for p in problems) and not any("少了" in p for p in problems), problems
    result = run_xxgk("check", params)
    assert result.returncode == 2 and "wb.yaml:" not in result.stderr, result.stderr
    assert f"{FMT.table3.name}!{blank}：未填写" in result.stderr

    (tmp_path / "import").mkdir()
    imported_blank = tmp_path / "import" / "single.xlsx"
    shutil.copy(book, imported_blank)
    edit(imported_blank, lambda b: b[FMT.table3.name].__setitem__(wrong, 0))
    stderr = refused(imported_blank, f"{FMT.table3.name}!{blank}：未填写")
    assert "少了" not in stderr and stderr.count(f"{FMT.table3.name}!") == 1, stderr


def test_a_problem_of_the_yaml_file_is_still_named_by_its_line(tmp_path):
    params = workbook_project(tmp_path)
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("year: 2025", "year: 二〇二五"), encoding="utf-8")
    result = run_xxgk("check", params)
    assert result.returncode == 2 and f"{params}:6: year（报告年度）" in result.stderr, result.stderr


def test_the_workbook_is_read_once_and_validated_once(tmp_path, monkeypatch):
    """The fast reader's failure falls back to the round-trip reader: the workbook is not read
    again. Importing validates the report once."""
    from xxgk.errors import ParamsError
    from xxgk.report.model import Report
    from xxgk.workbook import read as workbookread

    params = workbook_project(tmp_path)
    params.write_text(params.read_text(encoding="utf-8").replace("year: 2025", "year: x"), encoding="utf-8")
    reads = []
    real_read = workbookread._read
    monkeypatch.setattr(workbookread, "_read", lambda *args: reads.append(args[0]) or real_read(*args))
    with pytest.raises(ParamsError):
        load_params(params)
    assert reads == ["wb.xlsx"]

    validations = []
    real_validate = Report.model_validate.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(Report, "model_validate",
                        classmethod(lambda cls, *a, **k: validations.append(1) or real_validate(cls, *a, **k)))
    workbookread.report_from_workbook(params.with_suffix(".xlsx"))
    assert len(validations) == 1


def test_a_stray_cell_far_away_does_not_make_reading_slow(tmp_path, monkeypatch):
    """openpyxl pads every row to the sheet's recorded extent: one cell at XFD20000 meant
    20,000 × 16,384 cells (half a minute) before the reader bounded the sheets by the layout.
    The cells handed out are counted, not timed."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from xxgk.workbook import read as workbookread

    report = load_params(EXAMPLE)
    target = tmp_path / "stray.xlsx"
    target.write_bytes(workbook.render(report))
    edit(target, lambda b: b[FMT.table3.name].__setitem__("XFD20000", "x"))
    handed_out = []
    original = ReadOnlyWorksheet.iter_rows

    def counted(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            handed_out.append(len(row))
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", counted)
    back = workbookread.report_from_workbook(target)
    assert sum(handed_out) < 1_000_000  # the stray cell alone would make it 3 × 10⁸
    assert dump(back) == dump(report)


def test_text_starting_with_an_equals_sign_stays_text(tmp_path):
    from xxgk.workbook import read as workbookread

    report = load_params(EXAMPLE)
    report = report.model_copy(update={"agency": report.agency.model_copy(update={"name": "=HYPERLINK(\"x\",\"局\")"})})
    target = tmp_path / "formula.xlsx"
    target.write_bytes(workbook.render(report))
    details = load_workbook(target)["基本信息"]
    cell = details.cell(find(details, "机关 · 发布机关")[0], 2)
    assert cell.data_type == "s" and cell.value == report.agency.name
    assert workbookread.report_from_workbook(target).agency.name == report.agency.name


def test_the_layout_cannot_be_changed_by_a_caller():
    from xxgk.workbook.layout import layout

    shared = layout()
    with pytest.raises(TypeError):
        shared.labels[next(iter(shared.labels))] = "改了"  # type: ignore[index]
    with pytest.raises(AttributeError):
        shared.values.append(shared.values[0])  # type: ignore[attr-defined]
    assert layout().places[shared.values[0].loc] == shared.values[0].place


def test_a_control_character_in_the_tables_name_is_refused(tmp_path):
    params = workbook_project(tmp_path)
    params.write_text(params.read_text(encoding="utf-8").replace("tables: wb.xlsx", 'tables: "w\\0b.xlsx"'),
                      encoding="utf-8")
    result = run_xxgk("check", params)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "内部错误" not in result.stderr
    assert "不含路径和控制字符" in result.stderr and "\\x00" in result.stderr, result.stderr


def test_a_users_own_params_yaml_reads_the_workbook_it_names(tmp_path):
    """Only a kept copy (beside a manifest, or in a build's folder without the named workbook)
    reads ``params.xlsx``; a user's ``params/2026/params.yaml`` reads what its ``tables:`` says."""
    project = workbook_project(tmp_path / "project")
    mine = tmp_path / "params" / "2025"
    mine.mkdir(parents=True)
    (mine / "params.yaml").write_bytes(project.read_bytes())
    (mine / "wb.xlsx").write_bytes(project.with_suffix(".xlsx").read_bytes())
    (mine / "params.xlsx").write_bytes(workbook.render(load_params(EXAMPLE)))
    assert dump(load_params(mine / "params.yaml"))["table3"] == dump(load_params(SECOND))["table3"]
    (mine / "manifest.json").write_text("{}", encoding="utf-8")  # now it is a build's kept copy
    assert dump(load_params(mine / "params.yaml"))["table3"] == dump(load_params(EXAMPLE))["table3"]


def test_import_picks_its_reader_by_suffix_from_one_registry(tmp_path):
    from xxgk.errors import UsageError
    from xxgk.reading import importer

    assert importer.reader_of(Path("a.XLSX")) is importer.READERS[".xlsx"][1]
    with pytest.raises(UsageError, match="Excel 工作簿"):
        importer.reader_of(Path("a.csv"))
