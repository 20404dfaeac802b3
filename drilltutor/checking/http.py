"""HTTP to the learner's app: in process (in the agent) and on a real uvicorn server (the agent serves, the judge connects).

Both answer with the same `Response`, so a flow is written once and can be run either way.
Every request has a timeout; a handler that never answers raises `AppHung` instead of
hanging the check. In process, the timeout counts the CPU of the process the app runs in (the agent), so
a loaded machine only makes a request slower; a handler that sleeps uses none, and is given
up on at `limits.backstop` of the timeout on the wall clock. On a real server the request
crosses a socket, and the wall clock is all there is: that limit is the backstop too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json as jsonlib
import socket
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from drilltutor.checking import replay
from drilltutor.checking.trace import one_line, trimmed
from drilltutor.limits import backstop

# httpx imports its command-line client whenever click and rich are installed, as they are
# beside drilltutor: tens of milliseconds of every run's start, for a client no check uses.
# Kept out for this import only: a learner's own `import httpx._main` still works.
_WITHOUT_CLI = "httpx._main" not in sys.modules
if _WITHOUT_CLI:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
import httpx  # noqa: E402

if _WITHOUT_CLI:
    del sys.modules["httpx._main"]


# Captured before any learner code runs, so a module that patches httpx cannot change them.
_AsyncClient, _SyncClient, _ASGITransport = httpx.AsyncClient, httpx.Client, httpx.ASGITransport
_async_request, _sync_request = httpx.AsyncClient.request, httpx.Client.request
_TIMEOUT_ERRORS = (httpx.TimeoutException, TimeoutError)


class AppHung(Exception):
    """The app did not answer a request in time: `seconds` of CPU, or of the wall clock when it slept."""

    def __init__(self, sent: str, seconds: float, cpu: bool = False) -> None:
        self.sent, self.seconds, self.cpu = sent, seconds, cpu
        super().__init__(f"{sent} got {self.words()}")

    def words(self) -> str:
        return f"no answer within {self.seconds:g} s" + (" of CPU" if self.cpu else "")


@dataclass
class Response:
    sent: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    error: str = ""  # the learner's traceback when their code raised instead of answering
    kit: Any = None  # what a kit helper asked for with the request answered, right after it (`Ctx.client`)

    @property
    def json(self) -> Any:
        try:
            return jsonlib.loads(self.text)
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def brief(self, limit: int = 300) -> str:
        if self.error:
            return f"{self.status}, because your code raised {self.error.strip().splitlines()[-1]}"
        body = self.text if len(self.text) <= limit else self.text[:limit] + "…"
        return f"{self.status} {body}".rstrip()


def describe(method: str, path: str, label: str | None, json: Any, form: dict[str, str] | None) -> str:
    sent = f"{method} {path}"
    if label:
        sent += f" with {label}"
    if json is not None:
        sent += f" and JSON {jsonlib.dumps(json)}"
    if form is not None:
        sent += f" and form {form}"
    return sent


class Client:
    """Requests with a bearer token, a JSON body or an OAuth2 form, described for messages."""

    def __init__(self, send: Callable[..., Response], timeout: float) -> None:
        self._send = send
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        label: str | None = None,
        headers: dict[str, str] | None = None,
        json: Any = None,
        form: dict[str, str] | None = None,
    ) -> Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
            label = label or "a bearer token"
        sent = describe(method, path, label, json, form)
        response = self._send(sent, method, path, all_headers, json, form)
        # The whole request (the token too) and the whole answer, bar what varies with the
        # moment or the transport (date, server, length): what a replay compares.
        kept = {k: v for k, v in sorted(response.headers.items()) if k not in ("date", "server", "content-length")}
        replay.record("http", f"{method} {path} {replay.plain(all_headers)} {replay.plain(json)} {replay.plain(form)}", f"{response.status} {replay.plain(kept)} {response.text}")
        return response

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.request("DELETE", path, **kw)


def _response(sent: str, raw: httpx.Response) -> Response:
    return Response(sent, raw.status_code, {k.lower(): v for k, v in raw.headers.items()}, raw.text)


class InProcess:
    """The app called through httpx.ASGITransport on an event loop of its own thread.

    The loop lives in its own thread so the check can give up on a request that never
    returns, even when an async handler blocks the loop forever.
    """

    def __init__(self, app: Any, learner_file: str, timeout: float) -> None:
        self.app, self.learner_file, self.timeout = app, learner_file, timeout
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=_serve_forever, args=(self.loop,), name="drilltutor-app", daemon=True).start()
        self._client = _AsyncClient(transport=_ASGITransport(app=app), base_url="http://testserver")
        self._lifespan: Any = None
        self.hung = False  # once a request never came back, the loop may be blocked for good

    def _wait(self, coro: Any, what: str) -> Any:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        cpu, wall = time.process_time() + self.timeout, time.monotonic() + backstop(self.timeout)
        while True:
            try:
                return future.result(_LOOK)
            except (concurrent.futures.TimeoutError, *_TIMEOUT_ERRORS):
                busy, late = time.process_time() > cpu, time.monotonic() > wall
                if not (busy or late):
                    continue
            future.cancel()
            self.hung = True
            raise AppHung(what, self.timeout if busy else backstop(self.timeout), cpu=busy) from None

    def start(self) -> None:
        """Run the app's startup (lifespan or startup events), as a server would."""
        router = getattr(self.app, "router", None)
        context = getattr(router, "lifespan_context", None)
        if context is None:
            return
        self._lifespan = context(self.app)
        self._wait(self._lifespan.__aenter__(), "your app's startup")

    def stop(self) -> None:
        if self._lifespan is not None and not self.hung:  # a blocked loop would only cost another timeout
            try:
                self._wait(self._lifespan.__aexit__(None, None, None), "your app's shutdown")
            except Exception:  # shutdown problems never change a verdict already given
                pass

    async def _send_async(self, sent: str, method: str, path: str, headers: dict[str, str], json: Any, form: Any) -> Response:
        try:
            raw = await _async_request(self._client, method, path, headers=headers, json=json, data=form)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # the learner's handler raised (even SystemExit): a real server would answer 500
            return Response(sent, 500, {}, "Internal Server Error", trimmed(exc, self.learner_file))
        return _response(sent, raw)

    def send(self, sent: str, method: str, path: str, headers: dict[str, str], json: Any, form: Any) -> Response:
        return self._wait(self._send_async(sent, method, path, headers, json, form), sent)

    def client(self) -> Client:
        return Client(self.send, self.timeout)


