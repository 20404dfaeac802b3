"""Judging a learner's own tests: their pytest suite, run against a correct module and broken copies.

A suite is good when it passes against the correct version and fails against every broken
one. `run_versions` writes each version into a folder of its own beside the learner's test
file and runs pytest there, in a process of its own (`suitedriver`), so nothing the tests do
reaches the check process. Results come from pytest's own reports, never from its output.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from drilltutor import platform
from drilltutor.checking import replay

PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "anyio.pytest_plugin", "--tb=short", "-c", "pytest.ini"]
# Exit codes of pytest (pytest.ExitCode), named here so the driver's result needs no pytest import.
EXIT_OK, EXIT_NO_TESTS = 0, 5
DETAIL_CAP = 2_000  # characters of the driver's own error kept


@dataclass(frozen=True)
class TestResult:
    name: str  # the test's name in the file, e.g. "test_duplicate" or "test_x[admin]"
    outcome: str  # "passed", "failed" or "skipped"
    message: str  # why it failed, one line or a few: "assert 401 == 403"
    detail: str  # pytest's short traceback


@dataclass(frozen=True)
class SuiteRun:
    ran: bool  # False: not started (the correct version failed first, or time ran out)
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
    preload: list[str],
    timeout: float,
    budget: float,
    workers: int = 2,
    correct: Collection[str] = (),
) -> dict[str, SuiteRun]:
    """Run `tests` (saved as `test_file`) against each version of `module` (its source).

    The first version is correct: when the suite does not pass there, the others are not run.
    Each run may take `timeout` seconds, all of them together `budget`. Against a broken
    version a run stops at its first failing test (one is enough); against the first and the
    ones named in `correct`, every test runs, so that each failure can be shown.
    Each version runs in a folder with a random name, made in a random order: neither says
    which version it holds.
    """
    with tempfile.TemporaryDirectory(prefix="drilltutor-suite-", dir=os.getcwd()) as base:
        made = {label: Path(tempfile.mkdtemp(prefix="", dir=base)) for label in random.sample(list(versions), len(versions))}
        folders = []
        for index, (label, source) in enumerate(versions.items()):
            folder = made[label]
            (folder / f"{module}.py").write_text(source, encoding="utf-8")
            (folder / test_file).write_text(tests, encoding="utf-8")
            (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # nothing from the folders above
            args = [*PYTEST_ARGS, test_file] + ([] if index == 0 or label in correct else ["--maxfail=1"])
            folders.append((label, folder, args))
        spec = {
            "folders": [[str(folder), args] for _, folder, args in folders],
            "preload": preload,
            "bcrypt_rounds": 4,
            "timeout": timeout,
            "budget": budget,
            "workers": workers,
        }
        error = _drive(spec, budget, Path(base) / "driver.txt")
        runs = {label: _read(folder, test_file, error) for label, folder, _ in folders}
    for label, run in runs.items():  # what a replay compares: how each test ended on each version
        replay.record("suite", label, {"ran": run.ran, "tests": [(t.name, t.outcome) for t in run.tests], "timed_out": run.timed_out})
    return runs


def _drive(spec: dict[str, object], budget: float, log: Path) -> str:
    """Run the driver; what it wrote to stderr when it failed (an error of its own), else ""."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugins named: fast, and the same everywhere
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "drilltutor.checking.suitedriver", json.dumps(spec)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            **platform.popen_group(),  # apart from drilltutor's own Ctrl-C
        )
        try:
            proc.wait(budget + 10)  # the driver keeps to the budget itself, and stops what the tests left
        except subprocess.TimeoutExpired:
            pass
        finally:
            if proc.poll() is None:
                platform.stop_tree(proc.pid)  # the backstop: the driver and everything below it
            proc.wait()
    return log.read_text(encoding="utf-8", errors="replace")[-DETAIL_CAP:] if proc.returncode else ""


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


def _read(folder: Path, test_file: str, error: str) -> SuiteRun:
    status_file = folder / "status.json"
    status = json.loads(status_file.read_text(encoding="utf-8")) if status_file.exists() else {}
    if not status or status.get("out_of_time"):
        return SuiteRun(ran=False, error=error)
    tests: dict[str, TestResult] = {}
    collect_error, running = "", ""
    report = folder / "report.jsonl"
    for line in report.read_text(encoding="utf-8").splitlines() if report.exists() else ():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # the last line of a run stopped mid-write
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
