"""The PDF of the publication HTML, rendered in-process by WeasyPrint with embedded CJK fonts.

No browser and no TeX: WeasyPrint lays out the same HTML and CSS (A4, GB/T 9704 margins, page
numbers, bookmarks from the part headings). It silently falls back to other fonts, so the fonts
the report's CSS names are looked up first and a missing one stops the build with the Debian
package to install, rather than producing a PDF of boxes.
"""

from __future__ import annotations

import subprocess
from functools import cache

from .errors import KitError
from .model import Report

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


def render_pdf(html: str, report: Report, *, archival: bool = False) -> bytes:
    """The publication HTML as PDF; ``archival`` gives PDF/A-2b for archive copies."""
    from weasyprint import HTML  # loads pango: only when a PDF is asked for

    check_fonts()
    document = HTML(string=html).render()
    document.metadata.title = report.display_title
    document.metadata.authors = [report.agency.name]
    document.metadata.lang = PDF_LANGUAGE
    options = {"pdf_variant": ARCHIVAL_VARIANT} if archival else {}
    return document.write_pdf(**options)
