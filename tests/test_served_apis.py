"""The APIs of the tests drill, served from a process of their own (drilltutor.checking.apiserver).

A suite meets each API through a stand-in module: requests as data to the API's own process,
which nothing else of its user can read. These tests stand where a suite stands: they import a
stand-in, drive its `app` with the clients the prompt names, and try what a forging suite would.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from drilltutor.checking.apiserver import ServedApis
from drilltutor.checking.standin import RaisedInTheApp

VERSION = '''
from fastapi import FastAPI, HTTPException

app = FastAPI()
seen = []
SECRET_NUMBER = 4242


@app.post("/things", status_code=201)
def add(thing: dict) -> dict:
    if thing in seen:
        raise HTTPException(status_code=400, detail="taken")
    seen.append(thing)
    return {"count": len(seen)}


@app.get("/crash")
def crash() -> None:
    raise ValueError("the handler broke")


def make_token(name: str, minutes: int = 30) -> str:
    return f"{name}:{minutes}"
'''
NAMES = ("app", "make_token")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedApis]:
    with open(tmp_path / "apis.txt", "wb") as log:
        apis = ServedApis({"only": VERSION, "other": VERSION.replace("4242", "7")}, NAMES, "things_api", preload=[], bcrypt_rounds=4, log=log)
        try:
            apis.start()
            yield apis
        finally:
            apis.close()


def _stand_in(apis: ServedApis, label: str = "only") -> types.ModuleType:
    """The stand-in, imported as a suite imports it from its folder, in the process that runs it."""
    text = apis.stand_in(label)
    apis.owner(label, os.getpid())  # as the suite driver names each folder's process
    return _imported(text)


def _imported(text: str) -> types.ModuleType:
    module = types.ModuleType("things_api")
    exec(compile(text, "things_api.py", "exec"), module.__dict__)  # noqa: S102
    return module


def test_a_suite_drives_the_served_app_with_either_client_and_calls_its_functions(served: ServedApis) -> None:
    api = _stand_in(served)
    client = TestClient(api.app)
    assert client.post("/things", json={"a": 1}).json() == {"count": 1}
    answer = client.post("/things", json={"a": 1})
    assert (answer.status_code, answer.json()) == (400, {"detail": "taken"})
    assert client.get("/nowhere").status_code == 404
    assert api.make_token("ada", minutes=-1) == "ada:-1"
    with TestClient(api.app) as started:  # its lifespan, as a `with` block runs it
        assert started.post("/things", json={"b": 2}).status_code == 201

    async def asynchronous() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://test") as http:
            return (await http.post("/things", json={"c": 3})).status_code

    import anyio

    assert anyio.run(asynchronous) == 201


def test_what_the_app_raises_is_raised_in_the_suite_as_in_process(served: ServedApis) -> None:
    api = _stand_in(served)
    with pytest.raises(RaisedInTheApp, match="ValueError: the handler broke"):
        TestClient(api.app).get("/crash")
    assert TestClient(api.app, raise_server_exceptions=False).get("/crash").status_code == 500
    with pytest.raises(RaisedInTheApp, match="TypeError"):
        api.make_token("ada", hours=1)


def test_only_plain_data_crosses(served: ServedApis) -> None:
    api = _stand_in(served)
    with pytest.raises(TypeError, match="no plain data"):
        api.make_token(object())


def test_each_run_gets_a_fresh_api_and_a_key_opens_it_once(served: ServedApis, tmp_path: Path) -> None:
    first, second = _stand_in(served), _stand_in(served)
    assert TestClient(first.app).post("/things", json={"a": 1}).status_code == 201
    assert TestClient(second.app).post("/things", json={"a": 1}).status_code == 201, "a run of its own: empty again"
    text = served.stand_in("only")
    served.owner("only", os.getpid())
    _imported(text)
    with pytest.raises(ImportError, match="used already"):  # the same run again: its key is spent
        _imported(text)


STEALS = """
import sys, types
module = types.ModuleType("things_api")
try:
    exec(compile(sys.stdin.read(), "things_api.py", "exec"), module.__dict__)
