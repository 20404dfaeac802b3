"""A warm runner: the libraries imported before the run is asked for.

`drilltutor watch` re-runs the checks on every save. A cold run (`runner.run_drill`)
starts a new Python that imports FastAPI, httpx, pydantic and the JWT and hashing
libraries before the learner's file even loads: most of a run's time. `WarmRunner`
has that done ahead, in one of two ways, chosen by `drilltutor.platform.can_fork()`:

- `Zygote` (Linux): one long-lived process imports them once and forks a fresh worker
  from itself for each run. It never runs learner code itself, so it is also what holds
  its forks from outside the learner's reach, as the keeper does for a cold run: it is
  their child subreaper, and when drilltutor goes (its socket closes) it stops the worker
  and everything it adopted. A forked worker is the harness itself, with no keeper of its
  own: a fork stays as cheap as before.
- `Spare` (macOS, Windows: fork is unsafe or missing): a single-use worker started ahead
  (a keeper and its harness on macOS; the harness in a Job object on Windows), which
  imports them, waits for its one job, runs it and exits; the next one is started as soon
  as it is taken.

Either way the worker is a cold run's judge (`drilltutor.harness`'s `main`), handed its job
on stdin and watched by `runner.run_job`: the same channel, limits, lifeline, fresh
SECRET_KEY, environment and locked scratch folder, and the same stop of its whole process
tree. The judge starts the run's agent as a cold run does: forked from itself (so the
zygote's imports serve the learner's file too), or, with the spare worker, a fresh Python
started along with it, importing the same list ahead. A caller never has to care which: where neither can be used, a
run falls back to the cold runner.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Protocol, Sequence

from drilltutor import launcher, platform, protocol, runner
from drilltutor.catalogue import Catalogue, Drill
from drilltutor.checking.compiled import compile_ahead
from drilltutor.launcher import Ahead
from drilltutor.results import RunReport
from drilltutor.runner import Job, RunOptions

# What a warm process imports ahead: the libraries the drills' files and checks use, and the
# parts of them they would otherwise import lazily during a run (found by diffing
# sys.modules around a run of every drill's reference). Each is optional: one that is not
# installed is skipped. Importing is all that happens ahead: no learner code runs.
# A list of libraries, not of drills, so a new drill needs no edit here: one that uses these
# libraries is warm already, and one that brings another runs correctly all the same (the
# run imports it, as a cold run would); adding it is a speed-up to measure (bench/run.py).
# Not derived from the drills' import statements: those miss the lazily loaded parts, which
# are most of the gain, and would preload what one drill's checks want (pytest, SQLAlchemy)
# into every run.
PRELOAD: tuple[str, ...] = (
    "drilltutor.harness",
    "drilltutor.agent",
    "drilltutor.agentkit",
    "drilltutor.checking",
    "drilltutor.checking.http",  # httpx
    "bcrypt",
    "passlib.context",
    "passlib.handlers.bcrypt",
    "pwdlib",
    "jose.jwt",
    "cryptography.hazmat.backends.openssl",  # python-jose's backend, loaded on first use
    "jwt",
    "pydantic",
    "fastapi",
    "fastapi.security",
    "python_multipart",
    "anyio._backends._asyncio",  # starlette's event loop backend, loaded on the first request
    "uvicorn",
    "uvicorn.config",
    "uvicorn.server",
    "uvicorn.lifespan.off",
    "uvicorn.loops.asyncio",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto",
    "httpcore",  # the live-server checks' client
    "h11",
    "time_machine",  # the project family's checks move the app's clock (ctx.clock_ahead); it imports pytest
    "certifi",
    "encodings.idna",
)

_REPLY_TIMEOUT = 30.0  # how long a fork may take before the zygote counts as broken (it is milliseconds)


class ZygoteGone(Exception):
    """The warm process is not there (any more); the run falls back to the cold runner."""


class _NoAnswer(ZygoteGone):
    """The zygote said nothing within the time given."""


class _Backend(Protocol):
    @property
    def pid(self) -> int | None: ...

    def alive(self) -> bool: ...
    def ready(self) -> bool: ...
    def wait_ready(self, timeout: float) -> bool: ...
    def run(self, job: Job) -> RunReport: ...
    def close(self) -> None: ...


class WarmRunner:
    """`run_drill` with warm libraries. Call it exactly like `runner.run_drill`.

    >>> with WarmRunner() as run:          # the warm process starts importing now
    ...     report = run(catalogue, drill, file, options)

    Until a zygote has imported everything (about a second), a run goes to the cold runner
    instead of waiting, so the first verdict comes as fast as a cold run's; with
    `cold_until_ready=False` a run waits for it. Runs are one at a time (a lock);
    `close()` (or leaving the `with`) ends the warm process.
    """

    def __init__(self, preload: Sequence[str] = PRELOAD, cold_until_ready: bool = True) -> None:
        self.preload = tuple(preload)
        self.cold_until_ready = cold_until_ready
        self.warming_runs = 0  # runs that went cold because the zygote was still importing
        self.cold_runs = 0  # runs that fell back to the cold runner (the warm process was not usable)
        self._lock = threading.Lock()
        self._backend: _Backend | None = None

    def start(self) -> WarmRunner:
        """Start the warm process if it is not running; returns at once (it imports in the background)."""
        with self._lock:
            self._ensure()
        return self

    def close(self) -> None:
        with self._lock:
            self._drop()

    def __enter__(self) -> WarmRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until the warm process has imported its libraries; False if it did not in time (or is gone)."""
        with self._lock:
            try:
                return self._ensure().wait_ready(timeout)
            except ZygoteGone:
                self._drop()
                return False

    @property
    def pid(self) -> int | None:
        return None if self._backend is None else self._backend.pid

    def __call__(self, catalogue: Catalogue, drill: Drill, file: Path, options: RunOptions = RunOptions()) -> RunReport:
        options = runner.for_drill(drill, options)
        file = file.resolve()
        runner.check_file(file)  # bad input is the caller's error, exactly as with the cold runner
        if options.run_as is not None:  # a run as another user starts cold: a zygote forked from root's process would hand it root's descriptors
            return runner.run_drill(catalogue, drill, file, options)
        with self._lock:
            try:
                backend = self._ensure()
                if backend.ready() or not self.cold_until_ready:
                    with runner.scratch_folder() as scratch:
                        return backend.run(Job.of(catalogue, drill, file, options, scratch))
                self.warming_runs += 1
            except ZygoteGone:
                self._drop()
                self.cold_runs += 1
        return runner.run_drill(catalogue, drill, file, options)

    run = __call__

    def _ensure(self) -> _Backend:
        if self._backend is not None and not self._backend.alive():
            self._drop()  # it died (killed, say): a new one takes its place
        if self._backend is None:
            self._backend = (Zygote if platform.can_fork() else Spare)(self.preload)
        return self._backend

    def _drop(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None


# Elsewhere: a single-use worker started ahead ------------------------------------------


class Spare:
    """One worker always waiting, already importing (`launcher.Ahead`); each run takes it and starts the next."""

    def __init__(self, preload: Sequence[str]) -> None:
        self.preload = tuple(preload)
        self._next: Ahead | None = self._start()

    @property
    def pid(self) -> int | None:
        return None if self._next is None else self._next.pid

    def _start(self) -> Ahead:
        ahead = Ahead(self.preload)
        if ahead.pid is None:
            ahead.close()
            raise ZygoteGone("could not start a worker")
        return ahead

    def alive(self) -> bool:
        return True  # a worker that died is replaced at the next run

    def ready(self) -> bool:
        return True  # a worker still importing is still ahead of a cold start

    def wait_ready(self, timeout: float) -> bool:
        return self._next is not None and self._next.alive()

    def run(self, job: Job) -> RunReport:
        taken, self._next = self._next, None
        try:
            return (taken or self._start()).run(job)
        finally:
            if taken is not None:
                taken.close()
            self._next = self._start()

    def close(self) -> None:
        if self._next is not None:
            self._next.close()
            self._next = None


# Linux: a zygote that forks each run's worker --------------------------------------------

# The zygote speaks the run's one wire format (protocol.py); a worker's two pipes travel
# with the answer that names it.
_MAX_FDS = 2


def _recv(sock: socket.socket) -> tuple[dict[str, Any], list[int]]:
    try:
        return protocol.receive_with_fds(sock, _MAX_FDS)
    except protocol.LinkClosed:
        raise ZygoteGone("the connection closed") from None


class Zygote:
    """The runner's side of the zygote: start it, ask it for a worker, hear how the worker ended."""

    def __init__(self, preload: Sequence[str]) -> None:
        self._home = launcher.AheadFolder()
        self.mark = os.urandom(8).hex()  # in the zygote's environment, so in that of every bare fork of it
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._proc = launcher.python(
                "drilltutor.warm",
                str(theirs.fileno()),
                *preload,
                apart=True,  # Ctrl-C reaches the parent only; the parent ends the zygote
                cwd=self._home.path,
                env=launcher.base_env(self.mark),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
            )
        except OSError as exc:
            ours.close()
            self._home.remove()
            raise ZygoteGone(f"could not start: {exc}") from None
        finally:
            theirs.close()
        self._sock = ours
        self._ready = False

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def ready(self) -> bool:
        while not self._ready and select.select([self._sock], [], [], 0)[0]:  # before it is ready it says nothing else
            self._note(self._said(0))
        return self._ready

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        try:
            while not self._ready:
                self._note(self._said(deadline - time.monotonic()))
        except ZygoteGone:
            return False
        return True

    def _note(self, message: dict[str, Any]) -> dict[str, Any]:
        if message.get("ready"):
            self._ready = True
        return message

    def _said(self, timeout: float) -> dict[str, Any]:
        """The zygote's next message, within `timeout` seconds, without any descriptors it carried."""
        message, fds = self._take(timeout)
        for fd in fds:
            os.close(fd)
        return message

    def _take(self, timeout: float) -> tuple[dict[str, Any], list[int]]:
        if not select.select([self._sock], [], [], max(timeout, 0))[0]:
            raise _NoAnswer
        try:
            return _recv(self._sock)
        except (OSError, ValueError) as exc:
            raise ZygoteGone(str(exc)) from None

    def reply(self, key: str, timeout: float | None) -> Any:
        return self._reply(key, timeout)[0]

    def _reply(self, key: str, timeout: float | None) -> tuple[Any, list[int]]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            message, fds = self._take(86400.0 if deadline is None else deadline - time.monotonic())
            self._note(message)
            if key in message:
                return message[key], fds
            for fd in fds:
                os.close(fd)
            if not message.get("ready"):
                raise ZygoteGone(f"unexpected answer {message!r}")

    def run(self, job: Job) -> RunReport:
        # Only the run's own mark is swept: a bare fork of the learner's code carries the zygote's,
        # and the zygote, its subreaper, stopped it before saying how the worker ended (unless the
        # zygote went first: `ForkedWorker` sweeps its mark then). The next worker, forked ahead,
        # carries the zygote's mark too, and must be left alone.
        worker = self._fork(job.checks)
        return runner.run_job(worker, job, adopt=True, stop_when_done=worker.kill)

    def _fork(self, checks: Sequence[str]) -> ForkedWorker:
        try:
            protocol.send(self._sock, {"fork": True, "checks": list(checks)})
        except OSError:
            raise ZygoteGone("could not ask for a worker") from None
        pid, fds = self._reply("pid", _REPLY_TIMEOUT)
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise ZygoteGone("a worker came without its pipes")
        stdin, stdout = os.fdopen(fds[0], "wb"), os.fdopen(fds[1], "rb")
        try:
            return ForkedWorker(self, int(pid), stdin, stdout)
        except OSError:  # gone before it could be watched: the zygote is not to be trusted with the run
            stdin.close()
            stdout.close()
            raise ZygoteGone("the worker ended before its run") from None

    def close(self) -> None:
        self._sock.close()  # the zygote sees the end of its input, stops any worker, and exits
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            platform.stop_tree(self._proc.pid)
            self._proc.wait()
        self._home.remove()


class ForkedWorker:
    """A worker the zygote forked, with as much of Popen's interface as `runner.run_job` uses.

    Its exit status comes from the zygote, which is its parent and reaps it; a watch taken
    before the zygote can have reaped it tells when it has ended.
    """

    def __init__(self, zygote: Zygote, pid: int, stdin: Any, stdout: Any) -> None:
        self.zygote, self.pid, self.stdin, self.stdout = zygote, pid, stdin, stdout
        self.returncode: int | None = None
        self._lock = threading.Lock()
        self._watched = platform.family().watch(pid)  # only Linux forks workers

    def poll(self) -> int | None:
        if self.returncode is None and self._watched.ended():  # the zygote says how at once
            return self._ended(_REPLY_TIMEOUT)
        return self._ended(0)

    def wait(self, timeout: float | None = None) -> int:
        code = self._ended(timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0)
        return code

    def kill(self) -> None:
        """The worker alone: the zygote, their subreaper, stops what is below it once it has ended."""
        self._watched.kill()

    def _ended(self, timeout: float | None) -> int | None:
        with self._lock:
            if self.returncode is None:
                try:
                    self.returncode = int(self.zygote.reply("exit", timeout))
                except _NoAnswer:
                    return None
                except ZygoteGone:  # the worker must not outlive it, nor what it forked, no longer held by the zygote
                    platform.stop_tree(self.pid)
                    platform.stop_marked((self.zygote.mark,))
                    self.returncode = -9
                self._watched.close()
            return self.returncode


# The zygote itself --------------------------------------------------------------------


def _serve(sock: socket.socket) -> None:
    """Hand out one worker per request, forked ahead when the runner allows it; report its pid
    with the runner's ends of its pipes, then how it ended. End when the parent goes."""
    ahead: _Forked | None = _Forked.start()
    while True:
        try:
            request, fds = _recv(sock)
        except (ZygoteGone, OSError, ValueError):
            return
        for fd in fds:
            os.close(fd)
        if not request.get("fork"):
            continue
        worker = ahead if ahead is not None and ahead.waiting() else _Forked.start()
        ahead = None
        try:
            protocol.send(sock, {"pid": worker.pid}, worker.ends)
        except OSError:
            _end_worker(worker.pid)
            return
        finally:
            worker.let_go()
        # For the runs forked after this one; no learner code is compiled, only drilltutor's or an instructor's checks.
        compile_ahead(str(path) for path in request.get("checks", ()))
        status = _watch_worker(sock, worker.pid)
        if status is None:  # the parent is gone
            return
        try:
            protocol.send(sock, {"exit": status})
        except OSError:
            return
        ahead = _Forked.start()  # while the runner reports on the run that ended


class _Forked:
    """A worker forked and waiting for its job, with the runner's ends of its two pipes."""

    def __init__(self, pid: int, ends: tuple[int, int]) -> None:
        self.pid, self.ends = pid, ends

    @classmethod
    def start(cls) -> _Forked:
        in_read, in_write = os.pipe()
        out_read, out_write = os.pipe()
        pid = platform.family().fork()
        if pid == 0:
            _become_worker(in_read, out_write)  # never returns
        os.close(in_read)
        os.close(out_write)
        return cls(pid, (in_write, out_read))

    def waiting(self) -> bool:
        """Still there; one that ended (and is reaped now) is let go, with whatever it left."""
        if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
            return True
        platform.stop_descendants()
        _reap_orphans()
        self.let_go()
        return False

    def let_go(self) -> None:
        for fd in self.ends:
            os.close(fd)


def _watch_worker(sock: socket.socket, pid: int) -> int | None:
    """The worker's exit code (negative: killed by that signal), or None when the parent went away first."""
    family = platform.family()
    listening = True
    while not family.wait_child(pid, sock if listening else None):
        if not sock.recv(1, socket.MSG_PEEK):
            _end_worker(pid)
            return None
        listening = False  # a request while a worker runs: it waits its turn
    # What the worker left is the zygote's now (it is their subreaper): none of it outlives the run.
    platform.stop_descendants()
    _, status = os.waitpid(pid, 0)
    _reap_orphans()
    return os.waitstatus_to_exitcode(status)


def _reap_orphans() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _end_worker(pid: int) -> None:
    platform.stop_tree(pid)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _become_worker(stdin: int, output: int) -> None:
    """In the forked child: become what a cold run's harness is, waiting for its job."""
    try:
        family = platform.family()
        family.become_session_leader()
        os.dup2(stdin, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.closerange(3, _max_fd())  # the zygote's socket and everything else
        sys.dont_write_bytecode = True
        import io

        sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")  # type: ignore[misc]
        sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", write_through=True)  # type: ignore[misc]
        sys.stderr = sys.__stderr__ = io.TextIOWrapper(  # type: ignore[misc]
            io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True
        )
        from drilltutor import harness

        ahead = harness.agent_ahead([])
        harness.main(harness._job(), ahead)  # ends the process itself
    except BaseException:  # noqa: BLE001, S110  (whatever went wrong, the exit code below says the zygote child failed)
        pass
    os._exit(70)


def _max_fd() -> int:
    try:
        return max(int(os.sysconf("SC_OPEN_MAX")), 256)
    except (ValueError, OSError):
        return 65536


def _warm_up() -> None:
    """One request through an app of drilltutor's own, before any fork: what FastAPI, Starlette,
    pydantic and httpx build on their first request (routes' models, validators, the event loop's
    parts) is then built once, here, and not again in every run. Async routes only, so that no
    thread is left running when the zygote forks."""
    import asyncio

    import httpx
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.security import OAuth2PasswordBearer

    app = FastAPI()
    scheme = OAuth2PasswordBearer(tokenUrl="token")

    async def who(token: str = Depends(scheme)) -> str:
        raise HTTPException(status_code=401, detail="no", headers={"WWW-Authenticate": "Bearer"})

    @app.get("/me")
    async def me(name: str = Depends(who)) -> str:
        return name

    async def ask() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://warm-up") as client:
            await client.get("/me", headers={"Authorization": "Bearer x"})

    asyncio.run(ask())


def main(argv: list[str]) -> None:
    family = platform.family()
    family.ignore_interrupts()  # the parent decides when this ends
    platform.take_orphans()  # what a worker leaves behind comes here, to be stopped
    sock = socket.socket(fileno=int(argv[0]))
    from drilltutor.learner import preload

    preload(argv[1:])
    with contextlib.suppress(Exception):  # a library missing or changed: the runs warm up themselves
        _warm_up()
    try:
        protocol.send(sock, {"ready": True})
    except OSError:
        os._exit(0)
    _serve(sock)
    platform.stop_descendants()
    try:
        os.rmdir(os.getcwd())  # the empty folder it was started in, should the parent not remove it
    except OSError:
        pass
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
