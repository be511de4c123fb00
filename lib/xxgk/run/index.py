"""The batch index ``outputs/<year>/index.html``: every agency of the year's outputs folder with its
status, its findings counts and links to what exists of its outputs, sortable and filterable by a
small inline script, usable from ``file://`` with no network and readable on a phone.

``rows`` reads the year's folder as it stands and this batch's outcomes; ``page`` turns the rows
into HTML and is pure; ``write`` puts the page in place atomically."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..paths import AUDIT_HTML, MANIFEST, REPORT_DOCX, REPORT_HTML, REPORT_PDF, failed_dir
from ..report.format import load_format
from ..report.sections import SECTIONS
from ..status import Status

INDEX = "index.html"
ROLLUP = "_rollup/rollup.html"  # written by ``xxgk rollup``; linked when it exists
BUILT, UNCHANGED, FAILED = Status.BUILT, Status.UNCHANGED, Status.FAILED
EARLIER, EARLIER_FAILED = Status.EARLIER, Status.EARLIER_FAILED
# in the order "sort by status" puts them: what needs a look first
STATUS_LABELS = {FAILED: "失败", EARLIER_FAILED: "上次失败", BUILT: "已生成", UNCHANGED: "未变", EARLIER: "上次生成"}
OUTPUT_LINKS = ((REPORT_HTML, "报告"), (REPORT_PDF, "PDF"), (REPORT_DOCX, "Word"), (AUDIT_HTML, "审计版"))
_YEAR = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class Row:
    agency: str  # the output folder's name
    name: str  # the agency's full name where known, else ``agency``
    status: Status
    errors: int | None = None  # validation errors and warnings; None where unknown
    warnings: int | None = None
    note: str = ""  # why it failed, or when it was built
    outputs: tuple[str, ...] = ()  # relative links to the files of OUTPUT_LINKS that exist
    notebooks: tuple[str, ...] = ()  # relative links to the executed notebooks that exist
    partial: tuple[str, ...] = ()  # relative links to a failed build's notebooks (``<agency>.failed/``)


def rows(folder: Path, outcomes: Iterable) -> list[Row]:
    """One row per agency of the year ``folder`` (its agency folders, ``<agency>.failed/`` folders,
    and this batch's ``outcomes`` for that year), by folder name. Dot-folders (staging, locks) and
    ``_``-folders (the roll-up) are not agencies."""
    batch = {key: o for o in outcomes if not (key := o.agency or Path(o.params).stem).startswith((".", "_"))}
    present = {p.name.removesuffix(".failed") for p in _subfolders(folder)
               if not p.name.startswith((".", "_"))}
    return [_row(folder, agency, batch.get(agency)) for agency in sorted(present | set(batch))]


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()]
    except FileNotFoundError:
        return []


def _row(folder: Path, agency: str, outcome) -> Row:
    target, kept = folder / agency, failed_dir(folder / agency)
    here, there = _files(target), _files(kept)
    manifest = _manifest(target) if MANIFEST in here else {}
    summary = manifest.get("summary", {}) if isinstance(manifest.get("summary"), dict) else {}
    outputs = tuple(f"{_href(agency)}/{name}" for name, _ in OUTPUT_LINKS if name in here)
    notebooks = tuple(f"{_href(agency)}/{s.notebook}" for s in SECTIONS if s.notebook in here)
    partial = tuple(f"{_href(kept.name)}/{s.notebook}" for s in SECTIONS if s.notebook in there)
    name = summary["name"] if isinstance(summary.get("name"), str) else agency
    if outcome is not None:
        # the page may be published: the parameter file by its name, not where this machine keeps it
        note = outcome.reason.replace(outcome.params, Path(outcome.params).name)
        return Row(agency, name, outcome.status, outcome.errors, outcome.warnings, note, outputs, notebooks, partial)
    errors, warnings = (summary.get(k) if isinstance(summary.get(k), int) else None for k in ("errors", "warnings"))
    if manifest:
        when = datetime.fromtimestamp((target / MANIFEST).stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        return Row(agency, name, EARLIER, errors, warnings, f"生成于 {when}，不在本批中", outputs, notebooks, partial)
    return Row(agency, name, EARLIER_FAILED, errors, warnings, "上次生成失败，不在本批中", outputs, notebooks, partial)


def _manifest(target: Path) -> dict:
    """The agency's manifest, or ``{}`` where there is none usable."""
    try:
        data = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _files(folder: Path) -> set[str]:
    """The regular files in ``folder``, by name: none through a link (to the folder or to a file),
    which could lead out of the outputs. One listing, not a look-up per file: a year may hold a
    thousand agencies."""
    if folder.is_symlink():
        return set()
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries if entry.is_file(follow_symlinks=False)}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def _href(segment: str) -> str:
    return quote(segment, safe="")


