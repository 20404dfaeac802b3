"""Windows: no fork, no sessions, no setrlimit. A new process group (so CTRL_BREAK and Ctrl-C
stay apart), psutil for the tree, and the memory watchdog for the limit."""

from __future__ import annotations

import subprocess
from typing import Any

from drilltutor.platform.tree import has_children, wait_exit  # noqa: F401  (portable parts of the family's interface)

# CREATE_NEW_PROCESS_GROUP: a Ctrl-C in the console reaches drilltutor, which stops the run's
# tree with TerminateProcess (psutil); the run never gets half of a Ctrl-C.
POPEN_GROUP: dict[str, Any] = (
    {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if hasattr(subprocess, "CREATE_NEW_PROCESS_GROUP") else {}
)
CAN_FORK = False


def limit_memory(limit: int) -> bool:
    return False  # no setrlimit: the runner's watchdog samples the tree's memory


def limit_file_size(limit: int) -> bool:
    return False  # no setrlimit: a run's output files are not capped


def keep_out_debuggers() -> None:
    """No ptrace here: a process's memory is guarded by its handle's rights."""


def take_orphans() -> None:
    """Windows keeps no parent links for orphans to fall back on; the tree is what psutil sees."""


def stop_marked(marks: set[bytes], spare: set[int]) -> None:
    """No readable environments of other processes: the tree is all that is stopped."""



def is_superuser() -> bool:
    return False  # no switch of user is offered here: a grade says the code ran with the grader's rights


def lookup_user(name: str) -> tuple[int, int] | None:
    return None


def popen_user(uid: int, gid: int) -> dict[str, Any]:
    return {}


def give_folder(path: str, uid: int, gid: int) -> None:
    """Nothing to hand over where no user is switched."""
