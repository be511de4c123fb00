"""The three official tables: merged-cell layout as prescribed, every value in its row and column."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from helpers import at, find, grid, table_of, with_tables
from xxgk.render import tables
from xxgk.report.format import load_format

FMT = load_format()
T3_KEYS = [row.key for row in FMT.table3.rows]


@pytest.fixture(scope="module")
def distinct(example):
    """The example with a different value in every cell, so a misplaced value cannot go unseen."""
    table3 = {key: tuple(100 * r + c for c in range(7)) for r, key in enumerate(T3_KEYS)}
    table4 = {g.key: tuple(1000 + 5 * i + c for c in range(5)) for i, g in enumerate(FMT.table4.groups)}
    table2 = {"regulations": (11, 12, 13), "normative_documents": (21, 22, 23), "licensing": 447228,
              "punishment": 3985758, "enforcement": 88283, "fees": Decimal("96171.6")}
    return with_tables(example, table2=table2, table3=table3, table4=table4)


def test_table3_header_layout(example):
    head = grid(table_of(tables.table3(example).html).find("thead"))
    corner = find(head, FMT.table3.corner)
    assert (corner.row, corner.col, corner.rowspan, corner.colspan) == (0, 0, 3, 3)
    applicants = find(head, "申请人情况")
    assert (applicants.row, applicants.col, applicants.rowspan, applicants.colspan) == (0, 3, 1, 7)
    natural, total = find(head, "自然人"), find(head, "总计")
    assert (natural.row, natural.col, natural.rowspan) == (1, 3, 2)
    assert (total.row, total.col, total.rowspan) == (1, 9, 2)
    organisations = find(head, "法人或其他组织")
    assert (organisations.row, organisations.col, organisations.colspan) == (1, 4, 5)
    for offset, label in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        cell = find(head, label)
        assert (cell.row, cell.col, cell.rowspan, cell.colspan) == (2, 4 + offset, 1, 1)
    assert len(head) == 1 + 1 + 3 + 5


def test_table3_row_labels_merge_as_prescribed(example):
    body = grid(table_of(tables.table3(example).html).find("tbody"))
    spans = {cell.text: (cell.row, cell.col, cell.rowspan, cell.colspan) for cell in body if cell.col < 3}
    assert spans["一、本年新收政府信息公开申请数量"] == (0, 0, 1, 3)
    assert spans["二、上年结转政府信息公开申请数量"] == (1, 0, 1, 3)
    assert spans["三、本年度办理结果"] == (2, 0, 22, 1)
    assert spans["（一）予以公开"] == (2, 1, 1, 2)
    assert spans["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"] == (3, 1, 1, 2)
    assert spans["（三）不予公开"] == (4, 1, 8, 1)
    assert spans["1.属于国家秘密"] == (4, 2, 1, 1)
    assert spans["（四）无法提供"] == (12, 1, 3, 1)
    assert spans["（五）不予处理"] == (15, 1, 5, 1)
    assert spans["（六）其他处理"] == (20, 1, 3, 1)
    assert spans["3.其他"] == (22, 2, 1, 1)
    assert spans["（七）总计"] == (23, 1, 1, 2)
    assert spans["四、结转下年度继续办理"] == (24, 0, 1, 3)
    # the label cells of all 25 rows cover exactly the three label columns
    label_cells = [cell for cell in body if cell.col < 3]
    assert all(cell.col + cell.colspan <= 3 for cell in label_cells)
    assert sum(cell.rowspan * cell.colspan for cell in label_cells) == 25 * 3


def test_table3_every_value_in_its_row_and_column(distinct):
    body = grid(table_of(tables.table3(distinct).html).find("tbody"))
    for r, key in enumerate(T3_KEYS):
        labels = FMT.table3.full_labels()[key]
        assert at(body, r, len(labels) - 1).text == labels[-1]
        for c in range(7):
            assert at(body, r, 3 + c).text == str(100 * r + c), (key, c)


def test_table4_header_layout_and_values(distinct):
    table = table_of(tables.table4(distinct).html)
    head = grid(table.find("thead"))
    review, suits = find(head, "行政复议"), find(head, "行政诉讼")
    assert (review.row, review.col, review.rowspan, review.colspan) == (0, 0, 1, 5)
    assert (suits.row, suits.col, suits.rowspan, suits.colspan) == (0, 5, 1, 10)
    direct, after = find(head, "未经复议直接起诉"), find(head, "复议后起诉")
    assert (direct.row, direct.col, direct.colspan) == (1, 5, 5)
    assert (after.row, after.col, after.colspan) == (1, 10, 5)
    labels = [c.label for c in FMT.table4.columns]
    for col in range(15):
        cell = at(head, 2, col)
        assert cell.text == labels[col % 5]
        assert (cell.row, cell.rowspan) == ((1, 2) if col < 5 else (2, 1))
    body = grid(table.find("tbody"))
    assert [at(body, 0, col).text for col in range(15)] == [str(1000 + i) for i in range(15)]


def test_table2_blocks_and_values(distinct):
    table = table_of(tables.table2(distinct).html)
    assert table.find("thead") is None
    body = grid(table.find("tbody"))
    headers = [cell for cell in body if cell.text.startswith("第二十条")]
    assert [h.text for h in headers] == [b.header for b in FMT.table2.blocks]
    assert all(h.col == 0 and h.colspan == 4 for h in headers)

    def row_of(label):
        cell = find(body, label)
        return [at(body, cell.row, c) for c in range(4)]

    assert [c.text for c in row_of("规章")] == ["规章", "11", "12", "13"]
    assert [c.text for c in row_of("规范性文件")] == ["规范性文件", "21", "22", "23"]  # the example's wording
    for label, value in [("行政许可", "447228"), ("行政处罚", "3985758"), ("行政强制", "88283"),
                         ("行政事业性收费", "96171.60")]:
        cells = row_of(label)
        assert cells[1].text == value and cells[1].colspan == 3
    subheads = [cell for cell in body if cell.text == "本年处理决定数量"]
    assert len(subheads) == 2 and all(cell.colspan == 3 for cell in subheads)


def test_amounts_print_with_the_configured_decimals(example):
    one = example.model_copy(update={"table2": example.table2.model_copy(update={"amount_decimals": 1})})
    body = grid(table_of(tables.table2(one).html).find("tbody"))
    assert at(body, find(body, "行政事业性收费").row, 1).text == "709.5"
    body = grid(table_of(tables.table2(example).html).find("tbody"))
    assert at(body, find(body, "行政事业性收费").row, 1).text == "709.48"


def test_official_label_is_used_without_a_variant(example):
    plain = example.model_copy(update={"label_variants": type(example.label_variants)()})
    assert "行政规范性文件" in tables.table2(plain).html
    assert "行政规范性文件" not in tables.table2(example).html


def test_tables_have_fixed_ids(example):
    assert tables.table3(example).html == tables.table3(example).html


def test_the_text_form_of_each_table_reads_like_the_table(example):
    """What a terminal or a plain notebook reader shows: official labels and the values as
    printed, not the format's keys or floats."""
    from xxgk.render import tables

    for render in (tables.table2, tables.table3, tables.table4):
        text = render(example).text
        assert not re.search(r"\b(r3_1|natural|licensing|review|in_force)\b|\.0\b|NaN", text), text
    assert "一、本年新收政府信息公开申请数量" in tables.table3(example).text
    assert "9865" in tables.table2(example).text and "行政许可" in tables.table2(example).text
