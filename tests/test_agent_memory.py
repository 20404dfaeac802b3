"""The agent when the learner's code has used the memory up: every request is still answered, or
the agent ends so that the judge hears it; never a request left without an answer.

Seen under load: a handler that hoarded memory until MemoryError left the process's address
space full (the allocator keeps what was freed), so the next request, which found the main
thread still busy, could not get a thread of its own; the reader died, and the judge waited for
an answer to the run's last request until the run's wall-clock backstop.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from drilltutor import agent as agent_module
from drilltutor import protocol
from drilltutor.agent import Agent
from drilltutor.checking.remote import Link
from drilltutor.protocol import AgentJob
from drilltutor.runner import Ending, RunOptions, _how_it_ended
from tests.waiting import eventually, finishes


def _exit_the_thread(code: int) -> None:
    """os._exit in the agent: here it ends the agent's thread, not the test's process."""
    raise SystemExit(code)


def _quietly(read: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        with contextlib.suppress(SystemExit):  # how _exit_the_thread ends it; anything else still shows
            read()

    return run


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Agent, Link]]:
    monkeypatch.setattr(agent_module, "os", SimpleNamespace(_exit=_exit_the_thread))
    ours, theirs = socket.socketpair()
    agent = Agent(theirs, AgentJob(file=str(tmp_path / "mine.py"), mode="module", output_cap=1000, request_timeout=5.0))
    monkeypatch.setattr(agent, "_read", _quietly(agent._read))
    before = set(threading.enumerate())
    threading.Thread(target=agent.serve, daemon=True).start()  # serve() is the agent's main thread
    link = Link(ours)
    yield agent, link
    link.close()
    for thread in set(threading.enumerate()) - before:  # the reader ends at the closed link, before os is given back
        if thread.name == "drilltutor-agent-link":
            _join(thread)
    theirs.close()


def _join(thread: threading.Thread) -> None:
    """enumerate() also lists a thread whose start() has not yet set it running, and join() refuses
    that one: wait until it runs (a loaded machine is slow to schedule it), then join."""
    deadline = time.monotonic() + 60
    while True:
        try:
            thread.join(60)
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _call(link: Link, name: str, *args: Any) -> Any:
    return link.ask_later("call", target=name, args=protocol.encode(list(args), None), kwargs=protocol.encode({}, None))


class _NoRoomForAThread:
    """threading.Thread where no thread's stack fits any more."""

    tried = threading.Event()

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def start(self) -> None:
        self.tried.set()
        raise RuntimeError("can't start new thread")


def test_a_request_that_finds_no_room_for_a_thread_is_answered_by_the_main_thread(served: tuple[Agent, Link], monkeypatch: pytest.MonkeyPatch) -> None:
    agent, link = served
    release = threading.Event()
    agent.namespace = {"busy": lambda: release.wait(60), "ping": lambda: "pong"}
    busy = _call(link, "busy")
    assert eventually(lambda: agent._main_busy)  # the main thread has taken the first request
    monkeypatch.setattr(agent_module, "threading", SimpleNamespace(Thread=_NoRoomForAThread))
    _NoRoomForAThread.tried.clear()
    ping = _call(link, "ping")  # the main thread is busy: this one would need a thread of its own
    assert _NoRoomForAThread.tried.wait(60)
    release.set()
    answer = finishes(lambda: link.wait(busy))
    assert answer.get("value") is True, answer
    assert finishes(lambda: link.wait(ping))["value"] == "pong"


def test_an_answer_that_runs_out_of_memory_is_answered_as_memory(served: tuple[Agent, Link], monkeypatch: pytest.MonkeyPatch) -> None:
    agent, link = served
    agent.namespace = {"ping": lambda: "pong"}
    real_send, failures = protocol.send, [MemoryError()]

    def send(sock: socket.socket, message: dict[str, Any], fds: Sequence[int] = ()) -> None:
        if failures and "value" in message:  # the agent's answer, not the request (both ends share the module)
            raise failures.pop()
        real_send(sock, message, fds)

    monkeypatch.setattr(agent_module.protocol, "send", send)
    answer = finishes(lambda: link.wait(_call(link, "ping")))
    assert answer["raised"]["kind"] == "memory", answer


def test_a_reader_out_of_memory_ends_the_agent_with_its_own_status(served: tuple[Agent, Link], monkeypatch: pytest.MonkeyPatch) -> None:
    agent, _ = served
    ended: list[int] = []

    def receive(sock: socket.socket) -> dict[str, Any]:
        raise MemoryError

    monkeypatch.setattr(agent_module, "protocol", SimpleNamespace(receive=receive, LinkClosed=protocol.LinkClosed, AGENT_OUT_OF_MEMORY=protocol.AGENT_OUT_OF_MEMORY))

    def read() -> None:
        try:
            Agent._read(agent)  # not the fixture's quiet reader: this one's exit status is the point
        except SystemExit as exit:
            ended.append(int(str(exit.code)))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(60)
    assert ended == [protocol.AGENT_OUT_OF_MEMORY]


def test_that_status_reads_as_memory_not_as_an_exit_of_the_learners() -> None:
    kind, what, fix = _how_it_ended(Ending(None, protocol.AGENT_OUT_OF_MEMORY, RunOptions()))
    assert (kind, what) == ("memory", "ran out of memory while answering the checks")
    assert "grows without end" in fix
