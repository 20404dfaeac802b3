"""The bad-input matrix: every way a learner's input can be wrong, through the real command.

Each row runs `drilltutor run ...` in a subprocess, in a scratch folder with a home of its
own, and asserts the exit code (0 all passed, 1 a check failed or the file could not run,
2 bad input to the tool) and the key words of what the learner sees. No row may show a
traceback of drilltutor's own; the autouse leak check in conftest.py fails any row that
leaves a process or a listening socket behind.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hardening_support import AS_LEARNER, HARDENING, assert_verdict, drilltutor, permissions_bind
from tests.waiting import eventually

QUICK = ("--timeout", "60")  # a limit for rows that finish at once: never reached, even on a loaded machine
# Rows that hang at import: the run gives up after this much CPU (a start-up costs about 1 s of it,
# loaded or not), or, for a sleeper, at six times it on the wall clock.
HANG = ("--timeout", "4")
HUNG_HANDLER = ("--timeout", "20")  # a request gives up after its own 5 s of CPU (a sleeping one at 30 s), leaving the run time for a slow start-up

APP = "from fastapi import FastAPI\nimport os, signal, sys, time\napp = FastAPI()\n\n"


def _route(body: str, *, asynchronous: bool = False) -> str:
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return APP + f"@app.get('/ping')\n{'async ' if asynchronous else ''}def ping():\n{lines}    return {{'ping': 'pong'}}\n"


@dataclass(frozen=True)
class Row:
    drill: str  # answer: a script; webapp: a module with a live-server check; tokens: JWT checks
    source: str | bytes
    code: int
    words: tuple[str, ...]
    options: tuple[str, ...] = QUICK
    file: str = "mine.py"


ROWS = {
    # The file's content is wrong but it is a Python file: exit 1, and the message says why.
    "empty file": Row("answer", "", 1, ("no such module-level name", "define `answer` at the top level", "0 of 2 checks passed")),
    "non-UTF-8 file": Row("answer", b"answer = '\xe9t\xe9'\n", 1, ("mine.py is not saved as UTF-8 (line 1)", "Save it as UTF-8", "Not checked")),
    "path with spaces and non-ASCII": Row("answer", "answer = 42\nprint(answer)\n", 0, ("All 2 checks passed",), file="my drills/ünï cødé/answer é.py"),
    "syntax error": Row("answer", "answer = 42\ndef broken(:\n", 1, ("mine.py has a syntax error (line 2)", "Not checked: your file could not run")),
    "import error": Row(
        "answer", "import no_such_module_here\n", 1, ("could not import something", "No module named 'no_such_module_here'", "Traceback (your file only)")
    ),
    "NameError at import": Row(
        "webapp", "from fastapi import FastAPI\napp = FastAPI(title=undefined_name)\n", 1, ("raised an error while importing", "NameError: name 'undefined_name' is not defined")
    ),
    "endless loop at import (script)": Row(
        "answer", "while True:\n    pass\n", 1, ("of CPU", "without finishing while running", "Look for an endless loop"), HANG
    ),
    "endless loop at import (module)": Row(
        "webapp", "x = 0\nwhile True:\n    x += 1\n", 1, ("of CPU", "without finishing while importing", "Look for an endless loop"), HANG
    ),
    "uvicorn.run(app) at import": Row(
        "webapp",
        APP + "import uvicorn\nuvicorn.run(app, host='127.0.0.1', port=0, log_level='critical')\n",
        1,
        ("waited 24 s without finishing while importing", 'uvicorn.run(app) belongs under if __name__ == "__main__":'),
        HANG,
    ),
    "endless loop in an async handler": Row(
        "webapp", _route("while True:\n    pass", asynchronous=True), 1, ("got no answer within", "look for an endless loop or a blocking call"), HUNG_HANDLER
    ),
    "handler that sleeps past the timeout": Row(
        "webapp",
        _route("time.sleep(60)"),
        1,
        ("sent GET /ping", "got no answer within 30 s", "(time.sleep, input())", "not run: your app stopped answering during ping"),
        HUNG_HANDLER,
    ),
    "sys.exit(0) at import (module)": Row("webapp", APP + "sys.exit(0)\n", 1, ("called sys.exit(0) while importing", "remove it")),
    "sys.exit(0) at the end of a script is a normal end": Row("answer", "import sys\nanswer = 42\nprint(answer)\nsys.exit(0)\n", 0, ("All 2 checks passed",)),
    "sys.exit(2) in a script": Row("answer", "import sys\nsys.exit(2)\n", 1, ("called sys.exit(2) while running",)),
    "os._exit(0) at import": Row("answer", "import os\nos._exit(0)\n", 1, ("ended the Python process (exit status 0) while running", "os._exit()")),
    "os.kill(os.getpid(), SIGKILL) at import": Row(
        "answer", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", 1, ("was stopped by SIGKILL while running", "os.kill()")
    ),
    "os._exit(0) inside a handler": Row(
        "webapp", _route("os._exit(0)"), 1, ("ended the Python process (exit status 0) during this check", "not run: the run ended before this check")
    ),
    "os.kill(SIGKILL) inside a handler": Row("webapp", _route("os.kill(os.getpid(), signal.SIGKILL)"), 1, ("was stopped by SIGKILL during this check",)),
    "sys.exit(0) inside a handler": Row("webapp", _route("sys.exit(0)", asynchronous=True), 1, ("500, because your code raised SystemExit: 0", "line 7, in ping")),
    "raise SystemExit inside a handler keeps the app serving": Row(
        "tokens",
        (HARDENING / "tokens" / "solution.py").read_text().replace('raise HTTPException(401, "invalid token") from None', "raise SystemExit"),
        1,
        (
            "✗ failed GET /me with a token signed by another key answers 401",
            "500, because your code raised SystemExit",
            "✓ passed GET /me still answers after the bad tokens",
            "✓ passed GET /me answers on a real server",
            "4 of 6 checks passed",
        ),
    ),
    # A new process serving the file (exercise-3's restart): it ends, and frees its port, whatever the file does there.
    "served from a new process": Row("served", (HARDENING / "served" / "solution.py").read_text(), 0, ("All 1 check passed",)),
    "startup that hangs only in the new process": Row(
        "served",
        (HARDENING / "served" / "solution.py").read_text().replace("    yield\n", "    while os.environ.get('SERVED'):\n        time.sleep(1)\n    yield\n").replace("from contextlib", "import os, time\nfrom contextlib"),
        1,
        ("GET /ping answers pong from a new process", "it was still starting after 30.0 s", "0 of 1 checks passed"),
        HUNG_HANDLER,
    ),
    "SystemExit in the app's startup": Row(
        "webapp",
        "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n\n"
        "@asynccontextmanager\nasync def lifespan(app):\n    raise SystemExit(3)\n    yield\n\napp = FastAPI(lifespan=lifespan)\n",
        1,
        ("Your app's startup raised SystemExit: 3", "Not checked"),
    ),
    "50 MB of output, the answer printed last": Row(
        "answer",
        "for _ in range(50):\n    print('x' * 1_000_000)\nanswer = 42\nprint(answer)\n",
        0,
        ("All 2 checks passed",),
    ),
    "50 MB of output and a wrong answer": Row(
        "answer",
        "import sys\nfor _ in range(50):\n    sys.stdout.write('y' * 1_000_000)\nanswer = 41\n",
        1,
        ("got 41", "your file printed (cut short):", "0 of 2 checks passed"),
    ),
    "reading stdin with input()": Row(
        "answer", "name = input('name? ')\nanswer = 42\n", 1, ("waited for typed input while running and got EOFError", "the checks type nothing; remove the input() call")
    ),
    "reading stdin to its end": Row("answer", "import sys\ndata = sys.stdin.read()\nanswer = 42\nprint(answer, len(data))\n", 0, ("All 2 checks passed",)),
    "input() inside a handler": Row("webapp", _route("input('password? ')"), 1, ("500, because your code raised EOFError",)),
    "changing the working folder (script)": Row("answer", "import os\nos.chdir('/')\nanswer = 42\nprint(answer)\n", 0, ("All 2 checks passed",)),
    "changing the working folder (module with a live server)": Row(
        "webapp", "import os, tempfile\nos.chdir(tempfile.gettempdir())\n" + _route("os.chdir('/')"), 0, ("All 2 checks passed",)
    ),
    "deleting its own file (script)": Row("answer", "import os\nos.remove(__file__)\nanswer = 42\nprint(answer)\n", 0, ("All 2 checks passed",)),
    "deleting its own file (module)": Row("webapp", "import os\nos.remove(__file__)\n" + _route("pass"), 0, ("All 2 checks passed",)),
    "deep recursion": Row(
        "answer", "def down(n):\n    return down(n + 1)\n\ndown(0)\n", 1, ("recursed without end while running", "RecursionError: maximum recursion depth exceeded")
    ),
    "deep recursion in a handler": Row("webapp", APP + "def f(n):\n    return f(n + 1)\n\n@app.get('/ping')\ndef ping():\n    return f(0)\n", 1, ("500, because your code raised RecursionError",)),
    "Python itself crashes (segmentation fault)": Row(
        "answer", "import ctypes\nctypes.string_at(0)\n", 1, ("crashed (segmentation fault, SIGSEGV) while running", "sys.setrecursionlimit()")
    ),
    "memory without end at import": Row(
        "answer",
        "hoard = []\nwhile True:\n    hoard.append(bytes(10**6))\n",
        1,
        ("ran out of memory while running (the run is limited)", "grows without end", "MemoryError"),
    ),
    "memory without end in a handler": Row(
        "webapp", _route("hoard = []\nwhile True:\n    hoard.append(bytes(10**6))"), 1, ("500, because your code raised MemoryError",)
    ),
    "printing a fake 'all checks passed'": Row(
        "answer",
        "print('All 2 checks passed.')\n"
        'print(\'{"event": "check", "result": {"id": "answer", "title": "x", "status": "passed"}}\')\n'
        'print(\'{"event": "done", "bcrypt_ops": 0}\')\n',
        1,
        ("✗ failed answer is 42", "0 of 2 checks passed"),
    ),
    "monkeypatching httpx": Row(
        "webapp",
        "import httpx\nfrom fastapi import FastAPI\n\nclass Fake:\n    status_code, headers, text = 200, {}, '{\"ping\": \"pong\"}'\n\n"
        "async def fake_async(self, *a, **k):\n    return Fake()\n\ndef fake_sync(self, *a, **k):\n    return Fake()\n\n"
        "httpx.AsyncClient.request = fake_async\nhttpx.Client.request = fake_sync\nhttpx.ASGITransport = None\napp = FastAPI()\n",
        1,
        ("got 404", "0 of 2 checks passed"),
    ),
    "monkeypatching the JWT library": Row(
        "tokens",
        (HARDENING / "tokens" / "solution.py").read_text()
        + "\nimport hmac\nhmac.compare_digest = lambda a, b: True\n"
        "jwt.decode = lambda *a, **k: {'sub': 'sam@uae.dev'}\njwt.encode = lambda *a, **k: 'x.y.z'\n",
        1,
        (
            "✗ failed make_token() signs an HS256 JWT with SECRET_KEY",
            "✗ failed GET /me with a token signed by another key answers 401",
            'got 200 {"sub":"sam@uae.dev"} expected 401',
            "3 of 6 checks passed",
        ),
    ),
    "writing bytes to stdout, the error caught": Row(
        "answer", "import sys\ntry:\n    sys.stdout.write(b'raw')\nexcept TypeError:\n    pass\nanswer = 42\nprint(answer)\n", 0, ("All 2 checks passed",)
    ),
    "closing its own stdout": Row("answer", "import os, sys\nos.close(1)\nanswer = 42\nprint(answer)\n", 0, ("All 2 checks passed",)),
    "KeyboardInterrupt at import": Row("answer", "raise KeyboardInterrupt\n", 1, ("raised an error while running: KeyboardInterrupt",)),
    # The common slips, each named in its own words.
    "a pydantic error: its own line, not its help URL": Row(
        "answer",
        "from pydantic import BaseModel\nclass User(BaseModel):\n    age: int\nUser(age='old')\n",
        1,
        ("raised an error while running: ValidationError: 1 validation error for User · age · Input should be a valid integer",),
    ),
    "a misnamed module-level name": Row(
        "answer",
        "import os\nanswer_value = 42\nprint(answer_value)\n",
        1,
        ("got no such module-level name; your file defines `answer_value`: did you mean it?", "fix rename `answer_value` to `answer`"),
    ),
    "a missing package that drilltutor knows": Row(
        "answer",
        "raise ModuleNotFoundError(\"No module named 'jose'\", name='jose')\n",
        1,
        ("could not import something: ModuleNotFoundError: No module named 'jose' (install it: pip install 'python-jose[cryptography]')",),
    ),
}


# Rows whose file or message is one family's: signals by name, and RLIMIT_AS's MemoryError
# (elsewhere a watchdog stops the run; test_platforms.py simulates that).
ONLY_ON = {
    "os.kill(os.getpid(), SIGKILL) at import": pytest.mark.posix("SIGKILL"),
    "os.kill(SIGKILL) inside a handler": pytest.mark.posix("SIGKILL"),
    "Python itself crashes (segmentation fault)": pytest.mark.posix("a crash is reported by its signal"),
    "memory without end at import": pytest.mark.linux("RLIMIT_AS"),
    "memory without end in a handler": pytest.mark.linux("RLIMIT_AS"),
    "a named pipe": pytest.mark.posix("os.mkfifo"),
    "a symlink loop": pytest.mark.posix("a symbolic link needs no privilege"),
}


def _params(rows: dict[str, object]) -> list[object]:
    return [pytest.param(row, id=name, marks=[ONLY_ON[name]] if name in ONLY_ON else []) for name, row in rows.items()]


@pytest.mark.parametrize("row", _params(ROWS))
def test_learner_file(row: Row, tmp_path: Path) -> None:
    work = tmp_path / "work"
    path = work / row.file
    path.parent.mkdir(parents=True)
    path.write_bytes(row.source if isinstance(row.source, bytes) else row.source.encode())
    drills = HARDENING if row.drill in ("tokens", "served") else None
    result = drilltutor("run", row.drill, row.file, *row.options, cwd=work, home=tmp_path / "home", **({"drills": drills} if drills else {}))
    assert_verdict(result, row.code, *row.words)  # a command that hung would not get here: drilltutor() gives up on it


# Bad input to the tool itself: exit 2, a one-line reason, nothing run. -----------------------------------

BAD_INPUT = {
    "unknown drill": (("run", "nope", "mine.py"), ("No drill is called 'nope'", "Known drills: fixture-answer (answer), fixture-webapp (webapp)")),
    "unknown alias of a real drill": (("run", "jwt", "mine.py"), ("No drill is called 'jwt'",)),
    "unknown number": (("run", "7", "mine.py"), ("No drill is called '7'",)),
    "missing file": (("run", "answer", "missing.py"), ("There is no file at", "missing.py")),
    "no file given and none in the workspace": (("run", "answer"), ("There is no answer.py in", "that is where `run` looked", "drilltutor start answer")),
    "a folder": (("run", "answer", "folder.py"), ("folder.py is a folder, not a Python file",)),
    "binary file": (("run", "answer", "compiled.py"), ("compiled.py is a binary file, not Python source",)),
    "10 MB file": (("run", "answer", "huge.py"), ("huge.py is 10.0 MB; a drill file is a few kilobytes",)),
    "a named pipe": (("run", "answer", "pipe.py"), ("pipe.py is not a regular file",)),
    "timeout that is not a number": (("run", "answer", "mine.py", "--timeout", "soon"), ("Invalid value for '--timeout'",)),
    "timeout under a second": (("run", "answer", "mine.py", "--timeout", "0"), ("Invalid value for '--timeout'", "0 is not a number of seconds from 1 to 3600")),
    "timeout of infinity": (("run", "answer", "mine.py", "--timeout", "inf"), ("Invalid value for '--timeout'", "inf is not a number of seconds from 1 to 3600")),
    "timeout past the clock": (("run", "answer", "mine.py", "--timeout", "1e300"), ("Invalid value for '--timeout'", "1e+300 is not a number of seconds from 1 to 3600")),
    "a symlink loop": (("run", "answer", "loop.py"), ("loop.py is a symbolic link that leads back to itself",)),
    "unknown option": (("run", "answer", "mine.py", "--fast"), ("No such option: --fast",)),
    "no drill named": (("run",), ("Missing argument 'drill'",)),
}


@pytest.mark.parametrize("row", _params(BAD_INPUT))
def test_bad_input(row: tuple[tuple[str, ...], tuple[str, ...]], tmp_path: Path) -> None:
    args, words = row
    (tmp_path / "mine.py").write_text("answer = 42\nprint(answer)\n")
    (tmp_path / "folder.py").mkdir()
    (tmp_path / "compiled.py").write_bytes(b"\xa7\r\r\n\x00\x00\x00\x00" + bytes(range(256)))
    with open(tmp_path / "huge.py", "wb") as huge:
        huge.write(b"# " + b"x" * 10_000_000 + b"\n")
    if "pipe.py" in args:
        os.mkfifo(tmp_path / "pipe.py")
    if "loop.py" in args:
        (tmp_path / "loop.py").symlink_to("loop.py")
    result = drilltutor(*args, cwd=tmp_path, home=tmp_path / "home")
    assert_verdict(result, 2, *words)
    assert not (tmp_path / "home" / "progress.json").exists()  # nothing was run, so nothing recorded


@pytest.mark.posix("a symbolic link needs no privilege")
def test_a_symlink_loop_as_the_drills_own_file(tmp_path: Path) -> None:
    (tmp_path / "answer.py").symlink_to("answer.py")
    result = drilltutor("run", "answer", cwd=tmp_path, home=tmp_path / "home")
    assert_verdict(result, 2, "answer.py is a symbolic link that leads back to itself", "Point it at your drill file")


# progress.json whose fields have the wrong types: set aside as a damaged file is, and the verdict still printed.
WRONG_TYPES = {
    "attempts a word": ({"attempts": "many"}, "`drills.fixture-answer.attempts`: Input should be a valid integer (it holds \"many\")"),
    "attempts null": ({"attempts": None}, "`drills.fixture-answer.attempts`: Input should be a valid integer (it holds null)"),
    "hints_used a list": ({"hints_used": [1, 2]}, "`drills.fixture-answer.hints_used`: Input should be a valid integer"),
    "passed_at a number": ({"passed_at": 3}, "`drills.fixture-answer.passed_at`: Input should be a valid string"),
}


@pytest.mark.parametrize(("entry", "words"), WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_progress_with_fields_of_the_wrong_type(entry: dict, words: str, tmp_path: Path) -> None:
    import json

    home = tmp_path / "home"
    home.mkdir()
    (home / "progress.json").write_text(json.dumps({"schema": 2, "drills": {"fixture-answer": entry}, "checklist": {}, "cards": {}}))
    (tmp_path / "mine.py").write_text("answer = 42\nprint(answer)\n")
    result = drilltutor("run", "answer", "mine.py", *QUICK, cwd=tmp_path, home=home)
    assert_verdict(result, 0, "All 2 checks passed", "Your progress file was damaged (" + words, "It was moved to")
    assert len(list(home.glob("progress.damaged-*.json"))) == 1
    listed = drilltutor("list", cwd=tmp_path, home=home)
    assert_verdict(listed, 0, "fixture-answer answer passed")


@pytest.mark.parametrize("command", ["list", "progress"])
def test_a_home_that_is_a_file_is_said_by_every_command(command: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder\n")
    result = drilltutor(command, cwd=tmp_path, home=home)
    assert_verdict(result, 0, f"note: {home} is a file, not a folder, so your progress cannot be read or saved there. Set DRILLTUTOR_HOME to a folder.")


@pytest.fixture(scope="module")
def permissions(tmp_path_factory: pytest.TempPathFactory) -> None:
    why = permissions_bind(tmp_path_factory.mktemp("probe"))
    if why:
        pytest.skip(why)


def test_unreadable_file(permissions: None, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    secret = work / "mine.py"
    secret.write_text("answer = 42\n")
    secret.chmod(0)
    result = drilltutor("run", "answer", "mine.py", cwd=work, home=tmp_path / "home", preexec=AS_LEARNER)
    assert_verdict(result, 2)
    # Typer's own check of the argument may say it first; drilltutor's says it otherwise
    assert "'mine.py' is not readable" in result.text or "mine.py cannot be read (Permission denied) Try: chmod u+r" in result.text, result.text


def test_file_in_a_folder_that_cannot_be_entered(permissions: None, tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "locked").mkdir(parents=True)
    (work / "locked" / "mine.py").write_text("answer = 42\n")
    (work / "locked").chmod(0)
    try:
        result = drilltutor("run", "answer", "locked/mine.py", cwd=work, home=tmp_path / "home", preexec=AS_LEARNER)
    finally:
        (work / "locked").chmod(0o700)
    assert_verdict(result, 2, "locked/mine.py cannot be reached: Permission denied", "permissions of the folders")


# Rows that need more than a file and a verdict. ------------------------------------------------------------


def _dead(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"  # dead; only its parent (init, for an orphan) has yet to collect it
    except FileNotFoundError:
        return True


def _gone(pid: int) -> bool:
    return eventually(lambda: _dead(pid))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc to find processes")
def test_child_processes_do_not_outlive_the_run(tmp_path: Path) -> None:
    """A plain child, one in a session of its own, and a double-forked daemon are all stopped with the run."""
    pids = tmp_path / "pids"
    source = f"""
