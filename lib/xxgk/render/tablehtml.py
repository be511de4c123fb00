"""Post-processing of great-tables HTML into the official merged-cell layout, with scoped CSS.

great-tables cannot merge cells horizontally in the body, cannot put a level-2 spanner above
columns that have no level-1 spanner, and leaves the stubhead out of the top header row. Its
stylesheet also has unscoped rules that restyle every table on a page. This module fixes all of
that on the parsed HTML (never with regular expressions):

- a body cell whose text starts with ``MERGE_LEFT`` is removed and its left neighbour widened;
- in the header, blank placeholder cells are dropped, spanners move up into the space they
  leave and column labels (and the stubhead) grow upwards into it;
- great-tables' ``<style>`` is replaced by the kit's table style, every rule scoped to the
  table's id;
- each value cell gets ``data-params``: where the parameter file writes its value
  (``table3.new[0]``), which the audit version turns into a link to that line of the file.
"""

from __future__ import annotations

from collections.abc import Sequence

from bs4 import BeautifulSoup, Tag

from .htmlgrid import grid

MERGE_LEFT = "\ue000"  # private-use character: never in real text, never merged by great-tables

# What a reader must see of each cell is written on the cell itself: JupyterLab's sanitizer drops
# the table's <style> in an untrusted notebook (every notebook that came from another machine)
# but keeps style attributes with these properties (tried in Chromium; table border= and align=
# attributes lose to JupyterLab's own table style). Padding stays in the stylesheet, where the
# printed report sets table 三's tighter.
CELL_STYLE = "border: 0.75pt solid #000; vertical-align: middle; text-align: {align}; font-weight: {weight}"
LEFT_ALIGNED = ("gt_stub", "gt_group_heading")

# the table's white shows through its cells: a background on each cell made the PDF paint ~280
# white rectangles for nothing. The cells' rules say what CELL_STYLE writes on each cell, for
# the PDF, which is made without those attributes (without_cell_styles).
TABLE_CSS = """
#{id} .gt_table {{ border-collapse: collapse; margin: 0.5em auto 1em; width: 100%; color: #000;
  background: #fff; font-size: 10.5pt; line-height: 1.35; }}
#{id} .gt_table th, #{id} .gt_table td {{ padding: 2pt 3pt; {cell}; }}
{left_aligned} {{ text-align: left; }}
#{id} .gt_table thead th, #{id} .gt_table thead td, #{id} .gt_table .xxgk-subhead > td {{ font-weight: bold; }}
#{id} .gt_table .gt_column_spanner {{ display: inline; border: 0; padding: 0; }}
"""
CELL_STYLES = tuple(f' style="{CELL_STYLE.format(align=align, weight=weight)}"'
                    for align in ("left", "center") for weight in ("bold", "normal"))


def finish(raw_html: str, table_id: str, subhead_rows: frozenset[int] = frozenset(),
           places: Sequence[Sequence[str | None]] = ()) -> str:
    """The great-tables HTML of table ``table_id`` in the official layout, with scoped CSS.

    ``subhead_rows`` are 0-based indexes of body rows (group headings not counted) that are
    column headings inside the body, as in table 二. ``places`` gives, for each body row, the
    parameter file's key of each of its ``td`` cells once merged (``None``: not a value).
    """
    soup = BeautifulSoup(raw_html, "html.parser")
    container = soup.find(id=table_id)
    assert container is not None  # great-tables always writes the container, its table and tbody
    for style in soup.find_all("style"):
        style.decompose()
    style = soup.new_tag("style")
    style.string = _table_css(table_id)
    container.insert(0, style)
    table = container.find("table")
    assert table is not None
    thead = table.find("thead")
    if thead is not None:
        if thead.find("th") is None:
            thead.decompose()
        else:
            _relayout_header(soup, thead)
    tbody = table.find("tbody")
    assert tbody is not None
    body_rows = [tr for tr in tbody.find_all("tr", recursive=False)
                 if "gt_group_heading_row" not in (tr.get("class") or [])]
    if places and len(places) != len(body_rows):
        raise ValueError(f"{table_id}: {len(places)} rows of places for {len(body_rows)} body rows")
    for index, tr in enumerate(body_rows):
        _merge_left(tr)
        if places:
            _mark_places(tr, places[index])
        if index in subhead_rows:
            # bs4's types want its own AttributeValueList (new in 4.13; the pin allows 4.12) for a
            # multi-valued attribute; its documentation sets plain lists, which serialise the same
            tr["class"] = [*(tr.get("class") or []), "xxgk-subhead"]  # type: ignore[assignment]
    _drop_dangling_headers(table)
    _style_cells(table)
    return str(soup).strip()


