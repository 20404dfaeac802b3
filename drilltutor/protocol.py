"""The one wire format between drilltutor's processes: the runner and a run's judge, the judge
and the agent (the learner's code), a warm zygote, the processes that serve a learner's app or
the tests drill's APIs, the suite driver and the reports of the pytest runs it starts.

Messages are a 4-byte length, then a JSON object, whether a socket, a pipe or a file carries
them (`send`/`receive`, `write`/`read`); what each process is handed to start with is a typed
job below. Learner values travel as plain data
(`encode`/`decode`): JSON's own types, plus bytes, tuples-as-lists and dicts of any key,
each marked, and bounded in size. Anything else (a function, a password context, an app)
stays in the agent and travels as a `Handle`: its id there, its type's name, its repr and
whether it can be called. Nothing here ever executes what it reads: no pickle, no eval.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
from dataclasses import asdict, dataclass, field
from typing import IO, Any, Callable, Sequence

_HEADER = struct.Struct("!I")
MAX_MESSAGE = 64 * 1024 * 1024  # a learner's value larger than this is no data a check needs
MAX_ITEMS = 20_000  # containers beyond this many items in all travel as a handle
MAX_DEPTH = 12
# The agent's exit status when memory ran so short that it could no longer read or answer a request.
AGENT_OUT_OF_MEMORY = 86


class LinkClosed(Exception):
    """The other side of the link is gone."""


class LinkGarbled(LinkClosed):
    """What came down the link is no message of ours: something else wrote to it."""


def send(sock: socket.socket, message: dict[str, Any], fds: Sequence[int] = ()) -> None:
    """Send one message; `fds` (POSIX: the zygote hands a worker its pipes) travel with its length."""
    if fds:
        body = json.dumps(message).encode()
        socket.send_fds(sock, [_HEADER.pack(len(body))], list(fds))
        sock.sendall(body)
    else:
        sock.sendall(frame(message))


def frame(message: dict[str, Any], *, _dumps: Callable[[Any], str] = json.dumps, _pack: Callable[[int], bytes] = _HEADER.pack) -> bytes:
    """One message as it travels. Bound when this module loads: code that patches json or
    struct later (the learner's, in a served app's process) cannot change it."""
    body = _dumps(message).encode()
    return _pack(len(body)) + body


def _exactly(sock: socket.socket, size: int) -> bytes:
    parts, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise LinkClosed
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def receive(sock: socket.socket) -> dict[str, Any]:
    return _body(sock, _exactly(sock, _HEADER.size))


def write(stream: IO[bytes], message: dict[str, Any]) -> None:
    """One message down a pipe or into a file, framed as on a socket."""
    stream.write(frame(message))
    stream.flush()


def read(stream: IO[bytes]) -> dict[str, Any] | None:
    """The next message of a pipe or a file; None at its end, or where its last frame breaks off
    (a writer stopped mid-write)."""
    header = _filled(stream, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_MESSAGE:
        raise LinkGarbled
    body = _filled(stream, size)
    return None if body is None else _parsed(body)


def _filled(stream: IO[bytes], size: int) -> bytes | None:
    parts, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def frame_end(data: bytes) -> int | None:
    """Where the first whole message in `data` ends; None while it has not all come (the keeper
    passes a job on as it arrives)."""
    if len(data) < _HEADER.size:
        return None
    end = _HEADER.size + _HEADER.unpack(data[: _HEADER.size])[0]
    return end if len(data) >= end else None


def receive_with_fds(sock: socket.socket, most: int) -> tuple[dict[str, Any], list[int]]:
    """The next message and the file descriptors (at most `most`) sent with it."""
    header, fds, _flags, _addr = socket.recv_fds(sock, _HEADER.size, most)
    if not header:
        raise LinkClosed
    return _body(sock, header + _exactly(sock, _HEADER.size - len(header))), fds


def _body(sock: socket.socket, header: bytes) -> dict[str, Any]:
    (size,) = _HEADER.unpack(header)
    if size > MAX_MESSAGE:
        raise LinkGarbled
    return _parsed(_exactly(sock, size))


def _parsed(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except ValueError:
        raise LinkGarbled from None
    if not isinstance(message, dict):
        raise LinkGarbled
    return message


# Jobs ---------------------------------------------------------------------------------


@dataclass
class JudgeJob:
    """One run, as the runner hands it to the judge (a message on its stdin)."""

    file: str
    mode: str  # "script", "module" or "pytest"
    checks: list[str]  # the drill's checks files, its base drills' first
    secret: str
    request_timeout: float
    output_cap: int
    memory_limit: int
    channel: dict[str, Any] | None  # the verdict channel's address and token; the judge drops it once connected
    stop_at_failure: bool = False
    stop_once_failed: list[str] = field(default_factory=list)
    bcrypt_cost: int | None = None
    replay_seed: str | None = None  # `dev mutants`' replay: the checks' inputs drawn from this seed, what they saw recorded
    env: dict[str, str] | None = None  # a worker started ahead takes on the run's environment and folder
    cwd: str | None = None




@dataclass(frozen=True)
class AgentJob:
    """What the agent needs to run the learner's file; the judge sends it first."""

    file: str
    mode: str
    output_cap: int
    request_timeout: float
    memory_limit: int = 0
    bcrypt_cost: int = 0
    env: dict[str, str] | None = None  # a worker started ahead takes on the run's environment and folder
    cwd: str | None = None


