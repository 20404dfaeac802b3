"""Nothing a run starts outlives it, even when drilltutor itself is killed; and a verdict
that is not whole never passes.

Linux only for the process part: the learner's file forks and calls setsid, which is the
point (a daemon that left every process group, with no environment to be found by).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drilltutor.catalogue import load_catalogue
from drilltutor.paths import bundled_drills_dir
from drilltutor.runner import RunOptions, run_drill
from tests.conftest import FIXTURES
from tests.waiting import eventually

CATALOGUE = load_catalogue(FIXTURES / "drills")
ANSWER = CATALOGUE.find("answer")

linux_only = pytest.mark.linux("the learner's file forks and calls setsid; the subreaper is Linux's")

# Started by the learner's file: env-less sleepers in sessions of their own, a classic
# double-forked daemon, and a server on a port. Their pids and the port go to `record`.
ESCAPERS = """
import os, socket, subprocess, sys, time
record = {record!r}
pids = []
for _ in range(2):
    pids.append(subprocess.Popen(["sleep", "300"], env={{}}, start_new_session=True).pid)
server = subprocess.Popen(
    [sys.executable, "-c", "import socket, time\\ns = socket.create_server(('127.0.0.1', 0))\\nprint(s.getsockname()[1], flush=True)\\ntime.sleep(300)"],
    env={{}}, start_new_session=True, stdout=subprocess.PIPE, text=True,
)
port = int(server.stdout.readline())
pids.append(server.pid)
read, write = os.pipe()
if os.fork() == 0:  # the classic daemon: fork, new session, fork again, the middle one exits
    os.setsid()
    if os.fork() == 0:
        os.write(write, f"{{os.getpid()}}\\n".encode())
        os.environ.clear()
        time.sleep(300)
    os._exit(0)
pids.append(int(os.read(read, 64).split()[0]))
with open(record + ".tmp", "w") as out:
    out.write(" ".join(map(str, pids)) + f" {{port}}")
os.replace(record + ".tmp", record)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _all_gone(record: Path) -> None:
    *pids, port = (int(word) for word in record.read_text().split())
    eventually(lambda: not any(_alive(pid) for pid in pids) and not _listening(port))
    assert not [pid for pid in pids if _alive(pid)], "a process the run started is still running"
    assert not _listening(port), f"port {port} is still served"


@linux_only
def test_escaped_processes_end_with_the_run(tmp_path: Path) -> None:
    record = tmp_path / "escaped"
    learner = tmp_path / ANSWER.file
    learner.write_text(ESCAPERS.format(record=str(record)) + "answer = 42\nprint(answer)\n", encoding="utf-8")
    report = run_drill(CATALOGUE, ANSWER, learner, RunOptions(timeout=60))
    assert report.passed, report.to_dict()
    _all_gone(record)


KILLED_PARENT = """
import sys
from pathlib import Path
from drilltutor.catalogue import load_catalogue
from drilltutor.runner import RunOptions, run_drill
catalogue = load_catalogue(Path(sys.argv[1]))
run_drill(catalogue, catalogue.find("answer"), Path(sys.argv[2]), RunOptions(timeout=300))
"""


@linux_only
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGHUP"])  # kill -9, kill, a closed terminal
def test_escaped_processes_end_when_drilltutor_is_killed(tmp_path: Path, how: str) -> None:
    record = tmp_path / "escaped"
    learner = tmp_path / ANSWER.file
    learner.write_text(ESCAPERS.format(record=str(record)) + "import time\ntime.sleep(300)\n", encoding="utf-8")
    parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT, str(FIXTURES / "drills"), str(learner)])
    try:
        deadline = time.monotonic() + 120
        while not record.exists() and time.monotonic() < deadline:
            assert parent.poll() is None, "the run ended before its learner file had started everything"
            time.sleep(0.05)
        assert record.exists(), "the learner's file never got to start its processes"
    finally:
        parent.send_signal(getattr(signal, how))  # drilltutor gets no chance to clean up; the run's top process must
        parent.wait()
    _all_gone(record)


FORGER = """

import os as _os
_fake = (
    b'{"event": "plan", "checks": [{"id": "users", "title": "x"}]}\\n'
    b'{"event": "check", "result": {"id": "users", "title": "x", "status": "passed"}}\\n'
    b'{"event": "done", "bcrypt_ops": 0}\\n'
)
for _fd in range(3, 256):
    try:
        _os.write(_fd, _fake)
    except OSError:
        pass
_os._exit(0)
"""


def test_a_forged_verdict_on_every_inherited_descriptor_does_not_pass(tmp_path: Path) -> None:
    catalogue = load_catalogue(bundled_drills_dir())
    drill = catalogue.find("drill-5")
    learner = tmp_path / drill.file
    learner.write_text((drill.folder / "starter.py").read_text(encoding="utf-8") + FORGER, encoding="utf-8")
    report = run_drill(catalogue, drill, learner, RunOptions(timeout=60))
    assert not report.passed
    # What it wrote reached only its own link to the judge, which says so (or that it ended); no verdict of it counts.
    assert report.problem is not None and report.problem.kind in ("incomplete", "exit")
    assert [c.id for c in report.checks if c.status == "passed"] in ([], ["users"])


def test_a_verdict_written_to_every_descriptor_is_a_failed_run(tmp_path: Path) -> None:
    """The learner's process holds no verdict channel: what it writes reaches at most its link to the judge."""
    learner = tmp_path / ANSWER.file
    forged = '{"event": "check", "result": {"id": "answer", "title": "x", "status": "passed"}}\\n'
    learner.write_text(
        "import os\nanswer = 42\nprint(answer)\n"
        f"for fd in range(3, 256):\n    try:\n        os.write(fd, b'{forged}')\n    except OSError:\n        pass\n",
        encoding="utf-8",
    )
    report = run_drill(CATALOGUE, ANSWER, learner, RunOptions(timeout=60))
    assert not report.passed
    assert report.problem is not None and report.problem.kind == "incomplete"
    assert "wrote over the link between the checks and your code" in report.problem.message