_LOOK = 0.1  # seconds between looks at the CPU a request has cost


def _serve_forever(loop: asyncio.AbstractEventLoop) -> None:
    """Run the app's loop; SystemExit or KeyboardInterrupt escaping a task of the learner's must not end it."""
    while True:
        try:
            loop.run_forever()
            return
        except BaseException:  # noqa: S112  (the task that raised already holds the exception)
            continue


def free_loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def start_uvicorn(app: Any, timeout: float) -> tuple[int, Callable[[], None]]:
    """The app on a real uvicorn server on a free loopback port (in the agent): its port, and how to stop it.

    The app has already started in this process, so uvicorn does not run its lifespan again.
    """
    import uvicorn

    sock = free_loopback_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, log_level="critical", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="drilltutor-uvicorn", daemon=True)
    thread.start()

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=3)
        sock.close()

    deadline = time.monotonic() + backstop(timeout)
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            stop()
            raise AppHung(f"starting uvicorn on 127.0.0.1:{port}", backstop(timeout))
        time.sleep(0.01)
    return port, stop


@contextmanager
def live_client(port: int, timeout: float) -> Iterator[Client]:
    """A client (in the judge) for the app the agent serves on 127.0.0.1:`port`."""
    with _SyncClient(base_url=f"http://127.0.0.1:{port}", timeout=backstop(timeout)) as http:
        yield Client(_live_sender(http, port, backstop(timeout)), timeout)


def _live_sender(http: httpx.Client, port: int, timeout: float) -> Callable[..., Response]:
    def send(sent: str, method: str, path: str, headers: dict[str, str], json: Any, form: Any) -> Response:
        sent = f"{sent} (real server on 127.0.0.1:{port})"
        try:
            return _response(sent, _sync_request(http, method, path, headers=headers, json=json, data=form))
        except _TIMEOUT_ERRORS:
            raise AppHung(sent, timeout) from None
        except httpx.HTTPError as exc:
            return Response(sent, 0, {}, f"no HTTP answer: {one_line(exc)}")

    return send
