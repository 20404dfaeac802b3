"""Shared by the learning-loop tests: a copy of the fixture drills with cards and a course checklist."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner, Result

from drilltutor.cli import app
from drilltutor.commands.session import Session, open_session
from tests.conftest import FIXTURES

COURSE_CARDS = '''
[[card]]
id = "course-one"
front = "What makes a JWT tamper-proof?"
back = "Its signature."

[[card]]
id = "course-two"
front = "Where does the secret live?"
back = "In the environment."
'''

ANSWER_CARDS = '''
[[card]]
id = "answer-card"
front = "What is the answer?"
back = "42."
'''

CHECKLIST = '''
[[item]]
id = "say-it"
text = "Say the answer without looking"
'''

Invoke = Callable[..., Result]


def make_drills(root: Path) -> Path:
    """The fixture drills (answer, then webapp which opens after it), plus three cards and one course item."""
    drills = root / "drills"
    shutil.copytree(FIXTURES / "drills", drills)
    (drills / "cards.toml").write_text(COURSE_CARDS)
    (drills / "answer" / "cards.toml").write_text(ANSWER_CARDS)
    (drills / "checklist.toml").write_text(CHECKLIST)
    return drills


@pytest.fixture
def drills(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = make_drills(tmp_path)
    monkeypatch.setenv("DRILLTUTOR_DRILLS", str(folder))
    return folder


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def session(drills: Path, workspace: Path) -> Session:
    return open_session(workspace, drills)


@pytest.fixture
def cli(drills: Path, workspace: Path) -> Invoke:
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, list(args), input=input)
