"""Runs a learner's file against a drill's hidden checks in a separate, limited process.

The runner is the only part of drilltutor that starts learner code. It never raises
because of what that code does: a crash, a hang, an exit or a flood of output all come
back as a `RunReport` with a clear problem or failed check.

A run is a *job* handed to a *worker*: a fresh `python -m drilltutor.platform.keeper`
process, the run's top process (on POSIX the keeper, whose forked child is the judge,
`drilltutor.harness`; on Windows the judge itself, held by a Job object). The judge runs the
checks and starts the agent that runs the learner's file (`drilltutor.agent`); verdicts come
from the judge alone. A cold run starts its worker and hands it the job at once;
`drilltutor run` starts it as the command's first step (`launcher.Ahead`), and the warm runner
keeps one ready or forks one from its zygote; those hand it the job when a run is asked
for, and it takes on the run's environment and folder. Either way the worker is used for one job only, and the run ends
with its whole process tree stopped (`drilltutor.platform`).

Limits are the run's, not one process's: the CPU time, memory and number of processes of
the whole tree (keeper, judge and agent), sampled while it runs, with a wall-clock backstop
several times the CPU limit for a run that sleeps.
"""

from __future__ import annotations

import ast
import collections
import contextlib
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Sequence

from drilltutor import datafile, platform, protocol
from drilltutor.catalogue import Catalogue, Drill
from drilltutor.channel import Inbox
from drilltutor.checking import replay
from drilltutor.errors import DrilltutorError
from drilltutor.launcher import AHEAD_PREFIX, LOCK_SUFFIX, Ahead, base_env, start_worker
from drilltutor.protocol import AGENT_OUT_OF_MEMORY, JudgeJob
from drilltutor.limits import PROCESS_LIMIT, backstop
from drilltutor.results import FAILED, SKIPPED, CheckResult, Problem, RunReport


MAX_FILE_BYTES = 1_000_000
SCRATCH_PREFIX = "drilltutor-run-"
STALE_AFTER = 600.0  # seconds; an unlocked scratch folder this old belongs to no live run


@dataclass(frozen=True)
class RunOptions:
    timeout: float = 10.0  # the whole run: seconds of CPU its processes use (the wall clock may run limits.backstop() of it)
    request_timeout: float = 5.0  # one HTTP request or app startup inside the run: seconds of the app process's CPU
    output_cap: int = 64_000  # bytes of learner output kept
    memory_limit: int = 2 * 1024**3  # the run's processes together (each one's address space too, where the OS limits it)
    process_limit: int = PROCESS_LIMIT  # processes of the run at once
    stop_at_failure: bool = False  # the checks after the first failed one are skipped (`dev mutants`: one failure kills)
    stop_once_failed: tuple[str, ...] = ()  # ... or those after all of these have failed (`dev check`: a mistake's checks)
    bcrypt_cost: int | None = None  # new bcrypt hashes at this cost (`dev check`, `dev mutants`); None: as the file asks
    run_as: platform.RunAs | None = None  # graded as root: the learner's code runs as this user (`drilltutor grade`)
    replay_seed: str | None = None  # `dev mutants`' replay: inputs drawn from this seed, and what the checks saw recorded


