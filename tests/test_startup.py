"""The start-up path stays light: `drilltutor list` imports none of the heavy libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import FIXTURES

# pydantic is not listed: Typer 0.29 itself imports it to convert parameters.
HEAVY = ("fastapi", "starlette", "httpx", "uvicorn", "jose", "jwt", "passlib", "pwdlib", "bcrypt", "fsrs", "watchfiles")

PROBE = """
import json, sys
from typer.testing import CliRunner
from drilltutor.cli import app
result = CliRunner().invoke(app, {args!r})
print(json.dumps({{"code": result.exit_code, "modules": sorted(m.split(".")[0] for m in sys.modules)}}))
"""


def _modules_after(args: list[str]) -> set[str]:
    env = {**os.environ, "DRILLTUTOR_DRILLS": str(FIXTURES / "drills")}
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, check=True, env=env)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["code"] == 0
    return set(data["modules"])


def test_list_imports_no_heavy_library() -> None:
    assert _modules_after(["list"]) & set(HEAVY) == set()


def test_progress_imports_no_heavy_library() -> None:
    assert _modules_after(["progress"]) & set(HEAVY) == set()
