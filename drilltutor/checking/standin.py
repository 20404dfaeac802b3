"""The suite's side of a served API (`drilltutor.checking.apiserver`): the names a learner's
tests import from the module under test, reaching the process where its code runs.

`app` is an ASGI app: a request from `TestClient(app)` or httpx's `ASGITransport(app=app)`
travels as data to the served app and its response comes back, and an exception the app
raised is raised here, as a client in the app's own process would raise it. Every other name
is a function whose arguments and result travel as plain data.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from drilltutor import platform, protocol
from drilltutor.checking.apiserver import SCOPE_KEYS, data_only


class RaisedInTheApp(Exception):
    """What the app under test raised, named as it was (its code runs in another process)."""


class _Link:
    def __init__(self, address: Any, key: str, names: tuple[str, ...]) -> None:
        self._sock = platform.local_connect(address)
        self._lock = threading.Lock()  # a client may send from more than one thread
        protocol.send(self._sock, {"key": key, "names": list(names)})
        said = protocol.receive(self._sock)
        if "raised" in said:
            raise ImportError(f"the API under test could not be loaded: {said['raised']}")

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            protocol.send(self._sock, request)
            return protocol.receive(self._sock)


def _raised(answer: dict[str, Any]) -> None:
    if "raised" in answer:
        raise RaisedInTheApp(answer["raised"])


def _asgi(link: _Link) -> Callable[..., Any]:
    async def app(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] == "lifespan":  # the served app starts with its process: nothing to start here
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            raise RaisedInTheApp(f"the API under test answers HTTP only, not {scope['type']}")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        answer = link.ask({"http": protocol.encode({**{key: scope[key] for key in SCOPE_KEYS if key in scope}, "body": body}, data_only)})
        response = protocol.decode(answer.get("response"), data_only) or {}
        if response.get("status") is not None:
            await send({"type": "http.response.start", "status": response["status"], "headers": response["headers"]})
            await send({"type": "http.response.body", "body": response["body"], "more_body": False})
        _raised(answer)

    return app


def _function(link: _Link, name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        answer = link.ask({"call": name, "args": protocol.encode(list(args), data_only), "kwargs": protocol.encode(kwargs, data_only)})
        _raised(answer)
        return protocol.decode(answer.get("value"), data_only)

    call.__name__ = name
    return call


def reach(address: Any, key: str, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The served API's `names`, in that order: `app` as an ASGI app, the others as functions."""
    link = _Link(address, key, names)
    return tuple(_asgi(link) if name == "app" else _function(link, name) for name in names)
