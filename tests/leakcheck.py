"""What a test leaves running: processes it started and TCP sockets they listen on (psutil, on every OS).

A process counts as the test's when it descends from the test process, or when it carries
the test's tag in its environment: that also finds a daemon that left its session and was
adopted by init. Each process is named by (pid, start time), so a reused pid is not mixed up.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

import psutil

TAG_ENV = "LEAKCHECK_TAG"  # not DRILLTUTOR_*: the runner strips those from the learner's environment


@dataclass(frozen=True)
class Proc:
    pid: int
    started: float  # psutil's create_time; with the pid, names one process for good
    ppid: int
    state: str

    def describe(self) -> str:
        try:
            cmd = " ".join(psutil.Process(self.pid).cmdline())
        except psutil.Error:
            cmd = "?"
        return f"pid {self.pid} ({self.state}) {cmd[:160]}"


def available() -> bool:
    """Whether this OS lets a process read other processes' environments, which the tag needs."""
    try:
        psutil.Process().environ()
    except (psutil.Error, NotImplementedError):
        return False
    return True


def _proc(process: psutil.Process) -> Proc | None:
    try:
        with process.oneshot():
            return Proc(process.pid, process.create_time(), process.ppid(), process.status())
    except psutil.Error:
        return None


def _tagged(process: psutil.Process, tag: str) -> bool:
    try:
        return process.environ().get(TAG_ENV) == tag
    except psutil.Error:  # another user's process, or gone
        return False


def processes(root: int, tag: str) -> set[Proc]:
    """Live processes below `root`, plus any carrying the tag; zombies only when `root` must reap them."""
    everything = {proc: process for process in psutil.process_iter() if (proc := _proc(process)) is not None}
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
    mine = below | {p for p, process in everything.items() if p.pid != root and p not in below and _tagged(process, tag)}
    return {p for p in mine if p.state != psutil.STATUS_ZOMBIE or p.ppid == root}


def listening(pids: set[int]) -> set[tuple[int, str]]:
    """(pid, "address:port") of every listening TCP socket those processes hold."""
    held = set()
    for pid in pids:
        try:
            connections = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.Error:
            continue
        for conn in connections:
            if conn.status == psutil.CONN_LISTEN:
                held.add((pid, f"{conn.laddr.ip}:{conn.laddr.port}"))
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
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(proc.pid)
            if process.create_time() == proc.started and process.status() != psutil.STATUS_ZOMBIE:
                process.kill()
        if proc.ppid == os.getpid():  # ours to reap
            with contextlib.suppress(psutil.Error):
                psutil.Process(proc.pid).wait(timeout=1)
