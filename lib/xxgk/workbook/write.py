"""Writing the Excel fill-in workbook of a report (or a blank one) by ``workbooklayout``: labels
locked, value cells unlocked and validated (whole numbers ≥ 0, 万元 amounts with decimals),
totals as formulas, rows tall enough for their text.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import UsageError
from ..limits import MAX_AMOUNT, MAX_COUNT
from ..report.format import load_format
from ..report.model import Report
from .layout import LISTS, MAX_LIST_ROWS, Layout, Value, formula, layout, title

MAX_CELL_TEXT = 32767  # characters Excel keeps in a cell


def _get(data: Any, loc: tuple[str | int, ...]) -> Any:
    for item in loc:
        if data is None:
            return None
        if isinstance(item, int):
            data = data[item] if isinstance(data, (list, tuple)) and item < len(data) else None
        elif isinstance(data, dict):
            data = data.get(item)
        else:
            data = getattr(data, item, None)
    return data


_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOTAL = PatternFill("solid", fgColor="EEEEEE")
_INPUT = PatternFill("solid", fgColor="FFFDE7")


def render(report: Report | None = None, year: int | None = None, agency: str | None = None) -> bytes:
    """The workbook of ``report`` (or a blank one for ``year`` and ``agency``) as .xlsx bytes."""
    sheets = layout()
    if report is not None:
        _fits(report)
    data: Any = report if report is not None else {
        "format": Report.model_fields["format"].default, "year": year, "agency": {"name": agency}}
    book = Workbook()
    book.remove(book.active)
    for name in sheets.sheets:
        sheet = book.create_sheet(name)
        sheet.protection.sheet = True
        sheet.protection.formatCells = False  # widening a column or row is fine, the layout is not
        sheet.protection.formatColumns = False
        sheet.protection.formatRows = False
        sheet.page_setup.orientation = "landscape"  # printed, a table fits the page's width
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        for column, width in sheets.widths[name].items():
            sheet.column_dimensions[get_column_letter(column)].width = width
    for place, text in [*sheets.labels.items(), *sheets.notes.items()]:
        cell = book[place.sheet][place.cell]
        cell.value = text
        cell.alignment = Alignment(horizontal="center" if place.row > 1 and place.sheet in _tables() else "left",
                                   vertical="center", wrap_text=True)
        if place.row == 1:
            cell.font = Font(bold=True, size=13)
    for start, end in sheets.merges:
        book[start.sheet].merge_cells(f"{start.cell}:{end.cell}")
    rules: dict[tuple[str, str], DataValidation] = {}
    for value in sheets.values:
        cell = book[value.place.sheet][value.place.cell]
        if value.parts:
            cell.value = formula(value)
            cell.fill = _TOTAL
        else:
            cell.value = _cell_value(_get(data, value.loc))
            cell.protection = Protection(locked=False)
            cell.fill = _INPUT
            if value.kind in _RULES or value.choices:
                key = (value.place.sheet, value.kind if not value.choices else ",".join(value.choices))
                if key not in rules:
                    rules[key] = _rule(value)
                    book[value.place.sheet].add_data_validation(rules[key])
                rules[key].add(cell.coordinate)
        if value.kind == "amount":
            decimals = _decimals(report, _get(data, value.loc))
            cell.number_format = "0." + "0" * decimals if decimals else "0"
        elif value.kind == "date":
            cell.number_format = "yyyy-mm-dd"
        elif value.kind in ("text", "choice"):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text starting with "=" stays text: openpyxl would write a live formula
            cell.number_format = "@"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for sheet_name in _tables():
        for row in book[sheet_name].iter_rows(min_row=2):
            for cell in row:
                if cell.value is not None or cell.coordinate in book[sheet_name].merged_cells:
                    cell.border = _BORDER
    _row_heights(book, sheets)
    book.properties.creator = "xxgk"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


LINE_HEIGHT, MAX_ROW_HEIGHT = 15, 409  # points; Excel allows no higher row


def _row_heights(book: Workbook, sheets: Layout) -> None:
    """Rows tall enough for their wrapped text: Excel and LibreOffice grow a row only when its
    text is typed, not for text a program wrote."""
    spans = {(start.sheet, start.row, start.column): end for start, end in sheets.merges}
    for sheet in book.worksheets:
        widths = sheets.widths[sheet.title]
        for row in sheet.iter_rows():
            lines = 1
            for cell in row:
                if not isinstance(cell.value, str) or cell.value.startswith("="):
                    continue
                end = spans.get((sheet.title, cell.row, cell.column))
                if end is not None and end.row != cell.row:
                    continue  # a label over several rows has their height
                last = end.column if end else cell.column
                width = sum(widths.get(c, 9) for c in range(cell.column, last + 1))
                lines = max(lines, sum(-(-_display_width(part) // int(width)) or 1 for part in cell.value.split("\n")))
            if lines > 1:
                sheet.row_dimensions[row[0].row].height = min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines)


def _display_width(text: str) -> int:
    """Columns ``text`` takes in a cell: a Chinese character as much as two Latin ones."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _decimals(report: Report | None, amount: Any) -> int:
    """The decimals an amount shows: the report's setting, or else as many as it was written with."""
    if report is not None and report.table2.amount_decimals is not None:
        return report.table2.amount_decimals
    if isinstance(amount, Decimal):
        return max(0, -int(amount.as_tuple().exponent))
    return 2


def _fits(report: Report) -> None:
    """Refuse a report the workbook cannot hold whole, rather than lose part of it."""
    if report.collapsed:
        collapsed = "、".join(group.label for group in report.collapsed)
        first = report.collapsed[0]
        raise UsageError(f"本报告{load_format().table3.name}的{collapsed}只有一行合计，工作簿按统一格式分行填写，"
                         f"无法照原样导出；请先在参数文件中把它分行填写（{'、'.join(first.rows)}）")
    for key in LISTS:
        if len(getattr(report, key)) > MAX_LIST_ROWS:
            raise UsageError(f"{title((key,))}有 {len(getattr(report, key))} 项，工作簿至多容纳 {MAX_LIST_ROWS} 项")
    for value in layout().values:
        text = _get(report, value.loc)
        if isinstance(text, str) and len(text) > MAX_CELL_TEXT:
            raise UsageError(f"{value.label}有 {len(text)} 个字，超过 Excel 一个单元格能存的 {MAX_CELL_TEXT} 个字")


def _tables() -> tuple[str, ...]:
    fmt = load_format()
    return fmt.table2.name, fmt.table3.name, fmt.table4.name


# what a number cell accepts (Excel, WPS and LibreOffice refuse anything else as it is typed)
_RULES = {
    "count": ("whole", MAX_COUNT, "请填写不小于 0 的整数"),
    "amount": ("decimal", MAX_AMOUNT, "请填写不小于 0 的数（单位：万元，可带小数）"),
    "integer": ("whole", 9999, "请填写整数"),
}


def _rule(value: Value) -> DataValidation:
    if value.choices:
        return DataValidation(type="list", formula1='"' + ",".join(value.choices) + '"', allow_blank=False,
                              showErrorMessage=True, error="请从下拉列表中选择：" + "、".join(value.choices))
    kind, bound, message = _RULES[value.kind]
    return DataValidation(type=kind, operator="between", formula1="0", formula2=str(bound), allow_blank=True,
                          showErrorMessage=True, errorTitle="数字不对", error=message)


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value
