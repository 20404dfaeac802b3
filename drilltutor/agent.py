"""The agent: the one process of a run that executes the learner's file.

It loads the file (as a script or as a module, with its output kept and its app started)
and then answers the judge's requests over a private link, as plain data (`protocol`):
reads of names, calls of the learner's functions, HTTP requests to the app (in process
through httpx.ASGITransport, or on a real uvicorn it serves on a free loopback port), the
printed output. It never holds the verdict channel, its address or its token: whatever
the learner's code does here can change only the answers the judge then checks.

The judge starts it as a fork of itself (where fork is safe), or as a fresh Python
(`python -m drilltutor.agent`) that reads the link's address from stdin.
"""

from __future__ import annotations

import itertools
import os
import queue
import socket
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from drilltutor import platform, protocol
from drilltutor.checking.trace import one_line, trimmed
from drilltutor.checking.workfactor import lower_bcrypt_cost
from drilltutor.learner import BcryptCounter, Tee, adopt, end_stdin, exit_words, load_learner, problem_for
from drilltutor.limits import TOO_LARGE, TOO_LARGE_FIX, Reserve, too_large
from drilltutor.protocol import AgentAddress, AgentJob, Handle, Hung, LearnerRaised

_REPR_LIMIT = 200


class Agent:
    """The learner's side of the link: one loaded file, and the objects handed out as handles."""

    def __init__(self, sock: socket.socket, job: AgentJob) -> None:
        self.sock, self.job = sock, job
        self.file = Path(job.file)
        self.namespace: dict[str, Any] = {}
        self.counter = BcryptCounter()
        self.tee = Tee(sys.stdout, job.output_cap)
        self._objects: dict[int, Any] = {}
        self._ids: dict[int, int] = {}  # id(obj) -> handle id, so one object is always one handle
        self._next = itertools.count(1)
        self._send_lock = threading.Lock()
        self._dispatch = threading.Lock()
        self._main: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._main_busy = False
        self._apps: dict[int, Any] = {}  # handle id -> InProcess
        self._servers: dict[int, Callable[[], None]] = {}
        self._clock: Any = None
        self.mounted: Any = None  # what agentkit.mount_dependency built
        self.reserve = Reserve()

    # Handles ----------------------------------------------------------------------------
    def handle_of(self, obj: Any) -> Handle:
        key = id(obj)
        if key not in self._ids:
            number = next(self._next)
            self._ids[key], self._objects[number] = number, obj
        try:
            text = repr(obj)[:_REPR_LIMIT]
        except Exception:  # a learner's __repr__ that raises still leaves the object usable
            text = f"<{type(obj).__name__} object>"
        return Handle(self._ids[key], type(obj).__name__, text, callable(obj), isinstance(obj, BaseException))

    def encode(self, value: Any) -> Any:
        return protocol.encode(value, self.handle_of)

    def decode(self, data: Any) -> Any:
        return protocol.decode(data, lambda h: self._objects[h.id])

    def obj(self, ref: Any) -> Any:
        """A request's target: a handle id, or a module-level name."""
        return self._objects[int(ref)] if isinstance(ref, int) else self.namespace[str(ref)]

    # The link ---------------------------------------------------------------------------
    def reply(self, number: int, **answer: Any) -> None:
        with self._send_lock:
            protocol.send(self.sock, {"id": number, **answer})

    def serve(self) -> None:
        """Answer requests until the judge goes. The main thread takes each request when it is
        free, as the checks' own thread did when they shared a process (signal handlers, a
        script's `__main__` block); a request that comes while it is busy gets a thread of its
        own, so two bcrypt calls at once cost one."""
        threading.Thread(target=self._read, name="drilltutor-agent-link", daemon=True).start()
        while True:
            self._answer(self._main.get())
            with self._dispatch:
                self._main_busy = False

    def _read(self) -> None:
        while True:
            try:
                message = protocol.receive(self.sock)
            except (protocol.LinkClosed, OSError, ValueError):
                os._exit(0)  # the judge is gone: nothing is left to answer
            except BaseException:  # no memory left to read with: the link lost its place, so end rather than leave the judge waiting
                os._exit(protocol.AGENT_OUT_OF_MEMORY)
            with self._dispatch:
                if not self._main_busy:
                    self._main_busy = True
                    self._main.put(message)
                    continue
            try:
                threading.Thread(target=self._answer, args=(message,), daemon=True).start()
            except RuntimeError:  # no room for another thread's stack (the learner's code used the memory up): the main thread takes it next
                self._main.put(message)

    def _answer(self, message: dict[str, Any]) -> None:
        number = int(message.get("id", 0))
        op = getattr(self, "op_" + str(message.get("op")), None)
        try:
            if op is None:
                raise ValueError(f"no such request: {message.get('op')!r}")
            answer = op(**message.get("args", {}))
        except _Hung as hung:
            answer = {"hung": asdict(hung.record)}
        except BaseException as exc:  # whatever the learner's code raised, or ended with, is an answer
            answer = {"raised": asdict(self.raised(exc))}
        try:
            self.reply(number, **answer)
        except (OSError, TypeError, ValueError, MemoryError) as exc:  # an answer that is no data: say so rather than never answer
            try:
                self.reply(number, raised=asdict(self.raised(exc)))
            except OSError:  # the judge is gone
                pass
            except BaseException:  # not even that could be sent: end rather than leave the judge waiting
                os._exit(protocol.AGENT_OUT_OF_MEMORY)

    def raised(self, exc: BaseException) -> LearnerRaised:
        if isinstance(exc, MemoryError):
            self.reserve.release()
            return LearnerRaised("memory", "MemoryError", "", "MemoryError", "")
        if too_large(exc):
            return LearnerRaised("file-size", type(exc).__name__, str(exc), one_line(exc), trimmed(exc, str(self.file)))
        kind = "exit" if isinstance(exc, (SystemExit, KeyboardInterrupt)) else "exception"
        words = exit_words(exc) if kind == "exit" else ""
        try:
            message = str(exc)
        except Exception:
            message = ""
        return LearnerRaised(kind, type(exc).__name__, message, one_line(exc), trimmed(exc, str(self.file)), words)

    # Loading ----------------------------------------------------------------------------
    def op_load(self) -> dict[str, Any]:
        """Run the learner's file once; then start its app, as a server would."""
        sys.argv = [str(self.file)]
        if self.job.bcrypt_cost:
            lower_bcrypt_cost(self.job.bcrypt_cost)
        if self.job.mode == "module":
            import drilltutor.checking.http  # noqa: F401  (httpx is bound before the learner's code can patch it)
        sys.stdout = self.tee
        try:
            self.namespace = load_learner(self.file, self.job.mode)
        except BaseException as exc:  # whatever the learner's file does, it becomes an answer
            if isinstance(exc, MemoryError):
                self.reserve.release()
            kind, message, detail = problem_for(exc, self.file, self.job.mode)
            if too_large(exc):
                kind, message = "file-size", f"{self.file.name} {TOO_LARGE} while {'running' if self.job.mode == 'script' else 'importing'}. {TOO_LARGE_FIX}"
            self.tee.flush()
            return {"problem": {"kind": kind, "message": message, "detail": detail}, "crash": self._crash(exc)}
        if self.job.mode == "module" and "app" in self.namespace:
            startup = self._start_app()
            if startup is not None:
                return {"problem": {"kind": "startup", "message": startup[0], "detail": startup[1]}}
        return {"loaded": True}

    def _crash(self, exc: BaseException) -> dict[str, Any]:
        import traceback

        target = os.path.realpath(self.file)
        lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) == target]
        try:
            message = str(exc)
        except Exception:
            message = ""
        return {
            "type_name": type(exc).__name__,
            "module": type(exc).__module__,
            "bases": [cls.__name__ for cls in type(exc).__mro__],
            "message": message,
            "lines": lines,
        }

    def _start_app(self) -> tuple[str, str] | None:
        from drilltutor.checking.http import AppHung

        try:
            self.session(None)
        except AppHung as exc:
            return f"Your app's startup got {exc.words()}; look for an endless loop or a blocking call in your lifespan or startup handler.", ""
        except BaseException as exc:  # SystemExit too: a startup that ends the program is the learner's problem
            return f"Your app's startup raised {one_line(exc)}", trimmed(exc, str(self.file))
        return None

    # Names and calls --------------------------------------------------------------------
    def op_output(self) -> dict[str, Any]:
        return {"value": self.tee.text()}

    def op_read(self, name: str) -> dict[str, Any]:
        if name not in self.namespace:
            return {"missing": True}
        return {"value": self.encode(self.namespace[name])}

    def op_values(self) -> dict[str, Any]:
        return {"value": self.encode(list(self.namespace.values()))}

    def op_getattr(self, target: Any, name: str) -> dict[str, Any]:
        return {"value": self.encode(getattr(self.obj(target), name))}

    def op_call(self, target: Any, args: Any, kwargs: Any) -> dict[str, Any]:
        func = self.obj(target)
        return {"value": self.encode(func(*self.decode(args), **self.decode(kwargs)))}

    def op_setitem(self, target: Any, key: Any, value: Any) -> dict[str, Any]:
        self.obj(target)[self.decode(key)] = self.decode(value)
        return {"value": None}

    def op_bcrypt_ops(self) -> dict[str, Any]:
        return {"value": self.counter.ops}

    # HTTP -------------------------------------------------------------------------------
    def session(self, app: int | None) -> Any:
        """The app (the learner's `app`, or a handle) called in process; its startup runs once."""
        from drilltutor.checking.http import InProcess

        key = 0 if app is None else int(app)
        if key not in self._apps:
            target = self.namespace["app"] if app is None else self._objects[key]
            session = InProcess(target, str(self.file), self.job.request_timeout)
            session.start()
            self._apps[key] = session
        return self._apps[key]

    def op_http(
        self, app: int | None, sent: str, method: str, path: str, headers: dict[str, str], json: Any, form: Any, kit: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        from drilltutor.checking.http import AppHung

        try:
            response = self.session(app).send(sent, method, path, headers, self.decode(json), form)
        except AppHung as exc:
            raise _Hung(Hung(exc.sent, exc.seconds, exc.cpu)) from None
        answer = asdict(response)
        if kit is not None:  # what the checks would ask next, asked in the same round trip
            answer["kit"] = self._kit(**kit)
        return {"value": self.encode(answer)}

    def op_serve(self, app: int | None) -> dict[str, Any]:
        """The app on a real uvicorn on a free loopback port; the judge connects to it."""
        from drilltutor.checking.http import AppHung, start_uvicorn

        try:
            port, stop = start_uvicorn(self.session(app).app, self.job.request_timeout)
        except AppHung as exc:
            raise _Hung(Hung(exc.sent, exc.seconds, exc.cpu)) from None
        self._servers[port] = stop
        return {"value": port}

    def op_unserve(self, port: int) -> dict[str, Any]:
        self._servers.pop(int(port), lambda: None)()
        return {"value": None}

    def op_close(self) -> dict[str, Any]:
        for session in self._apps.values():
            session.stop()
        return {"value": None}

    # State and time ---------------------------------------------------------------------
    def op_find_in_state(self, text: str) -> dict[str, Any]:
        from drilltutor.agentkit import find_in_state

        return {"value": find_in_state(self.namespace, text)}

    def op_clock(self, seconds: float | None) -> dict[str, Any]:
        """Move the clock of this process `seconds` ahead; None puts it back."""
        if self._clock is not None:
            self._clock.stop()
            self._clock = None
        if seconds is not None:
            import datetime

            import time_machine

            self._clock = time_machine.travel(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds), tick=True)
            self._clock.start()
        return {"value": None}

    def op_kit(self, name: str, args: Any) -> dict[str, Any]:
        """An agent-side kit helper: something a check must build in the learner's process."""
        return {"value": self.encode(self._kit(name, args))}

    def _kit(self, name: str, args: Any) -> Any:
        from drilltutor import agentkit

        return agentkit.HELPERS[name](self, *self.decode(args))


