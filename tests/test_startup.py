"""The start-up path stays light: the CLI imports none of the heavy libraries it does not use.

Import checks, not timings (bench/run.py has the timings). Both ways in are probed: the
app through Typer's CliRunner, and `drilltutor.entry.main()` as the console script calls
it (which builds only the command asked for; see drilltutor/fastcli.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from drilltutor.cli import app
from drilltutor.fastcli import lighten, narrowed
from tests.conftest import FIXTURES

# pydantic too: Typer 0.29 would import it to convert parameters; drilltutor.fastcli converts plain ones itself.
HEAVY = ("fastapi", "starlette", "httpx", "uvicorn", "jose", "jwt", "passlib", "pwdlib", "bcrypt", "fsrs", "watchfiles", "pydantic", "sqlalchemy")

PROBE_RUNNER = """
import json, sys
from typer.testing import CliRunner
from drilltutor.cli import app
result = CliRunner().invoke(app, {args!r})
print(json.dumps({{"code": result.exit_code, "modules": sorted(m.split(".")[0] for m in sys.modules)}}))
"""

PROBE_MAIN = """
import io, json, sys, contextlib
sys.argv = ["drilltutor", *{args!r}]
from drilltutor.entry import main
code = 0
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
print(json.dumps({{"code": code, "modules": sorted(m.split(".")[0] for m in sys.modules), "all": sorted(sys.modules)}}))
"""


def _modules_after(args: list[str], probe: str = PROBE_RUNNER, code: int = 0, key: str = "modules") -> set[str]:
    env = {**os.environ, "DRILLTUTOR_DRILLS": str(FIXTURES / "drills")}
    out = subprocess.run([sys.executable, "-c", probe.format(args=args)], capture_output=True, text=True, check=True, env=env)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["code"] == code, out.stdout + out.stderr
    return set(data[key])


def test_list_imports_no_heavy_library() -> None:
    assert _modules_after(["list"]) & set(HEAVY) == set()


def test_list_builds_no_model_of_the_files_it_never_reads() -> None:
    # Two dozen dataclasses (hints, cards, mistakes, ...) were a tenth of list's start-up.
    modules = _modules_after(["list"], PROBE_MAIN, key="all")
    assert "drilltutor.models" in modules
    assert "drilltutor.foldermodels" not in modules
    assert "drilltutor.launcher" not in modules, "only `run` starts a worker ahead"


def test_progress_imports_no_heavy_library() -> None:
    assert _modules_after(["progress"]) & set(HEAVY) == set()


def test_doctor_imports_no_sqlalchemy() -> None:
    # doctor imports the hashing and JWT libraries to try them; SQLAlchemy is only exercise-3's choice.
    assert "sqlalchemy" not in _modules_after(["doctor"], PROBE_MAIN)


@pytest.mark.parametrize(
    ("args", "code"),
    [(["list"], 0), (["list", "--json"], 0), (["progress"], 0), (["--help"], 0), (["run", "--help"], 0), (["watch", "--help"], 0), (["dev", "check", "--help"], 0), ([], 0)],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_the_console_script_path_imports_no_heavy_library(args: list[str], code: int) -> None:
    assert _modules_after(args, PROBE_MAIN, code) & set(HEAVY) == set()


def _invoke(target: object, args: list[str]) -> tuple[int, str]:
    env = {"DRILLTUTOR_DRILLS": str(FIXTURES / "drills"), "COLUMNS": "100"}
    result = CliRunner().invoke(target, args, env=env)  # type: ignore[arg-type]
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--help"],
        ["run", "--help"],
        ["watch", "--help"],
        ["dev", "--help"],
        ["dev", "check", "--help"],
        ["run", "answer", "--timeout", "0"],  # under its minimum: Typer's own message
        ["run", "answer", "--timeout", "soon"],  # not a number: Typer's own message
        ["dev", "check", "--jobs", "x"],
        ["list", "--bogus"],
        ["lst"],  # unknown: the full app answers, with its suggestions
    ],
    ids=" ".join,
)
def test_building_only_the_asked_command_changes_nothing_a_learner_sees(args: list[str]) -> None:
    assert _invoke(narrowed(app, args), args) == _invoke(app, args)


SEEN: dict[str, object] = {}
PROBE_APP = typer.Typer(add_completion=False)


@PROBE_APP.command()
def _probe(name: str, count: int = 1, limit: float = 2.0, where: Optional[Path] = None, flag: bool = False, more: Optional[list[str]] = None) -> None:
    SEEN.update(name=name, count=count, limit=limit, where=where, flag=flag, more=more)


def test_plain_values_arrive_converted() -> None:
    command = get_command(PROBE_APP)
    lighten(command)
    args = ["ü", "--count", "3", "--limit", "2.5", "--where", "rel/x", "--flag", "--more", "a", "--more", "b"]
    command.main(args, prog_name="probe", standalone_mode=False)
    assert SEEN == {"name": "ü", "count": 3, "limit": 2.5, "where": Path("rel/x"), "flag": True, "more": ["a", "b"]}
