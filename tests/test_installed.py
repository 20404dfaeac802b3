"""The installed `drilltutor` command, end to end, in a subprocess, as a learner types it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from drilltutor.paths import bundled_drills_dir


def _command() -> list[str]:
    found = shutil.which("drilltutor", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "drilltutor"]


def _drilltutor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_start_run_fail_then_pass_then_progress(tmp_path: Path) -> None:
    started = _drilltutor("start", "hashing", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    assert (tmp_path / "drill_1_hashing.py").is_file()
    failing = _drilltutor("run", "1", cwd=tmp_path)
    assert failing.returncode == 1 and "✗" in failing.stdout
    shutil.copy(bundled_drills_dir() / "drill-1-hashing" / "solution.py", tmp_path / "drill_1_hashing.py")
    passing = _drilltutor("run", "hashing", "--json", cwd=tmp_path)
    assert passing.returncode == 0, passing.stdout
    assert json.loads(passing.stdout)["passed"] is True
    progress = json.loads(_drilltutor("progress", "--json", cwd=tmp_path).stdout)
    assert [d["status"] for d in progress["drills"] if d["id"] == "drill-1"] == ["passed"]


@pytest.mark.parametrize(("args", "code"), [(("run", "no-such-drill"), 2), (("run", "hashing"), 2), (("bogus",), 2)])
def test_bad_input_exits_2_without_a_traceback(tmp_path: Path, args: tuple[str, ...], code: int) -> None:
    result = _drilltutor(*args, cwd=tmp_path)
    assert result.returncode == code
    assert "Traceback" not in result.stdout + result.stderr
