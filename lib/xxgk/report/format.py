"""The official report format (国办公开办函〔2021〕30号) as read from ``format-2021.json``.

Every heading and table label the kit prints comes from that file; code refers to rows, columns
and parts by their short keys. A change of official wording is a one-line change of the data file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources


@dataclass(frozen=True)
class Label:
    key: str
    label: str


@dataclass(frozen=True)
class Table2Value:
    key: str
    label: str
    kind: str  # "count" (件/次) or "amount" (万元)


@dataclass(frozen=True)
class Table2Block:
    key: str
    header: str
    label_column: str
    values: tuple[Table2Value, ...]
    rows: tuple[Label, ...]


@dataclass(frozen=True)
class Table2:
    name: str
    part: str
    title: str
    blocks: tuple[Table2Block, ...]

    def rows(self) -> tuple[tuple[Table2Block, Label], ...]:
        return tuple((block, row) for block in self.blocks for row in block.rows)


@dataclass(frozen=True)
class Table3Row:
    key: str
    labels: tuple[str, str, str]

    @property
    def depth(self) -> int:
        """How many label levels this row has; deeper label columns are merged into the last."""
        return max(i for i, label in enumerate(self.labels) if label) + 1

    @property
    def label(self) -> str:
        """The row's own (deepest) label."""
        return self.labels[self.depth - 1]


@dataclass(frozen=True)
class RowGroup:
    """Rows of 表三 under one merged label: ``level`` 0 is 三、本年度办理结果, level 1 a group such as
    （六）其他处理, which a published report may give as one row (``collapsible``) of its key."""

    key: str
    level: int
    label: str
    rows: tuple[str, ...]

    @property
    def collapsible(self) -> bool:
        return self.level == 1


@dataclass(frozen=True)
class Table3:
    name: str
    part: str
    title: str
    corner: str
    spanner: str
    columns: tuple[Label, ...]
    column_groups: tuple[tuple[str, tuple[str, ...]], ...]
    column_group_keys: tuple[str, ...]  # one key per column group, for label variants
    total_column: str
    total_row: str
    rows: tuple[Table3Row, ...]
    groups: tuple[RowGroup, ...]

    def row(self, key: str) -> Table3Row:
        return next(row for row in self.rows if row.key == key)

    @property
    def collapsible(self) -> dict[str, RowGroup]:
        """The groups a report may give as one row, by key (``r6``)."""
        return {group.key: group for group in self.groups if group.collapsible}

    def group_of(self, row: str) -> RowGroup | None:
        """The collapsible group a row belongs to (``r6_2`` → （六）其他处理)."""
        return self._group_of.get(row)

    @cached_property
    def _group_of(self) -> dict[str, RowGroup]:
        # asked for every row of every sum rule of every report a roll-up reads
        return {row: group for group in self.groups if group.collapsible for row in group.rows}

    def full_labels(self) -> dict[str, tuple[str, ...]]:
        """Each row's label path with merged (blank) outer levels filled in from the rows above."""
        return dict(self._full_labels)  # a copy: the caller may change it

    @cached_property
    def _full_labels(self) -> dict[str, tuple[str, ...]]:
        # computed once: the checks ask for it 8 times per report (a tenth of a roll-up's reading)
        paths: dict[str, tuple[str, ...]] = {}
        current = ["", "", ""]
        for row in self.rows:
            for level in range(row.depth):
                if row.labels[level]:
                    current[level] = row.labels[level]
                    current[level + 1:] = [""] * (2 - level)
            paths[row.key] = tuple(current[: row.depth])
        return paths


@dataclass(frozen=True)
class Table4Group:
    key: str
    label: str
    parent: str | None  # the label over several groups (行政诉讼)
    parent_key: str | None


@dataclass(frozen=True)
class Table4:
    name: str
    part: str
    title: str
    groups: tuple[Table4Group, ...]
    columns: tuple[Label, ...]
    total_column: str


@dataclass(frozen=True)
class SumCheck:
    """A reconciliation rule as data: for every row (or column) of ``table``, the sum of the
    ``stated`` cells must equal the sum of the ``parts`` cells."""

    table: str
    per: str  # "row" or "column": what one equation runs along
    stated: tuple[str, ...]
    parts: tuple[str, ...]
    says: str  # the equation in official words


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # "error" or "warning"
    source: str
    text: str
    hint: str
    check: SumCheck | None


@dataclass(frozen=True)
class Part:
    key: str
    heading: str


