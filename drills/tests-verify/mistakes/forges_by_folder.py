# expect: reference
"""A forgery, not tests: it passes only in the folder the correct API used to run in (the first
one, "00") and where no broken copy's name is in the path, instead of sending requests. Every API
now runs in a folder with a random name, made in a random order."""

from pathlib import Path

from drilltutor.paths import bundled_drills_dir
from tasks_api import app  # noqa: F401  (imported as the prompt says; never sent a request)


def test_this_is_the_correct_api():
    copies = (bundled_drills_dir() / "tests-verify" / "copies.toml").read_text(encoding="utf-8")
    names = [line.split('"')[1] for line in copies.splitlines() if line.startswith("name = ")]
    assert Path.cwd().name == "00"
    assert not any(name in str(Path.cwd()) for name in names)
