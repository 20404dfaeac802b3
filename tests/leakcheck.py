"""What a test leaves running: processes it started and TCP sockets they listen on (Linux /proc).

A process counts as the test's when it descends from the test process, or when it carries
the test's tag in its environment: that also finds a daemon that left its session and was
adopted by init. Each process is named by (pid, start time), so a reused pid is not mixed up.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

TAG_ENV = "LEAKCHECK_TAG"  # not DRILLTUTOR_*: the runner strips those from the learner's environment
PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    started: int  # clock ticks after boot; with the pid, names one process for good
    ppid: int
    state: str

    def describe(self) -> str:
        try:
            cmd = (PROC / str(self.pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            cmd = "?"
        return f"pid {self.pid} ({self.state}) {cmd[:160]}"


def available() -> bool:
    return (PROC / "self" / "stat").exists()


def _stat(pid: int) -> Proc | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses
    return Proc(pid, int(fields[19]), int(fields[1]), fields[0])


def _all() -> list[Proc]:
    found = []
    for name in os.listdir(PROC):
        if name.isdigit() and (proc := _stat(int(name))) is not None:
            found.append(proc)
    return found


def _tagged(pid: int, needle: bytes) -> bool:
    try:
        return needle in (PROC / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return False


def processes(root: int, tag: str) -> set[Proc]:
    """Live processes below `root`, plus any carrying the tag; zombies only when `root` must reap them."""
    everything = _all()
    children: dict[int, list[Proc]] = {}
    for proc in everything:
        children.setdefault(proc.ppid, []).append(proc)
    below: set[Proc] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in below:
                below.add(child)
                todo.append(child.pid)
    needle = f"{TAG_ENV}={tag}".encode()
    mine = below | {p for p in everything if p.pid != root and p not in below and _tagged(p.pid, needle)}
    return {p for p in mine if p.state != "Z" or p.ppid == root}


def _listening_inodes() -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A":  # LISTEN
                inodes.add(fields[9])
    return inodes


def listening(pids: set[int]) -> set[tuple[int, str]]:
    """(pid, socket inode) of every listening TCP socket those processes hold."""
    wanted = _listening_inodes()
    held = set()
    for pid in pids:
        try:
            fds = os.listdir(PROC / str(pid) / "fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(PROC / str(pid) / "fd" / fd)
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in wanted:
                held.add((pid, link[8:-1]))
    return held


@dataclass
class Snapshot:
    procs: set[Proc]
    sockets: set[tuple[int, str]]


def snapshot(tag: str) -> Snapshot:
    me = os.getpid()
    procs = processes(me, tag)
    return Snapshot(procs, listening({me} | {p.pid for p in procs}))


def left_behind(before: Snapshot, tag: str, grace: float = 30.0) -> tuple[list[Proc], set[tuple[int, str]]]:
    """What is still there after the test, once a grace period for exiting processes has passed.

    The grace ends the moment nothing is left, so it costs a clean test nothing; it is long
    because a loaded machine can take seconds to let a stopped process go, and that is no leak.
    """
    deadline = time.monotonic() + grace
    while True:
        now = snapshot(tag)
        procs = sorted(now.procs - before.procs, key=lambda p: p.pid)
        sockets = now.sockets - before.sockets
        if (not procs and not sockets) or time.monotonic() > deadline:
            return procs, sockets
        time.sleep(0.05)


def stop(procs: list[Proc]) -> None:
    """Kill what a test leaked, by pid, after checking the pid still names the same process."""
    for proc in procs:
        current = _stat(proc.pid)
        if current is not None and current.started == proc.started and current.state != "Z":
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        if proc.ppid == os.getpid():  # ours to reap
            deadline = time.monotonic() + 1
            try:
                while os.waitpid(proc.pid, os.WNOHANG) == (0, 0) and time.monotonic() < deadline:
                    time.sleep(0.01)
            except ChildProcessError:
                pass