@dataclass
class _Events:
    """What the run's top process reported. Nothing here is trusted to say which checks exist."""

    titles: dict[str, str] = field(default_factory=dict)  # as the checks, once loaded, name them (a title may be computed)
    results: dict[str, CheckResult] = field(default_factory=dict)
    reports: collections.Counter[str] = field(default_factory=collections.Counter)  # times each check id reported
    phase: str = "start"
    current: str | None = None
    problem: Problem | None = None
    done: bool = False
    bcrypt_ops: int = 0
    agent_exit: int | None = None  # how the learner's process ended, when it ended before the checks did
    transcript: list[list[str]] = field(default_factory=list)  # a replay's record (RunOptions.replay_seed)
    memory_enforced: bool | None = None  # None until the top process says
    limits_known: threading.Event = field(default_factory=threading.Event)

    def take(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "limits":
            self.memory_enforced = bool(event.get("memory"))
            self.limits_known.set()
        elif kind == "plan":
            self.titles = {str(c["id"]): str(c["title"]) for c in event["checks"]}
        elif kind == "phase":
            self.phase = event["name"]
        elif kind == "check-start":
            self.current = event["id"]
        elif kind == "check":
            result = CheckResult.from_dict(event["result"])
            self.results[result.id] = result
            self.reports[result.id] += 1
            self.current = None
        elif kind == "problem":
            self.problem = Problem(event["kind"], event["message"], event.get("detail", ""))
        elif kind == "agent-ended":
            self.agent_exit = int(event["returncode"])
        elif kind == "transcript":
            self.transcript = [[str(part) for part in entry] for entry in event["entries"]]
        elif kind == "done":
            self.done, self.bcrypt_ops = True, int(event.get("bcrypt_ops", 0))


def declared_checks(paths: Sequence[str]) -> dict[str, str]:
    """Check id -> title, as the drill's checks files declare them with `@check("id", "title")`
    (a title computed at run time stands as its id here).

    Read from the files themselves (the syntax tree, nothing run), so the learner's process
    has no say in which checks a passing run must report. A later file's id replaces an
    earlier one's, as when the harness loads them.
    """
    declared: dict[str, str] = {}
    for path in paths:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"), path)
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for decorator in node.decorator_list:
                if not (isinstance(decorator, ast.Call) and _names_check(decorator.func) and len(decorator.args) >= 2):
                    continue
                check_id, title = decorator.args[0], decorator.args[1]
                if isinstance(check_id, ast.Constant) and isinstance(check_id.value, str):
                    declared[check_id.value] = title.value if isinstance(title, ast.Constant) and isinstance(title.value, str) else check_id.value
        declared.update(_declared_per_variant(tree, Path(path).parent))
    return declared


PER_VARIANT = "CHECK_PER_VARIANT"


def _declared_per_variant(tree: ast.Module, folder: Path) -> dict[str, str]:
    """The checks a file declares as one per variant of a TOML file, as data the runner can read:
    `CHECK_PER_VARIANT = {"file": "copies.toml", "table": "copy", "id": "catches-{name}", "title": "... {why}"}`.
    """
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == PER_VARIANT for t in node.targets):
            spec = ast.literal_eval(node.value)
            entries = datafile.read(folder / spec["file"]).get(spec["table"], [])
            return {spec["id"].format(**entry): spec["title"].format(**entry) for entry in entries}
    return {}


def _names_check(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "check") or (isinstance(func, ast.Attribute) and func.attr == "check")


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


def child_env(drill: Drill, secret: str, scratch: Path, mark: str = "", token: str | None = None) -> dict[str, str]:
    """The learner's environment: `base_env` plus a fresh SECRET_KEY and the drill's `[env]`.

    A drill's `[env]` values may use `{scratch}` (the run's own temporary folder) and
    `{token}` (a random word per run, so a learner cannot hard-code the value).
    """
    env = base_env(mark)
    token = token or secrets.token_hex(4)
    env.update({k: v.replace("{scratch}", str(scratch)).replace("{token}", token) for k, v in drill.env.items()})
    env["SECRET_KEY"] = secret
    return env


@contextlib.contextmanager
def scratch_folder() -> Iterator[str]:
    """The run's temporary working folder, locked while its run lives.

    A drilltutor killed outright (kill -9) cannot remove it; a later run does, once the lock is gone.
    """
    from filelock import FileLock

    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX) as folder:
        lock = FileLock(folder + LOCK_SUFFIX)
        try:
            with lock:
                yield folder
        finally:
            with contextlib.suppress(OSError):
                os.unlink(lock.lock_file)
    sweep_scratch()


