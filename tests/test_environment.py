"""The environment a PDF is made in (issue 15, item 5): manifest.json lists the font files the PDF
embeds (path and sha256), the versions of pango, HarfBuzz and fontconfig and the font subsetter;
only HarfBuzz's subsetter can make a PDF; ``xxgk verify`` names what changed in the environment
before the files that differ, for a font file really changed under a build."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT
from xxgk.errors import KitError, UsageError
from xxgk.render import pdf, provenance
from xxgk.run.verify import environment_changes, verify

FANDOL = Path("/usr/local/share/fonts/fandol/FandolFang-Regular.otf")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def debian_version(package: str) -> str | None:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], check=True,
                              capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def test_manifest_lists_the_fonts_the_pdf_embeds_and_the_libraries(built):
    environment = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["environment"]
    fonts = environment["fonts"]
    for font in fonts:
        assert Path(font["file"]).is_file() and font["sha256"] == digest(Path(font["file"])), font
    # every font in the PDF, as pdffonts names them (subset tag dropped), and no other
    listing = subprocess.run(["pdffonts", str(built / "report.pdf")], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    embedded = {line.split()[0].split("+")[-1] for line in listing}
    assert {face.replace(" ", "-") for font in fonts for face in font["faces"]} == embedded
    assert environment["subsetter"] == "HarfBuzz"
    assert set(environment["libraries"]) == {"Pango", "HarfBuzz", "fontconfig"}
    for name, package in (("Pango", "libpango-1.0-0"), ("HarfBuzz", "libharfbuzz0b"),
                          ("fontconfig", "libfontconfig1")):
        installed = debian_version(package)
        if installed is not None:  # Debian's version is the library's, then +dfsg-3 or -4
            assert installed.startswith(environment["libraries"][name] + ("+" if "+" in installed else "-")), \
                (name, installed, environment["libraries"][name])


def test_an_html_only_build_records_no_pdf_environment(built_html):
    assert json.loads((built_html / "manifest.json").read_text(encoding="utf-8"))["environment"] == {}


SMALL_PAGE = ('<html lang="zh-CN"><body><p style="font-family: FandolFang">二〇二五年政府信息公开工作年度报告</p>'
              '<p style="font-family: \'Noto Sans CJK SC\'; font-weight: bold">一、总体情况</p></body></html>')


def test_only_harfbuzz_subsets_the_fonts(example, monkeypatch):
    """The kit proves that only one subsetter can make its PDFs: with HarfBuzz's, fontTools' is never
    reached; without it (as WeasyPrint sees it), no PDF is made and the message names the package."""
    import weasyprint.pdf.fonts

    def fonttools_subset(*args, **kwargs):
        raise AssertionError("WeasyPrint subset a font with fontTools")

    monkeypatch.setattr(weasyprint.pdf.fonts.Font, "_fonttools_subset", fonttools_subset)
    environment = pdf.render_pdf(SMALL_PAGE, example).environment
    assert environment["subsetter"] == "HarfBuzz"
    assert {face for font in environment["fonts"] for face in font["faces"]} == {"FandolFang",
                                                                                 "Noto Sans CJK SC Bold"}
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    with pytest.raises(KitError, match="libharfbuzz-subset0"):
        pdf.render_pdf(SMALL_PAGE, example)


def font_config(folder: Path, fonts: Path) -> Path:
    """A fontconfig configuration (what FONTCONFIG_FILE names) with the system's fonts except
    /usr/local/share/fonts, where make puts FandolFang, and ``fonts`` instead."""
    config = folder / "fonts.conf"
    config.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <dir>{fonts}</dir>
  <cachedir>{folder / "cache"}</cachedir>
  <cachedir>/var/cache/fontconfig</cachedir>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
</fontconfig>
""", encoding="utf-8")
    return config


def set_font_revision(path: Path, revision: int) -> None:
    """Write ``revision`` (16.16 fixed) into the font's head table, in place: another version of
    the same face, whose subset (and so the PDF) differs."""
    with path.open("r+b") as font:
        header = font.read(4096)
        tables = {header[12 + 16 * i:16 + 16 * i]: struct.unpack_from(">III", header, 16 + 16 * i)
                  for i in range(struct.unpack_from(">H", header, 4)[0])}
        font.seek(tables[b"head"][1] + 4)
        font.write(struct.pack(">i", revision))


