"""Linux: everything POSIX offers, plus the child subreaper, pidfds and /proc."""

from __future__ import annotations

import contextlib
import functools
import os
import select
import subprocess
import threading
import time
from typing import Any

from drilltutor.platform.posix import (  # noqa: F401  (the family's whole interface)
    CAN_KEEP,
    POPEN_GROUP,
    become_session_leader,
    end_by_signal,
    hold,
    fork,
    give_folder,
    ignore_interrupts,
    is_superuser,
    limit_file_size,
    limit_memory,
    lookup_user,
    poll_child,
    popen_user,
)

CAN_FORK = True  # the warm runner forks runs from a process that never runs learner code
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_DUMPABLE = 4


def take_orphans() -> None:
    """prctl(PR_SET_CHILD_SUBREAPER): a descendant that double-forks or calls setsid is
    re-parented to this process, not to init, so it stays in the tree that gets stopped."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def keep_out_debuggers() -> None:
    """prctl(PR_SET_DUMPABLE, 0): no process of the same user may ptrace this one or open its
    /proc/PID/mem (the judge, against the agent it started). A fork started before keeps its own flag."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Popen.wait(timeout) naps up to 50 ms; a pidfd wakes the moment the process ends."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        from drilltutor.platform.tree import wait_exit as napping

        return napping(proc, timeout)
    try:
        return bool(select.select([pidfd], [], [], timeout)[0])
    finally:
        os.close(pidfd)


def wait_child(pid: int, also: Any = None, timeout: float | None = None) -> bool:
    """Block until `pid` (a child, left unreaped) ends: True; or until `also` (a socket) is readable,
    or `timeout` seconds have passed: False."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd] if also is None else [pidfd, also], [], [], timeout)
        return pidfd in ready
    finally:
        os.close(pidfd)


def local_server() -> tuple[Any, str]:
    """A listening socket for this machine's other processes and its address: a Unix socket with
    an abstract name (no file to find), whose connections say which process made them (`peer_pid`)."""
    import secrets
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = f"\0drilltutor-{secrets.token_hex(16)}"
    sock.bind(name)
    sock.listen(64)
    return sock, name


def peer_pid(conn: Any) -> int | None:
    """The pid of the process that made a Unix socket connection (SO_PEERCRED), as the kernel saw it."""
    import socket
    import struct

    if conn.family != socket.AF_UNIX:
        return None
    credentials = struct.Struct("3i")  # pid, uid, gid
    return int(credentials.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, credentials.size))[0])


class Watched:
    """A process watched through a pidfd: whether it has ended, and a kill that can never reach
    another process that took its pid. The caller closes it; a kill from another thread is safe."""

    def __init__(self, pid: int) -> None:
        self._pidfd = os.pidfd_open(pid)
        self._lock = threading.Lock()

    def ended(self) -> bool:
        with self._lock:
            return self._pidfd < 0 or bool(select.select([self._pidfd], [], [], 0)[0])

    def kill(self) -> None:
        import signal

        with self._lock:
            if self._pidfd >= 0:
                with contextlib.suppress(OSError):  # it has ended already
                    signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    def close(self) -> None:
        with self._lock:
            if self._pidfd >= 0:
                os.close(self._pidfd)
                self._pidfd = -1


def watch(pid: int) -> Watched:
    """A process that is no child of this one (a zygote's fork), watched (`Watched`)."""
    return Watched(pid)


def stop_marked(marks: set[bytes]) -> None:
    """The last net: a process whose environment carries one of `marks` (RUN_MARK=...), found in
    /proc. It catches what left the tree while no subreaper was alive to adopt it."""
    import signal

    own = os.getpid()
    for _ in range(10):  # a stray may fork while it is being stopped
        try:
            pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
        except OSError:
            return
        found = False
        for pid in pids:
            if pid == own:
                continue
            try:
                pidfd = os.pidfd_open(pid)  # no harm if the pid is reused after this
            except OSError:
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as handle:
                    if marks.isdisjoint(handle.read().split(b"\0")):
                        continue
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                found = True
            except OSError:
                continue
            finally:
                os.close(pidfd)
        if not found:
            return
        time.sleep(0.01)


def descendant_pids(pid: int) -> list[int] | None:
    """The pids below `pid`, each parent before its children, from the kernel's lists of each
    thread's children (/proc/PID/task/TID/children): it reads the tree alone, where psutil reads
    every process on the machine. None where the kernel keeps no such lists."""
    if not _children_listed():
        return None
    found: list[int] = []
    parents = [pid]
    while parents:
        parent = parents.pop()
        try:
            tids = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue  # it went while the tree was read
        for tid in tids:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as listing:
                    children = [int(child) for child in listing.read().split()]
            except OSError:
                continue
            found.extend(children)
            parents.extend(children)
    return found


@functools.cache
def _children_listed() -> bool:
    return os.path.exists(f"/proc/self/task/{os.getpid()}/children")


def has_children() -> bool:
    """Whether any thread of this process has a child (/proc/self/task/*/children), without psutil."""
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children") as listing:
                if listing.read().strip():
                    return True
    except OSError:
        return True  # cannot tell: let psutil look
    return False
