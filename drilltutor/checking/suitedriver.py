"""Runs one pytest suite in several folders, each holding its own version of the module under test.

Started by `drilltutor.checking.suite` as `python -m drilltutor.checking.suitedriver`, in a
process of its own (it runs the learner's tests). Its plans (`protocol.SuitePlan`) come on
stdin, one message at a time, never on its command line, which the tests can read; it names
on stdout the process of each folder's run as it starts it ({"started", "pid"}), and says when
a plan is done ({"done": true}). Where fork is safe (`platform.can_fork`, Linux)
it imports pytest and the app's libraries once, then forks one child per folder: ten runs cost
little more than one. Elsewhere each folder's pytest runs in a fresh Python
(`python -m drilltutor.checking.suitedriver --one`, given a `protocol.SuiteFolder`). Either way `workers` run at a time,
each is stopped after `timeout` seconds, and the whole plan after `budget`. The driver does not
know which folder holds which version, nor which one is correct: what it knows, the tests it
runs can read (they are forked from it), so `drilltutor.checking.suite` alone decides what each
plan holds.

Per folder it leaves REPORT (written by `Recorder` as pytest reports: which test started, how
each ended) and STATUS (how the run ended), both `protocol` messages.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Protocol

from drilltutor import launcher, platform, protocol
from drilltutor.checking.workfactor import lower_bcrypt_cost
from drilltutor.limits import FILE_SIZE_LIMIT  # a test that writes a file without end is stopped, the disk kept
from drilltutor.protocol import SuiteFolder, SuitePlan

DETAIL_CAP = 2_000  # characters of pytest's traceback kept per failed test
REPORT, STATUS = "report.frames", "status.frame"  # what a folder's run leaves in it


class Recorder:
    """A pytest plugin that writes what happened, one flushed message per event, so a child
    stopped mid-test still tells which test it was in."""

    def __init__(self, path: Path) -> None:
        self.out = open(path, "wb")  # noqa: SIM115  (open until the child ends)

    def _write(self, **event: Any) -> None:
        protocol.write(self.out, event)

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


def _pytest(folder: Path, args: list[str]) -> int:
    """Run pytest in `folder`, which may write no file larger than FILE_SIZE_LIMIT (where the OS
    can cap it). What it prints is not kept: the verdict comes from the Recorder."""
    platform.limit_file_size(FILE_SIZE_LIMIT)
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    import pytest

    return int(pytest.main(args, plugins=[Recorder(folder / REPORT)]))


def _forked_child(folder: Path, args: list[str]) -> None:
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os._exit(_pytest(folder, args))
    except BaseException:  # noqa: BLE001  (a child never returns into the driver's loop)
        os._exit(70)


class _Run(Protocol):
    """One folder's run, a forked child or a started process (subprocess.Popen fits)."""

    pid: int

    def poll(self) -> int | None: ...


class _Forked:
    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        return platform.family().poll_child(self.pid)


def _start(folder: Path, args: list[str], bcrypt_rounds: int) -> _Run:
    if platform.can_fork():
        pid = platform.family().fork()
        if pid == 0:
            _forked_child(folder, args)
        return _Forked(pid)
    quiet = subprocess.DEVNULL
    proc = launcher.python("drilltutor.checking.suitedriver", "--one", cwd=folder, stdin=subprocess.PIPE, stdout=quiet, stderr=quiet)
    assert proc.stdin is not None
    with contextlib.suppress(OSError), proc.stdin:  # one that ended at once has its status all the same
        protocol.write(proc.stdin, asdict(SuiteFolder(str(folder), args, bcrypt_rounds)))
    return proc


def _status(returncode: int) -> dict[str, Any]:
    name = platform.signal_name(returncode)
    return {"exit": returncode} if name is None else {"signal": name}


def _warm_up(preload: list[str], bcrypt_rounds: int) -> None:
    """Import once, before forking, what every child would import (fork's whole gain)."""
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112  (a library that is not installed: the child imports what it needs)
            continue
    import pytest  # noqa: F401  (imported once here, so each forked child starts with it)

    lower_bcrypt_cost(bcrypt_rounds)


def run(plan: SuitePlan, tell: Callable[[dict[str, Any]], None]) -> None:
    """Run `plan`; `tell` the judge each folder's process as soon as it has started (`started`, `pid`):
    only that process may use the folder's API."""
    platform.take_orphans()  # what a test leaves running comes here, to be stopped at the end
    if platform.can_fork():
        _warm_up(plan.preload, plan.bcrypt_rounds)
    folders = [(Path(path), args) for path, args in plan.folders]
    pending: list[tuple[Path, list[str]]] = list(folders)
    running: dict[_Run, tuple[Path, float]] = {}  # run -> (folder, deadline)
    stopped: dict[_Run, str] = {}  # run -> why it was stopped: "timed_out" or "out_of_time"
    out_of_time = time.monotonic() + plan.budget
    try:
        while pending or running:
            while pending and len(running) < plan.workers:
                folder, args = pending.pop(0)
                started = _start(folder, args, plan.bcrypt_rounds)
                tell({"started": str(folder), "pid": started.pid})
                running[started] = (folder, time.monotonic() + plan.timeout)
            ended = next(((one, code) for one in running if (code := one.poll()) is not None), None)
            if ended is None:
                time.sleep(0.01)
                now = time.monotonic()
                for late, (folder, deadline) in running.items():
                    if late not in stopped and (now > deadline or now > out_of_time):
                        platform.stop_tree(late.pid)
                        # A run past its own time is the suite's doing; one cut by the budget is not.
                        stopped[late] = "timed_out" if now > deadline else "out_of_time"
                continue
            done, returncode = ended
            folder, _ = running.pop(done)
            status = {stopped.pop(done): True} if done in stopped else _status(returncode)
            with open(folder / STATUS, "wb") as out:
                protocol.write(out, status)
            if time.monotonic() > out_of_time:
                pending.clear()  # time ran out
    finally:
        platform.stop_descendants()


def _one(job: SuiteFolder) -> int:
    """A fresh Python's run of one folder, where the driver cannot fork."""
    lower_bcrypt_cost(job.bcrypt_rounds)
    return _pytest(Path(job.folder), job.args)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one = protocol.read(sys.stdin.buffer)
        sys.exit(70 if one is None else _one(SuiteFolder(**one)))
    # What the driver knows (which process runs which folder) is not the tests' to read or to
    # forge: they are forked from it, but neither they nor what they start may open its memory or
    # its descriptors (its pipe to the judge above all).
    platform.keep_out_debuggers()
    while (plan := protocol.read(sys.stdin.buffer)) is not None:  # the next plan is sent only once this one is done
        run(SuitePlan.of(plan), lambda message: protocol.write(sys.stdout.buffer, message))
        protocol.write(sys.stdout.buffer, {"done": True})
