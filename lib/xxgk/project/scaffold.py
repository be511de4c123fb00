"""``xxgk init``: a new office's project, ready to fill in and build.

The blank parameter file is the model's: every field the model requires, walked from its JSON
Schema, a placeholder in each text (its Chinese title); the tables come from the format data, every
official row of 表二/表三/表四 as zeros (which pass the rules; the schema cannot say which of a
group's two spellings to write). ``paramsfile.render`` writes it with each value's label as a
comment. Nothing here retypes a field or a label.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat

from .. import paths
from ..errors import UsageError
from ..report import paramsfile
from ..report.format import load_format
from ..report.model import Report, json_schema
from ..report.params import AGENCY_NAME
from ..report.sections import SECTIONS
from ..run.execute import with_defaults
from ..run.project import MARKER, NOTEBOOKS, Settings, marker_text

SCHEMA = "schema/xxgk-params.schema.json"  # where the parameter files' first line points editors
DEFAULT_AGENCY = "本机关"
_FORMAT = load_format()


def blank_report(year: int, agency: str | None) -> Report:
    """A report with every required field: placeholders naming what to write, tables of zeros."""
    schema = Report.model_json_schema()
    data = _blank(schema, schema) | _blank_tables()
    data["year"] = year
    data["published"] = dt.date(year + 1, 1, 15)
    if agency:
        data["agency"]["name"] = agency
    return Report.model_validate(data)


def _blank_tables() -> dict[str, Any]:
    table3, table4 = _FORMAT.table3, _FORMAT.table4
    return {"table2": {row.key: 0 if len(block.values) == 1 else [0] * len(block.values)
                       for block, row in _FORMAT.table2.rows()},
            "table3": {row.key: [0] * len(table3.columns) for row in table3.rows},
            "table4": {group.key: [0] * len(table4.columns) for group in table4.groups}}


def _check_arguments(agency: str | None, year: int) -> None:
    """``--agency`` and ``--year`` before anything is made: the name names files, the year dates the blank."""
    if agency is not None and not AGENCY_NAME.fullmatch(agency):
        raise UsageError(f"--agency {agency}：不能用作参数文件名：只能由汉字、字母、数字、“-”和“_”组成，"
                         "不含“.”和空格，不以“_”开头，至多 64 个字符")
    bounds = Report.model_json_schema()["properties"]["year"]
    if not bounds["minimum"] <= year <= bounds["maximum"]:
        raise UsageError(f"--year {year}：报告年度应在 {bounds['minimum']} 到 {bounds['maximum']} 之间")


def _blank(node: dict[str, Any], schema: dict[str, Any], title: str = "") -> Any:
    if "$ref" in node:
        target = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        return _blank(target, schema, node.get("title", title))
    title = node.get("title", title)
    if "anyOf" in node:  # a decimal (number or text), an optional value: the first that is not null
        return _blank(next(o for o in node["anyOf"] if o.get("type") != "null"), schema, title)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        return {name: _blank(field, schema, name) for name, field in node["properties"].items()
                if name in node.get("required", ())}
    if kind == "array":
        if "prefixItems" in node:
            return [_blank(item, schema) for item in node["prefixItems"]]
        return [_blank(node["items"], schema)] * node.get("minItems", 0)
    if kind in ("integer", "number"):
        return 0
    return f"（请填写{title}）"


def environment() -> str:
    """The project's conda environment: the installed kit's own dependencies, and the kit."""
    needed = [r for r in metadata.requires("xxgk") or [] if "extra ==" not in r]
    lines = ["# conda 用户：conda env create -f environment.yml && conda activate xxgk",
             "name: xxgk", "channels:", "  - conda-forge", "dependencies:", "  - python=3.11", "  - pip",
             *(f"  - {r.replace(' ', '')}" for r in needed),
             "  - pip:", "      - --no-deps", "      - xxgk  # 或 xxgk 的 wheel 文件，如 ./xxgk-0.1.0-py3-none-any.whl"]
    return "\n".join(lines) + "\n"


def readme(agency: str, year: int) -> str:
    params = f"params/{year}/{agency}.yaml"
    return f"""\
# {agency} 政府信息公开工作年度报告

本文件夹是一个 xxgk 项目（标志是 {MARKER}）。

- `{params}`：{year} 年报告的参数文件。把每个“（请填写……）”换成本机关的内容，表格中的 0 换成统计数。
- `notebooks/`：报告六个部分的 notebook。可以按本机关的需要修改；删掉的部分使用 xxgk 自带的。
- `outputs/`：生成的报告（HTML、PDF、Word）、审计版和执行过的 notebook。

在本文件夹中依次运行：

```sh
xxgk check {params}
xxgk build {params}
xxgk verify outputs/{year}/{agency}
xxgk lab
```

`check` 校验参数文件（勾稽关系等），`build` 生成 `outputs/{year}/{agency}/`，`verify` 按记录的输入重新
生成并逐字节核对，`lab` 在浏览器中用 JupyterLab 打开本项目（查看执行过的 notebook、运行各部分）。
"""


def _point_notebooks(folder: Path, params: Path) -> None:
    """The section notebooks' default parameter file, for running them in JupyterLab: the new one."""
    for section in SECTIONS:
        book = nbformat.read(folder / section.notebook, as_version=4)
        nbformat.write(with_defaults(book, {"params_path": params.as_posix()}), folder / section.notebook)


def init(folder: Path, agency: str | None, year: int) -> Path:
    """Create the project in ``folder`` (absent or empty), all at once: it appears complete or not
    at all. Returns the parameter file to fill in."""
    _check_arguments(agency, year)
    shown, folder = folder, folder.absolute()  # ``xxgk init .``: the stage goes beside the folder, not in it
    if folder.is_symlink() or (folder.exists() and (not folder.is_dir() or any(folder.iterdir()))):
        raise UsageError(f"{shown} 已存在且不是空文件夹；请指定一个新的或空的文件夹")
    report = blank_report(year, agency)
    name = agency or DEFAULT_AGENCY
    head = [f"# {report.agency.name} {year} 年政府信息公开工作年度报告的参数（xxgk init 生成的空白）。",
            "# 把每个“（请填写……）”换成本机关的内容，表格中的 0 换成统计数。"]
    text = paramsfile.render(report, head=head)
    folder.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}.init-", dir=folder.parent))
    try:
        params = Path("params") / str(year) / f"{name}.yaml"
        files = {MARKER: marker_text(Settings()), str(params): text, "README.md": readme(name, year),
                 "environment.yml": environment(),
                 SCHEMA: json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"}
        for relative, content in files.items():
            (stage / relative).parent.mkdir(parents=True, exist_ok=True)
            (stage / relative).write_text(content, encoding="utf-8")
        shutil.copytree(paths.NOTEBOOKS, stage / NOTEBOOKS, ignore=shutil.ignore_patterns("__pycache__"))
        _point_notebooks(stage / NOTEBOOKS, Path("..") / params)
        (stage / Settings.outputs).mkdir()
        stage.chmod(0o755)
        if folder.exists():
            folder.rmdir()  # empty, as checked: the finished project takes its place
        os.replace(stage, folder)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return shown / params
