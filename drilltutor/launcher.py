"""Every Python process drilltutor starts of its own, started in one place.

A run's worker (the keeper, then the judge), the zygote, an agent where there is no fork,
a served app's child, the suite driver and its fresh-Python mode: each is a new Python
running one of drilltutor's modules (`python`), that must find this package whatever the
environment it is given says (`findable`), and whose environment starts from `base_env`.

`Ahead` is a run's worker started before the run is known: `drilltutor run` starts one as
its very first step, so the worker's Python starts and imports while the command line is
parsed and the catalogue read; the warm runner keeps one ready where it cannot fork
(`warm.Spare`). Such a worker takes on its run's environment and folder with its job
(`learner.adopt`).

This module is imported before anything else by `drilltutor run` (`drilltutor.entry`), so it
imports little: the runner only when a worker is handed a run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from drilltutor import platform

if TYPE_CHECKING:
    from drilltutor.results import RunReport
    from drilltutor.runner import Job

PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
# What an empty folder for a process started ahead of its run is called; nothing of the
# learner's is in it, so nothing shadows a library the process imports before its job.
AHEAD_PREFIX = "drilltutor-warm-"
LOCK_SUFFIX = ".lock"  # a folder's lock file sits beside it, not in it: a run's code works in the folder


def findable(env: dict[str, str]) -> dict[str, str]:
    """`env` with this package's folder first on PYTHONPATH, so `python -m drilltutor...` finds
    this copy of it, editable install or not."""
    paths = [path for path in env.get("PYTHONPATH", "").split(os.pathsep) if path and path != PACKAGE_ROOT]
    return {**env, "PYTHONPATH": os.pathsep.join([PACKAGE_ROOT, *paths])}


def base_env(mark: str = "") -> dict[str, str]:
    """The environment every process of a run starts from: the learner's, minus drilltutor's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRILLTUTOR_")}
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        PYTHONIOENCODING="utf-8",
        PYTHONUTF8="1",  # the learner's file, and what it opens, read as UTF-8 whatever the locale (cp1252 on Windows)
    )
    if mark:
        env[platform.RUN_MARK] = mark
    return findable(env)


def python(module: str, *args: str, apart: bool = False, **popen: Any) -> subprocess.Popen[bytes]:
    """A new Python running `python -m module args`; `apart`: in a process group of its own,
    out of reach of the terminal's Ctrl-C (drilltutor stops it itself)."""
    return subprocess.Popen([sys.executable, "-m", module, *args], **(platform.popen_group() if apart else {}), **popen)


def start_worker(env: dict[str, str], cwd: str, preload: Sequence[str] = (), run_as: platform.RunAs | None = None) -> subprocess.Popen[bytes]:
    """A run's top process, waiting on stdin for its job; with `preload`, it imports those first."""
    # Graded as root, the keeper stays root and drops its child, the harness, to `run_as`: the
    # learner's code can then neither signal what holds the run nor outlast it.
    account = ["--as", f"{run_as.uid}:{run_as.gid}"] if run_as is not None else []
    return python(
        platform.WORKER_MODULE,
        *account,
        *(["--preload", *preload] if preload else []),
        apart=True,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


class AheadFolder:
    """An empty working folder for a process started ahead of its run, locked while it lives
    (as a run's scratch folder is): a drilltutor killed outright cannot remove it, and a later
    run does (`runner.sweep_scratch`), once the lock is gone."""

    def __init__(self) -> None:
        from filelock import FileLock

        self.path = tempfile.mkdtemp(prefix=AHEAD_PREFIX)
        self._lock = FileLock(self.path + LOCK_SUFFIX)
        self._lock.acquire()

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.release()
        with contextlib.suppress(OSError):
            os.unlink(self._lock.lock_file)


class Ahead:
    """One run's worker, started now, before its run is known.

    It runs one job (`run`) and is then done; `close` stops it if no job came, and removes its
    folder. Its mark is in its environment from the start, so that whatever it starts is found
    by the run's stop, as with a cold run's.
    """

    def __init__(self, preload: Sequence[str] = ()) -> None:
        self.preload = tuple(preload)
        self.mark = os.urandom(8).hex()
        self.home = AheadFolder()
        try:
            self._worker: subprocess.Popen[bytes] | None = start_worker(base_env(self.mark), self.home.path, self.preload)
        except OSError:  # no process could start now: the run starts its own, and says why if it cannot either
            self._worker = None

    @property
    def pid(self) -> int | None:
        return None if self._worker is None else self._worker.pid

    def alive(self) -> bool:
        return self._worker is not None and self._worker.poll() is None

    def run(self, job: Job) -> RunReport:
        """Run `job` on the worker started ahead, or, should it have ended before the job came,
        on one started now in its place."""
        from drilltutor import runner

        worker, self._worker = self._worker, None
        if worker is None or worker.poll() is not None:
            worker = start_worker(base_env(self.mark), self.home.path, self.preload)
        return runner.run_job(worker, job, adopt=True, marks=(self.mark,))

    def close(self) -> None:
        if self._worker is not None:
            from drilltutor import runner

            runner.stop_run(self._worker, (self.mark,))
            if self._worker.stdout is not None:
                self._worker.stdout.close()
            self._worker = None
        self.home.remove()


_started: Ahead | None = None


@contextmanager
def started_ahead() -> Iterator[None]:
    """A worker for the run this command will ask for, started now (`started`), and stopped at
    the end should the run not have taken it."""
    global _started
    _started = Ahead()
    try:
        yield
    finally:
        _started.close()
        _started = None


def started() -> Ahead | None:
    """The worker this `drilltutor run` started as its first step, if it did."""
    return _started
