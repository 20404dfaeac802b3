"""Waiting for an event in a test, so that a slow machine makes the test wait longer, never fail.

A deadline here is a backstop against a hang, never a claim about speed: it is generous, and a
wait ends the moment its event has happened. Claims about speed live in bench/.
"""

from __future__ import annotations

import concurrent.futures
import time
from typing import Callable, TypeVar

T = TypeVar("T")

PATIENCE = 120.0  # seconds: far past anything a loaded CI machine takes, far short of forever


def eventually(happened: Callable[[], bool], within: float = PATIENCE, every: float = 0.05) -> bool:
    """Whether `happened()` came true before `within` seconds passed; asks again every `every` seconds."""
    deadline = time.monotonic() + within
    while not happened():
        if time.monotonic() > deadline:
            return happened()
        time.sleep(every)
    return True


def finishes(call: Callable[[], T], within: float = PATIENCE) -> T:
    """`call()`'s result; a call still running after `within` seconds fails the test as a hang, rather than hanging it."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(call).result(timeout=within)
    except concurrent.futures.TimeoutError:
        raise AssertionError(f"still running after {within:g} s: it hangs") from None
    finally:
        pool.shutdown(wait=False)
