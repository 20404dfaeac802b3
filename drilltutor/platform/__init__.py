"""The one place that knows which operating system drilltutor runs on.

Everything OS-specific (process groups and sessions, fork, resource limits, signals,
pidfds, the Linux child subreaper, the Windows Job object) lives in one family module:
`linux`, `posix` (macOS and the other Unixes) or `windows`; and the keeper, the run's top
process on POSIX that holds a run from outside the learner's code, in `keeper`. The rest of drilltutor, and every drill's checks,
call the functions below and never import fcntl, resource, termios or signal specifics.

The family is chosen by what the running Python offers, not by its name, so a Python
with the POSIX parts taken away (the test suite's Windows simulation) gets the Windows
family. Imports stay lazy: `drilltutor list` never loads any of this.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Iterable, Protocol

from drilltutor.platform import tree
from drilltutor.platform.tree import Usage, stop_tree, tree_usage

__all__ = [
    "RUN_MARK",
    "WORKER_MODULE",
    "Holder",
    "Usage",
    "RunAs",
    "as_user",
    "can_fork",
    "can_keep",
    "family",
    "hold",
    "give_folder",
    "keep_out_debuggers",
    "is_below",
    "is_superuser",
    "limit_file_size",
    "limit_memory",
    "local_connect",
    "local_server",
    "peer_pid",
    "popen_group",
    "run_as",
    "signal_name",
    "stop_descendants",
    "stop_tree",
    "stop_marked",
    "take_orphans",
    "tree_usage",
]

RUN_MARK = "DRILLTUTOR_RUN"  # in the environment of every process a run starts, to find the ones that escape
# What the runner starts as a run's top process: on POSIX the keeper, which forks the harness and
# holds the run from outside the learner's code; on Windows the keeper simply becomes the harness.
WORKER_MODULE = "drilltutor.platform.keeper"


class Holder(Protocol):
    def close(self) -> None:
        """Stop whatever the run started that is still held, and let go."""


@functools.lru_cache(maxsize=None)
def family() -> ModuleType:
    """The implementation for this OS."""
    if not (hasattr(os, "setsid") and hasattr(os, "fork")):
        name = "windows"
    elif sys.platform.startswith("linux") and hasattr(os, "pidfd_open"):  # Linux 5.3+ (and not the macOS simulation)
        name = "linux"
    else:
        name = "posix"
    return importlib.import_module(f"drilltutor.platform.{name}")


def popen_group() -> dict[str, Any]:
    """Popen options that start a run's top process apart from drilltutor's own Ctrl-C."""
    return dict(family().POPEN_GROUP)


def limit_memory(limit: int) -> bool:
    """Limit this process's memory; False where the kernel will not (the caller watches instead)."""
    return bool(family().limit_memory(limit))


def limit_file_size(limit: int) -> bool:
    """Limit the size of any file this process writes; False where the OS will not."""
    return bool(family().limit_file_size(limit))


def keep_out_debuggers() -> None:
    """Keep processes of the same user (the agent above all) from debugging this one or reading its memory, where the OS can."""
    family().keep_out_debuggers()


def hold(pid: int) -> Holder:
    """Hold a run's top process from drilltutor's side, before it runs any learner code: on
    Windows a Job object that kills all of the run when it closes, drilltutor killed included.
    On POSIX the keeper holds the run itself: this holds nothing."""
    return family().hold(pid)


def stop_marked(marks: Iterable[str]) -> None:
    """The last net, on Linux: stop every process whose environment carries `RUN_MARK` set to one
    of `marks`, wherever it is (what left a run's tree while no subreaper could adopt it)."""
    found = {f"{RUN_MARK}={mark}".encode() for mark in marks}
    if found:
        family().stop_marked(found)


def local_server() -> tuple[Any, Any]:
    """A listening socket this machine's other processes reach at its address (`local_connect`);
    on Linux its connections say which process made them (`peer_pid`)."""
    sock, address = family().local_server()
    return sock, address


def local_connect(address: Any) -> Any:
    """A connection to a `local_server`'s address: a Unix socket's name, or a (host, port)."""
    import socket

    if isinstance(address, str):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(address)
        return sock
    return socket.create_connection(tuple(address))


def peer_pid(conn: Any) -> int | None:
    """The pid of the process at the other end of a `local_server`'s connection; None where the OS does not say."""
    pid = family().peer_pid(conn)
    return None if pid is None else int(pid)


def is_below(pid: int, ancestor: int) -> bool:
    """Whether `pid` is `ancestor` or one of its descendants, by the parents the OS keeps now."""
    import psutil

    if pid == ancestor:
        return True
    try:
        return any(parent.pid == ancestor for parent in psutil.Process(pid).parents())
    except psutil.Error:
        return False


def take_orphans() -> None:
    """Make this process the one that adopts its orphaned descendants (Linux); elsewhere nothing."""
    family().take_orphans()


def stop_descendants() -> None:
    """Stop every process below this one (it keeps running). Cheap when there is none, as in most runs."""
    if family().has_children():
        tree.stop_descendants()


def can_keep() -> bool:
    """Whether a run's top process can fork a keeper for the run (POSIX); elsewhere a Job object holds it."""
    return bool(family().CAN_KEEP)


def can_fork() -> bool:
    """Whether a warm process may fork runs from itself (fork is safe only on Linux)."""
    return bool(family().CAN_FORK)


def signal_name(returncode: int) -> str | None:
    """The name of the signal a negative return code stands for (SIGKILL), or None."""
    if returncode >= 0:
        return None
    import signal

    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


@dataclass(frozen=True)
class RunAs:
    """The unprivileged account a graded run's learner code runs as (only when drilltutor runs as root)."""

    name: str
    uid: int
    gid: int


def is_superuser() -> bool:
    """Whether drilltutor runs as root, and so can (and must) run learner code as someone else."""
    return bool(family().is_superuser())


def run_as(name: str) -> RunAs | None:
    """The account `name`, or None when this system has no such account (or no accounts to switch to)."""
    found = family().lookup_user(name)
    return None if found is None else RunAs(name, *found)


def as_user(user: RunAs | None) -> dict[str, Any]:
    """Popen options that start a process as `user`; none for None."""
    return {} if user is None else dict(family().popen_user(user.uid, user.gid))


def give_folder(path: str, user: RunAs | None) -> None:
    """Make `path` (a run's scratch folder) `user`'s own, the one place its code may write; nothing for None."""
    if user is not None:
        family().give_folder(path, user.uid, user.gid)
