"""Reproducibility: the same inputs give byte-identical outputs; manifest.json records every
input, output and the environment; xxgk verify rebuilds and finds any tampered file."""

from __future__ import annotations

import hashlib
import json
import shutil

from conftest import EXAMPLE, run_xxgk


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_builds_are_byte_identical(built, tmp_path):
    # another outputs root on purpose: no absolute path may end up in any file
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path / "elsewhere")
    assert result.returncode == 0, result.stderr
    again = tmp_path / "elsewhere" / "2025" / "emin"
    names = sorted(p.name for p in built.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert {"report.pdf", "report.docx", "report.html", "audit.html", "manifest.json"} <= set(names)
    assert [n for n in names if digest(built / n) != digest(again / n)] == []
    for name in names:
        assert str(tmp_path) not in (again / name).read_bytes().decode("utf-8", "replace")


def test_manifest_records_inputs_outputs_and_environment(built):
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"] == [{"file": "params.yaml", "from": "emin.yaml", "sha256": digest(EXAMPLE)}]
    files = {p.name for p in built.iterdir()} - {"manifest.json", "params.yaml", ".xxgk-seal"}
    assert set(manifest["outputs"]) == files
    assert all(manifest["outputs"][name] == digest(built / name) for name in files)
    assert ({"python", "papermill", "nbconvert", "great_tables", "weasyprint", "python-docx"}
            <= set(manifest["versions"]))
    assert manifest["kit_commit"] and set(manifest["notebooks"]) == {p.name for p in built.glob("*.ipynb")}
    assert manifest["settings"]["formats"] == ["html", "pdf", "docx"]


def test_verify_finds_identical_and_tampered(built, tmp_path):
    folder = tmp_path / "emin"
    shutil.copytree(built, folder)
    result = run_xxgk("verify", folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical" in result.stdout
    pdf = bytearray((folder / "report.pdf").read_bytes())
    pdf[len(pdf) // 2] ^= 1
    (folder / "report.pdf").write_bytes(bytes(pdf))
    (folder / "params.yaml").write_text(
        (folder / "params.yaml").read_text(encoding="utf-8").replace("licensing: 9865", "licensing: 9866"),
        encoding="utf-8")
    result = run_xxgk("verify", folder)
    assert result.returncode == 1
    listed = [line.strip() for line in result.stdout.splitlines()[1:]]
    assert "report.pdf" in listed and "params.yaml" in listed and "report.html" in listed


def test_verify_refuses_a_folder_without_manifest(tmp_path):
    result = run_xxgk("verify", tmp_path)
    assert result.returncode == 2 and "manifest.json" in result.stderr and "Traceback" not in result.stderr
