"""The limits every run keeps, shared by the runner, the harness and the suite driver."""

from __future__ import annotations

import mmap

FILE_SIZE_LIMIT = 32 * 1024 * 1024  # bytes: a file written without end is refused (RLIMIT_FSIZE), the disk kept
PROCESS_LIMIT = 40  # processes in a run's tree at once; the drills' own need fewer than ten
# Time limits count CPU, so a loaded machine only makes a run slower. A run that sleeps uses
# none: it ends at this many times its limit, on the wall clock. Six times, not "+60 s": a
# learner's `uvicorn.run(app)` at import should cost a minute at the default limit, not more.
BACKSTOP_FACTOR = 6.0


def backstop(cpu_limit: float) -> float:
    """Wall-clock seconds after which a run (or a request) that used less than `cpu_limit` s of CPU ends anyway."""
    return BACKSTOP_FACTOR * cpu_limit


def megabytes(size: int) -> str:
    return f"{size / 1024**2:g} MB"


TOO_LARGE = f"wrote a file larger than {megabytes(FILE_SIZE_LIMIT)} (the most a run may write)"
TOO_LARGE_FIX = "Look for a loop that writes to a file without end; a drill's files are a few kilobytes."


def too_large(exc: BaseException) -> bool:
    """The file-size limit refused a write (Python ignores SIGXFSZ, so the write raises EFBIG)."""
    import errno

    return isinstance(exc, OSError) and exc.errno == errno.EFBIG


class Reserve:
    """Memory held back, given up when the rest has run out, so that an answer can still be sent.

    An anonymous mapping: it holds address space, which is what the memory limit (RLIMIT_AS)
    counts, without touching a page. A bytearray's zeroed pages cost 2 ms of each run's start.
    """

    def __init__(self, size: int = 4 * 1024 * 1024) -> None:
        self._room: mmap.mmap | None = mmap.mmap(-1, size)

    def release(self) -> None:
        if self._room is not None:
            self._room.close()
            self._room = None
