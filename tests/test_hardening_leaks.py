"""The leak check itself (conftest.py): it must see what a test leaves behind, or it proves nothing.

Each test leaks on purpose, asks the checker what it sees, then cleans up, so that the autouse
check that runs after it passes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import psutil
import pytest

from tests import leakcheck
from tests.waiting import eventually

pytestmark = pytest.mark.skipif(not leakcheck.available(), reason="this OS does not let the leak check read other processes' environments")


def _tag() -> str:
    return os.environ[leakcheck.TAG_ENV]


@pytest.mark.posix("the sleep command")
def test_sees_a_child_in_a_session_of_its_own() -> None:
    before = leakcheck.snapshot(_tag())
    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        procs, sockets = leakcheck.left_behind(before, _tag(), grace=0.2)
        assert [p.pid for p in procs] == [child.pid] and not sockets
    finally:
        child.kill()
        child.wait()
    assert leakcheck.left_behind(before, _tag(), grace=1) == ([], set())


@pytest.mark.posix("os.fork and setsid")
def test_sees_a_daemon_adopted_by_init_through_its_tag() -> None:
    before = leakcheck.snapshot(_tag())
    script = "import os, sys, time\nif os.fork():\n    os._exit(0)\nos.setsid()\nprint(os.getpid(), flush=True)\nsys.stdout.close()\ntime.sleep(60)\n"
    starter = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert starter.stdout is not None
    daemon = int(starter.stdout.readline())
    starter.wait()
    starter.stdout.close()
    try:
        procs, _ = leakcheck.left_behind(before, _tag(), grace=0.2)
        assert daemon in [p.pid for p in procs]
        assert next(p for p in procs if p.pid == daemon).ppid != os.getpid()  # not a descendant any more
    finally:
        leakcheck.stop(procs)
    assert leakcheck.left_behind(before, _tag(), grace=2) == ([], set())


def test_sees_a_listening_socket_and_a_listening_child() -> None:
    before = leakcheck.snapshot(_tag())
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    script = "import socket, time\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\nprint('up', flush=True)\ntime.sleep(60)\n"
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"up\n"
        procs, sockets = leakcheck.left_behind(before, _tag(), grace=0.2)
        assert {pid for pid, _ in sockets} == {os.getpid(), child.pid}
        assert [p.pid for p in procs] == [child.pid]
    finally:
        server.close()
        child.kill()
        child.wait()
        child.stdout.close()  # type: ignore[union-attr]
    assert eventually(lambda: leakcheck.left_behind(before, _tag(), grace=0) == ([], set()))


@pytest.mark.posix("the sleep command")
def test_a_test_that_leaks_fails_and_its_leak_is_stopped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The autouse fixture, in a pytest of its own: the leaking test errors, naming what it left."""
    from pathlib import Path

    (tmp_path / "conftest.py").write_text("from tests.conftest import _nothing_left_behind  # noqa: F401\n")
    pid_file = tmp_path / "pid"
    (tmp_path / "test_leaky.py").write_text(
        "import subprocess\n\n"
        "def test_leaks():\n"
        f"    child = subprocess.Popen(['sleep', '61'], start_new_session=True)\n"
        f"    open({str(pid_file)!r}, 'w').write(str(child.pid))\n\n"
        "def test_clean():\n"
        "    pass\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 passed, 1 error" in done.stdout, done.stdout  # the leaking test's call passed; its teardown errs
    assert "ERROR at teardown of test_leaks" in done.stdout and "the test left behind" in done.stdout and "sleep 61" in done.stdout
    pid = int(pid_file.read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
