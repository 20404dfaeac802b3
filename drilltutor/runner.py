"""Runs a learner's file against a drill's hidden checks in a separate, limited process.

The runner is the only part of drilltutor that starts learner code. It never raises
because of what that code does: a crash, a hang, an exit or a flood of output all come
back as a `RunReport` with a clear problem or failed check.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from drilltutor.catalogue import Catalogue, Drill
from drilltutor.errors import DrilltutorError
from drilltutor.results import FAILED, SKIPPED, CheckResult, Problem, RunReport

MAX_FILE_BYTES = 1_000_000
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class RunOptions:
    timeout: float = 10.0  # the whole run, wall clock
    request_timeout: float = 5.0  # one HTTP request or app startup inside the run
    output_cap: int = 64_000  # bytes of learner output kept
    memory_limit: int = 2 * 1024**3  # address space of the learner's process


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
    if not path.exists():
        raise DrilltutorError(f"There is no file at {path}.")
    if not path.is_file():
        raise DrilltutorError(f"{path} is a folder, not a Python file.")
    if not os.access(path, os.R_OK):
        raise DrilltutorError(f"{path} cannot be read (permission denied).", hint=f"Try: chmod u+r {path}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DrilltutorError(f"{path} is {size / 1e6:.1f} MB; a drill file is a few kilobytes. Is it the right file?")


def child_env(drill: Drill, secret: str, scratch: Path) -> dict[str, str]:
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
    return env


def _limit(memory_limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


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


def run_drill(catalogue: Catalogue, drill: Drill, file: Path, options: RunOptions = RunOptions()) -> RunReport:
    file = file.resolve()
    check_file(file)
    started = time.monotonic()
    secret = secrets.token_hex(32)
    read_fd, write_fd = os.pipe()
    with tempfile.TemporaryDirectory(prefix="drilltutor-run-") as scratch:
        spec = {
            "file": str(file),
            "mode": drill.mode,
            "checks": [str(d.checks_path) for d in catalogue.chain(drill)],
            "secret": secret,
            "request_timeout": min(options.request_timeout, options.timeout),
            "output_cap": options.output_cap,
            "channel_fd": write_fd,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "drilltutor.harness", json.dumps(spec)],
            cwd=scratch,
            env=child_env(drill, secret, Path(scratch)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            start_new_session=True,  # its own process group: everything it starts is stopped with it
            preexec_fn=lambda: _limit(options.memory_limit),
        )
        os.close(write_fd)
        events, output, overflow = _Events(), [], []
        readers = [
            threading.Thread(target=_read_events, args=(os.fdopen(read_fd, "rb"), events), daemon=True),
            threading.Thread(target=_read_capped, args=(proc.stdout, options.output_cap, output, overflow), daemon=True),
        ]
        for reader in readers:
            reader.start()
        timed_out = _wait(proc, options.timeout)
        for reader in readers:
            reader.join(timeout=2)
    report = RunReport(drill=drill.id, file=str(file), duration=time.monotonic() - started)
    report.output = b"".join(output).decode("utf-8", "replace")
    report.output_truncated = bool(overflow and overflow[0])
    _assemble(report, events, drill, timed_out, proc.returncode, options)
    return report


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    try:
        proc.wait(timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # also whatever the learner's code started and left running
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    return timed_out


def _assemble(report: RunReport, events: _Events, drill: Drill, timed_out: bool, returncode: int, options: RunOptions) -> None:
    report.bcrypt_ops = events.bcrypt_ops
    report.problem = events.problem
    ended = None if events.done else _how_it_ended(timed_out, returncode, options)
    if ended is not None and events.phase in ("start", "load"):
        doing = "running" if drill.mode == "script" else "importing"
        report.problem = Problem(ended[0], f"{Path(report.file).name} {ended[1]} while {doing}. {ended[2]}")
    for planned in events.plan:
        result = events.results.get(planned["id"])
        if result is None and report.problem is None:
            if ended is not None and planned["id"] == events.current:
                result = CheckResult(planned["id"], planned["title"], FAILED, got=ended[1] + " during this check", fix=ended[2])
            else:
                reason = "the run ended before this check" if ended else "the check did not report"
                result = CheckResult(planned["id"], planned["title"], SKIPPED, got=f"not run: {reason}")
        if result is not None:
            result.hint = _hint_for(drill, result)
            report.checks.append(result)


def _how_it_ended(timed_out: bool, returncode: int, options: RunOptions) -> tuple[str, str, str]:
    if timed_out:
        return (
            "timeout",
            f"did not finish within {options.timeout:g} s",
            "Look for an endless loop, input(), or a blocking call; raise the limit with --timeout if your machine is slow.",
        )
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return ("killed", f"was stopped by {name}", "Something in your code killed the Python process; remove it.")
    return ("exit", f"ended the Python process (exit status {returncode})", "Remove os._exit() or similar calls from your file.")


def _hint_for(drill: Drill, result: CheckResult) -> int | None:
    if result.status != FAILED:
        return None
    for index, hint in enumerate(drill.hints, start=1):
        if result.id in hint.checks:
            return index
    return None
