"""A Windows-like Python on Linux, for tests/test_platforms.py (see ../README.md)."""

from __future__ import annotations

import importlib.abc
import os
import select
import stat
import subprocess
import sys

_POSIX_ONLY = frozenset({"fcntl", "resource", "termios", "tty", "pty"})
_STDLIB = tuple({os.path.realpath(p) + os.sep for p in (sys.base_prefix, sys.prefix)})


def _drilltutor_dir() -> str | None:
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("drilltutor")
    return None if spec is None or not spec.origin else os.path.realpath(os.path.dirname(spec.origin)) + os.sep


def _importer() -> str:
    """The file of the first frame outside the import machinery."""
    frame = sys._getframe(2)
    while frame is not None and (frame.f_code.co_filename.startswith("<frozen") or "importlib" in frame.f_code.co_filename):
        frame = frame.f_back
    return "" if frame is None else os.path.realpath(frame.f_code.co_filename)


class _NoPosix(importlib.abc.MetaPathFinder):
    """Libraries may keep their POSIX paths (they have Windows ones); drilltutor, checks and learners may not."""

    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        if name.split(".")[0] not in _POSIX_ONLY:
            return None
        where = _importer()
        ours = _drilltutor_dir()
        if where.startswith(_STDLIB) and not (ours and where.startswith(ours)):
            return None
        raise ModuleNotFoundError(f"No module named {name!r} (simulated Windows)", name=name)


sys.meta_path.insert(0, _NoPosix())
for _name in list(sys.modules):
    if _name.split(".")[0] in _POSIX_ONLY:
        del sys.modules[_name]  # imported during start-up: a fresh import goes through the finder

for _name in ("fork", "forkpty", "setsid", "setpgid", "killpg", "getpgid", "pidfd_open"):
    if hasattr(os, _name):
        delattr(os, _name)

_popen_init = subprocess.Popen.__init__


def _windows_popen(self, *args, preexec_fn=None, pass_fds=(), start_new_session=False, **kwargs):  # type: ignore[no-untyped-def]
    if preexec_fn is not None:
        raise ValueError("preexec_fn is not supported on Windows platforms")
    if pass_fds:
        raise ValueError("pass_fds is not supported on Windows (simulated)")
    _popen_init(self, *args, **kwargs)  # start_new_session: ignored, as Windows does


subprocess.Popen.__init__ = _windows_popen  # type: ignore[method-assign]

_select = select.select


def _sockets_only(rlist, wlist, xlist, timeout=None):  # type: ignore[no-untyped-def]
    for item in (*rlist, *wlist, *xlist):
        fd = item if isinstance(item, int) else item.fileno()
        if not stat.S_ISSOCK(os.fstat(fd).st_mode):
            raise OSError(10038, "An operation was attempted on something that is not a socket (simulated Windows)")
    return _select(rlist, wlist, xlist, timeout)


select.select = _sockets_only


# A Job object, faked: Windows' kernel ends every process in a job when the job's last handle
# closes, drilltutor killed included. Here a watcher process stands in for the kernel: it holds
# the assigned processes and, every millisecond, every process below them (a process's
# children join its job), and ends them all when its stdin (the "handle") closes, which also
# happens when the process holding it is killed. A process started and orphaned between two of
# its looks escapes it, as none can escape a real job: only Windows can confirm the real thing.
# It reads Linux's lists of each process's children, not every process as psutil does, so that
# looking this often is cheap: at 20 ms, a learner's sleepers, orphaned by the end of the run
# within milliseconds of their start, escaped one run in ten.
import ctypes  # noqa: E402

_KILL_ON_JOB_CLOSE = 0x2000
_WATCHER = r"""
import os, sys, threading, psutil
members = {}
closed = threading.Event()
def read():
    for line in sys.stdin:
        try:
            members.setdefault(int(line), psutil.Process(int(line)))
        except psutil.Error:
            pass
    closed.set()
def kids(pid):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found = []
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as listing:
                found += [int(kid) for kid in listing.read().split()]
        except OSError:
            pass
    return found
def widen():
    for pid in list(members):
        for kid in kids(pid):
            if kid not in members:
                try:
                    members[kid] = psutil.Process(kid)
                except psutil.Error:
                    pass
threading.Thread(target=read, daemon=True).start()
while not closed.wait(0.001):
    widen()
for _ in range(3):
    widen()
    for proc in list(members.values()):
        try:
            proc.suspend()
        except psutil.Error:
            pass
for proc in members.values():
    try:
        proc.kill()
    except psutil.Error:
        pass
"""


class _Function:
    """A kernel32 function: callable, with the restype and argtypes ctypes code sets."""

    def __init__(self, call):  # type: ignore[no-untyped-def]
        self._call, self.restype, self.argtypes = call, None, None

    def __call__(self, *args):  # type: ignore[no-untyped-def]
        return self._call(*args)


class _Kernel32:
    def __init__(self) -> None:
        self._jobs: dict[int, subprocess.Popen] = {}  # type: ignore[type-arg]
        self._limited: set[int] = set()
        self.CreateJobObjectW = _Function(self._create)
        self.OpenProcess = _Function(lambda access, inherit, pid: pid)  # a process's handle is its pid here
        self.SetInformationJobObject = _Function(self._limit)
        self.AssignProcessToJobObject = _Function(self._assign)
        self.CloseHandle = _Function(self._close)

    def _create(self, attributes, name):  # type: ignore[no-untyped-def]
        watcher = subprocess.Popen([sys.executable, "-c", _WATCHER], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        handle = 100_000 + watcher.pid
        self._jobs[handle] = watcher
        return handle

    def _limit(self, job, which, info, size):  # type: ignore[no-untyped-def]
        flags = info._obj.BasicLimitInformation.LimitFlags
        if job in self._jobs and which == 9 and flags & _KILL_ON_JOB_CLOSE:
            self._limited.add(job)
            return 1
        return 0

    def _assign(self, job, process):  # type: ignore[no-untyped-def]
        if job not in self._limited:
            return 0  # this fake only does what drilltutor asks of a real one
        watcher = self._jobs[job]
        watcher.stdin.write(f"{process}\n".encode())
        watcher.stdin.flush()
        return 1

    def _close(self, handle):  # type: ignore[no-untyped-def]
        watcher = self._jobs.pop(handle, None)
        if watcher is not None:
            self._limited.discard(handle)
            watcher.stdin.close()
            watcher.wait()
        return 1


_KERNEL32 = _Kernel32()


def _win_dll(name, use_last_error=False):  # type: ignore[no-untyped-def]
    if name.lower() != "kernel32":
        raise OSError(f"{name} is not simulated")
    return _KERNEL32


ctypes.WinDLL = _win_dll  # type: ignore[attr-defined]
