"""A run's whole process tree, found and stopped with psutil (the same on every OS)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from dataclasses import dataclass
from typing import Any

_ROUNDS = 10  # a process may fork while its tree is being stopped; each round takes the newcomers


def _descendants(root: Any) -> list[Any]:
    import psutil

    from drilltutor import platform

    pids = platform.family().descendant_pids(root.pid)
    try:
        if pids is None:
            return list(root.children(recursive=True))
    except psutil.Error:
        return []
    found = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            found.append(psutil.Process(pid))
    return found


def local_server() -> tuple[Any, Any]:
    """A listening socket for this machine's other processes, on loopback TCP, and its address."""
    import socket

    sock = socket.create_server(("127.0.0.1", 0))
    return sock, sock.getsockname()[:2]


def peer_pid(conn: Any) -> int | None:
    """None: a loopback TCP connection does not say which process made it."""
    return None


def descendant_pids(pid: int) -> list[int] | None:
    """None: no list of a process's children to read here; psutil finds them by each process's parent."""
    return None


def _freeze(root: Any) -> list[Any]:
    """Suspend every descendant, round after round, until no new one appears: then none can fork."""
    import psutil

    seen: dict[int, Any] = {}
    for _ in range(_ROUNDS):
        new = [p for p in _descendants(root) if p.pid not in seen]
        if not new:
            break
        for proc in new:
            seen[proc.pid] = proc
            with contextlib.suppress(psutil.Error):
                proc.suspend()
    return list(seen.values())


def _kill(procs: list[Any]) -> None:
    """Kill `procs` (parents before children, as found), the last found first: a parent killed
    before its children would orphan them, out of the tree of whoever else is stopping it
    (the judge and the keeper both do, when drilltutor is killed), were this walk cut short."""
    import psutil

    for proc in reversed(procs):
        with contextlib.suppress(psutil.Error):
            proc.kill()


def stop_descendants(pid: int | None = None) -> None:
    """Stop every process below `pid` (default: this one), leaving `pid` itself running."""
    import psutil

    try:
        root = psutil.Process(os.getpid() if pid is None else pid)
    except psutil.Error:
        return
    _kill(_freeze(root))


def stop_tree(pid: int) -> None:
    """Stop the process `pid` and everything below it. The caller still reaps `pid` if it is its child."""
    import psutil

    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return
    with contextlib.suppress(psutil.Error):
        root.suspend()  # first, so that it neither forks nor adopts anew while its tree is taken
    below = _freeze(root)
    _kill([root, *below])


@dataclass(frozen=True)
class Usage:
    """What a run's tree uses, summed over its processes."""

    cpu: float  # seconds of CPU (user and system), the processes they have reaped included
    memory: int  # bytes resident
    processes: int


def tree_usage(pid: int) -> Usage:
    """The use of `pid` and everything below it; nothing if it is gone."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *_descendants(root)]
    except psutil.Error:
        return Usage(0.0, 0, 0)
    cpu, memory, count = 0.0, 0, 0
    for proc in procs:
        try:
            with proc.oneshot():
                times = proc.cpu_times()
                memory += proc.memory_info().rss
        except psutil.Error:
            continue
        cpu += times.user + times.system + times.children_user + times.children_system
        count += 1
    return Usage(cpu, memory, count)


def wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Whether `proc` ends within `timeout` seconds (Popen.wait, which naps between looks)."""
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def has_children() -> bool:
    return True  # no cheap way to know without /proc: psutil looks
