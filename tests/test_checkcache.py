"""The cache of checked parameter files: a kept entry gives exactly what a fresh check gives, and
is not used for a changed file, a changed kit, or an entry that was edited or moved."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conftest import ROOT
from xxgk.limits import CHECKS_UNUSED_DAYS
from xxgk.report.params import parse_params, read_source
from xxgk.run import cache, checkcache


@pytest.fixture
def files(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """emin's file for 2025 and a 2024 file with the same figures (the cross-year checks find
    something), in a cache folder of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache._seal_key.cache_clear()
    text = (ROOT / "params" / "2025" / "emin.yaml").read_text(encoding="utf-8")
    this, last = tmp_path / "params" / "2025" / "emin.yaml", tmp_path / "params" / "2024" / "emin.yaml"
    for path, content in ((this, text), (last, text.replace("year: 2025", "year: 2024").replace("2026-", "2025-"))):
        path.parent.mkdir(parents=True)
        path.write_text(content, encoding="utf-8")
    yield this, last
    cache._seal_key.cache_clear()


def fresh(this: Path, last: Path) -> tuple:
    report, previous = parse_params(read_source(this)), parse_params(read_source(last))
    from xxgk.report import rules

    return report, previous, tuple(rules.check(report, previous))


def checked(this: Path, last: Path) -> tuple:
    return checkcache.checked(read_source(this), read_source(last))