def year_of(outcome) -> int | None:
    """The year an outcome belongs to: its report's, else the ``params/<year>/`` folder's."""
    if outcome.year is not None:
        return outcome.year
    folder = Path(outcome.params).parent.name
    return int(folder) if _YEAR.fullmatch(folder) else None


def pages(outputs: Path, outcomes: list) -> dict[Path, list]:
    """``outputs/<year>/index.html`` of every year of ``outcomes``, with that year's outcomes."""
    years = sorted({y for y in map(year_of, outcomes) if y is not None})
    return {outputs / str(year) / INDEX: [o for o in outcomes if year_of(o) == year] for year in years}


def write(outputs: Path, outcomes: list) -> list[Path]:
    """The index page of every year of ``outcomes``, each replacing the old one in one rename.
    Returns the pages written."""
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    written = pages(outputs, outcomes)
    for path, mine in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        rollup = ROLLUP if Path(ROLLUP).name in _files(path.parent / Path(ROLLUP).parent) else None
        _replace(path, page(rows(path.parent, mine), int(path.parent.name), stamp, rollup))
    return list(written)


def _replace(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


# --- the page -----------------------------------------------------------------------------------

def page(entries: list[Row], year: int, generated: str, rollup: str | None = None) -> str:
    """The index page of ``entries`` for ``year``; ``generated`` is the batch's time as shown."""
    counts = {status: sum(r.status == status for r in entries) for status in STATUS_LABELS}
    said = "，".join(f"{label} {counts[s]}" for s, label in STATUS_LABELS.items() if counts[s])
    links = f'<p class="rollup"><a href="{escape(rollup)}">汇总报告</a></p>' if rollup else ""
    options = "".join(f'<option value="{s}">{label}</option>' for s, label in STATUS_LABELS.items())
    body = "\n".join(_table_row(r, rank) for rank, r in _ranked(entries))
    title = escape(load_format().title.format(subject="", year=year)) + " 生成情况"
    return f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>共 {len(entries)} 个机关：{escape(said) or "无"}。本批生成于 {escape(generated)}。</p>
{links}
</header>
<div class="controls" hidden>
<label>状态 <select id="status"><option value="">全部</option>{options}
<option value="errors">有校验错误</option><option value="warnings">有提醒</option></select></label>
<label>名称 <input id="name" type="search" placeholder="机关名称或文件名"></label>
<label>排序 <select id="order"><option value="name">按名称</option>
<option value="status">按状态</option></select></label>
<span id="shown" aria-live="polite"></span>
</div>
<div class="scroll">
<table id="agencies">
<thead><tr><th scope="col" data-sort="name">机关</th><th scope="col" data-sort="status">状态</th>
<th scope="col">错误</th><th scope="col">提醒</th><th scope="col">说明</th><th scope="col">文件</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
</div>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def _ranked(entries: list[Row]) -> list[tuple[int, Row]]:
    rank = {status: index for index, status in enumerate(STATUS_LABELS)}
    return [(rank[r.status], r) for r in sorted(entries, key=lambda r: (r.name, r.agency))]


def _table_row(row: Row, rank: int) -> str:
    name = escape(row.name)
    who = f"{name}<br><small>{escape(row.agency)}</small>" if row.name != row.agency else name
    files = [f'<a href="{escape(href)}">{label}</a>'
             for href, label in zip(row.outputs, _labels(row.outputs), strict=True)]
    files += _notebook_links(row.notebooks, "notebook", "")
    files += _notebook_links(row.partial, "partial", "（失败时）")
    return (f'<tr class="{row.status}" data-status="{row.status}" data-rank="{rank}" data-name="{name}"'
            f' data-agency="{escape(row.agency)}" data-errors="{row.errors or 0}" data-warnings="{row.warnings or 0}">'
            f'<td data-label="机关" class="name">{who}</td>'
            f'<td data-label="状态"><span class="status">{STATUS_LABELS[row.status]}</span></td>'
            f'<td data-label="错误" class="count{" bad" if row.errors else ""}">{_count(row.errors)}</td>'
            f'<td data-label="提醒" class="count">{_count(row.warnings)}</td>'
            f'<td data-label="说明" class="note">{escape(row.note)}</td>'
            f'<td data-label="文件" class="files">{" ".join(files) or "—"}</td></tr>')


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)


