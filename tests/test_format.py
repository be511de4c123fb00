"""The package's format data says exactly what the official format says (reference copy of
shared/format/format-2021.json), so labels cannot drift."""

from __future__ import annotations

import json

from conftest import CORPUS
from xxgk.report.format import load_format

REFERENCE = json.loads((CORPUS / "format-2021.reference.json").read_text(encoding="utf-8"))


def test_parts_and_subsections():
    fmt = load_format()
    assert [p.heading for p in fmt.parts] == REFERENCE["sections"]
    assert list(fmt.part1_subsections) == REFERENCE["part1_subsections"]


def test_table2():
    blocks = load_format().table2.blocks
    reference = REFERENCE["table2"]["blocks"]
    assert [b.header for b in blocks] == [r["header"] for r in reference]
    assert [[b.label_column, *(v.label for v in b.values)] for b in blocks] == [r["columns"] for r in reference]
    assert [[row.label for row in b.rows] for b in blocks] == [r["rows"] for r in reference]


def test_table3():
    table = load_format().table3
    reference = REFERENCE["table3"]
    assert table.title == reference["title"] and table.corner == reference["corner_cell"]
    assert [c.label for c in table.columns] == reference["columns"]
    labels = {c.key: c.label for c in table.columns}
    assert {g: [labels[k] for k in keys] for g, keys in table.column_groups} == reference["column_groups"]
    assert [(r.key, list(r.labels)) for r in table.rows] == [(r["key"], r["labels"]) for r in reference["rows"]]


def test_table4_and_rules():
    fmt = load_format()
    reference = REFERENCE["table4"]
    assert [c.label for c in fmt.table4.columns] == reference["columns_per_group"]
    assert [g.label for g in fmt.table4.groups if g.parent is None] == [
        k for k, v in reference["groups"].items() if v is None]
    assert [g.label for g in fmt.table4.groups if g.parent] == reference["groups"]["行政诉讼"]
    ours = {rule.id: rule for rule in fmt.rules}
    for reference_rule in REFERENCE["rules"]:
        rule = ours[reference_rule["id"]]
        assert (rule.severity, rule.source, rule.text) == (
            reference_rule["severity"], reference_rule["source"], reference_rule["rule"])


def test_full_labels_fill_merged_levels():
    paths = load_format().table3.full_labels()
    assert paths["new"] == ("一、本年新收政府信息公开申请数量",)
    assert paths["r3_2"] == ("三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开")
    assert paths["total"] == ("三、本年度办理结果", "（七）总计")
