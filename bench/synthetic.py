"""Synthetic agencies for the benchmark: the example's parameter file with realistic tables that
balance (every reconciliation rule holds) and a narrative that states their numbers."""

from __future__ import annotations

import io
import random
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from xxgk.report.format import load_format

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "params" / "2025" / "emin.yaml"


def tables(rng: random.Random, nonzero: bool = False) -> tuple[dict, dict, dict]:
    """Balanced tables; with ``nonzero`` every cell is at least 1 (a reader that drops or shifts
    a cell cannot go unseen among zeros)."""
    fmt = load_format()
    low = 1 if nonzero else 0
    results = list(fmt.rule("T3-B").check.parts)
    columns = []
    for index in range(len(fmt.table3.columns) - 1):
        scale = 40 if index == 0 else 4  # most applicants are natural persons
        row = {key: rng.randint(1, scale) if nonzero else rng.choice([0, 0, rng.randint(0, scale)])
               for key in results}
        total = sum(row.values())
        row.update(total=total, carry_out=rng.randint(low, max(low, scale // 4)), carry_in=0)
        row["carry_in"] = rng.randint(low, total + row["carry_out"] - low)
        row["new"] = total + row["carry_out"] - row["carry_in"]
        columns.append(row)
    table3 = {row.key: [c[row.key] for c in columns] + [sum(c[row.key] for c in columns)] for row in fmt.table3.rows}
    table4 = {}
    for group in fmt.table4.groups:
        details = [rng.randint(low, 3) for _ in range(len(fmt.table4.columns) - 1)]
        table4[group.key] = details + [sum(details)]
    table2 = {"regulations": [rng.randint(low, 3), low, rng.randint(3, 20)],
              "normative_documents": [rng.randint(low, 9), rng.randint(low, 5), rng.randint(10, 90)],
              "licensing": rng.randint(100, 50000), "punishment": rng.randint(10, 9000),
              "enforcement": rng.randint(low, 900), "fees": round(rng.uniform(10, 5000), 2)}
    return table2, table3, table4


def agency(index: int, rng: random.Random, nonzero: bool = False) -> str:
    yaml = YAML()
    data = yaml.load(EXAMPLE.read_text(encoding="utf-8"))
    table2, table3, table4 = tables(rng, nonzero)
    name = f"样例县{index:03d}"
    data["agency"]["name"] = data["contact"]["office"] = f"{name}人民政府办公室"
    data["agency"]["subject"] = name
    for key, value in table2.items():
        data["table2"][key] = value
    for key, value in table3.items():
        data["table3"][key] = value
    for key, value in table4.items():
        data["table4"][key] = value
    received, handled, carried = table3["new"][-1], table3["total"][-1], table3["carry_out"][-1]
    review = table4["review"][-1]
    suits = table4["suit_direct"][-1] + table4["suit_after_review"][-1]
    data["part1"]["subsections"][1]["text"] = LiteralScalarString(
        f"坚持以人民为中心。2025 年，{name}人民政府办公室共收到政府信息公开申请 {received} 件，"
        f"全部依法办结 {handled} 件，结转下年度继续办理 {carried} 件；"
        f"被申请行政复议 {review} 件，被提起行政诉讼 {suits} 件。")
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def write_agencies(folder: Path, count: int, seed: int, nonzero: bool = False) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"agency-{index:03d}.yaml"
        path.write_text(agency(index, rng, nonzero), encoding="utf-8")
        paths.append(path)
    return paths