def _labels(hrefs: tuple[str, ...]) -> list[str]:
    by_file = dict(OUTPUT_LINKS)
    return [by_file[href.rsplit("/", 1)[1]] for href in hrefs]


def _notebook_links(hrefs: tuple[str, ...], kind: str, suffix: str) -> list[str]:
    """Links named by the notebook, titled with its part's official heading."""
    by_file = {s.notebook: s for s in SECTIONS}
    links = []
    for href in hrefs:
        name = href.rsplit("/", 1)[1]
        links.append(f'<a class="{kind}" href="{escape(href)}" title="{escape(by_file[name].heading)}">'
                     f"{escape(name.removesuffix('.ipynb') + suffix)}</a>")
    return links


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1rem;color:#222;line-height:1.5}
h1{font-size:1.3rem;margin:0 0 .5rem}
.controls{display:flex;flex-wrap:wrap;gap:.5rem 1rem;margin:.75rem 0;align-items:center}
.controls input,.controls select{font:inherit;max-width:100%}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3;white-space:nowrap}
th button{font:inherit;border:0;background:none;cursor:pointer;padding:0}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
td.count{text-align:right}
td.name small{color:#666}
td.files a{margin-right:.5rem;white-space:nowrap}
.status{font-weight:bold;white-space:nowrap}
tr.failed .status,tr.earlier-failed .status{color:#b00020}
tr.built .status{color:#1b5e20}
td.bad{color:#b00020;font-weight:bold}
@media (max-width:640px){
 body{margin:.5rem}
 .scroll{overflow-x:visible}
 table,tbody,tr,td{display:block;width:auto}
 thead{display:none}
 tr{border:1px solid #ccc;margin:0 0 .75rem;padding:.25rem .5rem}
 td{border:0;padding:.15rem 0;overflow-wrap:anywhere}
 td.count{text-align:left}
 td::before{content:attr(data-label) "：";color:#666}
}
"""

# The rows carry their sort keys (data-name, data-rank) and filter keys (data-status, data-errors,
# data-warnings); the table is complete without the script, which only reorders and hides rows.
_SCRIPT = """
(function () {
  var table = document.getElementById('agencies'), body = table.tBodies[0];
  var status = document.getElementById('status'), name = document.getElementById('name');
  var order = document.getElementById('order'), shown = document.getElementById('shown');
  var rows = Array.prototype.slice.call(body.rows), direction = 1;
  var byName = function (a, b) { return a.dataset.name.localeCompare(b.dataset.name, 'zh')
    || a.dataset.agency.localeCompare(b.dataset.agency); };
  var compare = {name: byName, status: function (a, b) { return a.dataset.rank - b.dataset.rank || byName(a, b); }};
  function sort(key, dir) {
    direction = dir; order.value = key;
    rows.sort(function (a, b) { return dir * compare[key](a, b); });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll('th[data-sort]').forEach(function (th) {
      if (th.dataset.sort === key) th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    });
  }
  function filter() {
    var wanted = status.value, text = name.value.trim().toLowerCase(), count = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var ok = !wanted || (wanted === 'errors' ? d.errors !== '0' : wanted === 'warnings' ? d.warnings !== '0'
        : d.status === wanted);
      ok = ok && (!text || (d.name + ' ' + d.agency).toLowerCase().indexOf(text) >= 0);
      row.hidden = !ok; if (ok) count += 1;
    });
    shown.textContent = '显示 ' + count + ' / ' + rows.length;
  }
  table.querySelectorAll('th[data-sort]').forEach(function (th) {
    var button = document.createElement('button');
    button.type = 'button'; button.textContent = th.textContent; th.textContent = ''; th.appendChild(button);
    button.addEventListener('click', function () {
      var key = th.dataset.sort;
      sort(key, order.value === key && th.hasAttribute('aria-sort') ? -direction : 1);
    });
  });
  status.addEventListener('change', filter);
  name.addEventListener('input', filter);
  order.addEventListener('change', function () { sort(order.value, 1); });
  document.querySelector('.controls').hidden = false;
  sort('name', 1); filter();
})();
"""