@dataclass(frozen=True)
class AgentAddress:
    """Where an agent started as a fresh Python connects (on its stdin), and the token it opens with."""

    port: int
    token: str


@dataclass(frozen=True)
class ServeJob:
    """A process that serves the learner's app as a restart would (`checking.serve`): on its stdin."""

    file: str
    channel: dict[str, Any]  # where it says "ready" (its port) or what went wrong


@dataclass(frozen=True)
class SuitePlan:
    """One pytest suite run in several folders (`checking.suitedriver`, on its stdin, one plan at a time)."""

    folders: list[tuple[str, list[str]]]  # each folder, and pytest's arguments there
    workers: int  # folders run at once
    timeout: float  # seconds for each folder
    budget: float  # seconds for them all
    bcrypt_rounds: int
    preload: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, message: dict[str, Any]) -> SuitePlan:
        return cls(**{**message, "folders": [(str(folder), [str(a) for a in args]) for folder, args in message["folders"]]})


@dataclass(frozen=True)
class SuiteFolder:
    """One folder's pytest run in a fresh Python, where the suite driver cannot fork (on its stdin)."""

    folder: str
    args: list[str]
    bcrypt_rounds: int


@dataclass(frozen=True)
class ServedVersions:
    """The tests drill's APIs, by random id (`checking.apiserver`), once it is unreadable (on its stdin)."""

    versions: dict[str, str]  # id -> source
    preload: list[str]
    bcrypt_rounds: int


@dataclass(frozen=True)
class Ticket:
    """A key that opens one fresh instance of a served version, once (on the API server's stdin)."""

    key: str
    version: str


@dataclass(frozen=True)
class Owner:
    """The process a ticket's run is in (the suite driver says, once it has started it): only
    that process, or one it started, may use the key, where the OS names a connection's process."""

    key: str
    pid: int


@dataclass(frozen=True)
class Request:
    id: int
    op: str
    args: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Handle:
    """A learner object that stays in the agent."""

    id: int
    type: str
    repr: str
    callable: bool
    exception: bool = False


@dataclass(frozen=True)
class LearnerRaised:
    """The learner's code raised (or tried to end the process) while the agent served a request."""

    kind: str  # "exception", "exit" (SystemExit, KeyboardInterrupt), "memory"
    type: str  # the exception's class name
    message: str  # str(exc)
    line: str  # one_line(exc): `Type: message`
    detail: str  # the traceback, trimmed to the learner's frames
    words: str = ""  # for "exit": how it ended ("called sys.exit(3)")


@dataclass(frozen=True)
class Hung:
    """The app did not answer within the time given."""

    sent: str
    seconds: float
    cpu: bool = False  # seconds of the agent's CPU; else of the wall clock (the backstop)


# Values -------------------------------------------------------------------------------

_PLAIN = (type(None), bool, int, float, str)


class TooBig(Exception):
    """The value is no bounded plain data."""


def encode(value: Any, handle_of: Any) -> Any:
    """`value` as JSON-ready data; objects that are not data become handles (`handle_of(obj) -> Handle`)."""
    budget = [MAX_ITEMS]

    def walk(item: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH:
            raise TooBig
        if type(item) in _PLAIN:
            return item
        if isinstance(item, bool):
            return bool(item)
        if isinstance(item, (bytes, bytearray)):
            return {"$b": base64.b64encode(bytes(item)).decode()}
        if isinstance(item, str):
            return str(item)
        if isinstance(item, int):
            return int(item)
        if isinstance(item, float):
            return float(item)
        if isinstance(item, (list, tuple, set, frozenset)):
            kind = next(k for k in (list, tuple, frozenset, set) if isinstance(item, k))
            return {"$l": [walk(x, depth + 1) for x in list(item)], "t": kind.__name__}
        if isinstance(item, dict):
            return {"$d": [[walk(k, depth + 1), walk(v, depth + 1)] for k, v in list(item.items())]}
        return {"$h": asdict(handle_of(item))}

    try:
        return walk(value, 0)
    except TooBig:
        return {"$h": asdict(handle_of(value))}


def decode(data: Any, remote: Any) -> Any:
    """The value `encode` sent; a handle becomes `remote(Handle)`."""
    if isinstance(data, list):  # never sent bare; a forged one is read as its items
        return [decode(x, remote) for x in data]
    if not isinstance(data, dict):
        return data
    if "$b" in data:
        return base64.b64decode(str(data["$b"]))
    if "$l" in data:
        items = [decode(x, remote) for x in data["$l"]]
        return _COLLECTIONS.get(str(data.get("t")), list)(items)
    if "$d" in data:
        return {_key(decode(k, remote)): decode(v, remote) for k, v in data["$d"]}
    if "$h" in data:
        h = data["$h"]
        return remote(Handle(int(h["id"]), str(h["type"]), str(h["repr"]), bool(h["callable"]), bool(h.get("exception"))))
    return None


_COLLECTIONS: dict[str, Any] = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}


def _key(key: Any) -> Any:
    """A key as a dict can hold it (a list sent for a tuple key comes back a tuple)."""
    return tuple(key) if isinstance(key, list) else key