except ImportError as error:
    print("refused:", error)
else:
    print("loaded")
"""


IN_A_CHILD = """
import subprocess, sys
print(subprocess.run([sys.executable, "-c", sys.argv[1]], input=sys.stdin.read(), capture_output=True, text=True).stdout, end="")
"""


@pytest.mark.linux("a Unix socket names the process that connects (SO_PEERCRED)")
@pytest.mark.parametrize("run", ["itself", "a process it started"])
def test_a_key_taken_from_another_folder_opens_nothing_and_its_own_run_keeps_it(served: ServedApis, run: str) -> None:
    """A suite that reads another folder's stand-in and uses its key first (from a process that
    is not that folder's run, nor one the run started) is refused; the folder's own run, or a
    process it started, still loads its API."""
    text = served.stand_in("only")
    command = [sys.executable, "-c", STEALS] if run == "itself" else [sys.executable, "-c", IN_A_CHILD, STEALS]
    owner = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        served.owner("only", owner.pid)  # as the suite driver names the process it started for the folder
        thief = subprocess.run([sys.executable, "-c", STEALS], input=text, capture_output=True, text=True, timeout=120)
        assert thief.stdout.startswith("refused:") and "another folder's run" in thief.stdout, thief.stdout + thief.stderr
        said, _ = owner.communicate(text, timeout=120)
    finally:
        owner.kill()
        owner.wait()
    assert said.strip() == "loaded", said


def test_no_version_s_code_is_in_the_stand_in(served: ServedApis) -> None:
    text = served.stand_in("only")
    assert "4242" not in text and "FastAPI" not in text
    assert served.stand_in("only").split("reach(")[1].split(",")[0] == text.split("reach(")[1].split(",")[0], "one server for all"
    assert served.stand_in("only") != text, "a fresh key for each run"
    ast.parse(text)


UNREADABLE = """
import json, os, subprocess, sys
from drilltutor.checking.apiserver import ServedApis

def opens(pid, name):
    try:
        os.close(os.open(f"/proc/{pid}/{name}", os.O_RDONLY))
        return True
    except PermissionError:
        return False

sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
apis = ServedApis({"only": "app = None"}, ("app",), "m", preload=[], bcrypt_rounds=4, log=subprocess.DEVNULL)
try:
    apis.start()
    print(json.dumps({"other": [opens(sleeper.pid, n) for n in ("mem", "environ")], "served": [opens(apis.proc.pid, n) for n in ("mem", "environ", "fd")]}))
finally:
    apis.close()
    sleeper.kill()
    sleeper.wait()
"""
VENV = Path(os.environ.get("DRILLTUTOR_TEST_VENV", "/opt/dt-venv"))  # as tests/test_grade.py: a Python that nobody can run


@pytest.mark.linux("/proc, and prctl(PR_SET_DUMPABLE)")
def test_the_served_process_cannot_be_read_by_its_users_other_processes() -> None:
    """Its user's other processes (the suite's) can open /proc/PID/mem of one another, but not
    the served APIs'. Root reads every process, so as root the probe runs as nobody."""
    command, extra = [sys.executable, "-c", UNREADABLE], {}
    if os.geteuid() == 0:
        if not (VENV / "bin" / "python").exists():
            pytest.skip(f"as root the probe runs as nobody, with the Python of {VENV}, which is not there")
        command = [str(VENV / "bin" / "python"), "-c", UNREADABLE]
        extra = {"user": "nobody", "group": "nogroup" if _group_exists("nogroup") else "nobody", "cwd": "/"}
    repo = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run(command, env={**os.environ, "PYTHONPATH": repo, "HOME": "/tmp"}, capture_output=True, text=True, timeout=300, **extra)
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["other"] == [True, True], "the probe can read a process of its user that did not guard itself"
    assert said["served"] == [False, False, False]


def _group_exists(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True
