"""The learner's progress: one JSON file, written atomically under a lock.

A damaged file is moved aside (kept, never overwritten) and reported through
`ProgressStore.notices`; the learner starts afresh without losing the old bytes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
import zlib
from dataclasses import fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from drilltutor.errors import DrilltutorError
# The statuses are DrillEntry.status's; named here too, where the commands have always found them.
from drilltutor.models import ATTEMPTED as ATTEMPTED
from drilltutor.models import NEW as NEW
from drilltutor.models import PASSED as PASSED
from drilltutor.models import REVEALED as REVEALED
from drilltutor.models import DrillEntry

SCHEMA_VERSION = 2



class ProgressError(DrilltutorError):
    """Progress could not be read or saved."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def empty() -> dict[str, Any]:
    return {"schema": SCHEMA_VERSION, "drills": {}, "checklist": {}, "cards": {}}


def _v1_to_v2(data: dict[str, Any]) -> None:
    """Schema 2 added flash-card review state."""
    data.setdefault("cards", {})


# Each step takes a file of schema N to N + 1, in place.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], None]] = {1: _v1_to_v2}


class NewerSchema(ProgressError):
    """The file was written by a newer drilltutor; it is left exactly as it is."""


class _NoLock(ProgressError):
    """The lock file cannot be opened: a read-only home. Reading is still safe (writes are atomic renames)."""


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)

MAX_BYTES = 16 * 1024 * 1024  # years of cards and runs take well under a megabyte; past this it is not our file


class NotAProgressFile(Exception):
    """What stands at the progress path is no file drilltutor wrote: a FIFO, a device, something huge."""


def read_capped(path: Path) -> bytes:
    """The file's bytes, or NotAProgressFile without blocking or filling memory.

    Opened without blocking and checked by type on the open descriptor (a FIFO would wait for a
    writer forever; a link to /dev/zero never ends), and read no further than MAX_BYTES.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):  # said as a read error, as before: a folder is not moved aside
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise NotAProgressFile(f"it is {_kind(mode)}, not a regular file")
        with os.fdopen(os.dup(fd), "rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:
        raise NotAProgressFile(f"it is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return raw


def _kind(mode: int) -> str:
    kinds = {stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}
    return next((name for test, name in kinds.items() if test(mode)), "not a plain file")


def drill_progress(data: dict[str, Any], drill_id: str) -> DrillEntry:
    """The drill's record. A file is checked against the model when it is read (unless drilltutor
    wrote it exactly so), so the keys are known good; keys of a newer drilltutor are left out."""
    entry = data["drills"].get(drill_id, {})
    return DrillEntry(**{key: value for key, value in entry.items() if key in _ENTRY_KEYS})


_ENTRY_KEYS = frozenset(field.name for field in fields(DrillEntry))


class ProgressStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.notices: list[str] = []

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # The OS's own lock on each OS (flock, LockFileEx). Imported here: filelock brings
        # logging, inspect and hmac, a third of `list`'s start-up, which needs no lock when no
        # progress file exists yet.
        from filelock import FileLock

        lock = FileLock(self.path.with_name(self.path.name + ".lock"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except OSError as exc:
            raise _NoLock(
                f"Progress not saved: cannot write in the progress folder {self.path.parent} ({exc.strerror}). "
                f"Fix its permissions, or set DRILLTUTOR_HOME to a folder you can write to."
            ) from None
        try:
            yield
        finally:
            lock.release()

    def _read_unlocked(self) -> dict[str, Any]:
        try:
            raw = read_capped(self.path)
        except FileNotFoundError:
            return empty()
        except NotAProgressFile as exc:
            return self._set_aside(str(exc))
        except OSError as exc:
            raise ProgressError(f"Cannot read {self.path}: {exc.strerror}.") from None
        try:
            data = json.loads(raw)
            _migrate(data, self.path)
            _validate(data)
        except (ValueError, TypeError, RecursionError) as exc:  # RecursionError: JSON nested without end
            return self._set_aside(str(exc) or type(exc).__name__)
        data.pop(SEAL, None)
        return data

    def _set_aside(self, why: str) -> dict[str, Any]:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        kept = self.path.with_name(f"progress.damaged-{stamp}.json")
        try:
            os.replace(self.path, kept)
        except OSError as exc:
            raise ProgressError(
                f"Your progress file {self.path} is damaged ({why}) and could not be moved aside ({exc.strerror}); "
                "it was left as it is. Move it away yourself to start afresh."
            ) from None
        self.notices.append(f"Your progress file was damaged ({why}). It was moved to {kept} and a new one started.")
        return empty()

    def _note_home_not_a_folder(self) -> None:
        """A home that is a file cannot hold progress: say so on every command, not only on a write."""
        home = self.path.parent
        if home.exists() and not home.is_dir():
            notice = f"{home} is a file, not a folder, so your progress cannot be read or saved there. Set DRILLTUTOR_HOME to a folder."
            if notice not in self.notices:
                self.notices.append(notice)

    def read(self) -> dict[str, Any]:
        self._note_home_not_a_folder()
        try:
            if not self.path.exists():
                return empty()
        except OSError as exc:
            raise ProgressError(f"Cannot read {self.path}: {exc.strerror}.") from None
        try:
            with self._locked():
                return self._read_unlocked()
        except _NoLock:  # a read-only home can still be read
            return self._read_unlocked()

    def update(self, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Read, change and write back under the lock, so concurrent runs lose nothing."""
        with self._locked():
            data = self._read_unlocked()
            change(data)
            self._write_unlocked(sealed(data))
            return data

    def _write_unlocked(self, data: dict[str, Any]) -> None:
        text = json.dumps(data, indent=2, sort_keys=True)
        for stale in self.path.parent.glob(".progress-*.tmp"):  # left by a writer killed mid-write; under the lock, none is live
            with contextlib.suppress(OSError):
                stale.unlink()
        try:
            fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(text)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, self.path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as exc:
            full = "; the disk may be full" if exc.errno in _FULL else ""
            raise ProgressError(f"Progress not saved to {self.path}: {exc.strerror or exc}{full}. The file there is unchanged.") from None


