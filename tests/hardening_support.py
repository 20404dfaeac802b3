"""Running the real `drilltutor` command as a learner would, for the hardening tests."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tests.conftest import FIXTURES
from tests.waiting import PATIENCE

DRILLS = FIXTURES / "drills"  # answer (a script) and webapp (a module with a live-server check)
HARDENING = FIXTURES / "hardening"  # tokens (checks mint and read JWTs); served (the file served by a new process)
TOOL_TRACEBACK = "Traceback (most recent call last)"  # the learner's own is "Traceback (your file only)"


def command() -> list[str]:
    found = shutil.which("drilltutor", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "drilltutor"]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    seconds: float
    left_in_tmp: list[str]  # what the run left in its own temporary folder ($TMPDIR): should be nothing

    @property
    def text(self) -> str:
        """Both streams with every run of white space made one space, so line wrapping never matters."""
        return " ".join((self.stdout + "\n" + self.stderr).split())


def drilltutor(
    *args: str,
    cwd: Path,
    home: Path,
    drills: Path = DRILLS,
    preexec: Callable[[], None] | None = None,
    limit: float = PATIENCE,  # a backstop against a hang, not a claim about speed
) -> Result:
    tmp = home.parent / "tmp"  # a temporary folder of the run's own, to see that it leaves nothing there
    tmp.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DRILLTUTOR_HOME": str(home),
        "DRILLTUTOR_DRILLS": str(drills),
        "COLUMNS": "300",
        "NO_COLOR": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TMPDIR": str(tmp),
    }
    env.pop("DRILLTUTOR_DEBUG", None)
    started = time.monotonic()
    done = subprocess.run(
        [*command(), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=limit,
        preexec_fn=preexec,
    )
    decode: Any = lambda raw: raw.decode("utf-8", "replace")  # noqa: E731
    return Result(done.returncode, decode(done.stdout), decode(done.stderr), time.monotonic() - started, sorted(p.name for p in tmp.iterdir()))


def assert_verdict(result: Result, code: int, *words: str) -> None:
    """The exit code, every key phrase of the message, and never drilltutor's own traceback."""
    shown = f"exit {result.code}\n--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
    assert result.code == code, shown
    for word in words:
        assert " ".join(word.split()) in result.text, f"{word!r} not shown\n{shown}"
    assert TOOL_TRACEBACK not in result.stdout + result.stderr, shown
    assert "drilltutor itself failed" not in result.text, shown
    assert not result.left_in_tmp, f"left in the temporary folder: {result.left_in_tmp}"


# Permissions bind root only when it gives up the capabilities that let it read and write anything.

_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 24, 1, 2


def _dropper() -> Callable[[], None] | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork: the child only calls it
    except (OSError, AttributeError):
        return lambda: os._exit(97)

    def drop() -> None:
        for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
            if prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                os._exit(97)

    return drop


AS_LEARNER = _dropper()


def permissions_bind(tmp: Path) -> str:
    """'' when a file with mode 000 cannot be read by a run started with AS_LEARNER, else why not."""
    probe = tmp / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        done = subprocess.run([sys.executable, "-c", f"open({str(probe)!r}).read()"], preexec_fn=AS_LEARNER, capture_output=True)
    finally:
        probe.chmod(0o600)
    if done.returncode == 0:
        return "this user reads files whatever their mode (root with CAP_DAC_OVERRIDE that cannot be dropped)"
    if done.returncode == 97:
        return "cannot drop root's file-permission capabilities here"
    return ""
