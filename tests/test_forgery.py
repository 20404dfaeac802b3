"""The forgery catalogue: a wrong file stays wrong whatever it does to drilltutor from its own process.

Each forgery is a wrong drill-1 file (its `pwd` keeps passwords in plain text) with a part
that tries to turn its verdict into a pass by one mechanism, written by someone who has read
drilltutor's source. Each must fail without its forgery part and still fail with it, under a
cold `run` and under the warm runner `watch` uses (a judge forked from the zygote).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from drilltutor.catalogue import load_catalogue
from drilltutor.paths import bundled_drills_dir
from drilltutor.results import RunReport
from drilltutor.runner import RunOptions, declared_checks, run_drill
from drilltutor.warm import WarmRunner

CATALOGUE = load_catalogue(bundled_drills_dir())
DRILL = CATALOGUE.find("drill-1")
OPTIONS = RunOptions(timeout=60.0, bcrypt_cost=4)

WRONG = '''
class Plain:
    def hash(self, password):
        return password

    def verify(self, password, hashed):
        return password == hashed


pwd = Plain()
print(pwd.verify("a", "a"))
print(pwd.verify("a", "b"))
'''

CHECKS = [{"id": i, "title": t} for i, t in declared_checks([str(DRILL.checks_path)]).items()]
PASSED = [{"event": "check", "result": {"id": c["id"], "title": c["title"], "status": "passed"}} for c in CHECKS]
# A whole verdict as the channel carries it: the plan, every check passed, done.
MESSAGES = [{"event": "plan", "checks": CHECKS}, *PASSED, {"event": "done", "bcrypt_ops": 0}]

FORGERIES: dict[str, str] = {
    # Every descriptor the process holds, and every loopback port that listens.
    "verdict to every descriptor and port": f'''
import json, os, socket, struct
MESSAGES = {MESSAGES!r}
# Framed as the run's wire carries messages (a length, then JSON), and as JSON lines.
VERDICT = b"".join(struct.pack("!I", len(body)) + body for body in (json.dumps(m).encode() for m in MESSAGES))
VERDICT += "".join(json.dumps(m) + "\\n" for m in MESSAGES).encode()
for fd in range(3, 1024):
    try:
        os.write(fd, VERDICT)
    except OSError:
        pass
for line in open("/proc/net/tcp").read().splitlines()[1:]:
    local, state = line.split()[1], line.split()[3]
    if state == "0A" and local.startswith("0100007F"):
        try:
            with socket.create_connection(("127.0.0.1", int(local.split(":")[1], 16)), timeout=0.5) as s:
                s.sendall(VERDICT)
        except OSError:
            pass
''',
    # The channel object, found in memory: what a forked process would still hold.
    "channel found with gc": f'''
import gc
for obj in gc.get_objects():
    if type(obj).__name__ in ("Outbox", "Inbox", "Link"):
        for event in {MESSAGES!r}:
            try:
                obj.send(event.pop("event"), **event)
            except Exception:
                pass
''',
    # The checks and the harness's result functions, replaced by name from the learner's module.
    "checks and result functions patched": '''
import sys
from drilltutor import harness, results
from drilltutor.checking import spec
harness._run_one = lambda spec_, ctx: results.CheckResult(spec_.id, spec_.title, results.PASSED)
harness.run_checks = lambda *a, **k: None
spec.Failure.__init__ = lambda self, **kw: Exception.__init__(self)
for name, module in list(sys.modules.items()):
    if name.startswith("drilltutor_checks"):
        for value in vars(module).values():
            if hasattr(value, "__check__"):
                value.__code__ = (lambda ctx: None).__code__
''',
    # Faked data: every answer the agent sends says what a right file would say, in shape.
    "answers faked at the agent": '''
from drilltutor import agent, protocol
agent.Agent.encode = lambda self, value: "$2b$12$" + "a" * 53 if isinstance(value, str) else value
protocol.encode = lambda value, handle_of: True
''',
}


@pytest.fixture
def warm() -> Iterator[WarmRunner]:
    # One zygote per test, so the leak check in conftest.py sees it come and go within the test.
    with WarmRunner(cold_until_ready=False) as runner:
        yield runner


def _run(how: str, warm: WarmRunner, file: Path) -> RunReport:
    runner = run_drill if how == "run" else warm
    return runner(CATALOGUE, DRILL, file, OPTIONS)


@pytest.mark.parametrize("how", ["run", "watch"])
def test_the_wrong_file_fails_without_a_forgery(how: str, warm: WarmRunner, tmp_path: Path) -> None:
    file = tmp_path / DRILL.file
    file.write_text(WRONG, encoding="utf-8")
    report = _run(how, warm, file)
    assert not report.passed and report.problem is None
    assert "bcrypt-hash" in {c.id for c in report.failed_checks}


@pytest.mark.parametrize("how", ["run", "watch"])
@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_the_wrong_file_still_fails_with_it(forgery: str, how: str, warm: WarmRunner, tmp_path: Path) -> None:
    file = tmp_path / DRILL.file
    file.write_text(FORGERIES[forgery] + WRONG, encoding="utf-8")
    report = _run(how, warm, file)
    assert not report.passed, report.to_dict()
    assert report.problem is not None or report.failed_checks, report.to_dict()  # a verdict that says why, not silence
