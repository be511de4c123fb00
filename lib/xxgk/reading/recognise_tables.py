"""Tables 二, 三 and 四 found in a document's grids by their labels, cell by cell, as published.

The grids are read as one stream of rows in document order, so a table broken across pages (or
two tables a reader saw as one) is handled the same way: a row is a table-2 block header, a
header row, a data row or something else, by what its cells say. Row labels are matched with
``labels.best`` against the format; a value keeps its text. Whatever differs from the format —
a renamed or mistyped label, a collapsed row, a missing cell — is a ``Finding``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from os.path import commonprefix

from ..report.format import ReportFormat, Table2Block
from .document import Cell, Document, Grid
from .labels import HEAD_SIMILAR, best, normalise
from .published import Finding, Table, TableRow, Value, number

_MARKS = {"/", "／", "—", "-", "－", "–", "——", "无", "\\", "×"}  # what reports print for "none"


def value_like(text: str) -> bool:
    """A cell that can be a value: a number, a blank, or a mark reports print for none."""
    plain = text.strip()
    return not plain or plain in _MARKS or number(plain) is not None


@dataclass
class _Found:
    table2: list[TableRow] = field(default_factory=list)
    table3: list[TableRow] = field(default_factory=list)
    table4: list[TableRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def recognise_tables(document: Document, fmt: ReportFormat) -> tuple[tuple[Table, ...], tuple[Finding, ...]]:
    rows = [row for block in document.blocks if isinstance(block, Grid) for row in block.rows]
    found = _Found()
    _Table2(fmt, found).read(rows)
    _Table3(fmt, found).read(rows)
    _Table4(fmt, found).read(rows)
    tables = tuple(Table(key, tuple(getattr(found, key))) for key in ("table2", "table3", "table4")
                   if getattr(found, key))
    return tables, tuple(found.findings)


def _texts(row: tuple[Cell | None, ...]) -> list[Cell]:
    return [cell for cell in row if cell is not None and cell.text.strip()]


def _label_finding(found: _Found, cell: Cell, official: str, table: str, subject: str) -> None:
    """A label printed otherwise than the format prints it (line breaks and spaces aside);
    ``subject`` is its key under ``label_variants`` (r3_2, table3.natural)."""
    if re.sub(r"\s+", "", cell.text) != re.sub(r"\s+", "", official):
        numbering = normalise(cell.text) == normalise(official)
        how = "编号或标点写法与统一格式不同" if numbering else "措辞与统一格式不同"
        found.findings.append(Finding("numbering" if numbering else "label",
                                      f"“{cell.text}”{how}，统一格式为“{official}”", cell.place, table,
                                      f"label_variants.{subject}", cell.text))


def _unknown(found: _Found, cell: Cell, table: str, consequence: str) -> None:
    """A heading too far from every official label to be taken for one: said, never guessed."""
    found.findings.append(Finding("structure", f"{table}中无法识别的表头“{cell.text}”{consequence}", cell.place, table))


class _Table2:
    def __init__(self, fmt: ReportFormat, found: _Found):
        self.fmt, self.found = fmt, found
        self.name = fmt.table2.name

    def read(self, rows: list[tuple[Cell | None, ...]]) -> None:
        headers = {block.key: block.header for block in self.fmt.table2.blocks}
        # the article every block header cites (第二十条), from the format: a report may print the
        # item as 第一项 or (一) but a header row always names the article
        common = commonprefix([normalise(header) for header in headers.values()])
        article = common[:common.find("条") + 1] or common
        blocks = {block.key: block for block in self.fmt.table2.blocks}
        block: Table2Block | None = None
        for row in rows:
            cells = _texts(row)
            if not cells:
                continue
            if len(cells) == 1 and normalise(cells[0].text).startswith(article):
                header = best(cells[0].text, headers)
                if header is None:
                    _unknown(self.found, cells[0], self.name, "，这一块未读入")
                    block = None
                    continue
                _label_finding(self.found, cells[0], header.official, f"{self.name} {header.official}",
                               f"table2.{header.key}")
                block = blocks[header.key]
                continue
            if block is None:
                continue
            if normalise(cells[0].text) == normalise(block.label_column):
                self._headings(block, cells[1:])
                continue
            match = best(cells[0].text, {r.key: r.label for r in block.rows})
            if match is None:
                block = None  # the end of table 二: the next row is no row of this block
                continue
            _label_finding(self.found, cells[0], match.official, f"{self.name} {match.official}", match.key)
            self.found.table2.append(self._row(block, match.key, cells[0], row))

    def _headings(self, block: Table2Block, cells: list[Cell]) -> None:
        for cell, value in zip(cells, block.values, strict=False):
            if best(cell.text, {value.key: value.label}) is not None:
                _label_finding(self.found, cell, value.label, f"{self.name} {block.header}", f"table2.{value.key}")

    def _row(self, block: Table2Block, key: str, label: Cell, row: tuple[Cell | None, ...]) -> TableRow:
        after = list(row[row.index(label) + 1:])
        slots = [cell for cell in after if cell is not None]
        values: list[Value] = []
        official = next(r.label for r in block.rows if r.key == key)
        for index, column in enumerate(block.values):
            if index < len(slots):
                values.append(Value(slots[index].text, slots[index].place))
            else:
                values.append(Value("", label.place))
                self.found.findings.append(Finding(
                    "structure", f"缺少“{column.label}”一格，按空白读入", label.place,
                    f"{self.name} {official} × {column.label}", f"table2.{key}[{index}]"))
        return TableRow(key, (label.text,), tuple(values))


class _Table3:
    def __init__(self, fmt: ReportFormat, found: _Found):
        self.fmt, self.found = fmt, found
        self.table = fmt.table3
        self.paths = self.table.full_labels()
        self.columns = {column.key: column.label for column in self.table.columns}
        self.head = fmt.variant_labels()["table3"]
        self.deepest = {key: path[-1] for key, path in self.paths.items()}
        # a collapsed row: one row for a level-2 label that the format splits (（六）其他处理 → r6)
        groups: dict[str, list[str]] = {}
        for key, path in self.paths.items():
            if len(path) == 3:
                groups.setdefault(path[1], []).append(key)
        self.groups = {commonprefix(keys).rstrip("_"): label for label, keys in groups.items()}

    def read(self, rows: list[tuple[Cell | None, ...]]) -> None:
        positions: dict[str, int] = {}
        width = 0
        carried: dict[int, str] = {}  # the labels of merged outer cells, by slot, from the rows above
        started = False
        for row in rows:
            cells = _texts(row)
            if not cells:
                continue
            if _Table4.starts(self.fmt, cells):
                return
            heads = self._header(row)
            if heads:  # a header row, the first or one repeated after a page break
                started = True
                positions.update({key: slot for key, slot in heads.items() if key})
                width = len(row)
                continue
            if not started or not positions:
                continue
            shift = width - len(row)
            words = [slot for slot, cell in enumerate(row) if cell is not None and not value_like(cell.text)]
            end = max(min(positions.values()) - shift, words[-1] + 1 if words else 0)
            labels = [cell for cell in row[:end] if cell is not None and cell.text.strip()]
            if not labels:
                continue
            for slot in range(end):
                cell = row[slot]
                if cell is not None and cell.text.strip():
                    carried = {s: text for s, text in carried.items() if s < slot} | {slot: cell.text}
            own = labels[-1]
            found = best(own.text, self.deepest)
            match = (found.key, found.official) if found else self._collapsed(own)
            if match is None:
                self.found.findings.append(Finding("structure", f"表三中无法识别的行“{own.text}”，未读入",
                                                   own.place, self.table.name))
                continue
            key, official = match
            _label_finding(self.found, own, official, f"{self.table.name} {official}", key)
            path = tuple(carried[s] for s in sorted(carried))
            self.found.table3.append(self._row(key, path, labels, row, positions, shift, official))
            if key == self.table.rows[-1].key:
                return

    def _header(self, row: tuple[Cell | None, ...]) -> dict[str, int]:
        """The columns a header row names, by their slot. A header row holds no number, so a
        label in it is matched tolerantly against every label of the table's head (columns,
        spanner, corner, column group); one that names none is said, its column left unread."""
        cells = [(slot, cell) for slot, cell in enumerate(row) if cell is not None and cell.text.strip()]
        if not cells or any(value_like(cell.text) for _, cell in cells):
            return {}
        matches = [(slot, cell, best(cell.text, self.head, HEAD_SIMILAR)) for slot, cell in cells]
        heads: dict[str, int] = {}
        for slot, _, match in matches:
            if match is not None and match.key in self.columns and match.key not in heads:
                heads[match.key] = slot
        spanning = any(match is not None and match.key not in self.columns for _, _, match in matches)
        if not ("natural" in heads or "total" in heads or len(heads) >= 3 or spanning):
            return {}
        for _, cell, match in matches:
            if match is None:
                _unknown(self.found, cell, self.table.name, "，这一列未读入")
            else:
                _label_finding(self.found, cell, match.official, f"{self.table.name} 表头", f"table3.{match.key}")
        return heads or {"": -1}

    def _collapsed(self, cell: Cell) -> tuple[str, str] | None:
        match = best(cell.text, self.groups)
        if match is None:
            return None
        parts = "、".join(self.deepest[key] for key in self.paths if key.startswith(match.key + "_"))
        self.found.findings.append(Finding(
            "structure", f"“{match.official}”只有一行，统一格式分为 {parts}，按原样读入为一行",
            cell.place, f"{self.table.name} {match.official}", f"table3.{match.key}"))
        return match.key, match.official

    def _row(self, key: str, path: tuple[str, ...], labels: list[Cell], row: tuple[Cell | None, ...],
             positions: dict[str, int], shift: int, official: str) -> TableRow:
        values: list[Value] = []
        for index, column in enumerate(self.table.columns):
            slot = positions.get(column.key)
            cell = row[slot - shift] if slot is not None and 0 <= slot - shift < len(row) else None
            if cell is not None and all(cell is not label for label in labels):
                values.append(Value(cell.text, cell.place))
                continue
            values.append(Value("", labels[-1].place))
            self.found.findings.append(Finding(
                "structure", "此行缺少这一格（复制或排版丢失），按空白读入", labels[-1].place,
                f"{self.table.name} {official} × {column.label}", f"table3.{key}[{index}]"))
        return TableRow(key, path, tuple(values))


class _Table4:
    def __init__(self, fmt: ReportFormat, found: _Found):
        self.fmt, self.found = fmt, found
        self.table = fmt.table4

    @staticmethod
    def starts(fmt: ReportFormat, cells: list[Cell]) -> bool:
        """Whether a row is 表四's head naming a group (行政复议), however worded: no number in it."""
        if any(value_like(cell.text) for cell in cells):
            return False
        labels = fmt.variant_labels()["table4"]
        groups = {group.key for group in fmt.table4.groups} | {group.parent_key for group in fmt.table4.groups}
        return any((match := best(cell.text, labels, HEAD_SIMILAR)) is not None and match.key in groups
                   for cell in cells)

    def read(self, rows: list[tuple[Cell | None, ...]]) -> None:
        labels = self.fmt.variant_labels()["table4"]
        started = False
        for row in rows:
            slots = [cell for cell in row if cell is not None]
            cells = _texts(row)
            if not cells:
                continue
            if all(value_like(cell.text) for cell in slots):
                if started:
                    self._values(slots)
                    return
                continue
            started = started or self.starts(self.fmt, cells)
            if not started:
                continue
            for cell in cells:
                match = best(cell.text, labels, HEAD_SIMILAR)
                if match is None:
                    _unknown(self.found, cell, self.table.name, "")
                else:
                    _label_finding(self.found, cell, match.official, f"{self.table.name} 表头", f"table4.{match.key}")

    def _values(self, slots: list[Cell]) -> None:
        width = len(self.table.columns)
        expected = width * len(self.table.groups)
        if len(slots) != expected:
            self.found.findings.append(Finding(
                "structure", f"数据行有 {len(slots)} 格，统一格式为 {expected} 格；按顺序读入", slots[0].place,
                self.table.name))
        for index, group in enumerate(self.table.groups):
            values = []
            for offset in range(width):
                position = index * width + offset
                if position < len(slots):
                    values.append(Value(slots[position].text, slots[position].place))
                else:
                    values.append(Value("", slots[-1].place))
            label = " ".join(filter(None, (group.parent, group.label)))
            self.found.table4.append(TableRow(group.key, (label,), tuple(values)))
