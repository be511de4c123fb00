"""Parameter files: the example loads; every kind of bad file gets one clear screen, exit 2, no
traceback, and leaves outputs/ exactly as it was."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from conftest import EXAMPLE, ROOT, run_xxgk
from xxgk.errors import ParamsError
from xxgk.report.params import load_params

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


def test_example_loads_with_its_own_wording(example):
    assert example.year == 2025
    assert example.agency.name == "额敏县人民政府办公室"
    assert example.label("normative_documents", "行政规范性文件") == "规范性文件"
    assert example.table2.fees == Decimal("709.48")
    assert example.display_title == "额敏县2025年政府信息公开工作年度报告"


def test_model_is_frozen(example):
    with pytest.raises(ValidationError):
        example.year = 2024


def edited(tmp_path: Path, old: str, new: str, name: str = "emin.yaml") -> Path:
    assert old in EXAMPLE_TEXT
    path = tmp_path / name
    path.write_text(EXAMPLE_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file's hash, but the per-agency lock files a build that got as far as building leaves."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".lock"}


@pytest.fixture
def outputs(tmp_path):
    """An outputs/ folder holding a previous build's files, to prove a failed run leaves them."""
    folder = tmp_path / "outputs"
    (folder / "2025" / "emin").mkdir(parents=True)
    (folder / "2025" / "emin" / "report.html").write_text("<p>上次的报告</p>", encoding="utf-8")
    return folder


BAD_FILES = {
    "unknown key": ("  kind: government", "  kind: government\n  kindd: department",
                    "kindd", "agency.kindd", "机关", "是否想写 kind"),
    "wrong type": ("year: 2025", "year: 二〇二五", "year:", "year", "报告年度", "应为整数"),
    "negative count": ("licensing: 9865", "licensing: -3", "licensing:", "table2.licensing",
                       "表二 · 行政许可", "不能为负数"),
    "wrong number of values": ("  r3_2:      [0, 0, 0, 0, 0, 0, 0]", "  r3_2:      [0, 0, 0, 0, 0]",
                               "r3_2:", "table3.r3_2", "2.其他法律行政法规禁止公开", "应有 7 个数"),
    "text where a count belongs": ("  r4_1:      [0, 0, 0, 0, 0, 0, 0]", "  r4_1:      [0, 0, 0, 0, 无, 0, 0]",
                                   "r4_1:", "table3.r4_1[4]", "法律服务机构", "应为整数"),
    "missing field": ("  postcode: \"834600\"\n", "", "contact:", "contact.postcode", "邮编", "缺少此项"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_parameter_file_is_reported_clearly(tmp_path, outputs, case):
    old, new, line_text, key, label, message = BAD_FILES[case]
    path = edited(tmp_path, old, new)
    before = snapshot(outputs)
    result = run_xxgk("build", path, "--outputs", outputs)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert f"{path}:{line_of(path, line_text)}: {key}" in result.stderr
    assert label in result.stderr and message in result.stderr
    assert len(result.stderr.splitlines()) < 25
    assert snapshot(outputs) == before


def test_yaml_syntax_error_names_the_line(tmp_path, outputs):
    path = edited(tmp_path, "  address: 额敏县友好路", "  address: [额敏县友好路")
    before = snapshot(outputs)
    result = run_xxgk("build", path, "--outputs", outputs)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "YAML 语法错误" in result.stderr
    reported = int(result.stderr.split(f"{path}:")[1].split(":")[0])
    assert abs(reported - line_of(path, "address:")) <= 1
    assert snapshot(outputs) == before


def test_comment_between_a_key_and_its_value(tmp_path, outputs):
    """ruamel's round-trip loader raises NotImplementedError on this valid YAML: the file still
    loads, and a problem elsewhere in it is still reported, not a traceback."""
    path = edited(tmp_path, "  fax: 0901-3340090", "  fax:    # 传真\n    0901-3340090")
    assert load_params(path).contact.fax == "0901-3340090"
    path.write_text(path.read_text(encoding="utf-8").replace("year: 2025", "year: x"), encoding="utf-8")
    before = snapshot(outputs)
    result = run_xxgk("build", path, "--outputs", outputs)
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
    assert f"{path}: year（" in result.stderr
    assert snapshot(outputs) == before


def test_missing_file(tmp_path, outputs):
    before = snapshot(outputs)
    result = run_xxgk("build", tmp_path / "nowhere.yaml", "--outputs", outputs)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nowhere.yaml" in result.stderr and "找不到参数文件" in result.stderr
    assert snapshot(outputs) == before


def test_every_problem_is_reported_at_once(tmp_path):
    path = edited(tmp_path, "licensing: 9865", "licensing: -1\n  unknown: 3")
    path.write_text(path.read_text(encoding="utf-8").replace("year: 2025", "year: x"), encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    keys = {problem.key for problem in caught.value.problems}
    assert keys == {"year", "table2.licensing", "table2.unknown"}
    assert all(problem.line for problem in caught.value.problems)


def test_schema_command_and_committed_schema_agree(tmp_path):
    result = run_xxgk("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "政府信息公开工作年度报告参数"
    committed = json.loads((ROOT / "schema" / "xxgk-params.schema.json").read_text(encoding="utf-8"))
    assert committed == schema, "run: xxgk schema -o schema/xxgk-params.schema.json"
    assert EXAMPLE_TEXT.startswith("# yaml-language-server: $schema=../../schema/xxgk-params.schema.json")


def test_example_validates_against_the_schema():
    import jsonschema
    from ruamel.yaml import YAML

    schema = json.loads((ROOT / "schema" / "xxgk-params.schema.json").read_text(encoding="utf-8"))
    data = json.loads(json.dumps(YAML(typ="safe").load(EXAMPLE_TEXT), default=str))
    jsonschema.validate(data, schema)
    data["table3"]["new"] = [0, 0, 0, 0, 0, -1, 0]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


@pytest.mark.parametrize("reader", ["params", "workbook", "report"])
def test_every_reader_of_a_named_file_refuses_a_fifo_at_once(reader, tmp_path):
    """A FIFO named like the file would block an ``open`` for ever: every reader goes through
    ``regularfile.read_bounded``, which refuses it by what it is."""
    import os
    import signal

    from xxgk.errors import XxgkError
    from xxgk.reading import reading
    from xxgk.report.params import read_source
    from xxgk.workbook import read as workbookread

    read, name = {"params": (read_source, "emin.yaml"), "workbook": (workbookread.read_bytes, "emin.xlsx"),
                  "report": (reading.read_document, "emin.pdf")}[reader]
    fifo = tmp_path / name
    os.mkfifo(fifo)
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("opening the FIFO blocked"))
    signal.alarm(10)
    try:
        with pytest.raises(XxgkError, match="不是普通文件"):
            read(fifo)
    finally:
        signal.alarm(0)


def test_a_file_too_large_is_refused_by_every_reader(tmp_path):
    from xxgk.errors import TooLarge
    from xxgk.limits import MAX_REPORT_BYTES
    from xxgk.reading import reading

    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (MAX_REPORT_BYTES + 1))
    with pytest.raises(TooLarge, match="不像一份年度报告"):
        reading.read_document(big)
