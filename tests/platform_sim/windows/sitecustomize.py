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
