"""Every location drilltutor reads or writes is resolved here, and only here."""

from __future__ import annotations

import os
from pathlib import Path

from drilltutor.errors import DrilltutorError

HOME_ENV = "DRILLTUTOR_HOME"
DRILLS_ENV = "DRILLTUTOR_DRILLS"
PROGRESS_FILE = "progress.json"

_PACKAGE_DIR = Path(__file__).resolve().parent


def home_dir() -> Path:
    """Where progress lives: $DRILLTUTOR_HOME, else the platform's user data folder.

    Set but empty is refused rather than read as unset: it is most often a variable that was
    meant to hold a folder and did not, and progress kept silently elsewhere would seem lost.
    """
    override = os.environ.get(HOME_ENV)
    if override is not None and not override.strip():
        raise DrilltutorError(
            f"{HOME_ENV} is set but empty, so there is no folder to keep your progress in.",
            hint=f"Set it to a folder, or unset it to use the default ({_default_home()}): unset {HOME_ENV}",
        )
    if override:
        return Path(override).expanduser()
    return _default_home()


def _default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("drilltutor"))


def progress_file() -> Path:
    return home_dir() / PROGRESS_FILE


def bundled_drills_dir() -> Path:
    # Installed wheels carry the drills inside the package; a source checkout has them beside it.
    installed = _PACKAGE_DIR / "_drills"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / "drills"


def drills_dir(override: Path | None = None) -> Path:
    """The drill catalogue folder: --drills-dir, else $DRILLTUTOR_DRILLS, else the bundled drills.

    Absolute, because a run reads the drill's files from its own scratch folder.
    """
    if override is not None:
        return override.expanduser().absolute()
    from_env = os.environ.get(DRILLS_ENV)
    if from_env:
        return Path(from_env).expanduser().absolute()
    return bundled_drills_dir()


def workspace_dir(override: Path | None = None) -> Path:
    """Where the learner's files live: --dir, else the current folder."""
    return (override or Path.cwd()).expanduser()
