from __future__ import annotations

from pathlib import Path

import pytest

from drilltutor.catalogue import Catalogue, load_catalogue
from drilltutor.paths import bundled_drills_dir

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
