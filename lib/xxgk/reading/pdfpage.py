"""A PDF page's characters and drawn rules read by PDFium, in the form pdfplumber's objects take.

pdfplumber reads a page through pdfminer.six, whose content-stream parser is pure Python: about
1 s for a five-page report, over the 0.5 s a report may take (docs/development.md). PDFium (C,
through pypdfium2, which pdfplumber itself depends on) reads the same characters and paths in
about a fifth of that. This module hands them to a pdfplumber page as its objects, so that
pdfplumber's table finder works on them unchanged: characters with their em boxes, axis-parallel
filled subpaths as rectangles, and the straight segments of stroked paths as lines; coordinates
from the page's top left, as pdfplumber's.
"""

from __future__ import annotations

import ctypes
import math

import pypdfium2
import pypdfium2.raw as pdfium

_SKIPPED = {0, 10, 13, 0xFFFE}  # no character, line breaks, PDFium's "no Unicode"
_NESTING = 8  # form XObjects within form XObjects that are followed


def page_objects(page: pypdfium2.PdfPage) -> dict[str, list[dict]]:
    height = page.get_height()
    return {"char": _chars(page, height), **_paths(page, height)}


def _box(x0: float, top: float, x1: float, bottom: float, height: float, kind: str) -> dict:
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "y0": height - bottom, "y1": height - top, "width": x1 - x0, "height": bottom - top}


def _chars(page: pypdfium2.PdfPage, height: float) -> list[dict]:
    """Each character with an em box from its origin: PDFium's own boxes are the glyph's ink
    (tight) or, for some fonts, wrong (loose boxes hundreds of points tall in 洪泽 2023), while the
    em box is what lines and cells are found by, as pdfminer gives it."""
    text = page.get_textpage()
    chars = []
    x, y, matrix = ctypes.c_double(), ctypes.c_double(), pdfium.FS_MATRIX()
    for index in range(text.count_chars()):
        if pdfium.FPDFText_IsGenerated(text.raw, index) == 1:  # spaces and breaks PDFium guessed
            continue
        code = pdfium.FPDFText_GetUnicode(text.raw, index)
        if code in _SKIPPED:
            continue
        pdfium.FPDFText_GetCharOrigin(text.raw, index, x, y)
        pdfium.FPDFText_GetMatrix(text.raw, index, matrix)
        size = pdfium.FPDFText_GetFontSize(text.raw, index) * math.hypot(matrix.c, matrix.d)
        if size <= 0:
            continue
        right = text.get_charbox(index)[2]
        wide = code >= 0x2E80  # 汉字 and full-width punctuation advance one em
        x1 = x.value + size if wide else max(right, x.value + 0.5 * size)
        top = height - y.value - 0.88 * size
        char = _box(x.value, top, x1, top + size, height, "char")
        char.update(text=chr(code), size=round(size, 1), upright=True)
        chars.append(char)
    return chars


def _paths(page: pypdfium2.PdfPage, height: float) -> dict[str, list[dict]]:
    rects: list[dict] = []
    lines: list[dict] = []
    for obj, matrix in _drawn(page):
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        pdfium.FPDFPath_GetDrawMode(obj, fill, stroke)
        rgba = [ctypes.c_uint() for _ in range(4)]
        pdfium.FPDFPageObj_GetFillColor(obj, *rgba)
        color = tuple(round(c.value / 255, 3) for c in rgba[:3])
        for points in _subpaths(obj, matrix, height):
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            straight = all(_axis(p0, p1) for p0, p1 in zip(points, points[1:], strict=False))
            if fill.value and straight and len(points) >= 4:
                rect = _box(min(xs), min(ys), max(xs), max(ys), height, "rect")
                rect.update(fill=True, stroke=bool(stroke.value), non_stroking_color=color)
                rects.append(rect)
            if stroke.value:
                for p0, p1 in zip(points, points[1:], strict=False):
                    if _axis(p0, p1):
                        (x0, x1), (top, bottom) = sorted((p0[0], p1[0])), sorted((p0[1], p1[1]))
                        line = _box(x0, top, x1, bottom, height, "line")
                        line.update(stroke=True, fill=False, pts=[p0, p1])
                        lines.append(line)
    return {"rect": rects, "line": lines}


def _axis(p0: tuple[float, float], p1: tuple[float, float]) -> bool:
    return abs(p0[0] - p1[0]) < 0.01 or abs(p0[1] - p1[1]) < 0.01


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _drawn(page: pypdfium2.PdfPage):
    """Every path on the page with the matrix that puts it there: a path inside a form XObject has
    its matrix relative to the form, so the forms' matrices are composed on the way down."""
    def walk(count, get, outer: Matrix, depth: int):
        for index in range(count):
            obj = get(index)
            matrix = _compose(_matrix(obj), outer)
            kind = pdfium.FPDFPageObj_GetType(obj)
            if kind == pdfium.FPDF_PAGEOBJ_PATH:
                yield obj, matrix
            elif kind == pdfium.FPDF_PAGEOBJ_FORM and depth < _NESTING:
                yield from walk(pdfium.FPDFFormObj_CountObjects(obj),
                                lambda i, form=obj: pdfium.FPDFFormObj_GetObject(form, i), matrix, depth + 1)
    yield from walk(pdfium.FPDFPage_CountObjects(page.raw),
                    lambda i: pdfium.FPDFPage_GetObject(page.raw, i), _IDENTITY, 0)


def _matrix(obj) -> Matrix:
    found = pdfium.FS_MATRIX()
    if not pdfium.FPDFPageObj_GetMatrix(obj, found):
        return _IDENTITY
    return (found.a, found.b, found.c, found.d, found.e, found.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """``inner`` then ``outer``, as PDF concatenates matrices."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _subpaths(obj, matrix: Matrix, height: float) -> list[list[tuple[float, float]]]:
    """The path's points on the page, one list per subpath, closed ones ending where they began."""
    a, b, c, d, e, f = matrix
    subpaths: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for index in range(pdfium.FPDFPath_CountSegments(obj)):
        segment = pdfium.FPDFPath_GetPathSegment(obj, index)
        pdfium.FPDFPathSegment_GetPoint(segment, x, y)
        point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
        if pdfium.FPDFPathSegment_GetType(segment) == pdfium.FPDF_SEGMENT_MOVETO and current:
            subpaths.append(current)
            current = []
        current.append(point)
        if pdfium.FPDFPathSegment_GetClose(segment):
            current.append(current[0])
    if current:
        subpaths.append(current)
    return subpaths
