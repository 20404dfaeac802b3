"""The APIs a learner's tests meet, served from a process of their own.

The `tests` drill runs the learner's suite against versions of an API: correct ones and
broken copies. Were a version's code in the suite's folder, or in the suite's process, the
suite could read it (the file, its functions' constants) and recognise the version instead
of testing it. So the code lives in this process alone. The judge starts it (`ServedApis`);
it makes itself unreadable to other processes of its user (`platform.keep_out_debuggers`)
before it reads the versions' code from its stdin (`protocol.ServedVersions`), and it serves
them on a local socket.
Each suite's folder holds a stand-in module instead (`drilltutor.checking.standin`), the same
but for a random key, and what crosses the socket is data: an HTTP request and its response
(the app runs here, on ASGI, exactly as it would in the suite's process) and the arguments
and result of a call of one of the names the suite may import.

Each connection gets a fresh instance of the version its key names, a module of its own:
each run of a suite starts with the empty users and tasks a new process would have. A key
opens it once, and, where the OS names the process at the other end of a connection (Linux),
only for the process that runs that folder's suite, or one it started: the suite driver names
it once it has started it (`protocol.Owner`). A suite that reads another folder's stand-in and
uses its key is refused; that folder's run still gets its API.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import socket
import subprocess
import sys
import threading
import types
from dataclasses import asdict
from typing import Any, Iterator

from drilltutor import launcher, platform, protocol
from drilltutor.protocol import Owner, ServedVersions, Ticket

STAND_IN = '''"""The {module} under test. It runs in a process of its own; these names reach it."""

from drilltutor.checking.standin import reach

({names},) = reach({address!r}, "{key}", {names_tuple!r})
'''
OWNER_WAIT = 60.0  # seconds a key waits to learn its run's process (the driver names it at once) before it is refused
NOT_YOURS = "PermissionError: this key is another folder's run's; a suite may use only the API in its own folder"
SPENT = "PermissionError: this key opens nothing: it was used already, or is no key of this run"
# What of an HTTP request's ASGI scope travels; the rest (the app, its state, extensions) is this side's.
SCOPE_KEYS = ("http_version", "method", "scheme", "path", "raw_path", "query_string", "root_path", "headers", "client", "server")


def data_only(value: Any) -> Any:
    """What crosses to and from a served API is plain data: no object of either side."""
    raise TypeError(f"{getattr(value, 'type', type(value).__name__)} is no plain data (str, int, float, bool, None, bytes, a list, tuple or dict of them)")


class ServedApis:
    """The judge's side: the server started, handed `versions` (label -> source) once it has made
    itself unreadable, and a stand-in module for a label (`stand_in`), whose key opens one fresh
    instance of that version, once, and only for the process `owner` names (where the OS says
    which process connects)."""

    def __init__(self, versions: dict[str, str], names: tuple[str, ...], module: str, *, preload: list[str], bcrypt_rounds: int, log: Any) -> None:
        self.names, self.module = names, module
        self._ids = {label: secrets.token_hex(16) for label in versions}
        self._versions = {self._ids[label]: source for label, source in versions.items()}
        self._preload, self._bcrypt_rounds = preload, bcrypt_rounds
        self._home = launcher.AheadFolder()  # an empty folder: nothing in it shadows a library the server imports
        self.proc = launcher.python(
            "drilltutor.checking.apiserver",
            apart=True,  # apart from drilltutor's own Ctrl-C, as the suite driver is
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=self._home.path,
        )
        self.address: Any = None
        self._keys: dict[str, str] = {}  # label -> the key of its latest stand-in

    def start(self) -> None:
        """Hand the server its versions and learn its port: `RuntimeError` when it could not start."""
        if not self._said().get("ready"):
            raise RuntimeError("the process that serves the APIs could not start")
        self._say(asdict(ServedVersions(self._versions, self._preload, self._bcrypt_rounds)))
        self._versions = {}
        address = self._said().get("address")
        if not isinstance(address, (str, list)):
            raise RuntimeError("the process that serves the APIs could not load them")
        self.address = address if isinstance(address, str) else tuple(address)

    def stand_in(self, label: str) -> str:
        """The stand-in module's text for one run against `label`'s version."""
        key = self._keys[label] = secrets.token_hex(16)
        self._say(asdict(Ticket(key, self._ids[label])))
        if not self._said().get("ready"):
            raise RuntimeError("the process that serves the APIs has stopped")
        return STAND_IN.format(module=self.module, names=", ".join(self.names), names_tuple=self.names, address=self.address, key=key)

    def owner(self, label: str, pid: int) -> None:
        """The process that runs `label`'s folder: only it, or one it started, may use that folder's key.
        Returns once the server knows it."""
        self._say(asdict(Owner(self._keys[label], pid)))
        if not self._said().get("ready"):
            raise RuntimeError("the process that serves the APIs has stopped")

    def _say(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            protocol.write(self.proc.stdin, message)
        except OSError:
            raise RuntimeError("the process that serves the APIs has stopped") from None

    def _said(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        try:
            return protocol.read(self.proc.stdout) or {}
        except protocol.LinkClosed:
            return {}

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()  # its end of input: it exits
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                platform.stop_tree(self.proc.pid)
            self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self._home.remove()


# The server ---------------------------------------------------------------------------------


class _Instance:
    """One fresh module of a version's code."""

    _count: Iterator[int] = itertools.count()

    def __init__(self, source: str, names: list[str]) -> None:
        self.name = f"_served_api_{next(self._count)}"
        module = types.ModuleType(self.name)
        sys.modules[self.name] = module  # pydantic resolves a model's annotations through its module
        try:
            exec(compile(source, "api.py", "exec"), module.__dict__)  # noqa: S102  (drilltutor's own versions, never the learner's code)
            self.names = {name: getattr(module, name) for name in names}
        except BaseException:
            self.drop()
            raise

    def drop(self) -> None:
        sys.modules.pop(self.name, None)


