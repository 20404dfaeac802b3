"""Runs a learner's file against a drill's hidden checks in a separate, limited process.

The runner is the only part of drilltutor that starts learner code. It never raises
because of what that code does: a crash, a hang, an exit or a flood of output all come
back as a `RunReport` with a clear problem or failed check.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

from drilltutor.catalogue import Catalogue, Drill
from drilltutor.errors import DrilltutorError
from drilltutor.results import FAILED, SKIPPED, CheckResult, Problem, RunReport

MAX_FILE_BYTES = 1_000_000
RUN_MARK = "DRILLTUTOR_RUN"  # in the environment of every process a run starts, to find the ones that escape
SCRATCH_PREFIX = "drilltutor-run-"
STALE_AFTER = 600.0  # seconds; an unlocked scratch folder this old belongs to no live run
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class RunOptions:
    timeout: float = 10.0  # the whole run, wall clock
    request_timeout: float = 5.0  # one HTTP request or app startup inside the run
    output_cap: int = 64_000  # bytes of learner output kept
    memory_limit: int = 2 * 1024**3  # address space of the learner's process
    stop_at_failure: bool = False  # the checks after the first failed one are skipped (`dev mutants`: one failure kills)
    stop_once_failed: tuple[str, ...] = ()  # ... or those after all of these have failed (`dev check`: a mistake's checks)


@dataclass
class _Events:
    plan: list[dict[str, str]] = field(default_factory=list)
    results: dict[str, CheckResult] = field(default_factory=dict)
    phase: str = "start"
    current: str | None = None
    problem: Problem | None = None
    done: bool = False
    bcrypt_ops: int = 0

    def take(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "plan":
            self.plan = event["checks"]
        elif kind == "phase":
            self.phase = event["name"]
        elif kind == "check-start":
            self.current = event["id"]
        elif kind == "check":
            result = CheckResult.from_dict(event["result"])
            self.results[result.id] = result
            self.current = None
        elif kind == "problem":
            self.problem = Problem(event["kind"], event["message"], event.get("detail", ""))
        elif kind == "done":
            self.done, self.bcrypt_ops = True, int(event.get("bcrypt_ops", 0))


def check_file(path: Path) -> None:
    """Refuse, as bad input, a path that cannot be a learner's drill file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DrilltutorError(f"There is no file at {path}.") from None
    except OSError as exc:
        raise DrilltutorError(f"{path} cannot be reached: {exc.strerror}.", hint="Check the permissions of the folders on the way to it.") from None
    if stat.S_ISDIR(info.st_mode):
        raise DrilltutorError(f"{path} is a folder, not a Python file.")
    if not stat.S_ISREG(info.st_mode):
        raise DrilltutorError(f"{path} is not a regular file (a device, pipe or socket); give the path of your .py file.")
    if info.st_size > MAX_FILE_BYTES:
        raise DrilltutorError(f"{path} is {info.st_size / 1e6:.1f} MB; a drill file is a few kilobytes. Is it the right file?")
    try:
        with open(path, "rb") as handle:
            head = handle.read(MAX_FILE_BYTES)
    except OSError as exc:  # what the learner's own rights allow is what counts, not os.access
        hint = f"Try: chmod u+r {path}" if isinstance(exc, PermissionError) else ""
        raise DrilltutorError(f"{path} cannot be read ({exc.strerror or exc}).", hint=hint) from None
    if b"\0" in head:
        raise DrilltutorError(f"{path} is a binary file, not Python source. Is it the right file?")


