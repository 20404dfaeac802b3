"""Every learning-loop command as a real process: no terminal, NO_COLOR, 40 columns.

Plain text, no escape codes, no prompt waiting on input, and lines that fit.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drilltutor.cli import app

from tests.loop_support import drills, workspace  # noqa: F401

ESCAPE = re.compile(r"\x1b\[")

COMMANDS = [
    ([], 0),
    (["list"], 0),
    (["progress"], 0),
    (["hint", "answer"], 0),
    (["hint", "answer", "--all"], 0),
    (["watch", "answer"], 1),
    (["watch", "answer", "--manual"], 1),
    (["cards"], 0),
    (["reset", "answer"], 2),
    (["reset", "--all"], 2),
    (["reveal", "answer"], 2),
    (["doctor"], 0),
    (["start", "webapp"], 0),
    (["run", "answer"], 1),
]


@pytest.mark.parametrize(("args", "code"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list) else str(v))
def test_plain_narrow_and_never_waiting(args: list[str], code: int, drills: Path, workspace: Path) -> None:
    (workspace / "answer.py").write_text("answer = 41\n")
    env = {**os.environ, "DRILLTUTOR_DRILLS": str(drills), "NO_COLOR": "1", "COLUMNS": "40", "TERM": "xterm-256color"}
    done = subprocess.run(
        [sys.executable, "-m", "drilltutor", *args], cwd=workspace, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == code, done.stdout + done.stderr
    text = done.stdout + done.stderr
    assert text.strip() and not ESCAPE.search(text) and "Traceback" not in text
    # A path is never split: alone on its line, it may pass the edge, where the terminal folds it whole.
    too_wide = [line for line in text.splitlines() if len(line) > 40 and not line.lstrip().startswith(("tip:", "fix:")) and " " in line.strip()]
    assert too_wide == []


def test_a_check_line_too_long_for_the_terminal_wraps_under_its_title(drills: Path, workspace: Path) -> None:
    (workspace / "answer.py").write_text("answer = 41\n")
    env = {**os.environ, "DRILLTUTOR_DRILLS": str(drills), "NO_COLOR": "1", "COLUMNS": "40"}
    done = subprocess.run([sys.executable, "-m", "drilltutor", "run", "answer"], cwd=workspace, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    lines = done.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "skipped" in line)
    title_column = lines[at].index("1 check not run")
    assert lines[at + 1][:title_column].strip() == "" and lines[at + 1][title_column:].startswith("on the failure below"), done.stdout


def test_checks_that_wait_on_a_failure_are_one_line_and_the_failure_comes_last(drills: Path, workspace: Path) -> None:
    (workspace / "answer.py").write_text("answer = 41\nprint(answer)\n")
    env = {**os.environ, "DRILLTUTOR_DRILLS": str(drills), "NO_COLOR": "1", "COLUMNS": "100"}
    command = [sys.executable, "-m", "drilltutor", "run", "answer"]
    done = subprocess.run(command, cwd=workspace, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    lines = done.stdout.splitlines()
    assert [line for line in lines if "skipped" in line] == ["  - skipped 1 check not run: it depends on the failure below and runs once that passes"]
    assert lines.index(next(line for line in lines if "skipped" in line)) < lines.index("  ✗ failed  answer is 42")
    assert lines[-1].startswith("0 of 2 checks passed")
    as_json = subprocess.run([*command, "--json"], cwd=workspace, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert [c["status"] for c in json.loads(as_json.stdout)["checks"]] == ["failed", "skipped"]


@pytest.mark.parametrize("command", ["hint", "watch", "cards", "reset", "doctor"])
def test_help_everywhere(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