async def _http(app: Any, scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    """Run one request through `app` as a client in the same process would (httpx's
    ASGITransport): the body at once, a disconnect once the response is complete."""
    answer: dict[str, Any] = {"status": None, "headers": []}
    chunks: list[bytes] = []
    complete = asyncio.Event()
    sent_request = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": body, "more_body": False}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                complete.set()

    raised = None
    try:
        await app(scope, receive, send)
    except Exception as exc:  # noqa: BLE001  (the suite's client raises it, as it would in process)
        raised = f"{type(exc).__name__}: {exc}"
    answer["body"] = b"".join(chunks)
    return {"response": protocol.encode(answer, data_only), **({"raised": raised} if raised else {})}


def _answer(instance: _Instance, request: dict[str, Any], loop: asyncio.AbstractEventLoop) -> dict[str, Any]:
    if "http" in request:
        sent = protocol.decode(request["http"], data_only)
        scope = {"type": "http", "asgi": {"version": "3.0"}, **{key: sent[key] for key in SCOPE_KEYS if key in sent}}
        return asyncio.run_coroutine_threadsafe(_http(instance.names.get("app"), scope, sent.get("body", b"")), loop).result()
    called = instance.names.get(str(request.get("call")))
    if not callable(called):
        return {"raised": f"AttributeError: no {request.get('call')!r} here"}
    try:
        args, kwargs = protocol.decode(request.get("args"), data_only), protocol.decode(request.get("kwargs"), data_only)
        return {"value": protocol.encode(called(*(args or ()), **(kwargs or {})), data_only)}
    except Exception as exc:  # noqa: BLE001  (raised again in the suite, as it would be in process)
        return {"raised": f"{type(exc).__name__}: {exc}"}


class _Tickets:
    """The keys the judge handed out: which version each opens, and, once the driver has named
    it, the process whose run it is for."""

    def __init__(self) -> None:
        self.versions: dict[str, str] = {}
        self.owners: dict[str, int] = {}
        self.changed = threading.Condition()

    def add(self, message: dict[str, Any]) -> None:
        with self.changed:
            if "version" in message:
                ticket = Ticket(**message)
                self.versions[ticket.key] = ticket.version
            else:
                owner = Owner(**message)
                self.owners[owner.key] = owner.pid
            self.changed.notify_all()

    def take(self, key: str, conn: socket.socket) -> str | None:
        """The version `key` opens, once, if the process at the other end of `conn` may use it
        (where the OS names it); else None, and the key stays for its own run.

        A caller whose key's run is not named yet waits for it (the driver names each run as it
        starts it, while the run imports), unless it is another named run already: a suite's
        run that takes a key of a folder whose run has not started is refused at once."""
        caller = platform.peer_pid(conn)
        with self.changed:
            if caller is not None:
                self.changed.wait_for(lambda: key in self.owners or key not in self.versions or self._runs_another(caller, key), OWNER_WAIT)
                owner = self.owners.get(key)
                if owner is None or not platform.is_below(caller, owner):
                    return None
            return self.versions.pop(key, None)

    def _runs_another(self, caller: int, key: str) -> bool:
        return any(platform.is_below(caller, owner) for other, owner in self.owners.items() if other != key)


def _connection(conn: socket.socket, tickets: _Tickets, versions: dict[str, str], loop: asyncio.AbstractEventLoop) -> None:
    instance: _Instance | None = None
    with conn:
        try:
            hello = protocol.receive(conn)
            key = str(hello.get("key"))
            version = tickets.take(key, conn)  # a ticket opens one instance, once, for its own run
            if version is None:
                protocol.send(conn, {"raised": NOT_YOURS if key in tickets.versions else SPENT})
                return
            try:
                instance = _Instance(versions[version], [str(name) for name in hello.get("names", [])])
            except Exception as exc:  # noqa: BLE001  (said to the stand-in, which raises it at import)
                protocol.send(conn, {"raised": f"{type(exc).__name__}: {exc}"})
                return
            protocol.send(conn, {"ok": True})
            while True:
                protocol.send(conn, _answer(instance, protocol.receive(conn), loop))
        except (protocol.LinkClosed, OSError, ValueError, TypeError):
            return
        finally:
            if instance is not None:
                instance.drop()


def main() -> None:
    platform.keep_out_debuggers()  # before any version's code is here
    said = os.fdopen(os.dup(1), "wb")  # the judge's; what a version prints goes to the log
    os.dup2(2, 1)
    protocol.write(said, {"ready": True})
    spec = protocol.read(sys.stdin.buffer)
    if spec is None:
        return
    served = ServedVersions(**spec)
    from drilltutor.checking.workfactor import lower_bcrypt_cost
    from drilltutor.learner import preload

    preload(served.preload)
    lower_bcrypt_cost(served.bcrypt_rounds)
    versions = served.versions
    tickets = _Tickets()
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    listener, address = platform.local_server()

    def accept() -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=_connection, args=(conn, tickets, versions, loop), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    protocol.write(said, {"address": address})
    while (message := protocol.read(sys.stdin.buffer)) is not None:  # until the judge closes its end: the run is over
        tickets.add(message)
        protocol.write(said, {"ready": True})  # known: a ticket's stand-in may be written, an owner's run may load
    os._exit(0)


if __name__ == "__main__":
    main()