def sweep_scratch(base: str | None = None) -> None:
    """Remove the folders killed runs left (scratch folders, and those of processes started ahead):
    old enough, ours, and with no live run holding their lock; and a lock whose folder is gone
    (a zygote removes its own empty folder when its parent was killed)."""
    from filelock import FileLock, Timeout

    try:
        entries = list(os.scandir(base or tempfile.gettempdir()))
    except OSError:
        return
    me = os.getuid() if hasattr(os, "getuid") else None
    for entry in entries:
        if not entry.name.startswith((SCRATCH_PREFIX, AHEAD_PREFIX)):
            continue
        is_lock = entry.name.endswith(LOCK_SUFFIX)
        folder = entry.path[: -len(LOCK_SUFFIX)] if is_lock else entry.path
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        kind_ok = stat.S_ISREG(info.st_mode) and not os.path.lexists(folder) if is_lock else stat.S_ISDIR(info.st_mode)
        if not kind_ok or (me is not None and info.st_uid != me) or time.time() - info.st_mtime < STALE_AFTER:
            continue
        lock = FileLock(folder + LOCK_SUFFIX)
        try:
            with lock.acquire(timeout=0):
                shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):
                os.unlink(lock.lock_file)
        except (Timeout, OSError):  # a live run holds it
            continue


def _read_events(inbox: Inbox, proc: subprocess.Popen[bytes], events: _Events, stop: Callable[[], None]) -> None:
    for event in inbox.events(alive=lambda: proc.poll() is None):
        try:
            events.take(event)
        except (ValueError, KeyError, TypeError):
            continue
        if events.done:  # the verdict is whole: what is left of the run is stopped now, not waited for
            stop()
    events.limits_known.set()


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


# What this system could not enforce is said once per drilltutor process (kinds said so far).
_SAID: set[str] = set()
MEMORY_NOT_LIMITED = (
    "This system does not let drilltutor limit a run's memory (RLIMIT_AS); it samples the run's memory "
    "instead and stops it above {limit}, so a sudden large allocation may briefly go beyond that."
)


def _say_once(what: str, note: str) -> list[str]:
    if what in _SAID:
        return []
    _SAID.add(what)
    return [note]


@dataclass(frozen=True)
class Job:
    """One run, as handed to a worker: everything but the process."""

    drill: Drill
    file: Path
    checks: tuple[str, ...]
    options: RunOptions
    scratch: str
    secret: str = field(default_factory=lambda: secrets.token_hex(32))
    mark: str = field(default_factory=lambda: secrets.token_hex(8))

    @classmethod
    def of(cls, catalogue: Catalogue, drill: Drill, file: Path, options: RunOptions, scratch: str) -> Job:
        checks = tuple(str(d.checks_path) for d in catalogue.chain(drill))
        if options.replay_seed:  # both runs of a replay get the same SECRET_KEY
            return cls(drill, file, checks, options, scratch, secret=replay.seeded(options.replay_seed, "secret", 32))
        return cls(drill, file, checks, options, scratch)

    def env(self) -> dict[str, str]:
        token = replay.seeded(self.options.replay_seed, "token", 4) if self.options.replay_seed else None
        return child_env(self.drill, self.secret, Path(self.scratch), self.mark, token)

    def spec(self, channel: dict[str, Any], *, adopt: bool) -> JudgeJob:
        """What the judge reads on stdin. `adopt`: a worker started ahead takes on the run's environment and folder."""
        return JudgeJob(
            file=str(self.file),
            mode=self.drill.mode,
            checks=list(self.checks),
            secret=self.secret,
            # under half the run, so a request that hangs is reported as such, and the run still ends in time
            request_timeout=min(self.options.request_timeout, self.options.timeout / 2),
            output_cap=self.options.output_cap,
            memory_limit=self.options.memory_limit,
            channel=channel,
            stop_at_failure=self.options.stop_at_failure,
            stop_once_failed=list(self.options.stop_once_failed),
            bcrypt_cost=self.options.bcrypt_cost,
            replay_seed=self.options.replay_seed,
            env=self.env() if adopt else None,
            cwd=self.scratch if adopt else None,
        )


