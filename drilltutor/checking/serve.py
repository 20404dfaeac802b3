"""The learner's app served from a new Python process, for checks about what survives a restart.

The parent side is `serve_process` (checks reach it through `ctx.serve_process`); the child
side is this module run as `python -m drilltutor.checking.serve SPEC`. The child imports the
learner's file as the harness does, runs its startup (uvicorn, lifespan on) on a socket it
binds itself, and tells the parent the port on the verdict channel (`drilltutor.channel`),
so nothing the learner prints can pose as a port. The child is in the run's process tree,
so the runner's stop of that tree takes it too; it also ends when the parent's end of the
channel closes. `serve_process` always stops it on the way out.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Iterator

from drilltutor import launcher, protocol
from drilltutor.channel import Inbox
from drilltutor.checking.spec import Failure
from drilltutor.protocol import ServeJob

_ERROR_WAIT = 0.5  # a 500 reaches the client before the child has reported the exception behind it


# Parent side ---------------------------------------------------------------------------
class _Child:
    """Reads the child's events; `ready` is set once it serves, stops, or reports a problem."""

    def __init__(self, inbox: Inbox, proc: subprocess.Popen[bytes]) -> None:
        self.ready = threading.Event()
        self.port: int | None = None
        self.problem: dict[str, str] | None = None
        self.errors: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, args=(inbox, proc), name="drilltutor-serve-events", daemon=True)
        self.reader.start()

    def _read(self, inbox: Inbox, proc: subprocess.Popen[bytes]) -> None:
        for event in inbox.events(alive=lambda: proc.poll() is None):
            kind = event.get("event")
            if kind == "ready" and isinstance(event.get("port"), int):
                self.port = event["port"]
                self.ready.set()
            elif kind == "problem":
                self.problem = {k: str(event.get(k, "")) for k in ("message", "detail")}
                self.ready.set()
            elif kind == "error":
                self.errors.put(str(event.get("detail", "")))
        self.ready.set()  # the child is gone


def _stop(proc: subprocess.Popen[bytes], grace: float) -> None:
    if proc.poll() is None:
        proc.terminate()  # uvicorn shuts down cleanly on SIGTERM, running the app's shutdown
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()


@contextmanager
def serve_process(
    learner_file: Path,
    *,
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    startup_timeout: float | None = None,
    label: str = "a new Python process",
    grace: float = 1.0,
) -> Iterator[Any]:
    """A `Client` for the learner's app served by a new process in `cwd` with `env`.

    A child that does not start within `startup_timeout` (default: `limits.backstop` of
    `timeout`), or that fails to import or start, is a `Failure`. The child is stopped on the
    way out: SIGTERM, then SIGKILL after `grace` seconds. Both limits are on the wall clock,
    as a request to another process can only be, so they are generous: a new Python that
    imports FastAPI takes several seconds on a loaded machine.
    """
    from drilltutor.checking.http import _SyncClient, Client
    from drilltutor.limits import backstop

    startup_timeout = backstop(timeout) if startup_timeout is None else startup_timeout
    timeout = backstop(timeout)
    where = f"{label} (working folder {cwd})"
    inbox = Inbox()
    try:
        # No group of its own: the child stays in the run's tree, stopped with it even if this process dies first.
        proc = launcher.python("drilltutor.checking.serve", cwd=cwd, env=launcher.findable(env), stdin=subprocess.PIPE)
        assert proc.stdin is not None
        with contextlib.suppress(OSError), proc.stdin:  # one that ended at once is reported below
            protocol.write(proc.stdin, asdict(ServeJob(str(learner_file), inbox.address())))
    except BaseException:
        inbox.close()
        raise
    child = _Child(inbox, proc)
    try:
        started = time.monotonic()
        child.ready.wait(startup_timeout)
        sent = f"started {learner_file.name} in {where}"
        if child.problem is not None:
            raise Failure(
                sent=sent,
                got=child.problem["message"],
                expected="the app to import and start in a fresh process too",
                fix="read the traceback below; a new process starts from nothing but your file, its environment and its working folder",
                detail=child.problem["detail"],
            )
        if child.port is None:
            ended = proc.poll()
            if ended is not None:
                got = f"the process ended (exit status {ended}) before it served a request"
                fix = "something in your file ends the program while it starts (sys.exit, os._exit, a signal); serve it by hand with uvicorn to see where"
            else:
                got = f"it was still starting after {time.monotonic() - started:.1f} s"
                fix = "look for a blocking call (time.sleep, input(), a lock or a database transaction never released) at the top level of your file or in its startup"
            raise Failure(sent=sent, got=got, expected=f"the app serving requests within {startup_timeout:g} s", fix=fix)
        with _SyncClient(base_url=f"http://127.0.0.1:{child.port}", timeout=timeout) as http:
            yield Client(_sender(http, child, f"{label}, port {child.port}", timeout), timeout)
    finally:
        _stop(proc, grace)
        inbox.close()
        child.reader.join(grace)


