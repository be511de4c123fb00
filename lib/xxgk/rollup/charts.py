"""The roll-up's charts as SVG whose words are text, not outlines.

matplotlib, because its SVG backend writes every label as a ``<text>`` element naming its font
(``svg.fonttype = "none"``) after laying it out with that font's real metrics: the browser and
WeasyPrint then set the words in the same installed face (Noto Sans CJK SC, one of ``pdf.FONTS``),
a reader can select and search them, and a missing glyph is a font problem the PDF's font check
already stops. It needs no browser or JavaScript (unlike Vega or Plotly) and was installed with
the kit's dependencies. Each chart is a ``<figure>`` whose SVG carries ``role="img"``, an
``aria-label`` and a ``<title>``, and whose caption says the same for every reader.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from html import escape
from typing import Any
from xml.etree import ElementTree

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.textpath import TextToPath

from ..html import Html
from .rollup import SHOWN, Rollup, largest, new_applications, outcomes

FONT = "Noto Sans CJK SC"
WIDTH = 6.1  # inches: the A4 text width of the report (156 mm)
BAR = 0.19  # inches per agency: its name at 8 pt with room between names, 40 agencies on one A4 page
TOP, BOTTOM, RIGHT = 0.45, 0.5, 0.2  # inches: the legend above, the axis and its label below, its last number
MARGIN = TOP + BOTTOM
POINTS = 72  # an inch
NAME_WIDTH = 0.45 * WIDTH * POINTS  # points: 24 Chinese characters at 8 pt; the bars keep the rest
LABEL_PAD = 10  # points between a name and its bar: the tick and its padding
STYLE: dict[Any, Any] = {"svg.fonttype": "none", "svg.hashsalt": "xxgk", "font.family": [FONT], "font.size": 8,
         "axes.unicode_minus": False}


_TEXT_TO_PATH = TextToPath()
_LABEL_FONT = FontProperties(family=[FONT], size=STYLE["font.size"])


def _limited(frame: pd.DataFrame, by: pd.Series, what: str) -> tuple[pd.DataFrame, str]:
    """``frame`` as charted: a bar per row, or beyond MAX_LISTED rows one for each of the SHOWN
    largest ``by`` only (a bar for the rest together dwarfed them all; the comparison table on
    the web page lists every agency)."""
    shown = largest(by)
    if all(shown):
        return frame, ""
    left_out = [not s for s in shown]
    note = (f"只画出{what}最多的 {SHOWN} 个机关，其余 {sum(left_out)} 个机关"
            f"（共 {int(by[left_out].sum())} 件）见各机关对比表")
    return frame[shown], note


def _svg(figure: Figure, prefix: str, label: str) -> str:
    """The figure's SVG for inlining in a page: ids made unique to it, its description as
    ``aria-label`` and ``<title>``, no date or other metadata, shrinking to the width it is given.
    Not ``height: auto`` on the element itself: WeasyPrint then lost its height, took it for a
    square and drew a chart of 40 agencies shrunk into one (names at 4 pt); the pages' stylesheet
    sets the height from the width (``.xxgk-chart svg``)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=dict.fromkeys(("Creator", "Date", "Format", "Type")))
    svg = _flat(buffer.getvalue())
    svg = re.sub(r'(id="|url\(#|xlink:href="#)', rf"\g<1>{prefix}-", svg)
    opening = svg.index(">") + 1
    svg = (svg[:4] + f' role="img" aria-label="{escape(label)}" style="max-width:100%"'
           + svg[4:opening] + f"<title>{escape(label)}</title>" + svg[opening:])
    return svg


SVG, XLINK = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
ElementTree.register_namespace("", SVG)
ElementTree.register_namespace("xlink", XLINK)


def _flat(svg: str) -> str:
    """matplotlib's SVG without the group it wraps around each element only to name it, and
    without its empty metadata: a third of the nodes WeasyPrint draws one by one (0.2 s a chart
    of 40 agencies) and the browser lays out."""
    root = ElementTree.fromstring(svg)
    for node in reversed(list(root.iter())):  # each group's own groups flattened first
        node[:] = [grandchild for child in node
                   if child.tag != f"{{{SVG}}}metadata"
                   for grandchild in (child if child.tag == f"{{{SVG}}}g" and set(child.attrib) <= {"id"} else [child])]
    return ElementTree.tostring(root, encoding="unicode")


def _figure(svg: str, caption: str) -> str:
    return f'<figure class="xxgk-chart">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