def run_drill(catalogue: Catalogue, drill: Drill, file: Path, options: RunOptions = RunOptions(), ahead: Ahead | None = None) -> RunReport:
    """Run `drill`'s checks on `file`; `ahead`: a worker started before the run was asked for
    (not for a run as another user, which starts its own, dropped to that user)."""
    options = for_drill(drill, options)
    file = file.resolve()
    check_file(file)
    with scratch_folder() as scratch:
        platform.give_folder(scratch, options.run_as)  # the one folder a graded run's user may write
        job = Job.of(catalogue, drill, file, options, scratch)
        if ahead is not None and options.run_as is None:
            return ahead.run(job)
        return run_job(start_worker(job.env(), scratch, run_as=options.run_as), job, adopt=False)


def run_job(
    worker: Any, job: Job, *, adopt: bool, marks: Sequence[str] = (), stop_when_done: Callable[[], None] | None = None
) -> RunReport:
    """Hand `job` to `worker` (a Popen of `start_worker`, or one with its interface), watch it
    within the run's limits, stop its whole tree, and report. `marks`: more environment marks whose
    processes belong to this run; `stop_when_done`: how to stop the run once its verdict is whole,
    where less than a stop of its whole tree does (by default, that stop)."""
    marks = (job.mark, *marks)
    started = time.monotonic()
    inbox = Inbox()
    events = _Events()
    output: list[bytes] = []
    overflow: list[bool] = []
    readers = [
        threading.Thread(target=_read_events, args=(inbox, worker, events, stop_when_done or (lambda: platform.stop_tree(worker.pid))), daemon=True),
        threading.Thread(target=_read_capped, args=(worker.stdout, job.options.output_cap, output, overflow), daemon=True),
    ]
    holder = platform.hold(worker.pid)  # before the job: no learner code has run yet
    try:
        _hand_over(worker, job.spec(inbox.address(), adopt=adopt))
        for reader in readers:
            reader.start()
        declared = declared_checks(job.checks)  # read while the run runs (the worker has a core of its own), not after
        stopped = _watch(worker, job.options)
    except BaseException:  # Ctrl-C while waiting: the learner's processes still end with the run
        stop_run(worker, marks, holder)
        inbox.close()
        raise
    stop_run(worker, marks, holder)
    # The run's processes are gone, so the channel ends once what they sent is read: read it all
    # before closing, or a verdict still in the socket's buffer (a busy machine) would be lost.
    readers[0].join(timeout=_DRAIN)
    inbox.close()
    for reader in readers:
        reader.join(timeout=2)
    if not readers[1].is_alive():  # else a process that left the run (where the OS let it) holds the output: closing would wait on it
        worker.stdout.close()
    report = RunReport(drill=job.drill.id, file=str(job.file), duration=time.monotonic() - started)
    report.output = b"".join(output).decode("utf-8", "replace")
    report.output_truncated = bool(overflow and overflow[0])
    if events.memory_enforced is False:
        report.notices = _say_once("memory", MEMORY_NOT_LIMITED.format(limit=_size(job.options.memory_limit)))
    ended = Ending(stopped, worker.returncode if events.agent_exit is None else events.agent_exit, job.options)
    _assemble(report, events, job.drill, declared, ended)
    return report


def _hand_over(worker: subprocess.Popen[bytes], job: JudgeJob) -> None:
    """Write the job; stdin stays open until the run is stopped: its end tells the keeper the run is over."""
    assert worker.stdin is not None
    try:
        protocol.write(worker.stdin, asdict(job))
    except OSError:  # it already ended; how it ended is the verdict
        pass


