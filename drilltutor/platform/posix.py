"""macOS and the other Unixes: sessions, fork, setrlimit where the kernel accepts it."""

from __future__ import annotations

import os
from typing import Any

from drilltutor.platform.tree import descendant_pids, has_children, local_server, peer_pid, wait_exit  # noqa: F401  (portable parts of the family's interface)

POPEN_GROUP: dict[str, Any] = {"start_new_session": True}  # Ctrl-C in the terminal reaches drilltutor only
CAN_FORK = False  # macOS: fork is unsafe once system frameworks are loaded
CAN_KEEP = True  # the keeper forks before anything but the standard library is loaded: safe here too


class _HeldByTheKeeper:
    """The run's keeper holds it (`platform.keeper`): nothing to hold from drilltutor's side."""

    def close(self) -> None:
        pass


def hold(pid: int) -> _HeldByTheKeeper:
    return _HeldByTheKeeper()


def end_by_signal(signum: int) -> None:
    """End this process by `signum`, as its child was ended (without a core dump), so its parent sees the same."""
    import resource
    import signal

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    try:
        signal.signal(signum, signal.SIG_DFL)
    except (OSError, ValueError):  # SIGKILL's cannot be changed, nor needs to be
        pass
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # a signal whose default is not to end: the shell's convention


def limit_memory(limit: int) -> bool:
    """RLIMIT_AS, and no core dumps. Apple Silicon macOS refuses RLIMIT_AS below hundreds of GiB
    with ValueError (cpython#78783): the caller then watches the tree's memory instead."""
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        return False
    return True


def keep_out_debuggers() -> None:
    """No prctl outside Linux: macOS keeps a process of one user from another's memory only by its own rules."""


def take_orphans() -> None:
    """No child subreaper outside Linux: an orphan goes to init and is found, if at all, by its mark."""


def fork() -> int:
    return os.fork()


def poll_child(pid: int) -> int | None:
    """A forked child's return code once it has ended (reaped), as Popen.poll gives it; else None."""
    done, wait_status = os.waitpid(pid, os.WNOHANG)
    return os.waitstatus_to_exitcode(wait_status) if done else None


def limit_file_size(limit: int) -> bool:
    """RLIMIT_FSIZE: a process writing past `limit` bytes ends with SIGXFSZ, the disk kept."""
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    except (ValueError, OSError):
        return False
    return True


def become_session_leader() -> None:
    """A forked child's own session and process group, as `start_new_session` gives a started one."""
    import signal

    os.setsid()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def ignore_interrupts() -> None:
    """Ctrl-C is for drilltutor itself; a long-lived helper of it lets drilltutor decide."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_marked(marks: set[bytes]) -> None:
    """Processes carrying one of `marks` in their environment: only Linux can read that (/proc)."""



def is_superuser() -> bool:
    return os.geteuid() == 0


def lookup_user(name: str) -> tuple[int, int] | None:
    """The (uid, gid) of the account `name`, or None when there is none."""
    import pwd

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def popen_user(uid: int, gid: int) -> dict[str, Any]:
    """Popen options that start the process as `uid`/`gid`, with no supplementary groups (root's
    would otherwise stay: group 0 reads and writes what root's group may)."""
    return {"user": uid, "group": gid, "extra_groups": []}


def give_folder(path: str, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
