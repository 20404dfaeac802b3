"""Learner tracebacks, trimmed to the frames in the learner's own file."""

from __future__ import annotations

import os
import traceback


def trimmed(exc: BaseException, learner_file: str) -> str:
    """The exception as the learner should see it: their frames only, then the error line."""
    target = os.path.realpath(learner_file)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) == target]
    lines = ["Traceback (your file only):\n", *traceback.format_list(frames)] if frames else []
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def one_line(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    return text[-1] if text else type(exc).__name__
