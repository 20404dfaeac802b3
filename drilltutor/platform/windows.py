"""Windows: no fork, no sessions, no setrlimit. A new process group (so CTRL_BREAK and Ctrl-C
stay apart), a Job object that holds the run, psutil for the tree, and the runner's watchdog
for the memory and process limits."""

from __future__ import annotations

import subprocess
from typing import Any

from drilltutor.platform.tree import descendant_pids, has_children, local_server, peer_pid, wait_exit  # noqa: F401  (portable parts of the family's interface)

# CREATE_NEW_PROCESS_GROUP: a Ctrl-C in the console reaches drilltutor, which stops the run's
# tree with TerminateProcess (psutil); the run never gets half of a Ctrl-C.
POPEN_GROUP: dict[str, Any] = (
    {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if hasattr(subprocess, "CREATE_NEW_PROCESS_GROUP") else {}
)
CAN_FORK = False
CAN_KEEP = False  # no fork: the runner holds the run with a Job object (`hold`)


def limit_memory(limit: int) -> bool:
    return False  # no setrlimit: the runner's watchdog samples the tree's memory


def limit_file_size(limit: int) -> bool:
    return False  # no setrlimit: a run's output files are not capped


def keep_out_debuggers() -> None:
    """No ptrace here: a process's memory is guarded by its handle's rights."""


def take_orphans() -> None:
    """Windows keeps no parent links for orphans to fall back on; the tree is what psutil sees."""


def stop_marked(marks: set[bytes]) -> None:
    """No readable environments of other processes: the tree is all that is stopped."""



# A Job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: every process of the run is in it (a
# process's children join its job, and this one allows no breakaway), and when its last handle
# closes, Windows ends them all. drilltutor holds the only handle, so the run ends with it, even
# when drilltutor itself is ended by TerminateProcess or a closed console, and whatever the
# learner's code did in its own process.
_KILL_ON_JOB_CLOSE = 0x2000
_EXTENDED_LIMIT_INFORMATION = 9  # JobObjectExtendedLimitInformation
_PROCESS_SET_QUOTA, _PROCESS_TERMINATE = 0x0100, 0x0001


def _kernel32() -> Any:
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.CreateJobObjectW.argtypes = (ctypes.c_void_p, wintypes.LPCWSTR)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.SetInformationJobObject.argtypes = (wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD)
    kernel32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    return kernel32


def _limit_information() -> Any:
    import ctypes
    from ctypes import wintypes

    class Basic(ctypes.Structure):
        _fields_ = [
            ("PerProcessUserTimeLimit", ctypes.c_int64),
            ("PerJobUserTimeLimit", ctypes.c_int64),
            ("LimitFlags", wintypes.DWORD),
            ("MinimumWorkingSetSize", ctypes.c_size_t),
            ("MaximumWorkingSetSize", ctypes.c_size_t),
            ("ActiveProcessLimit", wintypes.DWORD),
            ("Affinity", ctypes.c_size_t),
            ("PriorityClass", wintypes.DWORD),
            ("SchedulingClass", wintypes.DWORD),
        ]

    class Extended(ctypes.Structure):
        _fields_ = [
            ("BasicLimitInformation", Basic),
            ("IoInfo", ctypes.c_uint64 * 6),
            ("ProcessMemoryLimit", ctypes.c_size_t),
            ("JobMemoryLimit", ctypes.c_size_t),
            ("PeakProcessMemoryUsed", ctypes.c_size_t),
            ("PeakJobMemoryUsed", ctypes.c_size_t),
        ]

    info = Extended()
    info.BasicLimitInformation.LimitFlags = _KILL_ON_JOB_CLOSE
    return info


class Job:
    """The run's Job object; `close` ends every process still in it."""

    def __init__(self, pid: int) -> None:
        import ctypes

        kernel32 = _kernel32()
        self._close = kernel32.CloseHandle
        self._handle = kernel32.CreateJobObjectW(None, None)
        if not self._handle:
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
        info = _limit_information()
        process = kernel32.OpenProcess(_PROCESS_SET_QUOTA | _PROCESS_TERMINATE, False, pid)
        try:
            if not (
                process
                and kernel32.SetInformationJobObject(self._handle, _EXTENDED_LIMIT_INFORMATION, ctypes.byref(info), ctypes.sizeof(info))
                and kernel32.AssignProcessToJobObject(self._handle, process)
            ):
                error = ctypes.get_last_error()  # type: ignore[attr-defined]
                self.close()
                raise ctypes.WinError(error)  # type: ignore[attr-defined]
        finally:
            if process:
                kernel32.CloseHandle(process)

    def close(self) -> None:
        if self._handle:
            self._close(self._handle)
            self._handle = None


def hold(pid: int) -> Job:
    """Put the run's top process (started, but given no job yet: no learner code has run) in a Job."""
    return Job(pid)
def is_superuser() -> bool:
    return False  # no switch of user is offered here: a grade says the code ran with the grader's rights


def lookup_user(name: str) -> tuple[int, int] | None:
    return None


def popen_user(uid: int, gid: int) -> dict[str, Any]:
    return {}


def give_folder(path: str, uid: int, gid: int) -> None:
    """Nothing to hand over where no user is switched."""
