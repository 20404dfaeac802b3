"""The one error type the CLI catches, and the exit codes it maps to."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1  # a check failed, or the learner's file could not run
    BAD_INPUT = 2  # unknown drill, missing file, bad option: the tool was used wrongly
    BROKEN = 1  # doctor found a broken environment


class DrilltutorError(Exception):
    """A problem the user can fix; the message is shown as it is, without a traceback."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.BAD_INPUT, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.hint = hint