class _Hung(Exception):
    def __init__(self, record: Hung) -> None:
        super().__init__(record.sent)
        self.record = record


# Starting -------------------------------------------------------------------------------


def run(sock: socket.socket) -> None:
    """Take the job, limit this process, answer until the judge goes; never returns."""
    try:
        job = AgentJob(**protocol.receive(sock))
    except (protocol.LinkClosed, OSError, ValueError, TypeError):
        os._exit(0)
    adopt(job.env, job.cwd)
    enforced = platform.limit_memory(job.memory_limit) if job.memory_limit else True
    agent = Agent(sock, job)
    agent.reply(0, memory=enforced)
    agent.serve()


def become_forked(sock: socket.socket) -> None:
    """In a child the judge forked: drop every descriptor but the link and stdio (the verdict
    channel above all), give the learner's input() an ended stdin, then be the agent."""
    try:
        end_stdin()
        os.closerange(3, sock.fileno())
        os.closerange(sock.fileno() + 1, _max_fd())
        run(sock)
    except BaseException:  # noqa: S110  (nothing may fall back into the judge's code in this process)
        pass
    os._exit(70)


def _max_fd() -> int:
    try:
        return max(int(os.sysconf("SC_OPEN_MAX")), 256)
    except (ValueError, OSError, AttributeError):
        return 65536


def _connect() -> socket.socket:
    """The link's address is the one message on stdin; stdin then reads as ended, as input() must see it."""
    try:
        address = AgentAddress(**(protocol.read(sys.stdin.buffer) or {}))
    except (protocol.LinkClosed, TypeError):
        os._exit(0)
    end_stdin()
    sock = socket.create_connection(("127.0.0.1", address.port))
    protocol.send(sock, {"token": address.token})
    return sock


if __name__ == "__main__":
    if sys.argv[1:2] == ["--preload"]:
        from drilltutor.learner import preload

        preload(sys.argv[2:])
    run(_connect())
