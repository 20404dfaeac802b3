"""Judging a learner's own tests: their pytest suite, run against a correct module and broken copies.

A suite is good when it passes against the correct version and fails against every broken
one. `run_versions` writes each version into a folder of its own beside the learner's test
file and runs pytest there, in a process of its own (`suitedriver`), so nothing the tests do
reaches the check process. Results come from pytest's own reports, never from its output.

Nothing in how a run is started says which version it faces: every run gets the same pytest
arguments, and the driver gets its plans on stdin, not on its command line. The tests run in
processes forked from the driver, so what the driver knows they can read (its frames, its
memory): it knows only folders, never which version one holds nor which are correct; that is
known to this module alone, in the check process. Nor does the order say it: the correct
version runs among the first few, at a random place, beside broken ones.
"""

from __future__ import annotations

import os
import queue
import random
import subprocess
import tempfile
import threading
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from drilltutor import launcher, platform, protocol
from drilltutor.checking import replay
from drilltutor.checking.apiserver import ServedApis
from drilltutor.checking.suitedriver import REPORT, STATUS
from drilltutor.protocol import SuitePlan

PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "anyio.pytest_plugin", "--tb=short", "-c", "pytest.ini"]
# Exit codes of pytest (pytest.ExitCode), named here so the driver's result needs no pytest import.
EXIT_OK, EXIT_NO_TESTS = 0, 5
DETAIL_CAP = 2_000  # characters of the driver's own error kept
# The correct version runs among the first EARLY, at a random place: a broken version is always
# beside it there (only one other version is correct), so being run early says nothing.
EARLY = 4
_BCRYPT_ROUNDS = 4  # the tests' hashes, made in the suite's process and the served APIs': the lowest cost, for speed


@dataclass(frozen=True)
class TestResult:
    name: str  # the test's name in the file, e.g. "test_duplicate" or "test_x[admin]"
    outcome: str  # "passed", "failed" or "skipped"
    message: str  # why it failed, one line or a few: "assert 401 == 403"
    detail: str  # pytest's short traceback


@dataclass(frozen=True)
class SuiteRun:
    ran: bool  # False: not started (the correct version failed, or time ran out)
    error: str = ""  # when pytest could not be started at all: what the driver said
    tests: tuple[TestResult, ...] = ()
    collect_error: str = ""  # pytest's report when the test file could not be loaded
    timed_out: bool = False
    running: str = ""  # the test that had started and not finished when the run ended
    exit_code: int | None = None  # pytest's exit code, when it ended by itself
    signal: str = ""  # when the tests ended the process with a signal

    @property
    def failed(self) -> tuple[TestResult, ...]:
        return tuple(t for t in self.tests if t.outcome == "failed")

    @property
    def passed(self) -> bool:
        """pytest said so, and its reports agree: no test failed, none left unfinished."""
        return self.ran and self.exit_code == EXIT_OK and not self.running and not self.failed


