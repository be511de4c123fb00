"""The ``xxgk`` command: build reports, check parameter files, verify outputs, write the schema.

Exit status: 0 done, 1 a build failed or the checks found errors, 2 unusable input (parameter
file, command line).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any, TextIO

from ..errors import Terminated, UsageError, XxgkError, os_problem, printable
from ..limits import CELL_TIMEOUT, MAX_JOBS
from ..paths import project_outputs
from ..report.findings import errors, to_json, to_text
from ..report.sections import SECTIONS
from ..run.batch import default_jobs
from ..run.project import find as find_project
from ..run.project import one_project
from ..run.settings import BuildSettings
from .arguments import ChineseParser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # SIGTERM (a service manager, `kill`) ends a build as Ctrl-C does: kernels stopped, the
    # staging folder removed, the outputs in place untouched
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.run(args)
    except XxgkError as error:
        say(f"错误：{error}", sys.stderr)
        return error.exit_code
    except Terminated:
        say("已终止；原有输出未改动。", sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        say("已中断；原有输出未改动。", sys.stderr)
        return 130
    except OSError as error:  # the machine refused something: not a bug of the kit
        say(f"错误：{os_problem(error)}。原有输出未改动。", sys.stderr)
        return 1
    except Exception as error:  # a bug in the kit, not in the user's input
        if os.environ.get("XXGK_DEBUG"):
            traceback.print_exc()
        say(f"xxgk 内部错误：{type(error).__name__}: {error}\n"
            "（原有输出未改动。设置环境变量 XXGK_DEBUG=1 可看到详细信息，请连同参数文件一起报告。）",
            sys.stderr)
        return 1


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated()


def say(text: str, stream: TextIO | None = None) -> None:
    """Print for a person at a terminal: a value from a file never gets to move the cursor,
    colour the screen or reorder the text."""
    print(printable(text), file=stream or sys.stdout)


def _parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="xxgk", description="政府信息公开工作年度报告生成工具",
                           epilog="每个命令的用法：xxgk 命令 --help，如 xxgk build --help")
    commands = parser.add_subparsers(required=True, metavar="命令", title="命令")

    build = commands.add_parser("build", help="生成报告：发布版（HTML、PDF、Word）、审计版和执行过的 notebook")
    build.add_argument("params", nargs="+", metavar="参数文件",
                       help="参数文件、文件夹或通配符，如 params/2025/emin.yaml 或 params/2025/")
    build.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                       help="同时生成的机关数（默认：CPU 核数）")
    build.add_argument("--scheduler", metavar="地址",
                       help="交给 Dask 集群生成：tcp://主机:8786，或 local 在本机起一个集群")
    build.add_argument("--outputs", type=Path, default=None, metavar="文件夹",
                       help="输出根目录，结果写入 <输出根目录>/<年度>/<机关>/（默认：参数文件所在项目的 outputs/，"
                            "即 params/ 旁边的 outputs/）")
    build.add_argument("--set", dest="options", action="append", default=[], metavar="部分.选项=值",
                       help="设置某一部分 notebook 的选项，如 overview.subsection_style=heading；"
                            "各部分的选项见 xxgk options")
    build.add_argument("--to", default=None, metavar="格式",
                       help="发布版的格式，逗号分隔：html、pdf、docx（默认：项目的 xxgk.toml 所写，或全部）；"
                            "审计版总会生成")
    build.add_argument("--pdfa", action="store_true", help="PDF 采用 PDF/A-2b（归档用）")
    build.add_argument("--previous", type=Path, metavar="文件", help=PREVIOUS_HELP)
    build.add_argument("--force", action="store_true", help="不沿用上次的结果，全部重新生成")
    build.add_argument("--allow-errors", action="store_true",
                       help="校验有错误时仍生成（发布版每页标注“未通过校验”），用于草稿")
    build.add_argument("--timeout", type=float, default=None, metavar="秒",
                       help=f"单个单元格最长运行时间，超时则该部分失败（默认 {CELL_TIMEOUT:g} 秒）")
    build.set_defaults(run=_build)

    check = commands.add_parser("check", help="校验参数文件：勾稽关系、跨年度衔接、正文与表格一致等")
    check.add_argument("params", nargs="+", metavar="参数文件",
                       help="参数文件、文件夹或通配符，如 params/2025/ 或 'params/*/*.yaml'")
    check.add_argument("--previous", type=Path, metavar="文件", help=PREVIOUS_HELP + "；只用于单个参数文件")
    check.add_argument("--json", action="store_true", help="以 JSON 输出校验结果")
    check.set_defaults(run=_check)

    verify = commands.add_parser("verify", help="按 manifest.json 记录的输入重新生成，逐字节核对输出")
    verify.add_argument("folder", type=Path, metavar="输出文件夹", help="输出文件夹，如 outputs/2025/emin")
    verify.set_defaults(run=_verify)

    rerun = commands.add_parser("rerun", help="在临时文件夹中重新执行输出文件夹中的一个部分，"
                                              "与保留的 notebook 逐单元格比较输出")
    rerun.add_argument("folder", type=Path, metavar="输出文件夹", help="输出文件夹，如 outputs/2025/emin")
    rerun.add_argument("section", metavar="部分", help="部分的名称或 notebook，如 requests 或 03_requests")
    rerun.set_defaults(run=_rerun)

    preview = commands.add_parser("preview", help="边改边看：保存参数文件后，浏览器中的报告和校验结果随即更新")
    preview.add_argument("params", type=Path, metavar="参数文件", help="参数文件，如 params/2025/emin.yaml")
    preview.add_argument("--port", type=int, default=0, metavar="N", help="端口（默认随机）")
    preview.add_argument("--open", action="store_true", help="用默认浏览器打开预览")
    preview.add_argument("--pdf", action="store_true",
                         help="每次更新后在后台生成 PDF 和 Word（平时只在页面上按按钮时生成）")
    preview.add_argument("--previous", type=Path, metavar="文件", help=PREVIOUS_HELP)
    preview.set_defaults(run=_preview)

    rollup = commands.add_parser("rollup", help="汇总多个机关的报告：表格逐格相加、各机关对比和图表（HTML、PDF）")
    rollup.add_argument("params", nargs="+", metavar="参数文件",
                        help="同一年度的参数文件、文件夹或通配符，如 params/2025/")
    rollup.add_argument("--title", required=True, metavar="名称", help="汇总报告的主体，如 塔城地区")
    rollup.add_argument("-o", "--output", type=Path, default=None, metavar="文件夹",
                        help="输出文件夹（默认：params/ 旁边的 outputs/<年度>/_rollup/）")
    rollup.add_argument("--force", action="store_true", help="参数文件未变时也重新汇总")
    rollup.set_defaults(run=_rollup)

    schema = commands.add_parser("schema", help="输出参数文件的 JSON Schema（供编辑器补全和校验）")
    schema.add_argument("-o", "--output", type=Path, metavar="文件", help="写入此文件（默认输出到屏幕）")
    schema.set_defaults(run=_schema)

    draft = commands.add_parser("draft-narrative",
                                help="列出正文中与表格一致、可以改写成引用（如 {表三.新收}）的数字")
    draft.add_argument("params", nargs="+", metavar="参数文件", help="参数文件、文件夹或通配符")
    draft.set_defaults(run=_draft_narrative)

    book = commands.add_parser("workbook", help="生成供填写的 Excel 工作簿（三张表、机关信息、各部分正文）")
    book.add_argument("params", nargs="?", type=Path, metavar="参数文件", help="已有的参数文件，其内容填入工作簿")
    book.add_argument("--blank", action="store_true", help="生成空白工作簿（新机关），与 --year 一起用")
    book.add_argument("--year", type=int, metavar="年度", help="空白工作簿的报告年度，如 2026")
    book.add_argument("--agency", metavar="名称", help="空白工作簿的发布机关名称")
    book.add_argument("-o", "--output", type=Path, required=True, metavar="文件", help="写入此文件，如 emin.xlsx")
    book.add_argument("--force", action="store_true", help="覆盖已有的文件")
    book.set_defaults(run=_workbook)

    imports = commands.add_parser("import", help="把已发布的年度报告（PDF、网页、Word、文本）或填好的工作簿"
                                                 "转换为参数文件 <文件夹>/<年度>/<文件名>.yaml")
    imports.add_argument("sources", nargs="+", type=Path, metavar="文件",
                         help="要导入的文件：.pdf、.html、.htm、.docx、.txt（已发布的报告）或 .xlsx 工作簿")
    imports.add_argument("-o", "--output", type=Path, metavar="文件夹",
                         help="参数文件的根文件夹（默认：文件所在的 params/ 文件夹，否则当前文件夹下的 params/）")
    imports.add_argument("--force", action="store_true", help="覆盖已有的参数文件")
    imports.add_argument("--partial", action="store_true",
                         help="报告缺少必填内容时仍写出已找到的部分，缺少的各项列在文件开头")
    imports.set_defaults(run=_import)

    audit = commands.add_parser("audit", help="检查已发布的年度报告：逐份读入并运行全部校验规则，"
                                              "指出问题在原文中的位置（页、表格单元格）")
    audit.add_argument("reports", nargs="+", metavar="报告",
                       help="报告文件（.pdf、.html、.htm、.docx、.txt）、文件夹或通配符，如 downloads/")
    audit.add_argument("--json", action="store_true", help="以 JSON 输出（每批一个文档）")
    audit.add_argument("--previous", type=Path, metavar="文件",
                       help="上一年度的报告或参数文件，用于跨年度衔接检查（X1）；只用于单份报告。"
                            "不给时，查找同一文件夹中把文件名里的年度减一的报告，如 huaian-2023.pdf")
    audit.set_defaults(run=_audit)

    init = commands.add_parser("init", help="新建一个项目：xxgk.toml、notebooks/、空白参数文件、outputs/、说明")
    init.add_argument("folder", type=Path, metavar="文件夹", help="新项目的文件夹（不存在或为空）")
    init.add_argument("--agency", metavar="名称", help="发布机关名称，也是参数文件的文件名（默认：本机关）")
    init.add_argument("--year", type=int, default=None, metavar="年度", help="报告年度（默认：去年）")
    init.set_defaults(run=_init)

    lab = commands.add_parser("lab", help="用 JupyterLab 打开项目：查看执行过的 notebook、运行各部分")
    lab.add_argument("folder", type=Path, nargs="?", default=Path("."), metavar="文件夹",
                     help="项目中的文件夹（默认：当前文件夹），向上找到 xxgk.toml")
    lab.add_argument("--port", type=int, default=0, metavar="N", help="端口（默认随机）")
    lab.set_defaults(run=_lab)

    options = commands.add_parser("options", help="列出各部分 notebook 的选项（xxgk build --set 部分.选项=值）")
    options.set_defaults(run=_list_options)
    return parser


PREVIOUS_HELP = "上一年度的参数文件（默认按 params/<年度-1>/<机关>.yaml 查找）"


def _build(args: argparse.Namespace) -> int:
    formats = tuple(f.strip() for f in (args.to or "").split(",") if f.strip())
    if args.timeout is not None and not 0 < args.timeout < float("inf"):
        raise UsageError(f"--timeout {args.timeout:g}：应为正数（秒）")
    single = len(args.params) == 1 and Path(args.params[0]).suffix in (".yaml", ".yml") \
        and not glob.has_magic(args.params[0]) and args.jobs is None and args.scheduler is None
    batch = [] if single else _batch_files(args)
    # its xxgk.toml says what the command line does not; a batch's files are all of one project
    project = one_project(batch) if batch else find_project(args.params[0])
    outputs = args.outputs or project.outputs or project_outputs(batch[0] if batch else Path(args.params[0]))
    formats = formats if args.to is not None else project.settings.formats
    settings = BuildSettings(outputs=Path(outputs), formats=formats, archival=args.pdfa, options=_options(args.options),
                             allow_errors=args.allow_errors, force=args.force, timeout=args.timeout or CELL_TIMEOUT,
                             section_jobs=default_jobs())
    if not single:
        from ..run.build import check_settings

        check_settings(settings)
        return _build_many(batch, settings, project.settings.jobs if args.jobs is None else args.jobs,
                           args.scheduler)
    from ..run.rerun import refuse_kept_copy
    from ..run.zygote import warm_up

    refuse_kept_copy(Path(args.params[0]))
    warm_up()  # the kernel template process imports while this one loads the rest
    from ..run.build import build  # papermill and nbconvert load only when building

    result = build(args.params[0], settings, previous_path=args.previous)
    if result.findings:
        say(to_text(list(result.findings)))
    if result.status == "unchanged":
        say(f"{result.folder}/ 已是最新，无需重新生成（--force 可强制重新生成）")
    else:
        files = "、".join(sorted(p.name for p in result.folder.iterdir() if not p.name.startswith(".")))
        reused = len(SECTIONS) - len(result.executed)
        note = f"（{reused} 个部分未变，沿用上次的结果）" if reused else ""
        say(f"已生成 {result.folder}/{note}：{files}")
    return 0


def _batch_files(args: argparse.Namespace) -> list[Path]:
    from ..run.batch import expand

    if args.previous:
        raise UsageError("--previous 只能与单个参数文件一起使用")
    if args.jobs is not None and not 1 <= args.jobs <= MAX_JOBS:
        raise UsageError(f"-j {args.jobs}：应为 1 到 {MAX_JOBS} 的整数")
    paths = expand(args.params)
    if not paths:
        raise UsageError(f"{'、'.join(args.params)} 中没有参数文件（.yaml）")
    return paths


def _build_many(paths: list[Path], settings: BuildSettings, jobs: int | None, scheduler: str | None) -> int:
    from ..run.batch import FAILED, Progress, build_many, summary
    from ..run.index import write
    from ..run.rerun import refuse_kept_copy

    for path in paths:
        refuse_kept_copy(path)
    start = time.perf_counter()
    if scheduler:  # distributed loads only for a cluster
        from ..run.cluster import build_on_dask

        outcomes = build_on_dask([str(p) for p in paths], settings, scheduler, jobs or default_jobs(),
                                 Progress(len(paths)))
    else:
        outcomes = build_many(paths, settings, jobs or default_jobs(), Progress(len(paths)))
    say(summary(outcomes, time.perf_counter() - start))
    try:  # after the summary: a page that cannot be written must not hide how the batch went
        written = write(settings.outputs, outcomes)
    except OSError as error:
        say(f"批量索引页未能写出：{os_problem(error)}")
        return 1
    if written:
        say("各机关的生成情况和链接：" + "、".join(map(str, written)))
    return 1 if any(o.status == FAILED for o in outcomes) else 0


def _check(args: argparse.Namespace) -> int:
    from ..run.batch import expand
    from ..run.validate import validate

    files = expand(args.params)
    if args.previous and len(files) != 1:
        raise UsageError("--previous 只能与单个参数文件一起使用")
    results: dict[str, list] = {}
    unusable: dict[str, str] = {}
    for path in files:
        try:
            results[str(path)] = validate(path, args.previous).findings
        except XxgkError as error:  # one unusable file is reported, and the others still checked
            unusable[str(path)] = error.message
    if args.json:
        say(to_json(results, unusable))
    else:
        for name, found in results.items():
            say(f"── {name}\n{to_text(found)}")
        for name, message in unusable.items():
            say(f"── {name}\n{message}", sys.stderr)
    if unusable:
        return 2
    return 1 if any(errors(found) for found in results.values()) else 0


def _verify(args: argparse.Namespace) -> int:
    from ..run.verify import verify

    verdict = verify(args.folder)
    for change in verdict.environment:
        say(f"环境与生成时不同：{change}")
    if verdict.identical:
        say(f"identical：{args.folder} 与按记录的输入重新生成的结果逐字节一致")
        return 0
    say(f"{args.folder} 与重新生成的结果不一致的文件：")
    for name in verdict.differing:
        say(f"  {name}")
    return 1


def _rerun(args: argparse.Namespace) -> int:
    from ..run.rerun import rerun

    result = rerun(args.folder, args.section)
    say(result.text())
    return 0 if result.identical else 1


def _preview(args: argparse.Namespace) -> int:
    from ..project.preview import preview
    from ..run.rerun import refuse_kept_copy

    if not 0 <= args.port < 65536:
        raise UsageError(f"--port {args.port}：应为 0 至 65535 之间的整数")
    refuse_kept_copy(args.params)
    try:
        preview(args.params, port=args.port, previous=args.previous, open_browser=args.open,
                exports=args.pdf, jobs=default_jobs(), say=say)
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM: how a preview ends
        say("预览已结束；输出文件夹未改动。")
    return 0


def _rollup(args: argparse.Namespace) -> int:
    from ..rollup.rollupbuild import roll_up

    result = roll_up(args.params, args.title, args.output, force=args.force)
    if result.status == "unchanged":
        say(f"{result.folder}/ 已是最新：{result.files} 个参数文件都未变，无需重新汇总（--force 可强制重新汇总）")
    else:
        files = "、".join(sorted(p.name for p in result.folder.iterdir() if not p.name.startswith(".")))
        say(f"已汇总 {result.files} 个参数文件，生成 {result.folder}/：{files}")
    return 0


def _options(settings: list[str]) -> dict[str, dict[str, Any]]:
    """``--set 部分.选项=值`` as typed values: each read as the type of the option's default in
    its notebook (never as YAML, whose tags could build any object)."""
    from ..report.sections import get_section
    from ..run.execute import option_value

    options: dict[str, dict[str, Any]] = {}
    for setting in settings:
        name, equals, raw = setting.partition("=")
        section, dot, option = name.partition(".")
        if not (equals and dot and section and option):
            raise UsageError(f"--set {setting}：应写成 部分.选项=值，如 overview.subsection_style=heading")
        options.setdefault(section, {})[option] = option_value(get_section(section), option, raw)
    return options


def _draft_narrative(args: argparse.Namespace) -> int:
    from ..report.narrative import proposals
    from ..report.params import load_params
    from ..report.rules import narrative_texts
    from ..run.batch import expand

    for path in expand(args.params):
        report = load_params(path)
        lines = path.read_text(encoding="utf-8").splitlines()
        found = [(where, p) for _, where, paragraph in narrative_texts(report, printed=False)
                 for p in proposals(paragraph, report)]
        say(f"── {path}")
        if not found:
            say("没有可以改写成引用的数字。")
        for where, proposal in found:
            line = next((n for n, text in enumerate(lines, 1) if proposal.sentence in text), None)
            say(f"{path}:{line or '?'}: {where}：“{proposal.sentence}” → “{proposal.written}”")
    return 0


def _list_options(args: argparse.Namespace) -> int:
    from ..run.execute import TYPE_NAMES, declared_options

    for section in SECTIONS:
        say(f"{section.key}（{section.heading}，notebooks/{section.notebook}）")
        declared = declared_options(section)
        if not declared:
            say("  （无选项）")
        for name, (default, explanation) in declared.items():
            allowed = section.allowed(name)
            kind = "、".join(allowed) if allowed else TYPE_NAMES.get(type(default), type(default).__name__)
            say(f"  {section.key}.{name}  可取：{kind}；默认 {default}")
            if explanation:
                say(f"      {explanation}")
    return 0


def _workbook(args: argparse.Namespace) -> int:
    from ..reading.importer import write_new
    from ..report.params import load_params
    from ..workbook.write import render

    if args.blank == (args.params is not None):
        raise UsageError("请给出一个参数文件，或用 --blank --year 年度 生成空白工作簿（二者选一）")
    if args.blank and args.year is None:
        raise UsageError("--blank 需要 --year，如 --blank --year 2026")
    report = load_params(args.params) if args.params else None
    write_new(args.output, render(report, args.year, args.agency), args.force)
    say(f"已写入 {args.output}")
    return 0


def _init(args: argparse.Namespace) -> int:
    from datetime import date

    from ..project.scaffold import init

    here = args.folder.absolute() == Path.cwd()  # the new project replaces the folder the shell is in
    params = init(args.folder, args.agency, args.year or date.today().year - 1)
    say(f"已新建项目 {args.folder}/。请填写 {params.relative_to(args.folder)}，然后在项目文件夹中运行：\n"
        f"  xxgk check {params.relative_to(args.folder)}\n  xxgk build {params.relative_to(args.folder)}"
        + ("\n（项目已替换当前文件夹：请先运行 cd \"$PWD\" 重新进入）" if here else ""))
    return 0


def _lab(args: argparse.Namespace) -> int:
    from ..project.lab import lab

    if not 0 <= args.port < 65536:
        raise UsageError(f"--port {args.port}：应为 0 至 65535 之间的整数")
    return lab(args.folder, args.port, say)


def _import(args: argparse.Namespace) -> int:
    from ..reading.importer import import_file

    status = 0
    for source in args.sources:  # one unusable file is named, and the others still imported
        try:
            say(f"已写入 {import_file(source, args.output, args.force, args.partial)}")
        except XxgkError as error:
            say(f"错误：{error}", sys.stderr)
            status = max(status, error.exit_code)
    return status


def _audit(args: argparse.Namespace) -> int:
    from ..reading.inspect_reports import expand, inspect_all, to_json, to_text

    results = inspect_all(expand(args.reports), args.previous)
    say(to_json(results) if args.json else to_text(results))
    return max((result.status for result in results), default=0)


def _schema(args: argparse.Namespace) -> int:
    from ..report.model import json_schema

    text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        say(f"已写入 {args.output}")
    return 0