class Counting:
    """``parse_params`` that counts its calls: how many files were validated afresh."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        monkeypatch.setattr(checkcache, "parse_params", self)

    def __call__(self, source):
        self.calls += 1
        return parse_params(source)


def test_a_kept_entry_gives_what_a_fresh_check_gives(files, monkeypatch):
    this, last = files
    expected = fresh(this, last)
    assert expected[2], "the example should give the cross-year checks something to find"
    assert checked(this, last) == expected
    counting = Counting(monkeypatch)
    assert checked(this, last) == expected
    assert counting.calls == 0  # from the cache


def test_a_changed_file_or_last_years_file_is_checked_again(files, monkeypatch):
    this, last = files
    checked(this, last)
    counting = Counting(monkeypatch)
    this.write_text(this.read_text(encoding="utf-8").replace("额敏县", "塔城市"), encoding="utf-8")
    assert checked(this, last) == fresh(this, last)
    assert counting.calls == 2
    last.write_text(last.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert checked(this, last) == fresh(this, last)
    assert counting.calls == 4


def test_a_changed_kit_checks_again(files, monkeypatch):
    this, last = files
    checked(this, last)
    counting = Counting(monkeypatch)
    monkeypatch.setattr(cache, "kit_digest", lambda: "another kit")
    assert checked(this, last) == fresh(this, last)
    assert counting.calls == 2


def test_an_edited_or_moved_entry_is_not_trusted(files, monkeypatch, tmp_path):
    this, last = files
    expected = checked(this, last)
    [entry] = checkcache.folder().iterdir()
    seal, text = entry.read_text(encoding="utf-8").split("\n", 1)
    name = expected[0].agency.name
    assert name in text
    entry.write_text(seal + "\n" + text.replace(name, "伪造的机关"), encoding="utf-8")
    counting = Counting(monkeypatch)
    assert checked(this, last) == expected
    assert counting.calls == 2
    # a genuine entry of another file, put where this file's entry goes
    other = tmp_path / "params" / "2025" / "other.yaml"
    other.write_text(this.read_text(encoding="utf-8").replace("额敏县", "塔城市"), encoding="utf-8")
    checked(other, last)
    mine = checkcache.folder() / f"{checkcache.key(this.read_bytes(), last.read_bytes())}.json"
    theirs = checkcache.folder() / f"{checkcache.key(other.read_bytes(), last.read_bytes())}.json"
    mine.write_bytes(theirs.read_bytes())
    assert checked(this, last) == expected
    assert counting.calls == 6


def test_a_cache_folder_that_cannot_be_written_is_skipped(files, monkeypatch):
    this, last = files
    checkcache.folder().parent.mkdir(parents=True)
    checkcache.folder().write_text("not a folder", encoding="utf-8")
    assert checked(this, last) == fresh(this, last)
    counting = Counting(monkeypatch)
    assert checked(this, last) == fresh(this, last)
    assert counting.calls == 2


def test_what_a_build_checked_a_roll_up_takes_from_the_cache(files, monkeypatch):
    from xxgk.rollup import rollup
    from xxgk.run.validate import validate

    this, last = files
    checked_by_build = validate(this)
    assert checked_by_build.previous_report is not None and checked_by_build.findings
    counting = Counting(monkeypatch)
    agency = rollup.read_agency(this, 2025)
    assert counting.calls == 0
    assert (agency.report, agency.previous, agency.findings) == fresh(this, last)


def test_a_kept_entry_keeps_the_totals_the_kit_computed(files, monkeypatch):
    """A file may leave a total out: the kit computes it and the audit version lists it, so a
    report from the cache must say so as the first reading did."""
    this, last = files
    text = this.read_text(encoding="utf-8")
    total_row = next(line for line in text.splitlines() if line.startswith("  total:"))
    this.write_text(text.replace(total_row + "\n", ""), encoding="utf-8")
    expected = fresh(this, last)
    assert expected[0].computed_totals, "leaving the total row out should make the kit compute it"
    checked(this, last)
    counting = Counting(monkeypatch)
    again = checked(this, last)
    assert counting.calls == 0  # from the cache
    assert again[0].computed_totals == expected[0].computed_totals


def test_a_file_outside_its_years_folder_is_checked_against_its_own_last_year(files):
    """Last year's file is guessed from the folder before the file is read; a file whose year is
    not its folder's must not be refused for the guessed file's problems."""
    from xxgk.run.validate import validate

    this, last = files
    misfiled = this.read_text(encoding="utf-8").replace("year: 2025", "year: 2024").replace("2026-", "2025-")
    this.write_text(misfiled, encoding="utf-8")
    last.write_text("year: [broken\n", encoding="utf-8")  # params/2024: the same year as the file, not its last
    checked_file = validate(this)
    assert checked_file.report.year == 2024 and checked_file.previous is None


def test_only_the_model_touches_its_private_attributes():
    """The cache gives a kept report its computed totals through ``Report.restored``: another
    module setting ``_computed_totals`` would bypass what the model guarantees of it."""
    import ast

    import xxgk
    from xxgk.report.model import Report

    private = set(Report.__private_attributes__)
    assert "_computed_totals" in private
    package = Path(xxgk.__file__).parent
    found = [f"{path.relative_to(package)}:{node.lineno}" for path in sorted(package.rglob("*.py"))
             if path != package / "report" / "model.py"
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Attribute) and node.attr in private]
    assert found == []


DAY = 24 * 3600


def _entries(count: int, days_unused: float) -> list[Path]:
    """``count`` entries (sealed or not does not matter to pruning), unused for ``days_unused``."""
    checkcache.folder().mkdir(parents=True, exist_ok=True)
    made = []
    for number in range(count):
        path = checkcache.folder() / f"{days_unused:g}-{number:04}.json"
        path.write_text("x", encoding="utf-8")
        used = time.time() - days_unused * DAY - number  # the higher the number, the longer unused
        os.utime(path, (used, used))
        made.append(path)
    return made


def _due() -> None:
    """The last pruning two days ago."""
    past = time.time() - 2 * DAY
    os.utime(checkcache.folder() / checkcache.PRUNED, (past, past))


def test_pruning_removes_the_unused_and_the_least_recently_used_beyond_the_bound(files, monkeypatch):
    monkeypatch.setattr(checkcache, "CHECKS_MAX_ENTRIES", 5)
    recent, old = _entries(4, 1), _entries(3, CHECKS_UNUSED_DAYS + 1)
    draft = checkcache.folder() / ".entry-x"
    draft.write_text("a writer is writing it")
    abandoned = checkcache.folder() / ".entry-y"
    abandoned.write_text("its writer was killed")
    os.utime(abandoned, (time.time() - 2 * DAY,) * 2)
    checkcache.prune()
    assert all(p.exists() for p in recent) and not any(p.exists() for p in old)
    assert draft.exists() and not abandoned.exists()
    more = _entries(3, 0)
    _due()
    checkcache.prune()
    # the five most recently used remain
    assert [p.exists() for p in more + recent] == [True] * 5 + [False] * 2


def test_pruning_runs_at_most_once_a_day_and_not_beside_another_pruner(files):
    import fcntl

    checkcache.folder().mkdir(parents=True)
    checkcache.prune()
    old = _entries(2, CHECKS_UNUSED_DAYS + 1)
    checkcache.prune()
    assert all(p.exists() for p in old), "pruned again the same day"
    _due()
    with (checkcache.folder() / checkcache.PRUNING).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        checkcache.prune()  # returns at once: another process is pruning
        assert all(p.exists() for p in old)
    checkcache.prune()
    assert not any(p.exists() for p in old)


def test_a_used_entry_is_kept_and_a_new_one_starts_the_days_pruning(files, monkeypatch):
    this, last = files
    monkeypatch.setattr(checkcache, "_pruning_due", False)
    first = checked(this, last)
    (kept,) = checkcache.folder().glob("*.json")
    long_ago = time.time() - (CHECKS_UNUSED_DAYS + 1) * DAY
    os.utime(kept, (long_ago, long_ago))
    assert checked(this, last) == first  # a hit: marked used
    old = _entries(2, CHECKS_UNUSED_DAYS + 1)
    monkeypatch.setattr(checkcache, "_pruning_due", True)
    this.write_text(this.read_text(encoding="utf-8") + "\n# 改过\n", encoding="utf-8")
    checked(this, last)  # a new entry: this process prunes, once
    assert kept.exists() and not any(p.exists() for p in old)
    assert checkcache._pruning_due is False


def test_checking_ahead_keeps_the_first_files_until_told_to_stop_and_skips_a_broken_one(files, monkeypatch):
    """What a roll-up's builder does while the kernel's template imports: the files it got to are
    then found kept by their reader (not validated again), the others are not, and a file that
    does not validate is left for the reader to report."""
    this, last = files
    folder = this.parent
    broken = folder / "broken.yaml"
    broken.write_text("year: [", encoding="utf-8")
    others = [folder / f"copy{n}.yaml" for n in range(3)]
    for path in others:
        path.write_text(this.read_text(encoding="utf-8").replace("额敏县", f"额敏县{path.stem}"), encoding="utf-8")
    ordered = [(this, last), (broken, None), (others[0], None), (others[1], None), (others[2], None)]
    asked = []

    def stop_before_the_fifth() -> bool:
        asked.append(True)
        return len(asked) > 4

    assert checkcache.check_ahead(ordered, until=stop_before_the_fifth) == 4
    counting = Counting(monkeypatch)
    for path, previous in ordered[2:]:
        checkcache.checked(read_source(path), read_source(previous) if previous else None)
    assert counting.calls == 1  # only the fifth file, which the check ahead did not reach
    assert checked(this, last) == fresh(this, last) and counting.calls == 1  # the first file, with last year's, kept


def test_checking_ahead_passes_over_the_files_already_kept(files, monkeypatch):
    """On a roll-up after one file changed, the builder checks that one file, not loads the others."""
    this, last = files
    assert checkcache.check_ahead([(this, last)], until=lambda: False) == 1
    seen = []
    monkeypatch.setattr(checkcache, "checked", lambda *sources: seen.append(sources))
    changed = this.with_name("changed.yaml")
    changed.write_text(this.read_text(encoding="utf-8").replace("额敏县", "额敏县某局"), encoding="utf-8")
    assert checkcache.check_ahead([(this, last), (changed, last)], until=lambda: False) == 2
    assert [source.path for source, _ in seen] == [changed]


def test_checking_ahead_stops_where_nothing_can_be_kept(files, monkeypatch):
    """Without the user's key nothing is checked; where an entry could not be written, the first
    file is the last one checked ahead: the reader would only check them all again."""
    this, last = files
    counting = Counting(monkeypatch)
    monkeypatch.setattr(cache, "seal", lambda manifest: None)
    assert checkcache.check_ahead([(this, last)] * 3, until=lambda: False) == 0 and counting.calls == 0
    monkeypatch.undo()
    counting = Counting(monkeypatch)
    monkeypatch.setattr(checkcache, "_keep", lambda *entry: None)  # a full disk, a folder of another user
    assert checkcache.check_ahead([(this, last)] * 3, until=lambda: False) == 1 and counting.calls == 2


def test_checking_ahead_leaves_a_file_far_larger_than_a_reports_to_its_reader(files, monkeypatch):
    this, last = files
    padded = this.with_name("padded.yaml")
    padded.write_text(this.read_text(encoding="utf-8") + "# " + "注" * 50_000 + "\n", encoding="utf-8")
    counting = Counting(monkeypatch)
    assert checkcache.check_ahead([(padded, None), (this, None)], until=lambda: False) == 2
    assert counting.calls == 1  # emin's file only