import os, subprocess, sys
kids = [subprocess.Popen(["sleep", "300"]), subprocess.Popen(["sleep", "301"], start_new_session=True)]
if os.fork() == 0:  # the classic daemon: fork, new session, fork again, parent exits
    os.setsid()
    if os.fork() == 0:
        with open({str(pids)!r} + ".daemon", "w") as f:
            f.write(str(os.getpid()))
        os.execvp("sleep", ["sleep", "302"])
    os._exit(0)
while not os.path.exists({str(pids)!r} + ".daemon"):  # the daemon is there before the run can end
    pass
open({str(pids)!r}, "w").write(" ".join(str(k.pid) for k in kids))
answer = 42
print(answer)
"""
    (tmp_path / "mine.py").write_text(source)
    result = drilltutor("run", "answer", "mine.py", *QUICK, cwd=tmp_path, home=tmp_path / "home")
    assert_verdict(result, 0, "All 2 checks passed")
    started = [int(p) for p in pids.read_text().split()] + [int((tmp_path / "pids.daemon").read_text())]
    assert len(started) == 3
    assert all(_gone(pid) for pid in started), f"still running: {[p for p in started if not _dead(p)]}"


def test_squatting_ports_does_not_break_the_live_server(tmp_path: Path) -> None:
    """The live-server check binds port 0 itself; the learner holding common and many ephemeral ports changes nothing."""
    source = (
        "import socket\nheld = []\n"
        "for port in [8000, 8080, 5000, 3000] + [0] * 200:\n"
        "    s = socket.socket()\n"
        "    try:\n"
        "        s.bind(('127.0.0.1', port))\n"
        "        s.listen()\n"
        "        held.append(s)\n"
        "    except OSError:\n"
        "        s.close()\n" + _route("pass")
    )
    (tmp_path / "mine.py").write_text(source)
    with socket.socket() as ours:  # and one the test itself holds, as another program on the machine would
        ours.bind(("127.0.0.1", 0))
        ours.listen()
        result = drilltutor("run", "webapp", "mine.py", *QUICK, cwd=tmp_path, home=tmp_path / "home")
    assert_verdict(result, 0, "✓ passed GET /ping answers pong on a real server", "All 2 checks passed")


def test_json_verdict_of_a_file_that_could_not_run(tmp_path: Path) -> None:
    import json

    (tmp_path / "mine.py").write_text("import os\nos._exit(3)\n")
    result = drilltutor("run", "answer", "mine.py", "--json", *QUICK, cwd=tmp_path, home=tmp_path / "home")
    assert result.code == 1 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["passed"] is False and data["problem"]["kind"] == "exit"
    assert "exit status 3" in data["problem"]["message"]
