"""Learner tracebacks, trimmed to the frames in the learner's own file."""

from __future__ import annotations

import os
import traceback

from drilltutor.packages import pip_line  # not lazily: one_line runs in server threads, where an import can deadlock


def trimmed(exc: BaseException, learner_file: str) -> str:
    """The exception as the learner should see it: their frames only, then the error line."""
    target = os.path.realpath(learner_file)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) == target]
    lines = ["Traceback (your file only):\n", *traceback.format_list(frames)] if frames else []
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def one_line(exc: BaseException) -> str:
    """`Type: message`, the exception's own line, plus the pip line when a package it needs is missing.

    Not the last line of the formatted exception: a pydantic ValidationError ends with its
    help URL, and a message can span lines. A SyntaxError's type line comes after its code.
    """
    lines = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    qualified = f"{type(exc).__module__}.{type(exc).__qualname__}"
    at = next((i for i, line in enumerate(lines) if line.split(":")[0] in (type(exc).__qualname__, qualified)), None)
    if at is None:
        return type(exc).__name__
    message = lines[at].partition(":")[2].strip()
    detail = [line.strip() for line in lines[at + 1 : at + 3] if line.strip() and not line.strip().startswith("For further information")]
    text = f"{type(exc).__name__}: " + " · ".join([message, *detail]) if message else type(exc).__name__
    install = _missing_package(exc)
    return f"{text} (install it: {install})" if install and "pip install" not in text else text


def _missing_package(exc: BaseException) -> str | None:
    """The pip line for the module an ImportError (or the one it was raised from) could not find."""
    for error in (exc, exc.__cause__, exc.__context__):
        if isinstance(error, ImportError) and pip_line(error.name):
            return pip_line(error.name)
    return None


def clip(text: str, limit: int) -> str:
    """`text` at most `limit` characters, ending in … when it was cut: a hash cut short must not pass for a whole one."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
