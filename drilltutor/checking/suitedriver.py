"""Runs one pytest suite in several folders, each holding its own version of the module under test.

Started by `drilltutor.checking.suite` as `python -m drilltutor.checking.suitedriver SPEC`, in a
process of its own (it runs the learner's tests). It imports pytest and the app's libraries
once, then forks one child per folder, `workers` at a time: a child only runs the tests, so
ten runs cost little more than one. Each child is stopped after `timeout` seconds, and the
whole run after `budget`. When the first folder (the correct version) does not pass, the
others are not started: their verdicts would mean nothing.

Per folder it leaves `report.jsonl` (written by `Recorder` as pytest reports: which test
started, how each ended) and `status.json` (how the child ended).
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

FILE_SIZE_LIMIT = 32 * 1024 * 1024  # a test that writes a file without end is stopped (SIGXFSZ), the disk kept
DETAIL_CAP = 2_000  # characters of pytest's traceback kept per failed test


class Recorder:
    """A pytest plugin that writes what happened as JSON lines, one flushed line per event,
    so a child stopped mid-test still tells which test it was in."""

    def __init__(self, path: Path) -> None:
        self.out = open(path, "w", encoding="utf-8")  # noqa: SIM115  (open until the child ends)

    def _write(self, **event: Any) -> None:
        self.out.write(json.dumps(event) + "\n")
        self.out.flush()

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._write(event="start", test=nodeid)

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self._write(event="finish", test=nodeid)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.passed and report.when != "call":
            return  # setup and teardown that went well say nothing
        message = ""
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            lines = str(report.longrepr).strip().splitlines()
            message = crash.message if crash is not None else lines[-1] if lines else ""
        self._write(event="test", test=report.nodeid, when=report.when, outcome=report.outcome, message=message, detail=report.longreprtext[-DETAIL_CAP:])

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self._write(event="collect-error", detail=report.longreprtext[-DETAIL_CAP * 2 :])


def _child(folder: Path, args: list[str]) -> None:
    """In the forked child: run pytest in `folder`. What it prints is not kept (the verdict
    comes from the Recorder), and it may write no file larger than FILE_SIZE_LIMIT."""
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.chdir(folder)
        sys.path.insert(0, str(folder))
        import pytest

        code = pytest.main(args, plugins=[Recorder(folder / "report.jsonl")])
        os._exit(int(code))
    except BaseException:  # noqa: BLE001  (a child never returns into the driver's loop)
        os._exit(70)


def _status(wait_status: int) -> dict[str, Any]:
    if os.WIFSIGNALED(wait_status):
        number = os.WTERMSIG(wait_status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return {"signal": name}
    return {"exit": os.WEXITSTATUS(wait_status)}


def _cheap_bcrypt(rounds: int) -> None:
    """New bcrypt hashes at `rounds` whatever cost the app asks for (pwdlib and the bcrypt
    package ask through gensalt): the behaviours under test do not depend on the cost, and
    at the usual 12 every register and login would cost a quarter of a second."""
    try:
        import bcrypt
    except ImportError:
        return
    gensalt = bcrypt.gensalt
    bcrypt.gensalt = lambda rounds_asked=12, prefix=b"2b": gensalt(rounds, prefix)


def run(spec: dict[str, Any]) -> None:
    for name in spec.get("preload", []):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112  (a library that is not installed: the child imports what it needs)
            continue
    import pytest  # noqa: F401  (imported once here, so each forked child starts with it)

    _cheap_bcrypt(spec["bcrypt_rounds"])
    folders = [(Path(path), args) for path, args in spec["folders"]]
    first = folders[0][0]
    pending: list[tuple[Path, list[str]]] = list(folders)
    running: dict[int, tuple[Path, float]] = {}  # pid -> (folder, deadline)
    stopped: dict[int, str] = {}  # pid -> why it was stopped: "timed_out" or "out_of_time"
    out_of_time = time.monotonic() + spec["budget"]
    while pending or running:
        while pending and len(running) < spec["workers"]:
            folder, args = pending.pop(0)
            pid = os.fork()
            if pid == 0:
                _child(folder, args)
            running[pid] = (folder, time.monotonic() + spec["timeout"])
        pid, wait_status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            time.sleep(0.01)
            now = time.monotonic()
            for late, (folder, deadline) in running.items():
                if late not in stopped and (now > deadline or now > out_of_time):
                    os.kill(late, signal.SIGKILL)
                    # A run past its own time is the suite's doing; one cut by the budget is not.
                    stopped[late] = "timed_out" if now > deadline else "out_of_time"
            continue
        folder, _ = running.pop(pid)
        status = {stopped.pop(pid): True} if pid in stopped else _status(wait_status)
        (folder / "status.json").write_text(json.dumps(status))
        if folder == first and status != {"exit": 0} or time.monotonic() > out_of_time:
            pending.clear()  # the correct version failed (the others would mean nothing), or time ran out


if __name__ == "__main__":
    run(json.loads(sys.argv[1]))
