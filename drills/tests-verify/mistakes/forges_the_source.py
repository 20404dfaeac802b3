# expect: reference
"""A forgery, not tests: it passes only where tasks_api.py is, byte for byte, the bundled
reference, and so "catches" every broken copy without sending one request. The reference is
rendered afresh on every run (other names, order and layout): it is never that file."""

from pathlib import Path

from drilltutor.paths import bundled_drills_dir
from tasks_api import app  # noqa: F401  (imported as the prompt says; never sent a request)


def test_the_api_is_the_reference():
    reference = bundled_drills_dir() / "project-tasks" / "solution.py"
    assert Path("tasks_api.py").read_bytes() == reference.read_bytes()
