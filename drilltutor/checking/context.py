"""`Ctx`: everything a check may use: the learner's names and output, tokens, HTTP clients."""

from __future__ import annotations

import contextlib
import time
import types
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from drilltutor.checking import jwtcodec
from drilltutor.checking.names import did_you_mean  # not lazily: an import inside a check thread can deadlock on the import lock
from drilltutor.checking.spec import Failure
from drilltutor.checking.trace import one_line, trimmed

if TYPE_CHECKING:
    from drilltutor.checking.http import Client, InProcess

_MISSING = object()
# The walk of the learner's state stops here: deep enough for users[name]["password"] inside
# an object inside a list, bounded so a large app object cannot make a check slow.
_STATE_DEPTH = 8
_STATE_NODES = 20_000
# Code, not state: a password in a default argument or a class attribute would be code the
# learner wrote, and walking modules would walk the libraries.
_NOT_STATE = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)


def _is_ours(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "drilltutor"


def _children(value: Any) -> list[tuple[str, Any]]:
    """(path suffix, child) for each value directly held by `value`."""
    if isinstance(value, dict):
        found: list[tuple[str, Any]] = []
        for key, item in list(value.items()):
            found.append((f"[{key!r}] (a key)", key))
            found.append((f"[{key!r}]", item))
        return found
    if isinstance(value, (list, tuple)):
        return [(f"[{i}]", item) for i, item in enumerate(list(value))]
    if isinstance(value, (set, frozenset)):
        return [("{...}", item) for item in list(value)]
    fields: dict[str, Any] = {}
    with contextlib.suppress(Exception):  # an object whose attribute access raises holds nothing we can read
        fields.update(vars(value))
    for cls in type(value).__mro__:
        slots = getattr(cls, "__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if not slot.startswith("__"):  # __dict__ (read above), pydantic's own bookkeeping
                with contextlib.suppress(Exception):
                    fields.setdefault(slot, getattr(value, slot))
    extra = getattr(value, "__pydantic_extra__", None)  # a pydantic model's fields beyond those declared
    if isinstance(extra, dict):
        fields.update(extra)
    return [(f".{name}", item) for name, item in fields.items()]


class Ctx:
    def __init__(
        self,
        *,
        file: Path,
        namespace: dict[str, Any],
        output: str,
        secret: str,
        request_timeout: float,
        env: dict[str, str],
        source: str | None = None,  # the file as it was run (the learner's code may delete or change it)
    ) -> None:
        self.file = file
        self.source = file.read_text(encoding="utf-8", errors="replace") if source is None else source
        self.namespace = namespace
        self.output = output
        self.secret = secret
        self.request_timeout = request_timeout
        self.env = env
        self.jwt = jwtcodec
        self.state: dict[str, Any] = {}  # shared between the checks of one run, e.g. tokens from a login
        self._apps: dict[int, InProcess] = {}

    # The learner's names -------------------------------------------------------------
    def name(self, name: str, what: str) -> Any:
        """A module-level name of the learner's file, or a failure saying it is missing."""
        value = self.namespace.get(name, _MISSING)
        if value is _MISSING:
            near = did_you_mean(name, self.source)
            raise Failure(
                sent=f"looked for `{name}` in {self.file.name}",
                got="no such module-level name" + (f"; your file defines `{near}`: did you mean it?" if near else ""),
                expected=what,
                fix=f"rename `{near}` to `{name}`: the checks read that name" if near else f"define `{name}` at the top level of the file (not inside a function or the __main__ block)",
            )
        return value

    def call(self, description: str, func: Callable[..., Any], *args: Any, fix: str = "") -> Any:
        """Call the learner's code; if it raises, fail with their traceback."""
        try:
            return func(*args)
        except Exception as exc:
            raise Failure(
                sent=description,
                got=f"it raised {one_line(exc)}",
                expected="an answer, not an exception",
                fix=fix or "read the traceback below; the last line of your file in it is where it broke",
                detail=trimmed(exc, str(self.file)),
            ) from None

    def parallel(self, *calls: tuple[str, Callable[..., Any], tuple[Any, ...]]) -> list[Any]:
        """Several learner calls at once; bcrypt releases the GIL, so two hashes cost one."""
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            futures = [pool.submit(self.call, description, func, *args) for description, func, args in calls]
            return [future.result() for future in futures]

    # The learner's process ------------------------------------------------------------
    def find_in_state(self, text: str) -> list[str]:
        """Where `text` occurs in the learner's module state, as readable paths
        (`users['ada']['password']`): every container and object reachable from the module's
        globals, walked breadth-first, bounded in depth and nodes, each object once."""
        places: list[str] = []
        seen: set[int] = set()
        todo: deque[tuple[str, Any, int]] = deque((name, value, 0) for name, value in self.namespace.items() if not name.startswith("__"))
        nodes = 0
        while todo and nodes < _STATE_NODES:
            path, value, depth = todo.popleft()
            nodes += 1
            if isinstance(value, str):
                if text in value:
                    places.append(path)
                continue
            if isinstance(value, (bytes, bytearray)):
                if text.encode() in value:
                    places.append(path)
                continue
            if value is None or isinstance(value, (int, float, complex, bool)) or isinstance(value, _NOT_STATE) or _is_ours(value):
                continue
            if id(value) in seen or depth >= _STATE_DEPTH:
                continue
            seen.add(id(value))
            todo.extend((path + suffix, child, depth + 1) for suffix, child in _children(value))
        return places

    @contextlib.contextmanager
    def clock_ahead(self, seconds: float) -> Iterator[None]:
        """The clock of the learner's process moved `seconds` ahead (time.time, datetime.now,
        ...: PyJWT and python-jose both read it), and back afterwards. The checks run in that
        process today, so a check mints and decodes nothing of its own inside the block."""
        import time_machine

        with time_machine.travel(time.time() + seconds, tick=True):
            yield

    # Tokens ------------------------------------------------------------------------
    def token(self, sub: str | None = "sam@uae.dev", *, minutes: float = 30, key: str | None = None, alg: str = "HS256", **claims: Any) -> str:
        return jwtcodec.token(sub, self.secret if key is None else key, minutes=minutes, alg=alg, **claims)

    # HTTP --------------------------------------------------------------------------
    def app(self) -> Any:
        return self.name("app", "a FastAPI application: app = FastAPI()")

    def in_process(self, app: Any = None) -> InProcess:
        from drilltutor.checking.http import InProcess

        app = self.app() if app is None else app
        if id(app) not in self._apps:
            session = InProcess(app, str(self.file), self.request_timeout)
            session.start()
            self._apps[id(app)] = session
        return self._apps[id(app)]

    def client(self, app: Any = None) -> Client:
        """A client for `app` (default: the learner's `app`) through httpx.ASGITransport."""
        return self.in_process(app).client()

    @contextlib.contextmanager
    def live(self, app: Any = None) -> Iterator[Client]:
        """A client for `app` served by a real uvicorn on a free loopback port."""
        from drilltutor.checking.http import live_server

        with live_server(self.in_process(app).app, self.request_timeout) as client:
            yield client

    @contextlib.contextmanager
    def serve_process(self, *, cwd: Path, env: dict[str, str] | None = None, label: str = "a new Python process") -> Iterator[Client]:
        """A client for the learner's file served by a new process in `cwd`; stopped afterwards.

        The process gets this run's environment (`ctx.env`: SECRET_KEY, the drill's `[env]`)
        updated with `env`, imports the file afresh and runs its startup, as a restart would.
        """
        from drilltutor.checking.serve import serve_process

        with serve_process(self.file, cwd=cwd, env={**self.env, **(env or {})}, timeout=self.request_timeout, label=label) as client:
            yield client

    def close(self) -> None:
        for session in self._apps.values():
            session.stop()