def child_env(drill: Drill, secret: str, scratch: Path, mark: str = "") -> dict[str, str]:
    """The learner's environment: theirs, minus drilltutor's own settings, plus a fresh SECRET_KEY.

    A drill's `[env]` values may use `{scratch}` (the run's own temporary folder) and
    `{token}` (a random word per run, so a learner cannot hard-code the value).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRILLTUTOR_")}
    token = secrets.token_hex(4)
    env.update({k: v.replace("{scratch}", str(scratch)).replace("{token}", token) for k, v in drill.env.items()})
    env.update(
        SECRET_KEY=secret,
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        PYTHONIOENCODING="utf-8",
        PYTHONPATH=os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p),
    )
    if mark:
        env[RUN_MARK] = mark
    return env


def _limit(memory_limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@contextlib.contextmanager
def scratch_folder() -> Iterator[str]:
    """The run's temporary working folder, locked while its run lives.

    A drilltutor killed outright (kill -9) cannot remove it; a later run does, once the lock is gone.
    """
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX) as folder:
        fd = os.open(folder, os.O_RDONLY)
        try:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            yield folder
        finally:
            os.close(fd)
    sweep_scratch()


def sweep_scratch(base: str | None = None) -> None:
    """Remove scratch folders left by killed runs: old enough, ours, and with no live run holding their lock."""
    try:
        entries = list(os.scandir(base or tempfile.gettempdir()))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(SCRATCH_PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or time.time() - info.st_mtime < STALE_AFTER:
                continue
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:  # a live run holds it
            pass
        finally:
            os.close(fd)


def _read_events(stream: BinaryIO, events: _Events) -> None:
    for line in stream:
        try:
            events.take(json.loads(line))
        except (ValueError, KeyError, TypeError):
            continue


def _read_capped(stream: BinaryIO, cap: int, sink: list[bytes], overflow: list[bool]) -> None:
    kept = 0
    while chunk := stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536):
        if kept < cap:
            sink.append(chunk[: cap - kept])
        kept += len(chunk)
    overflow.append(kept > cap)


def for_drill(drill: Drill, options: RunOptions) -> RunOptions:
    """A drill that needs longer than the run's limit (drill.toml `timeout`) gets that long."""
    return replace(options, timeout=max(options.timeout, drill.timeout or 0))


def run_drill(catalogue: Catalogue, drill: Drill, file: Path, options: RunOptions = RunOptions()) -> RunReport:
    options = for_drill(drill, options)
    file = file.resolve()
    check_file(file)
    started = time.monotonic()
    secret, mark = secrets.token_hex(32), secrets.token_hex(8)
    read_fd, write_fd = os.pipe()
    life_read, life_write = os.pipe()  # the child's lifeline: it ends when this process ends, however it ends
    with scratch_folder() as scratch:
        spec = {
            "file": str(file),
            "mode": drill.mode,
            "checks": [str(d.checks_path) for d in catalogue.chain(drill)],
            "secret": secret,
            # under half the run, so a request that hangs is reported as such, and the run still ends in time
            "request_timeout": min(options.request_timeout, options.timeout / 2),
            "output_cap": options.output_cap,
            "stop_at_failure": options.stop_at_failure,
            "stop_once_failed": list(options.stop_once_failed),
            "channel_fd": write_fd,
            "lifeline_fd": life_read,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "drilltutor.harness", json.dumps(spec)],
            cwd=scratch,
            env=child_env(drill, secret, Path(scratch), mark),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd, life_read),
            start_new_session=True,  # its own process group: everything it starts is stopped with it
            preexec_fn=lambda: _limit(options.memory_limit),
        )
        os.close(write_fd)
        os.close(life_read)
        events, output, overflow = _Events(), [], []
        readers = [
            threading.Thread(target=_read_events, args=(os.fdopen(read_fd, "rb"), events), daemon=True),
            threading.Thread(target=_read_capped, args=(proc.stdout, options.output_cap, output, overflow), daemon=True),
        ]
        try:
            for reader in readers:
                reader.start()
            timed_out = _wait(proc, options.timeout)
        except BaseException:  # Ctrl-C while waiting: the learner's processes still end with the run
            _killpg(proc)
            stop_strays((mark,))
            raise
        finally:
            os.close(life_write)
        stop_strays((mark,))
        for reader in readers:
            reader.join(timeout=2)
    report = RunReport(drill=drill.id, file=str(file), duration=time.monotonic() - started)
    report.output = b"".join(output).decode("utf-8", "replace")
    report.output_truncated = bool(overflow and overflow[0])
    _assemble(report, events, drill, timed_out, proc.returncode, options)
    return report


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    timed_out = not _ends_within(proc, timeout)
    _killpg(proc)
    return timed_out