def _sender(http: Any, child: _Child, where: str, timeout: float) -> Callable[..., Any]:
    from drilltutor.checking.http import _TIMEOUT_ERRORS, AppHung, Response, _response, _sync_request
    from drilltutor.checking.trace import one_line

    import httpx

    def send(sent: str, method: str, path: str, headers: dict[str, str], json: Any, form: Any) -> Any:
        sent = f"{sent} (to {where})"
        while not child.errors.empty():  # an earlier request's report must not stick to this one
            child.errors.get_nowait()
        try:
            response = _response(sent, _sync_request(http, method, path, headers=headers, json=json, data=form))
        except _TIMEOUT_ERRORS:
            raise AppHung(sent, timeout) from None
        except httpx.HTTPError as exc:
            return Response(sent, 0, {}, f"no HTTP answer: {one_line(exc)}")
        if response.status == 500:
            try:
                response.error = child.errors.get(timeout=_ERROR_WAIT)
            except queue.Empty:
                pass
        return response

    return send


# Child side ----------------------------------------------------------------------------
def _reporting(app: Any, channel: Any, learner_file: str, startup_error: list[BaseException]) -> Callable[..., Any]:
    """The app, plus a report of any exception it raises: the parent only sees a bare 500."""
    from drilltutor.checking.trace import trimmed

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except Exception as exc:
            if scope.get("type") == "lifespan":
                startup_error.append(exc)
            else:
                channel.send("error", detail=trimmed(exc, learner_file))
            raise

    return asgi


def main(job: ServeJob) -> None:
    import socket

    import uvicorn

    from drilltutor.channel import Outbox
    from drilltutor.checking.trace import one_line, trimmed
    from drilltutor.learner import load_learner, problem_for

    channel = Outbox(job.channel)
    channel.on_close(lambda: os._exit(0))  # the run that started it is gone
    path = Path(job.file)
    sys.argv = [str(path)]
    # Bound before the learner's code runs, so nothing in it can take or fake the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    try:
        namespace = load_learner(path, "module")
    except BaseException as exc:  # whatever the learner's file does at import becomes a report
        _, message, detail = problem_for(exc, path, "module")
        channel.send("problem", message=message, detail=detail)
        os._exit(0)
    app = namespace.get("app")
    if app is None:
        channel.send("problem", message=f"{path.name} has no module-level `app` in a new process", detail="")
        os._exit(0)
    startup_error: list[BaseException] = []
    config = uvicorn.Config(
        _reporting(app, channel, str(path), startup_error),
        lifespan="on",
        log_config=None,
        log_level="critical",
        access_log=False,
    )
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.01)
        channel.send("ready", port=port)

    threading.Thread(target=announce, name="drilltutor-serve-announce", daemon=True).start()
    # In the main thread, so uvicorn's SIGTERM handler runs the app's shutdown before exiting.
    try:
        server.run(sockets=[sock])
    except SystemExit:  # uvicorn's own exit when the app's startup fails
        pass
    if not server.started:
        if startup_error:
            error = startup_error[0]
            channel.send("problem", message=f"Your app's startup raised {one_line(error)}", detail=trimmed(error, str(path)))
        else:
            channel.send("problem", message="Your app's startup failed in a new process", detail="")
    os._exit(0)  # the learner's threads or atexit hooks must not keep the process alive


if __name__ == "__main__":
    from drilltutor.learner import end_stdin

    served = protocol.read(sys.stdin.buffer)
    end_stdin()
    if served is not None:
        main(ServeJob(**served))
