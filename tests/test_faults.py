"""A build killed at any step: the agency's folder is the complete old set or the complete new
set, no process of the build survives, the next build removes what the killed one left and
succeeds. The build is stopped at each step by a pause point (``xxgk.pause``), not by timing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import EXAMPLE
from test_params import snapshot
from xxgk.pause import STEPS

CHANGED = "仍存在主动公开内容的覆盖面和细化程度不够"
CHANGED_TO = "仍存在主动公开内容的覆盖面不够（本次修改）"
NEEDS = {"pdf": "html,pdf", "docx": "html,docx"}  # the formats under which a step is reached


class Run:
    """One `xxgk` process with its own temporary folder and a tag in its environment that every
    process it starts (zygote, kernels, batch workers) inherits, so that survivors can be found."""

    def __init__(self, temp: Path, *args: object, pause: str | None = None):
        self.tag = uuid.uuid4().hex
        self.temp = temp
        self.pause_file = temp / f"paused-{self.tag}"
        env = {**os.environ, "XXGK_TEST_TAG": self.tag, "TMPDIR": str(self.temp)}
        if pause:
            env.update(XXGK_PAUSE_AT=pause, XXGK_PAUSE_FILE=str(self.pause_file))
        # a session of its own, as a terminal's job: Ctrl-C goes to its whole process group
        self.process = subprocess.Popen([sys.executable, "-m", "xxgk.cli", *map(str, args)], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)

    def wait_for_pause(self) -> None:
        deadline = time.monotonic() + 180
        while not self.pause_file.exists():
            assert self.process.poll() is None, f"ended before pausing: {self.process.communicate()}"
            assert time.monotonic() < deadline, "never reached its pause point"
            time.sleep(0.05)

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err

    def survivors(self) -> list[int]:
        """Processes still carrying this run's tag, after giving them a moment to die."""
        deadline = time.monotonic() + 10
        while True:
            found = [pid for pid in _pids() if self.tag.encode() in _environ(pid)]
            if not found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _environ(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return b""


def changed_params(tmp_path: Path, to: str = CHANGED_TO) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert CHANGED in text
    path = tmp_path / "params" / "2025" / "emin.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(CHANGED, to), encoding="utf-8")
    return path


def complete_new_set(folder: Path, changed_to: str = CHANGED_TO) -> bool:
    """Every file the folder's manifest lists is there with its hash, and it is the changed report."""
    from xxgk.render.provenance import sha256

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {**manifest["outputs"], **{i["file"]: i["sha256"] for i in manifest["inputs"]}}
    return (all((folder / name).is_file() and sha256((folder / name).read_bytes()) == digest
                for name, digest in listed.items())
            and changed_to in (folder / "report.html").read_text(encoding="utf-8"))


def leftovers(outputs: Path, temp: Path) -> list[str]:
    year = outputs / "2025"
    return sorted([p.name for p in year.iterdir() if p.name.startswith(".emin.") and not p.name.endswith(".lock")]
                  + [p.name for p in temp.glob("xxgk-zygote-*")])


# each kill's build changes the report in its own way, so that it has something to build even
# where the killed build before it had put its new set in place
KILLS = ((signal.SIGKILL, CHANGED_TO), (signal.SIGTERM, "仍存在主动公开内容的覆盖面不够（再次修改）"))


@pytest.mark.parametrize("step", STEPS)
def test_a_killed_build_loses_nothing_and_leaves_nothing_running(built, tmp_path, temp, step):
    """Killed at ``step`` by SIGKILL, then the next build killed there by SIGTERM (one test: the
    second kill is also the first's "next build"), then a build left to finish."""
    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs / "2025" / "emin")
    folder = outputs / "2025" / "emin"
    old = snapshot(folder)
    formats = NEEDS.get(step, "html")

    for signum, changed_to in KILLS:
        params = changed_params(tmp_path, changed_to)
        run = Run(temp, "build", params, "--outputs", outputs, "--to", formats, pause=step)
        run.wait_for_pause()
        os.kill(run.process.pid, signum)
        code, _, err = run.finish()
        assert code == (-signal.SIGKILL if signum == signal.SIGKILL else 128 + signal.SIGTERM), err
        assert "Traceback" not in err and "内部错误" not in err
        assert run.survivors() == [], f"a process of the build killed by {signum.name} is still running"

        now = snapshot(folder)
        if step == "swapped":  # killed after the exchange: the new set, whole
            assert now != old and complete_new_set(folder, changed_to)
        else:
            assert now == old, f"the old outputs changed although the build killed by {signum.name} did not finish"
        old = now

    again = Run(temp, "build", params, "--outputs", outputs, "--to", formats)
    code, _, err = again.finish()
    assert code == 0, err
    assert complete_new_set(folder, changed_to)
    assert leftovers(outputs, temp) == []
    assert again.survivors() == []


