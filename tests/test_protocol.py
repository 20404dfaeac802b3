"""One wire format: a pipe or a file carries the frames a socket does."""

from __future__ import annotations

import io
import os
import socket

import pytest

from drilltutor import protocol


def test_a_pipe_carries_what_a_socket_does() -> None:
    message = {"file": "answer.py", "env": {"A": "1"}, "checks": ["a", "b"]}
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as reading, os.fdopen(write_end, "wb") as writing:
        protocol.write(writing, message)
        protocol.write(writing, {"done": True})
        writing.close()
        assert protocol.read(reading) == message
        assert protocol.read(reading) == {"done": True}
        assert protocol.read(reading) is None  # the end of the pipe
    ours, theirs = socket.socketpair()
    with ours, theirs:
        protocol.send(ours, message)
        assert protocol.receive(theirs) == message
        ours.sendall(protocol.frame(message))
        assert protocol.receive(theirs) == message


def test_a_file_stopped_mid_write_reads_up_to_where_it_stopped() -> None:
    whole = protocol.frame({"event": "start", "test": "t::a"}) + protocol.frame({"event": "finish", "test": "t::a"})
    cut = whole + protocol.frame({"event": "start", "test": "t::b"})[:-3]
    stream = io.BytesIO(cut)
    assert [protocol.read(stream), protocol.read(stream), protocol.read(stream)] == [
        {"event": "start", "test": "t::a"},
        {"event": "finish", "test": "t::a"},
        None,
    ]


def test_what_is_no_message_is_refused_not_run() -> None:
    with pytest.raises(protocol.LinkGarbled):
        protocol.read(io.BytesIO(len(b"[1, 2]").to_bytes(4, "big") + b"[1, 2]"))  # JSON, but no object
    with pytest.raises(protocol.LinkGarbled):
        protocol.read(io.BytesIO((2**31).to_bytes(4, "big") + b"{}"))


def test_the_keeper_passes_a_job_on_once_it_has_all_come() -> None:
    job = protocol.frame({"file": "x" * 70_000})
    assert protocol.frame_end(job[:3]) is None
    assert protocol.frame_end(job[:-1]) is None
    assert protocol.frame_end(job) == len(job)
    assert protocol.frame_end(job + b"more") == len(job)
