"""The verdict channel: the run's one wire format (protocol.py) over a loopback socket,
apart from the learner's stdout.

It exists on every OS (Windows has no fd passing and selects only on sockets). The side
that waits for verdicts (`Inbox`: the runner, or a check that serves the app in a new
process) listens on 127.0.0.1 port 0 and accepts one connection whose first message is its
random token. The reporting side (`Outbox`: the harness, the served app) connects and
sends events. The same connection is the reporting side's lifeline: when the waiting side
ends, however it ends (kill -9 included), the connection reads as closed.
"""

from __future__ import annotations

import secrets
import socket
import threading
from typing import Any, Callable, Iterator

from drilltutor import protocol

_HOST = "127.0.0.1"
_POLL = 0.05  # seconds between looks at whether the reporting side is still alive while accepting


class Inbox:
    """The waiting side. `address()` and `token` go to the reporting side in its spec."""

    def __init__(self) -> None:
        self._server = socket.create_server((_HOST, 0))
        self._server.settimeout(_POLL)
        self.token = secrets.token_hex(16)
        self._conn: socket.socket | None = None

    def address(self) -> dict[str, Any]:
        return {"port": self._server.getsockname()[1], "token": self.token}

    def events(self, alive: Callable[[], bool]) -> Iterator[dict[str, Any]]:
        """Every event the reporting side sends, until it closes; nothing if it never connects
        while `alive()`. Anything that is not a message of ours ends them."""
        conn = self._accept(alive)
        if conn is None:
            return
        try:
            if protocol.receive(conn).get("token") != self.token:
                return
            while True:
                yield protocol.receive(conn)
        except (protocol.LinkClosed, OSError):  # ended, or garbled: what came before it stands
            return

    def _accept(self, alive: Callable[[], bool]) -> socket.socket | None:
        while True:
            try:
                conn, _ = self._server.accept()
            except socket.timeout:
                if alive():
                    continue
                self._server.settimeout(0)  # it ended: one last look for a connection already made
                try:
                    conn, _ = self._server.accept()
                except OSError:
                    return None
            except OSError:  # closed
                return None
            conn.settimeout(None)
            self._conn = conn
            return conn

    def close(self) -> None:
        """Stop listening and end the connection: the reporting side's lifeline ends."""
        self._server.close()
        if self._conn is not None:
            try:
                self._conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._conn.close()


class Outbox:
    """The reporting side. Its methods are bound at connect time, so code that patches
    socket or json later (the learner's) cannot change how verdicts travel."""

    def __init__(self, address: dict[str, Any]) -> None:
        self._sock = socket.create_connection((_HOST, int(address["port"])))
        self._sendall, self._recv, self._frame = self._sock.sendall, self._sock.recv, protocol.frame
        self._lock = threading.Lock()
        self._sendall(self._frame({"token": str(address["token"])}))

    def send(self, event: str, **data: Any) -> None:
        message = self._frame({"event": event, **data})
        with self._lock:
            self._sendall(message)

    def on_close(self, then: Callable[[], None]) -> None:
        """Call `then` (in a thread of its own) when the waiting side ends the connection."""

        def watch() -> None:
            try:
                while self._recv(64):
                    pass
            except OSError:  # the learner's code closed it: nothing left to watch
                return
            then()

        threading.Thread(target=watch, name="drilltutor-lifeline", daemon=True).start()