def test_ctrl_c_stops_a_section_that_never_ends_at_once(built, tmp_path, temp):
    """Ctrl-C reaches the build's whole process group while a cell runs forever: the build ends
    within seconds, with its kernels and template process, and the old outputs stay."""
    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs / "2025" / "emin")
    old = snapshot(outputs / "2025" / "emin")
    run = Run(temp, "build", changed_params(tmp_path), "--outputs", outputs, "--to", "html", pause="section")
    run.wait_for_pause()
    os.killpg(run.process.pid, signal.SIGINT)
    # the cell never ends: a build that did not stop at once would still be running at the timeout
    code, _, err = run.finish(timeout=30)
    assert code == 130 and "已中断" in err and "Traceback" not in err
    assert run.survivors() == []
    assert snapshot(outputs / "2025" / "emin") == old
    assert not list((outputs / "2025").glob(".emin.staging-*"))


def test_a_cell_that_never_ends_times_out_and_names_its_section(built, tmp_path, temp):
    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs / "2025" / "emin")
    old = snapshot(outputs / "2025" / "emin")
    run = Run(temp, "build", changed_params(tmp_path), "--outputs", outputs, "--to", "html",
              "--timeout", "2", pause="section")
    code, _, err = run.finish(timeout=120)
    assert code == 1, err
    assert "执行超时" in err and "2 秒" in err and "Traceback" not in err
    assert run.survivors() == []
    assert snapshot(outputs / "2025" / "emin") == old
    assert (outputs / "2025" / "emin.failed" / "params.yaml").is_file() and "emin.failed" in err


def test_a_stopped_batch_leaves_no_worker_kernel_or_template(tmp_path, temp):
    """A batch killed by SIGKILL while a section runs, then the next one stopped there by Ctrl-C
    (to its whole process group, as a terminal sends it), then a batch left to finish."""
    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    for name in ("a", "b"):  # one agency for each of the two workers
        shutil.copy(EXAMPLE, folder / f"{name}.yaml")
    outputs = tmp_path / "outputs"
    for signum in (signal.SIGKILL, signal.SIGINT):
        run = Run(temp, "build", folder, "-j", "2", "--outputs", outputs, "--to", "html", pause="section")
        run.wait_for_pause()
        os.killpg(run.process.pid, signum) if signum == signal.SIGINT else os.kill(run.process.pid, signum)
        code, _, err = run.finish(timeout=60)
        assert code == (130 if signum == signal.SIGINT else -signal.SIGKILL), err
        assert "Traceback" not in err
        assert run.survivors() == [], f"a process of the batch stopped by {signum.name} is still running"
        assert not (outputs / "2025" / "a").exists()  # nothing was published half-way

    again = Run(temp, "build", folder, "-j", "2", "--outputs", outputs, "--to", "html")
    code, out, err = again.finish(timeout=300)
    assert code == 0 and "已生成 2" in out, out + err
    assert [p.name for p in (outputs / "2025").iterdir() if ".staging-" in p.name] == []
    assert list(temp.glob("xxgk-zygote-*")) == []


def test_the_fallback_swap_is_undone_by_the_next_build(built, tmp_path):
    """Where the file system cannot exchange two folders the swap is two renames; a build killed
    between them leaves the old set aside, and the next build of the agency puts it back first."""
    from xxgk.run.build import _aside, _tidy

    target = tmp_path / "outputs" / "2025" / "emin"
    shutil.copytree(built, _aside(target))
    before = snapshot(_aside(target))
    (target.parent / ".emin.staging-x1").mkdir()  # the new set, never moved into place
    _tidy(target)
    assert snapshot(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["emin"]