@dataclass(frozen=True)
class Stopped:
    """Why the runner stopped a run before it ended by itself."""

    why: str  # "cpu", "wall", "memory" or "processes"
    seconds: float = 0.0  # of CPU ("cpu") or of the wall clock ("wall")
    cpu: float = 0.0  # seconds of CPU the run had used
    busy: bool = False  # at the backstop: it kept using CPU to the end (a loop on a loaded machine), not sleeping


def _watch(worker: Any, options: RunOptions) -> Stopped | None:
    """Wait for the worker to end, sampling its tree; stop it at the first limit it passes.

    The limits are the tree's: CPU time (a loaded machine only makes a run slower), memory
    summed over its processes, their number. The wall clock only ends a run that sleeps,
    at `limits.backstop` of its CPU limit.
    """
    started = time.monotonic()
    wall = backstop(options.timeout)
    family = platform.family()
    halfway: tuple[float, float] | None = None  # (wall, CPU) at half the backstop, to tell a loop from a sleep
    while True:
        left = wall - (time.monotonic() - started)
        if family.wait_exit(worker, min(_SAMPLE, max(left, 0))):
            return None
        usage = platform.tree_usage(worker.pid)
        now = time.monotonic() - started
        if halfway is None and now >= wall / 2:
            halfway = (now, usage.cpu)
        if usage.processes > options.process_limit:  # first: a fork bomb's copies also add up to much memory
            stopped = Stopped("processes")
        elif usage.cpu > options.timeout:
            stopped = Stopped("cpu", usage.cpu, usage.cpu)
        elif usage.memory > options.memory_limit:
            stopped = Stopped("memory")
        elif now >= wall:
            busy = halfway is not None and usage.cpu - halfway[1] >= _BUSY_SHARE * (now - halfway[0])
            stopped = Stopped("wall", wall, usage.cpu, busy)
        else:
            continue
        platform.stop_tree(worker.pid)
        return stopped


_DRAIN = 5.0  # seconds at most to read what an ended run sent; it ends at once unless a stray holds the socket
_SAMPLE = 0.25  # seconds between looks at the run's tree; a run that ends sooner is never looked at
# A run that sleeps uses next to no CPU (an idle server well under 1% of a core); a loop gets its
# share of a loaded machine (10% at load 18 on two cores). Between the two, far from both:
_BUSY_SHARE = 0.02


def _size(size: int) -> str:
    return f"{size / 1024**3:g} GiB" if size >= 1024**3 else f"{size / 1024**2:g} MiB"


def stop_run(worker: subprocess.Popen[bytes], marks: Sequence[str], holder: platform.Holder | None = None) -> None:
    """Stop the run's whole tree and reap its top process; then, on Linux, what carries its mark
    but left the tree while no subreaper could adopt it; then let go of what held the run (Windows:
    its Job object kills whatever is still in it)."""
    if worker.poll() is None:  # once it has ended, its children are no longer below it: it stopped them itself, or they went to a subreaper
        platform.stop_tree(worker.pid)
    worker.wait()
    platform.stop_marked(marks)
    if holder is not None:
        holder.close()
    if worker.stdin is not None and not worker.stdin.closed:
        try:
            worker.stdin.close()
        except OSError:
            pass


@dataclass(frozen=True)
class Ending:
    """How the top process ended, as the runner saw it (not as the process said)."""

    stopped: Stopped | None  # by the runner, at a limit
    returncode: int
    options: RunOptions