def _migrate(data: Any, path: Path) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("schema"), int):
        raise ValueError("no schema version")
    if data["schema"] > SCHEMA_VERSION:
        raise NewerSchema(
            f"{path} was written by a newer drilltutor (schema {data['schema']}; this one knows {SCHEMA_VERSION}).",
            hint="Upgrade drilltutor; the file was left as it is.",
        )
    while data["schema"] < SCHEMA_VERSION:
        step = MIGRATIONS.get(data["schema"])
        if step is None:
            raise ValueError(f"schema version {data['schema']} cannot be migrated")
        step(data)
        data["schema"] += 1


SEAL = "written_crc"  # the file's own checksum: matches only while the file is exactly as drilltutor wrote it


def _crc(data: dict[str, Any]) -> int:
    # zlib is imported already (the start-up budget), and a checksum only has to notice a hand edit, not resist an attacker
    body = {k: v for k, v in data.items() if k != SEAL}
    return zlib.crc32(json.dumps(body, sort_keys=True).encode())


def sealed(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, SEAL: _crc(data)}


def _validate(data: dict[str, Any]) -> None:
    """A file drilltutor wrote is known good; any other (edited by hand, older) is checked against the schema."""
    if data.get(SEAL) == _crc(data):
        return
    from drilltutor.models import progress_problems

    found = progress_problems({k: v for k, v in data.items() if k != SEAL})
    if found:
        raise ValueError(found)


# Changes -------------------------------------------------------------------------


def _entry(data: dict[str, Any], drill_id: str) -> dict[str, Any]:
    return data["drills"].setdefault(drill_id, {})


def record_run(drill_id: str, passed: bool) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        entry = _entry(data, drill_id)
        stamp = now()
        entry["attempts"] = int(entry.get("attempts", 0)) + 1
        entry.setdefault("first_attempt", stamp)
        entry["last_attempt"] = stamp
        if passed and not entry.get("passed_at"):
            entry["passed_at"] = stamp
            # the order, which equal stamps cannot tell; a reveal made after an earlier pass (then reset) does not count
            entry["passed_after_reveal"] = bool(entry.get("revealed_at")) and not entry.get("revealed_after_pass")

    return change


def record_start(drill_id: str) -> Callable[[dict[str, Any]], None]:
    """The drill was reached: its flash cards join the deck."""

    def change(data: dict[str, Any]) -> None:
        _entry(data, drill_id).setdefault("started_at", now())

    return change


def record_reveal(drill_id: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        entry = _entry(data, drill_id)
        if not entry.get("passed_at") and entry.pop("revealed_after_pass", None):
            entry.pop("revealed_at", None)  # seen again before passing again: this reveal is the one that counts
        entry.setdefault("revealed_at", now())

    return change


def set_ticked(item_id: str, ticked: bool) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        if ticked:
            data["checklist"].setdefault(item_id, now())
        else:
            data["checklist"].pop(item_id, None)

    return change


def record_hint(drill_id: str, number: int) -> Callable[[dict[str, Any]], None]:
    """`hints_used` is the highest rung of the hint ladder opened so far."""

    def change(data: dict[str, Any]) -> None:
        entry = _entry(data, drill_id)
        entry["hints_used"] = max(int(entry.get("hints_used", 0)), number)

    return change


def clear_drill(drill_id: str) -> Callable[[dict[str, Any]], None]:
    """A fresh start on one drill: its status, and the tick of its own "without looking" item
    (a claim the drill no longer shows; ticking it again asks first). An earlier reveal stays on record.

    A reveal made before the drill was passed counts against the next pass too ("after reveal").
    One made after passing it (to compare) is kept as `revealed_after_pass`: the status is
    "new" again and the next pass is a plain pass.
    """

    def change(data: dict[str, Any]) -> None:
        before = drill_progress(data, drill_id)
        old = data["drills"].pop(drill_id, {})
        data["checklist"].pop(drill_id, None)
        if before.revealed_at:
            kept: dict[str, Any] = {"revealed_at": before.revealed_at}
            if old.get("revealed_after_pass") or (before.passed_at and not before.revealed_before_pass):
                kept["revealed_after_pass"] = True
            data["drills"][drill_id] = kept

    return change


def clear_all() -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data.clear()
        data.update(empty())

    return change
