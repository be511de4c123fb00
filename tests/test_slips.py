"""What Chinese keyboards and copying from reports put into parameter files: each slip gets the
hint that fixes it, in Chinese, at its own line."""

from __future__ import annotations

import pytest

from conftest import EXAMPLE, run_xxgk
from test_params import edited, line_of
from xxgk.errors import ParamsError
from xxgk.report.numerals import chinese_number
from xxgk.report.params import load_params

ROW = "  r1:        [0, 0, 0, 0, 0, 0, 0]"
SLIPS = {
    # case: (example text, slipped text, text on the line to blame, words of the hint)
    "full-width colon": ("  punishment: 1620", "  punishment：1620", "punishment：", ("全角冒号", "punishment: ")),
    "no space after the colon": ("  punishment: 1620", "  punishment:1620", "punishment:1620", ("缺少空格",)),
    "Tab indentation": ("  licensing: 9865", "\tlicensing: 9865", "licensing", ("Tab", "空格")),
    "full-width space indentation": ("  licensing: 9865", "\u3000licensing: 9865", "licensing", ("全角空格",)),
    "full-width digits": ("licensing: 9865", "licensing: ９８６５", "licensing", ("全角数字", "9865")),
    "full-width digits in a row": (ROW, "  r1:        [１, 0, 0, 0, 0, 0, 1]", "r1:", ("全角数字", "写作半角的 1")),
    "quoted number": ("licensing: 9865", 'licensing: "9865"', "licensing", ("去掉引号", "9865")),
    "thousands comma": ("licensing: 9865", "licensing: 9,865", "licensing", ("千位", "9865")),
    "件 after a count": ("licensing: 9865", "licensing: 9865件", "licensing", ("单位“件”", "9865")),
    "万元 after an amount": ("fees: 709.48", "fees: 709.48万元", "fees", ("单位“万元”", "709.48")),
    "Chinese numeral": ("licensing: 9865", "licensing: 九千八百六十五", "licensing", ("阿拉伯数字", "9865")),
    "full-width comma in a row": (ROW, "  r1:        [0，0, 0, 0, 0, 0, 0]", "r1:", ("全角逗号",)),
    "six numbers in a row of seven": (ROW, "  r1:        [0, 0, 0, 0, 0, 0]", "r1:",
                                      ("只有 6 个数", "应有 7 个", "整列省略")),
}


@pytest.mark.parametrize("case", SLIPS, ids=list(SLIPS))
def test_each_keyboard_slip_gets_its_hint_at_its_line(tmp_path, case):
    old, new, blamed, words = SLIPS[case]
    path = edited(tmp_path, old, new)
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]  # the slip, not its consequences
    assert problems[0].line == line_of(path, blamed)
    assert all(word in problems[0].message for word in words), problems[0].message
    assert not any(english in problems[0].message for english in ("could not", "expected", "found"))


def test_a_slip_reaches_the_command_line_in_chinese(tmp_path):
    path = edited(tmp_path, "  punishment: 1620", "  punishment：1620")
    result = run_xxgk("check", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}:{line_of(path, 'punishment：')}: 键 punishment 后面是全角冒号" in result.stderr


def test_a_colon_in_text_is_not_a_slip(tmp_path):
    """A full-width colon inside narrative is ordinary Chinese: only a key's colon is a slip, and
    only where YAML failed; here the failure is elsewhere and is reported as itself."""
    path = edited(tmp_path, "  address: 额敏县友好路", "  address: [额敏县友好路")
    text = path.read_text(encoding="utf-8").replace("part5: |-\n", "part5: |-\n  note：见下文\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    assert [p.message for p in caught.value.problems if "全角" in p.message] == []


def test_total_column_left_out_whole_is_still_computed(tmp_path):
    import re

    text = re.sub(r"\[0, 0, 0, 0, 0, 0, 0\]", "[0, 0, 0, 0, 0, 0]", EXAMPLE.read_text(encoding="utf-8"))
    path = tmp_path / "emin.yaml"
    path.write_text(text.replace("  r1:        [0, 0, 0, 0, 0, 0]", "  r1:        [2, 0, 0, 0, 0, 1]"),
                    encoding="utf-8")
    assert load_params(path).table3.r1 == (2, 0, 0, 0, 0, 1, 3)


@pytest.mark.parametrize(("text", "number"), [
    ("五", 5), ("两", 2), ("十", 10), ("十二", 12), ("二十一", 21), ("一百零三", 103), ("一千零一", 1001),
    ("九十九", 99), ("一万二千", 12000), ("三百万", 3_000_000), ("二〇二五", 2025), ("零", 0),
    ("万", None), ("一二百", None), ("三件", None), ("", None),
])
def test_chinese_numerals(text, number):
    assert chinese_number(text) == number
