"""Linux: everything POSIX offers, plus the child subreaper, pidfds and /proc."""

from __future__ import annotations

import os
import select
import subprocess
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


def wait_child(pid: int, also: Any = None) -> bool:
    """Block until `pid` (a child, left unreaped) ends: True; or until `also` (a socket) is readable: False."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd] if also is None else [pidfd, also], [], [])
        return pidfd in ready
    finally:
        os.close(pidfd)


def stop_marked(marks: set[bytes], spare: set[int]) -> None:
    """The last net: a process whose environment carries one of `marks` (RUN_MARK=...), found in
    /proc. It catches what left the tree while no subreaper was alive to adopt it."""
    import signal

    spare = spare | {os.getpid()}
    for _ in range(10):  # a stray may fork while it is being stopped
        try:
            pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
        except OSError:
            return
        found = False
        for pid in pids:
            if pid in spare:
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
