"""Assembling the executed section notebooks into the publication and audit HTML with nbconvert.

Both are pure functions of the executed notebooks, the report and the provenance record; the
exporters run in this process (no ``jupyter nbconvert`` process per report).
"""

from __future__ import annotations

from functools import cache, lru_cache
from html import escape

import nbformat
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters import Highlight2HTML, clean_html
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode
from traitlets.config import Config

from ..paths import TEMPLATES
from ..report.findings import Finding, errors, to_html
from ..report.model import Report
from ..report.references import figures_only
from ..report.sections import Section

LANGUAGE = "zh"
PUBLICATION, AUDIT = "xxgk-report", "xxgk-audit"  # template folders in templates/
SECTION_MARKER = "xxgk-section"
# hidden from readers: setup and audit-only cells, papermill's injected parameters, section markers
READER_HIDDEN_CELLS = {"remove-cell", "injected-parameters", SECTION_MARKER}
READER_HIDDEN_INPUTS = {"remove-input"}


def combine(executed: list[tuple[Section, NotebookNode]]) -> NotebookNode:
    """One notebook holding every section's cells in report order, each section behind a marker."""
    cells = []
    for section, notebook in executed:
        marker = nbformat.v4.new_markdown_cell(
            f"## {escape(section.heading)}\n\n`{section.notebook}`", id=f"section-{section.key}")
        marker.metadata["tags"] = [SECTION_MARKER]
        cells.append(marker)
        for cell in notebook.cells:
            cell = nbformat.from_dict(dict(cell))
            cell.id = f"{section.key}-{cell.id}"  # ids repeat across sections; they must not here
            cells.append(cell)
    first = executed[0][1]
    return nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": first.metadata.get("kernelspec", {}),
        "language_info": first.metadata.get("language_info", {}),
    })


LEXER = "ipython3"  # what the kernels' language_info names; every section runs in one


class _PageExporter(HTMLExporter):
    """nbconvert's HTML exporter without its last step, which parses the rendered page again with
    BeautifulSoup to give images alt text and JupyterLab cells a tabindex. These templates have
    neither, and that step was half the time of an audit page."""

    # nbconvert's Exporter says a notebook comes back; its template exporters return text and
    # silence the same override error in their own code
    def from_notebook_node(  # type: ignore[override]
            self, nb: NotebookNode, resources: dict | None = None, **kw) -> tuple[str, dict]:
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(pygments_lexer=LEXER, parent=self))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


@lru_cache(maxsize=4096)
def highlighted_code(source: str) -> str:
    """A code cell as nbconvert's classic template shows it (highlighted, then sanitized), worked
    out once per distinct source: the section notebooks' code is the same for every agency."""
    return clean_html(Highlight2HTML(pygments_lexer=LEXER)(source))


@cache
def _exporter(template: str) -> HTMLExporter:
    """One exporter per template and process: it compiles its templates once, which is most of
    the cost of an export (a batch worker assembles report after report)."""
    config = Config()
    if template == PUBLICATION:
        config.TagRemovePreprocessor.remove_cell_tags = READER_HIDDEN_CELLS
        config.TagRemovePreprocessor.remove_input_tags = READER_HIDDEN_INPUTS
        config.TagRemovePreprocessor.enabled = True
    exporter = _PageExporter(config=config, template_name=template,
                             extra_template_basedirs=[str(TEMPLATES)],
                             filters={"highlighted_code": highlighted_code, "params_links": _params_links})
    exporter.language_code = LANGUAGE
    return exporter


def _params_links(html: str) -> str:
    """``audit.link_cells``, imported when an audit page is made: the audit module brings pandas
    (0.4 s), which a publication page does not need (the roll-up's builder makes only one)."""
    from .audit import link_cells

    return link_cells(html)


def forget_templates() -> None:
    """Compile the templates again at the next export: a preview session outlives edits to them."""
    _exporter.cache_clear()


def publication_html(combined: NotebookNode, report: Report, findings: list[Finding]) -> str:
    """The report as published: the sections' rich outputs only, no code, self-contained; marked
    “未通过校验” on every page when the checks found errors."""
    return page_html(combined, report.display_title, unchecked=bool(errors(findings)))


def page_html(notebook: NotebookNode, title: str, *, unchecked: bool = False) -> str:
    """An executed notebook as a publication page titled ``title``: its rich outputs only."""
    resources = {"xxgk": {"title": title, "unchecked": unchecked}}
    body, _ = _exporter(PUBLICATION).from_notebook_node(notebook, resources=resources)
    return figures_only(body)


def audit_html(combined: NotebookNode, report: Report, provenance: dict,
               findings: list[Finding], params: bytes) -> str:
    """Every cell's code and output, section by section, after the provenance block, the
    findings of the checks, the totals the kit computed and the parameter file ``params`` with
    line numbers; every value of the tables links to where that file writes it."""
    from .audit import listing

    resources = _resources(report, provenance=provenance, findings=to_html(findings, "未发现问题。").html,
                           computed_totals=report.computed_totals,
                           params=listing(report, params.decode("utf-8-sig")).html)
    body, _ = _exporter(AUDIT).from_notebook_node(combined, resources=resources)
    return body


def _resources(report: Report, **extra) -> dict:
    return {"xxgk": {"title": report.display_title, **extra}}
