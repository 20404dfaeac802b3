"""`Ctx`: everything a check may use: the learner's names and output, tokens, HTTP clients.

The checks run in the judge's process; the learner's file runs in the agent's. Every
learner value a check reads comes over the link as plain data, or as a `Remote` whose
attribute reads and calls are requests to the agent; HTTP requests travel as data too.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from drilltutor.checking import jwtcodec, replay
from drilltutor.checking.names import did_you_mean  # not lazily: an import inside a check thread can deadlock on the import lock
from drilltutor.checking.remote import LearnerError, Link, Namespace, Remote, encode
from drilltutor.checking.spec import Failure
from drilltutor.checking.trace import one_line, trimmed

if TYPE_CHECKING:
    from drilltutor.checking.http import Client


class Ctx:
    def __init__(
        self,
        *,
        file: Path,
        link: Link | None,  # None: no agent (the tests drill runs the learner's file in suites of its own)
        output: str,
        secret: str,
        request_timeout: float,
        env: dict[str, str],
        source: str | None = None,  # the file as it was run (the learner's code may delete or change it)
    ) -> None:
        self.file = file
        self.source = file.read_text(encoding="utf-8", errors="replace") if source is None else source
        self._link = link
        self.namespace = Namespace(link) if link is not None else None
        self.output = output
        self.secret = secret
        self.request_timeout = request_timeout
        self.env = env
        self.jwt = jwtcodec
        self.state: dict[str, Any] = {}  # shared between the checks of one run, e.g. tokens from a login

    @property
    def link(self) -> Link:
        if self._link is None:
            raise RuntimeError("this drill's learner file runs in no agent")
        return self._link

    # The learner's names -------------------------------------------------------------
    def name(self, name: str, what: str) -> Any:
        """A module-level name of the learner's file, or a failure saying it is missing."""
        found, value = Namespace(self.link)._read(name)
        replay.record("name", name, value if found else "<missing>")
        if not found:
            near = did_you_mean(name, self.source)
            raise Failure(
                sent=f"looked for `{name}` in {self.file.name}",
                got="no such module-level name" + (f"; your file defines `{near}`: did you mean it?" if near else ""),
                expected=what,
                fix=f"rename `{near}` to `{name}`: the checks read that name" if near else f"define `{name}` at the top level of the file (not inside a function or the __main__ block)",
            )
        return value

    def put(self, name: str, key: Any, value: Any) -> None:
        """`name[key] = value` in the learner's process (the checks' own users in `users`, say)."""
        self.link.value("setitem", target=name, key=encode(key), value=encode(value))

    def call(self, description: str, func: Callable[..., Any], *args: Any, fix: str = "") -> Any:
        """Call the learner's code; if it raises, fail with their traceback."""
        try:
            result = func(*args)
        except LearnerError as exc:
            if exc.record.kind == "exit":  # the run's verdict on ending the process, not this call's
                raise
            replay.record("call", f"{description} {replay.plain(args)}", f"raised {exc.record.type}")
            raise Failure(
                sent=description,
                got=f"it raised {exc.record.line}",
                expected="an answer, not an exception",
                fix=fix or "read the traceback below; the last line of your file in it is where it broke",
                detail=exc.record.detail,
            ) from None
        except Exception as exc:
            replay.record("call", f"{description} {replay.plain(args)}", f"raised {type(exc).__name__}")
            raise Failure(
                sent=description,
                got=f"it raised {one_line(exc)}",
                expected="an answer, not an exception",
                fix=fix or "read the traceback below; the last line of your file in it is where it broke",
                detail=trimmed(exc, str(self.file)),
            ) from None
        replay.record("call", f"{description} {replay.plain(args)}", result)
        return result

    def parallel(self, *calls: tuple[str, Callable[..., Any], tuple[Any, ...]]) -> list[Any]:
        """Several learner calls at once; the agent runs them at once, and bcrypt releases the GIL, so two hashes cost one."""
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            futures = [pool.submit(self.call, description, func, *args) for description, func, args in calls]
            return [future.result() for future in futures]

    def kit(self, helper: str, *args: Any) -> Any:
        """An agent-side kit helper (`drilltutor.agentkit`): built in the learner's process, answered as data."""
        return self.link.value("kit", name=helper, args=encode(args))

    # The learner's process ------------------------------------------------------------
    def find_in_state(self, text: str) -> list[str]:
        """Where `text` occurs in the learner's module state, as readable paths (`users['ada']['password']`)."""
        return list(self.link.value("find_in_state", text=text))

    @contextlib.contextmanager
    def clock_ahead(self, seconds: float) -> Iterator[None]:
        """The clock of the learner's process moved `seconds` ahead (time.time, datetime.now, ...:
        PyJWT and python-jose both read it), and back afterwards. The judge's own clock stays."""
        self.link.value("clock", seconds=seconds)
        try:
            yield
        finally:
            self.link.value("clock", seconds=None)

    # Tokens ------------------------------------------------------------------------
    def token(self, sub: str | None = "sam@uae.dev", *, minutes: float = 30, key: str | None = None, alg: str = "HS256", **claims: Any) -> str:
        return jwtcodec.token(sub, self.secret if key is None else key, minutes=minutes, alg=alg, **claims)

    # HTTP --------------------------------------------------------------------------
    def app(self) -> Any:
        return self.name("app", "a FastAPI application: app = FastAPI()")

    def _app_ref(self, app: Any) -> int | None:
        """The agent's name for `app`: None for the learner's own `app` (started once, at load), else its handle."""
        if app is None:
            self.app()
            return None
        if not isinstance(app, Remote):
            raise TypeError(f"a {type(app).__name__} is no app of the learner's process")
        return app._handle.id

    def client(self, app: Any = None, kit: tuple[Any, ...] = ()) -> Client:
        """A client for `app` (default: the learner's `app`) through httpx.ASGITransport, in the agent's process.

        `kit`: a kit helper and its arguments (as `Ctx.kit` takes them), called in the agent right
        after each request, in the same round trip; its answer is the response's `kit`.
        """
        from drilltutor.checking.http import Client

        ref = self._app_ref(app)
        after = {"name": kit[0], "args": encode(kit[1:])} if kit else None

        def send(sent: str, method: str, path: str, headers: dict[str, str], json: Any, form: Any) -> Any:
            from drilltutor.checking.http import Response

            answer = self.link.value("http", app=ref, sent=sent, method=method, path=path, headers=headers, json=encode(json), form=form, kit=after)
            return Response(**answer)

        return Client(send, self.request_timeout)

    @contextlib.contextmanager
    def live(self, app: Any = None) -> Iterator[Client]:
        """A client for `app` served by a real uvicorn on a free loopback port, in the agent's process."""
        from drilltutor.checking.http import live_client

        port = self.link.value("serve", app=self._app_ref(app))
        try:
            with live_client(port, self.request_timeout) as client:
                yield client
        finally:
            self.link.value("unserve", port=port)

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
        self.link.value("close")
