"""An Apple-Silicon-macOS-like Python on Linux, for tests/test_platforms.py (see ../README.md)."""

from __future__ import annotations

import os
import resource

_setrlimit = resource.setrlimit
_REFUSED = {resource.RLIMIT_AS, resource.RLIMIT_DATA}


def _macos_setrlimit(which: int, limits: tuple[int, int]) -> None:
    if which in _REFUSED and limits[0] != resource.RLIM_INFINITY:
        raise ValueError("current limit exceeds maximum limit")  # EINVAL, as Python reports it there
    _setrlimit(which, limits)


resource.setrlimit = _macos_setrlimit
if hasattr(os, "pidfd_open"):
    del os.pidfd_open