def run_versions(
    tests: str,
    test_file: str,
    module: str,
    versions: dict[str, str],
    *,
    names: tuple[str, ...],
    preload: list[str],
    timeout: float,
    budget: float,
    workers: int = 2,
    correct: Collection[str] = (),
) -> dict[str, SuiteRun]:
    """Run `tests` (saved as `test_file`) against each version of `module` (its source), of
    which the tests may import `names`.

    The first version is correct. It runs among the first EARLY runs, at a random place, the
    others in a random order; when the suite does not pass against it, the versions not yet
    started are not run. Each run may take `timeout` seconds, all of them together `budget`.
    Every run stops at its first failing test (one is enough against a broken version), and is
    started exactly as every other, so that a suite cannot tell how it is run which version it
    faces. When the first version, or one named in `correct`, fails, that one runs again to its
    end, so that each failure can be shown; a verdict is never undone by the run again.
    Each version runs in a folder with a random name, made in a random order: neither says
    which version it holds. No version's code is in its folder, nor in the suite's process:
    the folder's `module` is a stand-in that reaches the version's code in a process of its
    own (`apiserver`), which the suite can send requests to but not read. A folder's stand-in
    is written just before its run.
    """
    order = random.sample(list(versions), len(versions))
    correct_one = next(iter(versions))
    early = random.sample([correct_one, *[label for label in order if label != correct_one][: EARLY - 1]], min(EARLY, len(versions)))
    later = [label for label in order if label not in early]
    with tempfile.TemporaryDirectory(prefix="drilltutor-suite-", dir=os.getcwd()) as base, open(Path(base) / "apis.txt", "wb") as log:
        made = {label: Path(tempfile.mkdtemp(prefix="", dir=base)) for label in order}
        for label in order:  # written in a random order too: no file's age or inode number says which came first
            (made[label] / test_file).write_text(tests, encoding="utf-8")
            (made[label] / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # nothing from the folders above
        first_failure = [*PYTEST_ARGS, test_file, "--maxfail=1"]  # the same for every version
        apis = ServedApis(versions, names, module, preload=preload, bcrypt_rounds=_BCRYPT_ROUNDS, log=log)
        try:
            with _Driver(Path(base) / "driver.txt") as driver:  # both start at once: each imports for a while

                def plan(labels: list[str], args: list[str], budget: float) -> str:
                    try:
                        for label in labels:
                            (made[label] / f"{module}.py").write_text(apis.stand_in(label), encoding="utf-8")
                    except RuntimeError as exc:
                        return f"{exc}\n{Path(log.name).read_text(encoding='utf-8', errors='replace')[-DETAIL_CAP:]}"
                    folders = [(str(made[label]), args) for label in labels]
                    label_of = {str(made[label]): label for label in labels}
                    return driver.plan(SuitePlan(folders, workers, timeout, budget, _BCRYPT_ROUNDS, preload), lambda folder, pid: apis.owner(label_of[folder], pid))

                started = time.monotonic()
                try:
                    apis.start()
                except RuntimeError:
                    pass  # said by the first plan, which cannot write a stand-in
                error = plan(early, first_failure, budget)
                left = budget - (time.monotonic() - started)
                if later and _read(made[correct_one], test_file, error).passed and left > 0:  # else the rest would mean nothing, or has no time
                    error = plan(later, first_failure, left)
                runs = {label: _read(made[label], test_file, error) for label in versions}
                shown = next((label for label in versions if (label == correct_one or label in correct) and runs[label].failed), None)
                if shown is not None:  # a correct version failed: run it again to its end, to show every failing test
                    for name in (REPORT, STATUS):
                        (made[shown] / name).unlink(missing_ok=True)
                    # Planned only now: the runs above were forked from a driver that did not know of it.
                    error = plan([shown], [*PYTEST_ARGS, test_file], timeout)
                    whole = _read(made[shown], test_file, error)
                    if whole.ran and not whole.passed:  # a suite that passes only when run again keeps the verdict of its first run
                        runs[shown] = whole
        finally:
            apis.close()
    for label, run in runs.items():  # what a replay compares: how each test ended on each version
        replay.record("suite", label, {"ran": run.ran, "tests": [(t.name, t.outcome) for t in run.tests], "timed_out": run.timed_out})
    return runs


class _Driver:
    """The driver process, given one plan at a time on stdin; it says so on stdout when a plan's
    runs have ended, and exits at the end of its stdin."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self._stderr = log.open("wb")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugins named: fast, and the same everywhere
        self.proc = launcher.python(
            "drilltutor.checking.suitedriver",  # the plan comes on stdin, not on a command line the tests can read
            apart=True,  # apart from drilltutor's own Ctrl-C
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self._said: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._listener = threading.Thread(target=self._listen, daemon=True)  # a thread: pipes cannot be selected on everywhere
        self._listener.start()

    def _listen(self) -> None:
        assert self.proc.stdout is not None
        try:
            while (said := protocol.read(self.proc.stdout)) is not None:
                self._said.put(said)
        except protocol.LinkClosed:  # not a message of the driver's
            pass
        self._said.put(None)  # the driver is gone

    def plan(self, plan: SuitePlan, started: Callable[[str, int], None]) -> str:
        """Have the driver run a plan, telling `started` each folder's process as it starts; what
        the driver wrote to stderr when it failed (an error of its own), else ""."""
        assert self.proc.stdin is not None
        deadline = time.monotonic() + plan.budget + 10  # the driver keeps to the budget itself, and stops what the tests left
        done = False
        try:
            protocol.write(self.proc.stdin, asdict(plan))
            while not done:
                said = self._said.get(timeout=max(deadline - time.monotonic(), 0))
                if said is None:
                    break  # the driver is gone
                if "started" in said:
                    started(str(said["started"]), int(said["pid"]))
                done = bool(said.get("done"))
        except (OSError, queue.Empty, RuntimeError, KeyError, ValueError):
            done = False
        if done:
            return ""
        self._stop()  # the backstop: the driver and everything below it
        return self.log.read_text(encoding="utf-8", errors="replace")[-DETAIL_CAP:]

    def _stop(self) -> None:
        if self.proc.poll() is None:
            platform.stop_tree(self.proc.pid)
        self.proc.wait()

    def __enter__(self) -> _Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()  # the driver's end: it exits
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            self._stop()
            self._listener.join(10)  # the driver's stdout has ended with it
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self._stderr.close()


def _learner_lines(report: str, folder: Path, test_file: str) -> str:
    """pytest's report of a file it could not load, cut to the learner's own lines: the
    frames in their test file and the error, without pytest's and importlib's frames."""
    kept, ours = [], False
    for line in report.replace(f"{folder}{os.sep}", "").splitlines():
        if not line.startswith(" "):
            ours = line.startswith((test_file, "E "))
        if ours:
            kept.append(line)
    return "\n".join(kept) or report


def _messages(path: Path) -> Iterator[dict[str, Any]]:
    """The messages of a file a folder's run left; those of a run stopped mid-write, up to where it stopped."""
    if not path.exists():
        return
    with path.open("rb") as stream:
        try:
            while (message := protocol.read(stream)) is not None:
                yield message
        except protocol.LinkClosed:  # not written by drilltutor's own driver: nothing more to read
            return


def _read(folder: Path, test_file: str, error: str) -> SuiteRun:
    status = next(_messages(folder / STATUS), {})
    if not status or status.get("out_of_time"):
        return SuiteRun(ran=False, error=error)
    tests: dict[str, TestResult] = {}
    collect_error, running = "", ""
    for event in _messages(folder / REPORT):
        if event["event"] == "start":
            running = event["test"]
        elif event["event"] == "collect-error":
            collect_error = _learner_lines(event["detail"], folder, test_file)
        elif event["event"] == "test":
            name = event["test"].split("::", 1)[-1]
            if name not in tests or tests[name].outcome == "passed":  # a failed teardown still fails the test
                tests[name] = TestResult(name, event["outcome"], event["message"], event["detail"])
        elif event["event"] == "finish":
            running = ""
    return SuiteRun(
        ran=True,
        tests=tuple(tests.values()),
        collect_error=collect_error,
        timed_out=bool(status.get("timed_out")),
        running=running.split("::", 1)[-1],
        exit_code=status.get("exit"),
        signal=status.get("signal", ""),
    )