@pytest.mark.skipif(not FANDOL.is_file(), reason="make system puts FandolFang there")
def test_verify_names_a_font_file_changed_since_the_build(tmp_path):
    """A real change of environment: a build whose FandolFang is a copy in a folder of its own
    (fontconfig's FONTCONFIG_FILE), then that font file updated in place. verify names the font
    file, and the HarfBuzz version the record gives (one this machine cannot have), before the
    files that differ."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    shutil.copyfile(FANDOL, fonts / FANDOL.name)
    env = {**os.environ, "FONTCONFIG_FILE": str(font_config(tmp_path, fonts)),
           "XDG_CACHE_HOME": str(tmp_path / "user-cache")}

    def xxgk(*args: object) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "xxgk.cli", *map(str, args)], capture_output=True,
                              text=True, timeout=600, env=env, cwd=ROOT)

    built = xxgk("build", EXAMPLE, "--outputs", tmp_path / "outputs")
    assert built.returncode == 0, built.stderr
    folder = tmp_path / "outputs" / "2025" / "emin"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    [fandol] = [font for font in manifest["environment"]["fonts"] if "FandolFang" in font["faces"]]
    assert fandol["file"] == str(fonts / FANDOL.name) and fandol["sha256"] == digest(FANDOL)
    manifest["environment"]["libraries"]["HarfBuzz"] = "5.3.1"
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True),
                                          encoding="utf-8")
    set_font_revision(fonts / FANDOL.name, 0x00020000)

    result = xxgk("verify", folder)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    files = lines.index(f"{folder} 与重新生成的结果不一致的文件：")
    assert lines[:files] == [
        f"环境与生成时不同：字体文件 FandolFang、FandolFang Bold 不同：{fonts / FANDOL.name} 的 sha256 "
        f"{digest(FANDOL)[:12]}… → {digest(fonts / FANDOL.name)[:12]}…",
        f"环境与生成时不同：HarfBuzz 5.3.1 → {pdf.libraries()['HarfBuzz']}",
    ]
    assert [line.strip() for line in lines[files + 1:]] == ["manifest.json", "report.pdf"]


def font(faces: list[str], file: str, sha: str, index: int = 0) -> dict:
    return {"faces": faces, "file": file, "index": index, "sha256": sha * 64}


RECORDED = {
    "settings": {"formats": ["html", "pdf"]},
    "versions": {"weasyprint": "70.0", "pandas": "3.1.1"},
    "environment": {
        "fonts": [font(["FandolFang", "FandolFang Bold"], "/a/FandolFang-Regular.otf", "1"),
                  font(["Noto Serif CJK SC"], "/n/NotoSerifCJK-Regular.ttc", "2", index=2),
                  font(["LXGW WenKai Bold"], "/w/LXGWWenKai-Bold.ttf", "3"),
                  font(["Noto Sans CJK SC Bold"], "/n/NotoSansCJK-Bold.ttc", "4", index=2)],
        "libraries": {"Pango": "1.50.12", "HarfBuzz": "6.0.0", "fontconfig": "2.14.1"},
        "subsetter": "fontTools",
    },
}
NOW = {
    "settings": {"formats": ["html", "pdf"]},
    "versions": {"weasyprint": "70.0", "pandas": "3.2.0", "fonttools": "4.68.0"},
    "environment": {
        "fonts": [font(["FandolFang", "FandolFang Bold"], "/a/FandolFang-Regular.otf", "9"),
                  font(["Noto Serif CJK SC"], "/m/NotoSerifCJK-Regular.ttc", "2", index=2),
                  font(["LXGW WenKai Bold"], "/w/LXGWWenKai-Bold.ttf", "3"),
                  font(["DejaVu Sans"], "/d/DejaVuSans.ttf", "5")],
        "libraries": {"Pango": "1.50.12", "HarfBuzz": "8.3.0", "fontconfig": "2.14.1"},
        "subsetter": "HarfBuzz",
    },
}


def test_environment_changes_are_named_causes_first():
    assert environment_changes(RECORDED, NOW) == (
        "这次用到了生成时没有用到的字体 DejaVu Sans（/d/DejaVuSans.ttf）",
        f"字体文件 FandolFang、FandolFang Bold 不同：/a/FandolFang-Regular.otf 的 sha256 {'1' * 12}… → {'9' * 12}…",
        "生成时用到的字体 Noto Sans CJK SC Bold（/n/NotoSansCJK-Bold.ttc 中的第 3 个字体）这次没有用到",
        "字体文件 Noto Serif CJK SC 的位置不同（内容相同）：/n/NotoSerifCJK-Regular.ttc 中的第 3 个字体 → "
        "/m/NotoSerifCJK-Regular.ttc 中的第 3 个字体",
        "字体子集化程序 fontTools → HarfBuzz",
        "HarfBuzz 6.0.0 → 8.3.0",
        "fonttools 未记录 → 4.68.0",
        "pandas 3.1.1 → 3.2.0",
    )
    assert environment_changes(NOW, NOW) == ()


def test_a_manifest_of_an_older_kit_says_it_cannot_name_the_cause():
    older = {key: value for key, value in RECORDED.items() if key != "environment"}
    assert environment_changes(older, {**NOW, "versions": older["versions"]}) == (
        "manifest.json 没有记录生成 PDF 时的字体文件和系统库（由较早版本的 xxgk 写下），PDF 不同时无法说明原因",)
    html_only = {**older, "settings": {"formats": ["html"]}}
    assert environment_changes(html_only, {**NOW, "versions": older["versions"], "environment": {}}) == ()


def test_a_control_character_in_a_recorded_font_stays_escaped():
    forged = json.loads(json.dumps(RECORDED))
    forged["environment"]["fonts"][0]["faces"] = ["Fandol\x1b[2JFang"]
    assert any("Fandol\\x1b[2JFang" in change for change in environment_changes(forged, NOW))


@pytest.mark.parametrize("environment", [
    [], "x", {"fonts": []}, {"fonts": "x", "libraries": {}, "subsetter": "HarfBuzz"},
    {"fonts": [{"file": "/a", "index": "0", "sha256": "1", "faces": []}], "libraries": {}, "subsetter": "x"},
    {"fonts": [{"file": "/a", "index": 0, "sha256": "1", "faces": [1]}], "libraries": {}, "subsetter": "x"},
    {"fonts": [], "libraries": {"HarfBuzz": 6}, "subsetter": "x"},
    {"fonts": [], "libraries": {}, "subsetter": None},
])
def test_verify_refuses_an_environment_of_the_wrong_shape(tmp_path, environment):
    manifest = {"inputs": [{"file": "params.yaml", "from": "emin.yaml", "sha256": "0"}], "outputs": {},
                "settings": {"formats": ["pdf"], "options": {}, "allow_errors": False, "archival": False},
                "versions": {}, "environment": environment}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(UsageError, match="environment"):
        verify(tmp_path)


@pytest.fixture
def digests_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(provenance, "_known", None)
    return provenance.font_digests_file()


def test_a_font_digest_is_kept_until_the_file_changes(tmp_path, digests_cache, monkeypatch):
    path = tmp_path / "face.otf"
    path.write_bytes(b"OTTO one")
    assert provenance.file_digests([path]) == {path: digest(path)}
    kept = json.loads(digests_cache.read_text(encoding="utf-8"))
    assert kept[str(path)][1] == digest(path)
    kept[str(path)][1] = "0" * 64  # what the next process reads is what it answers, unhashed
    digests_cache.write_text(json.dumps(kept), encoding="utf-8")
    monkeypatch.setattr(provenance, "_known", None)
    assert provenance.file_digests([path]) == {path: "0" * 64}
    path.write_bytes(b"OTTO two")  # another size and time: hashed again
    assert provenance.file_digests([path]) == {path: digest(path)}


@pytest.mark.parametrize("text", ["", "[]", "{", '{"/x": [[1, 2], "0"]}', '{"/x": "y"}'])
def test_a_damaged_digest_file_counts_as_empty(tmp_path, digests_cache, text):
    digests_cache.parent.mkdir(parents=True)
    digests_cache.write_text(text, encoding="utf-8")
    path = tmp_path / "face.otf"
    path.write_bytes(b"OTTO")
    assert provenance.file_digests([path]) == {path: digest(path)}


def test_the_fonts_laid_out_with_are_hashed_while_the_pdf_is_drawn(example, digests_cache, monkeypatch):
    """On a machine whose fonts were never hashed, the files the layout read are hashed on another
    thread while WeasyPrint draws the PDF, not after it; the manifest's digests are those."""
    import threading

    from weasyprint import Document

    hashed, seen_while_drawing, ahead = threading.Event(), [], []
    hashing, drawing = provenance.file_digests, Document.write_pdf

    def file_digests(paths):
        found = hashing(paths)
        if threading.current_thread() is not threading.main_thread():
            ahead.extend(paths)
            hashed.set()
        return found

    def write_pdf(self, *args, **kwargs):
        seen_while_drawing.append(hashed.wait(60))  # only a missing hashing thread makes it wait long
        return drawing(self, *args, **kwargs)

    monkeypatch.setattr(provenance, "file_digests", file_digests)
    monkeypatch.setattr(Document, "write_pdf", write_pdf)
    environment = pdf.render_pdf(SMALL_PAGE, example).environment
    assert seen_while_drawing == [True]
    assert FANDOL in ahead and all(path.suffix.lower() in pdf.FONT_SUFFIXES for path in ahead)
    kept = json.loads(digests_cache.read_text(encoding="utf-8"))
    assert {font["file"]: font["sha256"] for font in environment["fonts"]}[str(FANDOL)] == kept[str(FANDOL)][1]