def without_cell_styles(page: str) -> str:
    """``page`` without the style attribute ``finish`` writes on each cell, which the table's
    stylesheet says again: for WeasyPrint, which parses each cell's attribute apart and gives each
    such cell a computed style of its own (a third of its styling time for a roll-up's page)."""
    for attribute in CELL_STYLES:
        page = page.replace(attribute, "")
    return page


def _table_css(table_id: str) -> str:
    left_aligned = ", ".join(f"#{table_id} .gt_table .{name}" for name in LEFT_ALIGNED)
    return TABLE_CSS.format(id=table_id, cell=CELL_STYLE.format(align="center", weight="normal"),
                            left_aligned=left_aligned)


def _style_cells(table: Tag) -> None:
    for cell in table.find_all(["th", "td"]):
        left = any(name in (cell.get("class") or []) for name in LEFT_ALIGNED)
        row = cell.parent
        subhead = cell.name == "td" and row is not None and "xxgk-subhead" in (row.get("class") or [])
        bold = subhead or cell.find_parent("thead") is not None
        cell["style"] = CELL_STYLE.format(align="left" if left else "center", weight="bold" if bold else "normal")


def _mark_places(tr: Tag, places: Sequence[str | None]) -> None:
    cells = tr.find_all("td", recursive=False)
    if len(cells) != len(places):
        raise ValueError(f"{len(places)} places for a row of {len(cells)} cells")
    for cell, place in zip(cells, places, strict=True):
        if place is not None:
            cell["data-params"] = place


def _drop_dangling_headers(table: Tag) -> None:
    """Keep ``headers`` pointing only at header cells that still exist after merging."""
    ids = {tag["id"] for tag in table.find_all(id=True)}
    for cell in table.find_all(headers=True):
        listed = cell["headers"]  # bs4 parses headers as a list of ids
        # a plain list, as for class in finish()
        cell["headers"] = [h for h in (listed.split() if isinstance(listed, str) else listed) if h in ids]  # type: ignore[assignment]


def _merge_left(tr: Tag) -> None:
    previous = None
    for cell in tr.find_all(["th", "td"], recursive=False):
        if cell.get_text().startswith(MERGE_LEFT):
            assert previous is not None  # a row's first cell (its label) is never merged
            # colspan and rowspan are single-valued, so bs4 gives a str; its types cannot tell
            previous["colspan"] = str(int(previous.get("colspan", "1")) + 1)  # type: ignore[arg-type]
            cell.decompose()
        else:
            previous = cell


def _relayout_header(soup: BeautifulSoup, thead: Tag) -> None:
    rows = thead.find_all("tr", recursive=False)
    cells = [cell for cell in grid(rows) if not _is_placeholder(cell.tag)]
    occupied = {(r, c) for cell in cells for r in range(cell.row, cell.row + cell.rowspan)
                for c in cell.columns()}
    changed = True
    while changed:
        changed = False
        for cell in sorted(cells, key=lambda c: (c.row, c.col)):
            above = cell.row - 1
            if above < 0 or any((above, c) in occupied for c in cell.columns()):
                continue
            bottom = cell.row + cell.rowspan - 1
            occupied |= {(above, c) for c in cell.columns()}
            if cell.is_spanner:  # a spanner keeps its height and moves up
                occupied -= {(bottom, c) for c in cell.columns()}
            else:  # a column label or the stubhead grows up into the free space
                cell.rowspan += 1
            cell.row = above
            changed = True
    for tr in rows:
        tr.clear()  # detaches every header cell; they are put back where the grid says
    for cell in sorted(cells, key=lambda c: (c.row, c.col)):
        cell.tag["rowspan"] = str(cell.rowspan)
        cell.tag["colspan"] = str(cell.colspan)
        rows[cell.row].append(cell.tag)
        rows[cell.row].append("\n")
    for tr in rows:
        if tr.find("th") is None:
            raise ValueError("table header relayout left an empty row")


def _is_placeholder(tag: Tag) -> bool:
    return not tag.get_text().replace("\xa0", "").strip()
