from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from drilltutor.catalogue import Catalogue, load_catalogue
from drilltutor.paths import bundled_drills_dir
from tests import leakcheck

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own DRILLTUTOR_HOME, so no test touches a real learner's progress."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("DRILLTUTOR_HOME", str(home))
    monkeypatch.delenv("DRILLTUTOR_DRILLS", raising=False)
    return home


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(bundled_drills_dir())


@pytest.fixture(autouse=True)
def _nothing_left_behind(monkeypatch: pytest.MonkeyPatch) -> object:
    """Fail the test that leaves a process or a listening socket behind (and clean up after it).

    Autouse, so it is set up before the test's own function fixtures and checks after they have torn down.
    """
    if not leakcheck.available():
        yield
        return
    tag = uuid.uuid4().hex
    monkeypatch.setenv(leakcheck.TAG_ENV, tag)
    before = leakcheck.snapshot(tag)
    yield
    procs, sockets = leakcheck.left_behind(before, tag)
    lines = [p.describe() for p in procs] + [f"pid {pid} listens on {where}" for pid, where in sorted(sockets)]
    leakcheck.stop(procs)
    if lines:
        pytest.fail("the test left behind:\n  " + "\n  ".join(lines), pytrace=False)


# Where a test leans on one family's mechanisms, its mark says so and it is skipped elsewhere.
# What those mechanisms do for a learner there is covered by test_platforms.py's simulations.
_SYSTEMS = {"posix": ("linux", "darwin"), "linux": ("linux",)}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark, systems in _SYSTEMS.items():
        found = item.get_closest_marker(mark)
        if found is not None and not sys.platform.startswith(systems):
            pytest.skip(f"{mark} only: {found.args[0] if found.args else 'see its mark'}")
