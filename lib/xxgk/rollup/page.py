"""The roll-up's page around its notebook: its title, and the page as printed.

Apart from ``rollup``, which brings pandas: the builder needs these, and not pandas.
"""

from __future__ import annotations

import base64
import re

from ..report.format import load_format


def page_title(title: str, year: int) -> str:
    """The format's report title for ``title`` and ``year``, with 汇总 after it."""
    return load_format().title.format(subject=title, year=year) + "汇总"


_SCREEN_ONLY = re.compile(r'<(tr|li) class="xxgk-screen-only">.*?</\1>', re.S)
_CHART = re.compile(r'(<figure class="xxgk-chart">)(<svg [^>]*?aria-label="([^"]*)".*?</svg>)', re.S)


def printed(page: str) -> str:
    """The roll-up page as printed: without the rows and list items shown on screen only, which
    WeasyPrint would otherwise style one by one before leaving them out (4 CPU-seconds for 1,000
    agencies); each chart an image of its SVG, which WeasyPrint draws alike but no longer parses,
    styles and boxes element by element as part of the page (0.2 CPU-s a chart of 40 agencies)."""
    return _CHART.sub(_chart_image, _SCREEN_ONLY.sub("", page))


def _chart_image(chart: re.Match[str]) -> str:
    figure, svg, label = chart.groups()  # the label is escaped already, as the SVG's attribute
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'{figure}<img alt="{label}" src="data:image/svg+xml;base64,{data}">'
