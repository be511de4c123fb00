"""The PDF of the publication HTML, rendered in-process by WeasyPrint with embedded CJK fonts.

No browser and no TeX: WeasyPrint lays out the same HTML and CSS (A4, GB/T 9704 margins, page
numbers, bookmarks from the part headings). It silently falls back to other fonts, so the fonts
the report's CSS names are looked up first and a missing one stops the build with the Debian
package to install, rather than producing a PDF of boxes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import platform
import re
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import KitError
from ..report.model import Report
from . import provenance
from .tablehtml import without_cell_styles

# font family the report's CSS asks for -> the Debian package that provides it; each stands for a GB/T 9704
# face (docs/development.md, "Faces"): FandolFang for 仿宋, Noto Sans CJK SC for 黑体, LXGW WenKai for 楷体,
# Noto Serif CJK SC Bold for 小标宋 (and 宋体 page numbers)
FONTS = {
    "FandolFang": "texlive-lang-chinese",
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "LXGW WenKai": "fonts-lxgw-wenkai",
}
# Debian has FandolFang only in this package, whose TeX dependencies take 1.1 GB: `make system` takes the
# one font file out of the package instead of installing it
EXTRACTED = {"texlive-lang-chinese": "FandolFang-Regular.otf"}
PDF_LANGUAGE = "zh-CN"
ARCHIVAL_VARIANT = "pdf/a-2b"
# WeasyPrint subsets the fonts it embeds with HarfBuzz when libharfbuzz-subset (4.1 or newer) loads, and
# with fontTools otherwise: other bytes for the same report, and seconds more a PDF. The kit takes
# HarfBuzz's on purpose (make system installs it) and makes no PDF without it, so that a PDF's bytes
# never depend on whether that library happens to be installed; manifest.json records it.
SUBSETTER = "HarfBuzz"
SUBSETTER_PACKAGE = "libharfbuzz-subset0"
# the system libraries WeasyPrint lays out and embeds with, by their Linux names: glibc hands back the
# copy WeasyPrint already loaded under the same name
PANGO, HARFBUZZ, FONTCONFIG = "libpango-1.0.so.0", "libharfbuzz.so.0", "libfontconfig.so.1"
FONT_SUFFIXES = (".otf", ".ttf", ".ttc", ".otc")
DELETED = " (deleted)"  # /proc/self/maps after a mapped file's name: the file was removed or replaced


@cache
def installed_families() -> frozenset[str]:
    """Font families fontconfig knows (it honours FONTCONFIG_FILE, as WeasyPrint does)."""
    try:
        listing = subprocess.run(["fc-list", ":", "family"], check=True, capture_output=True,
                                 text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        raise KitError("找不到 fc-list，无法确认中文字体。请安装 Debian 软件包 fontconfig。") from None
    return frozenset(family.strip() for line in listing.splitlines() for family in line.split(","))


def check_fonts() -> None:
    missing = {family: package for family, package in FONTS.items() if family not in installed_families()}
    if missing:
        packages = sorted(set(missing.values()))
        debs = [p for p in packages if p not in EXTRACTED]
        hints = [f"请安装 Debian 软件包：apt-get install {' '.join(debs)}"] if debs else []
        hints += [f"运行 make system，它从 Debian 软件包 {p} 中只取出 {EXTRACTED[p]}，放入 /usr/local/share/fonts"
                  for p in packages if p in EXTRACTED]
        raise KitError(f"生成 PDF 所需的字体没有安装：{'、'.join(missing)}。"
                       f"{'；'.join(hints)}（make report 会自动安装）。")


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    environment: dict[str, Any]  # the font files, system libraries and subsetter it was made with


def render_pdf(html: str, report: Report, *, archival: bool = False) -> RenderedPdf:
    """The publication HTML as PDF, with what made its bytes (for the manifest); ``archival``
    gives PDF/A-2b for archive copies."""
    return render_page(html, report.display_title, report.agency.name, archival=archival)


def lay_out(html: str, *, pages_before: int = 0) -> Any:
    """``html`` laid out by WeasyPrint, its pages numbered on after ``pages_before`` pages: a part
    of a page that starts a new page, laid out on its own (``render_page`` writes it)."""
    load_weasyprint()
    from weasyprint import CSS, HTML

    # a page whose @page rule resets the page counter is not counted as well: it shows the number reset to
    numbered_on = [CSS(string=f"@page :first {{ counter-reset: page {pages_before + 1} }}")] if pages_before else []
    return HTML(string=without_cell_styles(html)).render(stylesheets=numbered_on)


def render_page(html: str, title: str, author: str, *, archival: bool = False,
                laid_out: Sequence[Any] = ()) -> RenderedPdf:
    """A publication page as PDF titled ``title`` by ``author``, with what made its bytes;
    ``laid_out``: the parts of the page before ``html``, each laid out by ``lay_out``."""
    load_weasyprint()
    check_fonts()
    check_subsetter()
    parts = [*laid_out, lay_out(html, pages_before=sum(len(part.pages) for part in laid_out))]
    document = parts[0].copy([page for part in parts for page in part.pages])
    document.metadata.title = title
    document.metadata.authors = [author]
    document.metadata.lang = PDF_LANGUAGE
    options = {"pdf_variant": ARCHIVAL_VARIANT} if archival else {}
    # the font files the layout has read are hashed for the manifest while the PDF is drawn, on
    # the other core (hashing leaves the GIL): 0.3 s of the first PDF a machine makes. A file that
    # cannot be read is the manifest's to report (fonts_used reads it again), not this head start's
    with ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(provenance.file_digests, _font_files_mapped())
        data: bytes = document.write_pdf(**options)
        with contextlib.suppress(OSError):
            ahead.result()
    return RenderedPdf(data, provenance.environment(fonts_used(document), libraries(), SUBSETTER))


def check_subsetter() -> None:
    """Refuse to make a PDF unless WeasyPrint will subset its fonts with HarfBuzz: the test it makes
    itself before each font (``Font.subset`` in weasyprint/pdf/fonts.py)."""
    load_weasyprint()
    from weasyprint.pdf import fonts
    from weasyprint.text.ffi import harfbuzz

    if not (fonts.harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0)):
        raise KitError(f"生成 PDF 需要 HarfBuzz 的字体子集化库（4.1 或更新），本机没有。请安装 Debian 软件包："
                       f"apt-get install {SUBSETTER_PACKAGE}（make report 会自动安装）。没有它时 WeasyPrint "
                       "改用 fontTools 嵌入字体，PDF 与别处生成的不同，无法逐字节核对。")


# the ABI of this machine's libraries as ``ldconfig -p`` names it, as ctypes.util looks it up
_LINKER_ABI = {"x86_64": "libc6,x86-64", "aarch64": "libc6,AArch64"}.get(platform.machine(), "libc6")
_loading = threading.Lock()  # the lookup is replaced for the length of the import, for every thread


def load_weasyprint() -> None:
    """Import WeasyPrint (it loads pango: only when a PDF is asked for), its search for the system
    libraries answered from one listing of the dynamic linker's cache. WeasyPrint tries each
    library under its Windows and macOS names first (``libpango-1.0-0``, ``libharfbuzz-vector.0.dylib``);
    cffi hands each name to ``ctypes.util.find_library``, which answers a miss by running
    ``ldconfig -p``, then gcc, then ld: 22 lookups, 0.3-0.7 s of the 1.3-1.6 s that importing
    WeasyPrint takes, in every process that makes a PDF. Without ``ldconfig``, as ctypes does."""
    with _loading:
        if "weasyprint" in sys.modules:
            return
        try:
            listing = subprocess.run(["/sbin/ldconfig", "-p"], check=True, capture_output=True,
                                     env={"LC_ALL": "C", "LANG": "C"}).stdout
        except (OSError, subprocess.CalledProcessError):
            import weasyprint  # noqa: F401
            return

        def find_library(name: str) -> str | None:
            found = re.search(rb"\s+(lib%s\.[^\s]+)\s+\(%s" % (re.escape(os.fsencode(name)), _LINKER_ABI.encode()),
                              listing)
            return os.fsdecode(found.group(1)) if found else None

        searching = ctypes.util.find_library
        ctypes.util.find_library = find_library
        try:
            import weasyprint  # noqa: F401
        finally:
            ctypes.util.find_library = searching


@cache
def libraries() -> dict[str, str]:
    """The versions of the system libraries that lay out the PDF and embed its fonts, asked of
    the libraries themselves."""
    found = {}
    for name, soname, function in (("Pango", PANGO, "pango_version_string"),
                                   ("HarfBuzz", HARFBUZZ, "hb_version_string")):
        try:
            version = getattr(ctypes.CDLL(soname), function)
        except (OSError, AttributeError):
            found[name] = "unknown"
            continue
        version.restype = ctypes.c_char_p
        found[name] = version().decode("ascii", "replace")
    try:
        number = ctypes.CDLL(FONTCONFIG).FcGetVersion()  # 21401 for 2.14.1
        found["fontconfig"] = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    except (OSError, AttributeError):
        found["fontconfig"] = "unknown"
    return found


def fonts_used(document: Any) -> list[provenance.FontUse]:
    """Each face WeasyPrint embedded in ``document``'s PDF, with the file pango read it from: the
    file mapped into memory where the face's data is (pango maps font files whole). Where no file
    is mapped there, or the file was replaced since, the data itself comes along to be hashed."""
    load_weasyprint()
    from weasyprint.text.ffi import ffi, harfbuzz

    mapped = _mapped_files()
    used = []
    for font in document.fonts.values():
        blob = harfbuzz.hb_face_reference_blob(font.hb_face)
        try:
            length = ffi.new("unsigned int *")
            data = harfbuzz.hb_blob_get_data(blob, length)
            address = int(ffi.cast("uintptr_t", data))
            file, gone = next(((path, gone) for start, end, path, gone in mapped if start <= address < end),
                              (None, False))
            content = ffi.unpack(data, int(length[0])) if file is None or gone else None
        finally:
            harfbuzz.hb_blob_destroy(blob)
        used.append(provenance.FontUse(_face_name(font), file, int(font.index), content))
    return used


def _face_name(font: Any) -> str:
    """``Noto Serif CJK SC Bold``: the family pango took the glyphs from and the words of its style,
    as in WeasyPrint's name for the font in the PDF (``/ABCDEF+Noto-Serif-CJK-SC-Bold``)."""
    name, family = font.name.decode("utf-8", "replace").partition("+")[2], font.family.replace(" ", "-")
    return font.family + (name.removeprefix(family).replace("-", " ") if name.startswith(family) else "")


def _font_files_mapped() -> list[Path]:
    """The font files mapped into this process: pango maps those it lays out with, and keeps them
    mapped, so a long-lived process (a preview) lists the fonts of earlier pages too."""
    return [path for _, _, path, gone in _mapped_files() if not gone and path.suffix.lower() in FONT_SUFFIXES]


def _mapped_files() -> list[tuple[int, int, Path, bool]]:
    """The address ranges of the files mapped into this process (Linux), from /proc/self/maps, each
    with whether the file was deleted or replaced since."""
    try:
        lines = Path("/proc/self/maps").read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        return []
    mapped = []
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith("/"):
            start, end = (int(bound, 16) for bound in fields[0].split("-"))
            name, gone = fields[5].removesuffix(DELETED), fields[5].endswith(DELETED)
            mapped.append((start, end, Path(name), gone))
    return mapped