@dataclass(frozen=True)
class ReportFormat:
    id: str
    source: str
    title: str
    parts: tuple[Part, ...]
    part1_subsections: tuple[str, ...]
    subsection_numbers: tuple[str, ...]
    deadlines: dict[str, str]  # agency kind -> "MM-DD" of the year after the report year
    table2: Table2
    table3: Table3
    table4: Table4
    rules: tuple[Rule, ...]

    def row_names(self, table: str) -> dict[str, str]:
        """Each row key of 表三 or 表四 with the label that names it (its deepest label)."""
        if table == "table3":
            return {key: path[-1] for key, path in self.table3.full_labels().items()}
        return {group.key: group.label for group in self.table4.groups}

    def variant_labels(self) -> dict[str, dict[str, str]]:
        """The labels a report may word otherwise, besides the row labels, by where they are:
        ``parts`` (headings), ``table2`` (block headers, value columns), ``table3`` (columns, the
        spanner, the corner, the column group), ``table4`` (groups, 行政诉讼, columns); each a map
        from key to official text."""
        t2, t3, t4 = self.table2, self.table3, self.table4
        return {
            "parts": {part.key: part.heading for part in self.parts},
            "table2": {**{block.key: block.header for block in t2.blocks},
                       **{value.key: value.label for block in t2.blocks for value in block.values}},
            "table3": {**{column.key: column.label for column in t3.columns},
                       **dict(zip(t3.column_group_keys, (label for label, _ in t3.column_groups), strict=True)),
                       "spanner": t3.spanner, "corner": t3.corner},
            "table4": {**{group.key: group.label for group in t4.groups},
                       **{group.parent_key: group.parent for group in t4.groups if group.parent_key and group.parent},
                       **{column.key: column.label for column in t4.columns}},
        }

    def rule(self, rule_id: str) -> Rule:
        return next(rule for rule in self.rules if rule.id == rule_id)

    def part(self, key: str) -> Part:
        for part in self.parts:
            if part.key == key:
                return part
        raise KeyError(f"unknown part {key!r}; known: {', '.join(p.key for p in self.parts)}")


def _labels(items) -> tuple[Label, ...]:
    return tuple(Label(item["key"], item["label"]) for item in items)


def _parse(data: dict) -> ReportFormat:
    tables = data["tables"]
    t2, t3, t4 = tables["table2"], tables["table3"], tables["table4"]
    rows3 = tuple(Table3Row(r["key"], tuple(r["labels"])) for r in t3["rows"])
    labels3 = {row.key: row.labels for row in rows3}  # a group's label is its first row's, at its level
    parents = {p["key"]: p["label"] for p in t4["parents"]}
    return ReportFormat(
        id=data["id"],
        source=data["source"],
        title=data["title"],
        parts=tuple(Part(p["key"], p["heading"]) for p in data["parts"]),
        part1_subsections=tuple(data["part1_subsections"]),
        subsection_numbers=tuple(data["subsection_numbers"]),
        deadlines=dict(data["deadlines"]),
        table2=Table2(
            name=t2["name"], part=t2["part"], title=t2["title"],
            blocks=tuple(
                Table2Block(
                    key=b["key"], header=b["header"], label_column=b["label_column"],
                    values=tuple(Table2Value(v["key"], v["label"], v["kind"]) for v in b["values"]),
                    rows=_labels(b["rows"]),
                )
                for b in t2["blocks"]
            ),
        ),
        table3=Table3(
            name=t3["name"], part=t3["part"], title=t3["title"], corner=t3["corner"],
            spanner=t3["spanner"], columns=_labels(t3["columns"]),
            column_groups=tuple((g["label"], tuple(g["columns"])) for g in t3["column_groups"]),
            column_group_keys=tuple(g["key"] for g in t3["column_groups"]),
            total_column=t3["total_column"], total_row=t3["total_row"],
            rows=rows3,
            groups=tuple(RowGroup(g["key"], g["level"], labels3[g["rows"][0]][g["level"]], tuple(g["rows"]))
                         for g in t3["groups"]),
        ),
        table4=Table4(
            name=t4["name"], part=t4["part"], title=t4["title"],
            groups=tuple(Table4Group(g["key"], g["label"], parents.get(g["parent"]), g["parent"])
                         for g in t4["groups"]),
            columns=_labels(t4["columns"]), total_column=t4["total_column"],
        ),
        rules=tuple(_rule(rule) for rule in data["rules"]),
    )


def _rule(data: dict) -> Rule:
    check = data.get("check")
    return Rule(
        id=data["id"], severity=data["severity"], source=data["source"], text=data["rule"],
        hint=data.get("hint", ""),
        check=SumCheck(table=check["table"], per=check["per"], stated=tuple(check["stated"]),
                       parts=tuple(check["from"]), says=check["says"]) if check else None,
    )


FORMAT_FILE = "format-2021.json"


@cache
def load_format() -> ReportFormat:
    """The 2021 format, read once per process from the package's data file."""
    text = resources.files("xxgk").joinpath(FORMAT_FILE).read_text(encoding="utf-8")
    return _parse(json.loads(text))