def _bars(frame: pd.DataFrame, stacked: bool) -> Figure:
    """Horizontal bars, one row of ``frame`` per bar (first at the top), one colour per column.

    The margins are computed from the names' widths in the chart's font, and each colour's bars
    are one path: matplotlib's constrained layout drew the figure twice to find the margins, a
    patch per bar cost as much again (together two thirds of a chart's second), and WeasyPrint
    draws a chart's SVG node by node."""
    names = [_label(str(name)) for name in frame.index]
    height = MARGIN + BAR * len(frame)
    left = (max(_width(name) for name in names) + LABEL_PAD) / POINTS
    figure = Figure(figsize=(WIDTH, height))
    figure.subplots_adjust(left=left / WIDTH, right=1 - RIGHT / WIDTH, top=1 - TOP / height, bottom=BOTTOM / height)
    axes = figure.subplots()
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    thickness = 0.75 if stacked else 0.75 / len(frame.columns)
    start = [0.0] * len(frame)
    for index, column in enumerate(frame.columns):
        values = [0.0 if pd.isna(v) else float(v) for v in frame[column]]  # a blank as published: no bar
        middles = [p if stacked else p - 0.375 + thickness * (index + 0.5) for p in range(len(frame))]
        corners = [((x0, y - thickness / 2), (x0 + v, y - thickness / 2), (x0 + v, y + thickness / 2),
                    (x0, y + thickness / 2), (x0, y - thickness / 2))
                   for x0, v, y in zip(start if stacked else [0.0] * len(frame), values, middles, strict=True)]
        outline = Path([point for rectangle in corners for point in rectangle],
                       [Path.MOVETO, *[Path.LINETO] * 3, Path.CLOSEPOLY] * len(corners))
        bars = PathPatch(outline, facecolor=colours[index % len(colours)], edgecolor="none", label=str(column))
        bars.set_clip_on(False)  # the bars lie within the axes: a clip path cost WeasyPrint 0.4 s a chart
        axes.add_patch(bars)
        if stacked:
            start = [x0 + v for x0, v in zip(start, values, strict=True)]
    longest = max(start) if stacked else max((float(v) for v in frame.to_numpy().ravel() if not pd.isna(v)), default=0)
    axes.set_xlim(0, max(longest, 1) * 1.05)
    axes.set_yticks(list(range(len(frame))), names)
    axes.set_ylim(len(frame) - 0.5, -0.5)
    axes.set_xlabel("件")
    axes.grid(axis="x", linewidth=0.4, color="#ccc")
    for line in axes.get_xgridlines():
        line.set_clip_on(False)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    figure.legend(loc="upper center", bbox_to_anchor=(0.5, 1.0), ncols=min(len(frame.columns), 6), frameon=False)
    return figure


def _label(name: str) -> str:
    """An agency's name as a chart prints it: whole, or cut short with "…" where it is wider than
    NAME_WIDTH, which would leave the bars no room (the comparison table has every name whole)."""
    if _width(name) <= NAME_WIDTH:
        return name
    while name and _width(name + "…") > NAME_WIDTH:
        name = name[:-1]
    return name + "…"


@lru_cache(maxsize=4096)
def _width(text: str) -> float:
    """``text``'s width in points as a tick label of the charts (font and size of STYLE). Kept:
    FreeType lays out a Chinese name in about 1 ms, and each name is measured for its cut and
    for the margin, in each chart."""
    return float(_TEXT_TO_PATH.get_text_width_height_descent(text, _LABEL_FONT, ismath=False)[0])


def outcome_chart(rollup: Rollup) -> Html:
    """Applications handled by each agency, stacked by outcome (予以公开 … 其他处理)."""
    frame = outcomes(rollup)
    frame, note = _limited(frame, frame.sum(axis=1), "办理申请")
    caption = "图1 各机关政府信息公开申请的办理结果（件）" + (f"；{note}" if note else "")
    label = (f"{caption}。堆叠条形图，每个机关一条，按办理结果分段：{'、'.join(frame.columns)}。"
             "各机关的数字见各机关对比表。")
    with matplotlib.rc_context(STYLE):
        svg = _svg(_bars(frame, stacked=True), "xxgk-chart-outcomes", label)
    return Html(_figure(svg, caption), caption)


def change_chart(rollup: Rollup) -> Html:
    """New applications of this year beside last year's, for the agencies with last year's file."""
    frame = new_applications(rollup)
    if frame.empty:
        text = f"没有机关的 {rollup.year - 1} 年参数文件，无法比较上年。"
        return Html(f"<p>{escape(text)}</p>", text)
    frame, note = _limited(frame, frame[rollup.year], "本年新收申请")
    frame.columns = [f"{year}年" for year in frame.columns]
    caption = f"图2 {rollup.year - 1} 年与 {rollup.year} 年新收政府信息公开申请（件）" + (f"；{note}" if note else "")
    label = (f"{caption}。分组条形图，每个有上年参数文件的机关两条：{rollup.year - 1} 年和 {rollup.year} 年。"
             "各机关的数字见各机关对比表。")
    with matplotlib.rc_context(STYLE):
        svg = _svg(_bars(frame, stacked=False), "xxgk-chart-change", label)
    return Html(_figure(svg, caption), caption)