def _ends_within(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Whether the process ends within `timeout` seconds (it is not reaped here).

    Popen.wait(timeout) polls with naps of up to 50 ms, which every run paid after its last
    check (25 ms on average); a pidfd (Linux 5.3+) wakes up the moment the process ends.
    """
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        return bool(select.select([pidfd], [], [], timeout)[0])
    finally:
        os.close(pidfd)


def _killpg(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # also whatever the learner's code started and left running
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def stop_strays(marks: Iterable[str], spare: int | None = None) -> None:
    """Stop what a run started outside its process group (a daemon that called setsid()).

    Linux only: such a process is found by one of `marks` in its environment (killpg cannot
    reach it). Elsewhere, the process group is all that is stopped. `spare` (the warm
    runner's zygote, which carries a mark too) and this process are left alone.
    """
    needles = {f"{RUN_MARK}={mark}".encode() for mark in marks}
    for _ in range(10):  # a stray may fork while it is being stopped
        try:
            pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
        except OSError:
            return
        found = False
        for pid in pids:
            if pid in (spare, os.getpid()):
                continue
            try:
                pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None  # no harm if the pid is reused
            except OSError:
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as handle:
                    if needles.isdisjoint(handle.read().split(b"\0")):
                        continue
                if pidfd is None:
                    os.kill(pid, signal.SIGKILL)
                else:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                found = True
            except OSError:
                continue
            finally:
                if pidfd is not None:
                    os.close(pidfd)
        if not found:
            return
        time.sleep(0.01)


def _assemble(report: RunReport, events: _Events, drill: Drill, timed_out: bool, returncode: int, options: RunOptions) -> None:
    report.bcrypt_ops = events.bcrypt_ops
    report.problem = events.problem
    ended = None if events.done else _how_it_ended(timed_out, returncode, options)
    if ended is not None and events.phase in ("start", "load"):
        doing = "running" if drill.mode == "script" else "importing"
        fix = ended[2]
        if ended[0] == "timeout" and drill.mode == "module":
            fix += ' A server started at import also blocks: uvicorn.run(app) belongs under if __name__ == "__main__":.'
        report.problem = Problem(ended[0], f"{Path(report.file).name} {ended[1]} while {doing}. {fix}")
    for planned in events.plan:
        result = events.results.get(planned["id"])
        if result is None and report.problem is None:
            if ended is not None and planned["id"] == events.current:
                result = CheckResult(planned["id"], planned["title"], FAILED, got=ended[1] + " during this check", fix=ended[2])
            else:
                reason = "the run ended before this check" if ended else "the check did not report"
                result = CheckResult(planned["id"], planned["title"], SKIPPED, got=f"not run: {reason}")
        if result is not None:
            result.hint = _hint_for(drill, result.id) if result.status == FAILED else None
            report.checks.append(result)
    if report.problem is not None:
        report.problem.hint = _hint_for(drill, f"problem:{report.problem.kind}")


_SIGNALS = {
    "SIGKILL": (
        "was stopped by SIGKILL",
        "Something killed the Python process: a call such as os.kill() in your code, or the system when memory ran out.",
    ),
    "SIGSEGV": (
        "crashed (segmentation fault, SIGSEGV)",
        "Python itself crashed: very deep recursion after sys.setrecursionlimit(), ctypes, or a broken C extension do this.",
    ),
    "SIGABRT": ("aborted (SIGABRT)", "Python aborted, often because memory ran out inside a C library; look for data that grows without end."),
}


def _how_it_ended(timed_out: bool, returncode: int, options: RunOptions) -> tuple[str, str, str]:
    if timed_out:
        return (
            "timeout",
            f"did not finish within {options.timeout:g} s",
            "Look for an endless loop, input(), or a blocking call; raise the limit with --timeout if your machine is slow.",
        )
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        said = _SIGNALS.get(name, (f"was stopped by {name}", "Something in your code stopped the Python process with a signal; remove it."))
        return ("killed", *said)
    return ("exit", f"ended the Python process (exit status {returncode})", "Remove os._exit() or similar calls from your file.")


def _hint_for(drill: Drill, key: str) -> int | None:
    """The first hint that names `key`: a check id, or `problem:<kind>` for a file that could not run."""
    for index, hint in enumerate(drill.hints, start=1):
        if key in hint.checks:
            return index
    return None
