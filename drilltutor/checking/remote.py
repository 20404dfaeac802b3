"""The judge's end of the link to the agent: requests out, plain data back.

`Link` sends a request and waits for its answer; several may be out at once (each has an
id), so two learner calls made together run together in the agent. A learner object that
is no data comes back as a `Remote`: a proxy whose class bears the learner's type name, so a
message that says `type(value).__name__` reads as before, and whose attribute reads and
calls are requests. Nothing the agent sends is executed here.
"""

from __future__ import annotations

import functools
import itertools
import socket
import threading
from concurrent.futures import Future
from typing import Any, Iterator

from drilltutor import protocol
from drilltutor.protocol import Handle, Hung, LearnerRaised, Request


class AgentGone(BaseException):
    """The agent's process ended, or its link broke, while the judge waited on it.

    Not an Exception: no check's `except Exception` may take it for a learner error.
    """

    def __init__(self, garbled: bool = False) -> None:
        super().__init__("the learner's process " + ("wrote over the link" if garbled else "is gone"))
        self.garbled = garbled  # something in the learner's process wrote what is no message of ours


class LearnerError(Exception):
    """The learner's code raised while the agent served a request: its record, as data."""

    def __init__(self, record: LearnerRaised) -> None:
        super().__init__(record.line)
        self.record = record


class Link:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._ids = itertools.count(1)
        self._greeting: Future[dict[str, Any]] = Future()
        self._waiting: dict[int, Future[dict[str, Any]]] = {0: self._greeting}  # 0: the agent's first answer
        self._lock = threading.Lock()
        self._gone: AgentGone | None = None
        threading.Thread(target=self._read, name="drilltutor-link", daemon=True).start()

    def greeting(self) -> dict[str, Any]:
        """The agent's first answer, after it took its job."""
        return self.wait(self._greeting)

    def _read(self) -> None:
        gone = AgentGone()
        while True:
            try:
                message = protocol.receive(self.sock)
            except protocol.LinkGarbled:
                gone = AgentGone(garbled=True)
                break
            except (protocol.LinkClosed, OSError, ValueError):
                break
            with self._lock:
                future = self._waiting.pop(int(message.get("id", -1)), None) if isinstance(message.get("id"), int) else None
            if future is not None:
                future.set_result(message)
        with self._lock:
            self._gone = gone
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            future.set_exception(gone)

    @staticmethod
    def wait(future: Future[dict[str, Any]]) -> dict[str, Any]:
        try:
            return future.result()
        except AgentGone as gone:
            raise AgentGone(gone.garbled) from None

    def ask(self, op: str, **args: Any) -> dict[str, Any]:
        """The agent's whole answer to one request."""
        return self.wait(self.ask_later(op, **args))

    def ask_later(self, op: str, **args: Any) -> Future[dict[str, Any]]:
        """Send one request now; its answer comes in the future returned."""
        number = next(self._ids)
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            if self._gone is not None:
                raise AgentGone(self._gone.garbled)
            self._waiting[number] = future
        try:
            protocol.send(self.sock, Request(number, op, args).to_wire())
        except OSError:
            raise AgentGone() from None
        return future

    def value(self, op: str, **args: Any) -> Any:
        """The answer's value; the learner's exception as `LearnerError`, a hang as `AppHung`."""
        answer = self.ask(op, **args)
        if "raised" in answer:
            raise LearnerError(LearnerRaised(**answer["raised"]))
        if "hung" in answer:
            from drilltutor.checking.http import AppHung

            hung = Hung(**answer["hung"])
            raise AppHung(hung.sent, hung.seconds, cpu=hung.cpu)
        return self.decode(answer.get("value"))

    def decode(self, data: Any) -> Any:
        return protocol.decode(data, lambda handle: remote(self, handle))

    def send(self, data: dict[str, Any]) -> None:
        protocol.send(self.sock, data)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def encode(value: Any) -> Any:
    """The checks' arguments for a call in the agent: data, or a `Remote` handed back."""

    def handle_of(obj: Any) -> Handle:
        if isinstance(obj, Remote):
            return obj._handle
        raise TypeError(f"a {type(obj).__name__} cannot be sent to the learner's process; send data")

    return protocol.encode(value, handle_of)


class Remote:
    """A learner object that stays in the agent's process."""

    _link: Link
    _handle: Handle

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._link.value("getattr", target=self._handle.id, name=name)
        except LearnerError as exc:
            if exc.record.type == "AttributeError":
                raise AttributeError(exc.record.message) from None
            raise

    def __repr__(self) -> str:
        return self._handle.repr


class _RemoteCallable(Remote):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._link.value("call", target=self._handle.id, args=encode(args), kwargs=encode(kwargs))


@functools.lru_cache(maxsize=None)
def _proxy_class(type_name: str, is_callable: bool) -> type[Remote]:
    return type(type_name, (_RemoteCallable if is_callable else Remote,), {"__module__": "learner"})


def remote(link: Link, handle: Handle) -> Remote:
    proxy = object.__new__(_proxy_class(handle.type, handle.callable))
    object.__setattr__(proxy, "_link", link)
    object.__setattr__(proxy, "_handle", handle)
    return proxy


def is_exception(value: Any) -> bool:
    """Whether `value` (data or a Remote) is an exception object of the learner's process."""
    return isinstance(value, Remote) and value._handle.exception


class Namespace:
    """The learner's module-level names, read afresh from the agent on every access."""

    def __init__(self, link: Link) -> None:
        self._link = link

    def _read(self, name: str) -> tuple[bool, Any]:
        answer = self._link.ask("read", name=name)
        if answer.get("missing"):
            return False, None
        return True, self._link.decode(answer.get("value"))

    def __getitem__(self, name: str) -> Any:
        found, value = self._read(name)
        if not found:
            raise KeyError(name)
        return value

    def get(self, name: str, default: Any = None) -> Any:
        found, value = self._read(name)
        return value if found else default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._read(name)[0]

    def values(self) -> Iterator[Any]:
        return iter(self._link.value("values"))