def _assemble(report: RunReport, events: _Events, drill: Drill, declared: dict[str, str], ending: Ending) -> None:
    report.bcrypt_ops = events.bcrypt_ops
    report.transcript = events.transcript
    report.problem = events.problem
    ended = None if events.done else _how_it_ended(ending)
    if ended is not None and events.phase in ("start", "load"):
        doing = "running" if drill.mode == "script" else "importing"
        fix = ended[2]
        if ended[0] == "timeout" and drill.mode == "module" and ending.stopped is not None and ending.stopped.why == "wall":
            fix += ' A server started at import also blocks: uvicorn.run(app) belongs under if __name__ == "__main__":.'
        report.problem = Problem(ended[0], f"{Path(report.file).name} {ended[1]} while {doing}. {fix}")
    for check_id, declared_title in declared.items():
        title = events.titles.get(check_id, declared_title)
        result = events.results.get(check_id)
        if result is None and report.problem is None:
            if ended is not None and check_id == events.current:
                result = CheckResult(check_id, title, FAILED, got=ended[1] + " during this check", fix=ended[2])
            else:
                reason = "the run ended before this check" if ended else "the check did not report"
                result = CheckResult(check_id, title, SKIPPED, got=f"not run: {reason}")
        if result is not None:
            result.hint = _hint_for(drill, result.id) if result.status == FAILED else None
            report.checks.append(result)
    if report.problem is None:
        report.problem = _not_whole(events, declared)
    if report.problem is not None:
        report.problem.hint = _hint_for(drill, f"problem:{report.problem.kind}")


def _not_whole(events: _Events, declared: dict[str, str]) -> Problem | None:
    """A verdict is whole when every declared check reported exactly once and nothing else did."""
    twice = sorted(check_id for check_id, times in events.reports.items() if times > 1)
    unknown = sorted(set(events.reports) - set(declared))
    if not (twice or unknown):
        return None
    said = [f"{', '.join(twice)} reported more than once" if twice else "", f"{', '.join(unknown)} is no check of this drill" if unknown else ""]
    return Problem(
        "incomplete",
        f"The checks' verdict is not whole: {'; '.join(s for s in said if s)}. Something in your file wrote to "
        "drilltutor's own channel; remove whatever writes to file descriptors or sockets it did not open.",
    )


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


_GROWS_WITHOUT_END = "Look for a list or string that grows without end."


def _how_it_ended(ending: Ending) -> tuple[str, str, str]:
    stopped = ending.stopped or Stopped("")
    # At the backstop, a run that kept using CPU was busy on a machine busier still: a loop, not a sleep.
    if stopped.why == "wall" and stopped.busy:
        return (
            "timeout",
            f"used {stopped.cpu:.1f} s of CPU in {stopped.seconds:g} s without finishing",
            "Look for an endless loop: it kept the CPU busy all along, on a machine busy with other work too.",
        )
    if stopped.why == "cpu":
        return (
            "timeout",
            f"used {ending.options.timeout:g} s of CPU without finishing",
            "Look for an endless loop; raise the limit with --timeout if your code really needs longer.",
        )
    if stopped.why == "wall":
        return (
            "timeout",
            f"waited {stopped.seconds:g} s without finishing",
            "Look for a blocking call: time.sleep(), input(), a lock, a server started, a socket read that never returns.",
        )
    if stopped.why == "memory":
        return (
            "memory",
            f"used more than {_size(ending.options.memory_limit)} of memory (all its processes together) and was stopped",
            _GROWS_WITHOUT_END,
        )
    if stopped.why == "processes":
        return (
            "processes",
            f"started too many processes (more than {ending.options.process_limit} at once) and was stopped",
            "A fork bomb? Look for a loop that starts processes (fork, subprocess.Popen).",
        )
    if ending.returncode == AGENT_OUT_OF_MEMORY:
        return ("memory", "ran out of memory while answering the checks", _GROWS_WITHOUT_END)
    name = platform.signal_name(ending.returncode)
    if name is not None:
        said = _SIGNALS.get(name, (f"was stopped by {name}", "Something in your code stopped the Python process with a signal; remove it."))
        return ("killed", *said)
    return ("exit", f"ended the Python process (exit status {ending.returncode})", "Remove os._exit() or similar calls from your file.")


def _hint_for(drill: Drill, key: str) -> int | None:
    """The first hint that names `key`: a check id, or `problem:<kind>` for a file that could not run."""
    for index, hint in enumerate(drill.hints, start=1):
        if key in hint.checks:
            return index
    return None
