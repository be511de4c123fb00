"""The PDF read back with poppler and pikepdf: embedded CJK fonts, the whole text in order, table
三 whole on one page, metadata and bookmarks, PDF/A-2b, and a clear failure without fonts."""

from __future__ import annotations

import re
import subprocess
import sys

import pikepdf

from conftest import EXAMPLE, run_xxgk
from helpers import assert_in_order, cells_styled_alone, given_to_weasyprint, published_fields, squash
from xxgk.report.format import load_format

FMT = load_format()
FOOTER = re.compile(r"^\s*—\s*\d+\s*—\s*$", re.M)


def pdftotext(path, page=None) -> str:
    """The text in content-stream order (-raw): the order the report was laid out in. The default
    mode reorders by position, which moves vertically centred merged labels (三、本年度办理结果)
    into the middle of the rows they span."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-raw", *pages, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def page_count(path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def test_fonts_are_the_cjk_faces_and_all_embedded(built):
    listing = subprocess.run(["pdffonts", str(built / "report.pdf")], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    fonts = {line.split()[0].split("+")[-1]: line.split() for line in listing}
    assert fonts and all(row[-5] == "yes" for row in fonts.values()), listing  # emb column
    families = {re.sub(r"-(Bold|Regular|Light)$", "", name) for name in fonts}
    assert families == {"FandolFang", "Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "LXGW-WenKai"}, families


def test_text_has_every_paragraph_and_number_in_order(built):
    text = FOOTER.sub("", pdftotext(built / "report.pdf"))
    assert_in_order(published_fields(), text)


def test_table3_is_whole_on_one_page_with_its_heading(built):
    path = built / "report.pdf"
    pages = [squash(pdftotext(path, n)) for n in range(1, page_count(path) + 1)]
    corner = [n for n, text in enumerate(pages) if squash(FMT.table3.corner) in text]
    assert len(corner) == 1, "table 三's header appears on more than one page"
    page = pages[corner[0]]
    for row in FMT.table3.rows:
        assert squash(row.labels[-1] or row.label) in page, row.key
    assert squash(FMT.part("requests").heading) in page


def test_pages_follow_the_layout(built):
    """Title, introduction and part 一 fill pages 1-3, where part 二 and 表二 begin; 表二 ends page 4,
    where part 三 and 表三 follow; parts 四 and 五 fill page 5, then 六 and the signature (6).
    Each part starts on its page's first line when the page before has no room for it."""
    path = built / "report.pdf"
    count = page_count(path)
    assert count == 6
    pages = [pdftotext(path, n) for n in range(1, count + 1)]
    for number, text in enumerate(pages, 1):
        assert f"— {number} —" in text or f"—{number}—" in squash(text)
        assert len(squash(FOOTER.sub("", text))) > 20, f"page {number} is empty"
    first_page_of = {part.key: next(n for n, t in enumerate(pages, 1) if squash(part.heading) in squash(t))
                     for part in FMT.parts}
    assert list(first_page_of.values()) == sorted(first_page_of.values())
    assert first_page_of["requests"] == 4 and first_page_of["appeals"] == 5 and first_page_of["other"] == 6
    for key in ("appeals", "other"):
        assert squash(FOOTER.sub("", pages[first_page_of[key] - 1])).startswith(squash(FMT.part(key).heading)), key


def test_metadata_language_and_bookmarks(built, example):
    with pikepdf.open(built / "report.pdf") as pdf:
        assert str(pdf.docinfo["/Title"]) == example.display_title
        assert str(pdf.docinfo["/Author"]) == example.agency.name
        assert str(pdf.Root.Lang) == "zh-CN"
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
    assert titles == [part.heading for part in FMT.parts]


def test_weasyprint_gets_the_cells_without_their_styles_and_makes_the_same_pdf(built, example, monkeypatch):
    """The style attribute on each cell (for JupyterLab) says again what the tables' stylesheets
    say: WeasyPrint gets the page without them, and its PDF is byte for byte the one it makes of
    the cells styled by their attributes alone."""
    from xxgk.render import pdf

    html = (built / "report.html").read_text(encoding="utf-8")
    made, given = given_to_weasyprint(monkeypatch, lambda: pdf.render_pdf(html, example).data)
    assert given.select("#xxgk-table3 td") and not given.select("td[style], th[style]")
    monkeypatch.setattr(pdf, "without_cell_styles", lambda page: page)
    assert made == pdf.render_pdf(cells_styled_alone(html), example).data


def test_archival_pdf_is_pdfa_2b(tmp_path):
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path, "--to", "pdf", "--pdfa")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "2025" / "emin"
    assert not (folder / "report.html").exists() and not (folder / "report.docx").exists()
    with pikepdf.open(folder / "report.pdf") as pdf:
        metadata = pdf.open_metadata()
        assert metadata["pdfaid:part"] == "2" and metadata["pdfaid:conformance"] == "B"
        assert "/OutputIntents" in pdf.Root
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.S) == "/GTS_PDFA1" and "/DestOutputProfile" in intent


def test_missing_fonts_fail_clearly_before_anything_is_built(tmp_path):
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><fontconfig><dir>{empty}</dir>'
                      f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    import os
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    import sys
    result = subprocess.run([sys.executable, "-m", "xxgk.cli", "build", str(EXAMPLE), "--outputs",
                             str(tmp_path / "outputs"), "--to", "pdf"], capture_output=True, text=True, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Noto Serif CJK SC" in result.stderr and "apt-get install fonts-lxgw-wenkai fonts-noto-cjk" in result.stderr
    assert not (tmp_path / "outputs").exists()


def test_weasyprint_finds_its_libraries_without_running_a_compiler():
    """WeasyPrint looks each system library up under names Linux does not use, and ctypes answers
    each miss by running ldconfig, gcc and ld (0.3-0.7 s of every PDF-making process): the kit
    answers them from one ldconfig listing, the same libraries are loaded, and ctypes' own lookup
    is back in place afterwards."""
    script = """
import ctypes.util, subprocess, sys
searching = ctypes.util.find_library
run = []
popen = subprocess.Popen.__init__
def recorded(self, args, *rest, **options):
    run.append(args if isinstance(args, str) else args[0])
    popen(self, args, *rest, **options)
subprocess.Popen.__init__ = recorded
from xxgk.render import pdf
pdf.load_weasyprint()
from weasyprint.text import ffi
print(sorted(set(run)), ffi.harfbuzz_subset is not None, ffi.pango is not None, ffi.fontconfig is not None,
      ctypes.util.find_library is searching)
"""
    shown = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    assert shown.split() == ["['/sbin/ldconfig']", "True", "True", "True", "True"], shown
