"""What a drill's hidden `checks.py` imports to declare its checks."""

from __future__ import annotations

from typing import Any

from drilltutor.checking import jwtcodec
from drilltutor.checking.context import Ctx
from drilltutor.checking.spec import Advice, CheckSpec, Crash, Failure, check, explains_crash, explains_failure, kit, shared

__all__ = ["Advice", "AppHung", "CheckSpec", "Client", "Crash", "Ctx", "Failure", "Response", "check", "explains_crash", "explains_failure", "jwtcodec", "kit", "shared"]


def __getattr__(name: str) -> Any:
    # The HTTP side pulls in httpx; script drills never need it, so it loads on first use.
    if name in ("AppHung", "Client", "Response"):
        from drilltutor.checking import http

        return getattr(http, name)
    raise AttributeError(name)
