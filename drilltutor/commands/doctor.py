"""`drilltutor doctor`: what in this environment would get in a learner's way, and how to fix it.

Checks run in this very interpreter because every check run uses it too. The hashing
and JWT libraries are imported here and only here, and each is made to do its job once:
being installed is not the same as working (passlib 1.7.4 beside bcrypt 4.1 or later
imports fine and then cannot hash).
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable

from drilltutor import paths
from drilltutor.errors import DrilltutorError

OK, WARN, BROKEN, INFO = "ok", "warn", "broken", "info"
PASSWORD = "doctor-check-pw"
JOSE_FIXED = (3, 4)  # python-jose before 3.4: CVE-2024-33663 (algorithm confusion), CVE-2024-33664 (JWE bomb)
MIN_PYTHON = (3, 10)
LIBPASS_FIX = "pip uninstall -y passlib && pip install libpass  (libpass is the maintained passlib: same import, works with bcrypt 4.1+)"
PWDLIB_FIX = "pip install 'pwdlib[argon2,bcrypt]'"


@dataclass(frozen=True)
class Finding:
    topic: str
    status: str  # ok, warn, broken or info
    message: str
    fix: str = ""


@dataclass(frozen=True)
class Report:
    findings: list[Finding]

    @property
    def broken(self) -> bool:
        return any(f.status == BROKEN for f in self.findings)


@lru_cache(maxsize=None)
def _distributions() -> dict[str, tuple[str, ...]]:
    from importlib.metadata import packages_distributions

    return {module: tuple(dists) for module, dists in packages_distributions().items()}


def installed(module: str) -> str | None:
    """'name version' of the distribution that provides `module`, or None when nothing does."""
    from importlib.metadata import PackageNotFoundError, version

    for dist in _distributions().get(module, ()):
        try:
            return f"{dist} {version(dist)}"
        except PackageNotFoundError:
            continue
    return None


def _version_tuple(text: str) -> tuple[int, ...]:
    numbers = []
    for part in text.split(" ")[-1].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers)


def _attempt(work: Callable[[], bool]) -> str:
    """'' when `work` returns True; otherwise what went wrong, in one line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "" if work() else "it hashed, but verify gave the wrong answer"
    except Exception as exc:  # noqa: BLE001  (any failure of a third-party library is the finding itself)
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no message'}"


# Python ---------------------------------------------------------------------------------


def check_python() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] < MIN_PYTHON:
        return Finding("python", BROKEN, f"Python {version} is too old.", "Use Python 3.10 or newer.")
    return Finding("python", OK, f"Python {version} at {sys.executable} (every check run uses it)")


# Hashing --------------------------------------------------------------------------------


def _passlib_works() -> bool:
    logging.getLogger("passlib").setLevel(logging.ERROR)  # its bcrypt-version warning is noise here
    from passlib.context import CryptContext

    context = CryptContext(schemes=["bcrypt"], bcrypt__rounds=4)
    hashed = context.hash(PASSWORD)
    return context.verify(PASSWORD, hashed) and not context.verify("wrong", hashed)


def _pwdlib_works() -> bool:
    from pwdlib import PasswordHash
    from pwdlib.hashers.bcrypt import BcryptHasher

    hasher = PasswordHash((BcryptHasher(rounds=4),))
    hashed = hasher.hash(PASSWORD)
    return hasher.verify(PASSWORD, hashed) and not hasher.verify("wrong", hashed)


def _pwdlib_recommended_works() -> bool:
    # What FastAPI's own tutorial calls: Argon2, which needs the argon2-cffi backend.
    from pwdlib import PasswordHash

    hasher = PasswordHash.recommended()
    return hasher.verify(PASSWORD, hasher.hash(PASSWORD))


def _check_pwdlib(pwdlib: str, bcrypt: str | None) -> list[Finding]:
    found = []
    error = _attempt(_pwdlib_works)
    if error:
        found.append(Finding("hashing", BROKEN, f"{pwdlib} cannot hash with bcrypt ({error}).", PWDLIB_FIX))
    else:
        found.append(Finding("hashing", OK, f"{pwdlib} with {bcrypt}: hashed and verified"))
    error = _attempt(_pwdlib_recommended_works)
    if error:
        why = "FastAPI's tutorial, and any file that uses it, stops there" if "HasherNotAvailable" in error else "it hashed badly"
        found.append(Finding("hashing", BROKEN, f"{pwdlib}: PasswordHash.recommended() (Argon2) cannot hash ({error}); {why}.", PWDLIB_FIX))
    else:
        argon2 = installed("argon2") or "its Argon2 backend"
        found.append(Finding("hashing", OK, f"{pwdlib} with {argon2}: PasswordHash.recommended() (Argon2) hashed and verified"))
    return found


def check_hashing() -> list[Finding]:
    bcrypt = installed("bcrypt")
    found = []
    passlib = installed("passlib")
    if passlib:
        error = _attempt(_passlib_works)
        if not error:
            found.append(Finding("hashing", OK, f"{passlib} with {bcrypt or 'its own bcrypt'}: hashed and verified"))
        elif passlib.startswith("passlib ") and bcrypt:
            found.append(Finding("hashing", BROKEN, f"{passlib} and {bcrypt} cannot hash together ({error}).", LIBPASS_FIX))
        else:
            fix = "pip install bcrypt" if not bcrypt else LIBPASS_FIX
            found.append(Finding("hashing", BROKEN, f"{passlib} cannot hash with bcrypt ({error}).", fix))
    pwdlib = installed("pwdlib")
    if pwdlib:
        found.extend(_check_pwdlib(pwdlib, bcrypt))
    if not found:
        found.append(Finding("hashing", BROKEN, "No password-hashing library is installed.", f"pip install libpass bcrypt  (or: {PWDLIB_FIX})"))
    return found


# JWT ------------------------------------------------------------------------------------


def _round_trip(encode: Callable[..., str], decode: Callable[..., dict]) -> bool:
    key = "doctor-" + "k" * 32
    exp = datetime.now(timezone.utc) + timedelta(minutes=5)
    token = encode({"sub": "sam@uae.dev", "exp": exp}, key, algorithm="HS256")
    return decode(token, key, algorithms=["HS256"]).get("sub") == "sam@uae.dev"


def _jose_works() -> bool:
    from jose import jwt

    return _round_trip(jwt.encode, jwt.decode)


def _pyjwt_works() -> bool:
    import jwt

    return _round_trip(jwt.encode, jwt.decode)


def check_jwt() -> list[Finding]:
    found = []
    jose = installed("jose")
    if jose:
        error = _attempt(_jose_works)
        if error:
            found.append(Finding("jwt", BROKEN, f"{jose} cannot sign and read a token ({error}).", "pip install -U 'python-jose[cryptography]'"))
        elif _version_tuple(jose) < JOSE_FIXED:
            found.append(
                Finding(
                    "jwt",
                    WARN,
                    f"{jose} works but is older than 3.4, which fixed CVE-2024-33663 and CVE-2024-33664.",
                    "pip install -U 'python-jose[cryptography]>=3.4'  (or use PyJWT)",
                )
            )
        else:
            found.append(Finding("jwt", OK, f"{jose}: signed and read an HS256 token"))
    pyjwt = installed("jwt")
    if pyjwt:
        error = _attempt(_pyjwt_works)
        if error and not pyjwt.startswith("PyJWT "):
            found.append(Finding("jwt", BROKEN, f"The `jwt` module here comes from {pyjwt}, not PyJWT ({error}).", "pip uninstall -y jwt && pip install PyJWT"))
        elif error:
            found.append(Finding("jwt", BROKEN, f"{pyjwt} cannot sign and read a token ({error}).", "pip install -U PyJWT"))
        else:
            found.append(Finding("jwt", OK, f"{pyjwt}: signed and read an HS256 token"))
    if not found:
        found.append(Finding("jwt", BROKEN, "No JWT library is installed.", "pip install 'python-jose[cryptography]'  (or: pip install PyJWT)"))
    return found


# The web stack ----------------------------------------------------------------------------


def check_web() -> Finding:
    missing = [name for module, name in (("fastapi", "fastapi"), ("uvicorn", "uvicorn"), ("httpx", "httpx")) if not installed(module)]
    multipart = installed("python_multipart") or installed("multipart")
    if not multipart:
        missing.append("python-multipart")
    if missing:
        why = " (OAuth2PasswordRequestForm needs it to read a login form)" if "python-multipart" in missing else ""
        return Finding("web", BROKEN, f"Missing: {', '.join(missing)}{why}.", f"pip install {' '.join(missing)}")
    return Finding("web", OK, ", ".join(installed(m) or m for m in ("fastapi", "uvicorn", "httpx")) + f", {multipart}")


def check_optional() -> list[Finding]:
    """Packages a correct drill file may import that a plain install lacks (EmailStr needs email-validator)."""
    from drilltutor.packages import OPTIONAL, pip_line

    return [
        Finding("optional", INFO, f"{name} is not installed: a file that imports it (pydantic's EmailStr does) stops at the import.", pip_line(module) or f"pip install {name}")
        for module, name in OPTIONAL.items()
        if not installed(module)
    ]


# Settings, progress, workspace ---------------------------------------------------------------


def check_secret() -> Finding:
    value = os.environ.get("SECRET_KEY")
    make = "export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
    if not value:
        return Finding("secret", INFO, "SECRET_KEY is not set. Fine for drills: every check run sets its own. For a server of your own, set one:", make)
    if len(value) < 32:
        return Finding("secret", WARN, f"SECRET_KEY is set but only {len(value)} characters long (check runs set their own). A strong one:", make)
    return Finding("secret", OK, f"SECRET_KEY is set ({len(value)} characters; check runs still use their own)")


def check_progress() -> Finding:
    from drilltutor.progress import ProgressStore

    try:
        path = paths.progress_file()
    except DrilltutorError as exc:
        return Finding("progress", BROKEN, exc.message, exc.hint)
    store = ProgressStore(path)
    try:
        data = store.read()
    except DrilltutorError as exc:
        return Finding("progress", BROKEN, exc.message, exc.hint or f"Move {path} aside and run drilltutor again.")
    if store.notices:
        return Finding("progress", WARN, " ".join(store.notices))
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), path.parent)
    if not os.access(folder, os.W_OK):
        return Finding("progress", BROKEN, f"{folder} is not writable, so progress cannot be saved.", "Set DRILLTUTOR_HOME to a folder you can write to.")
    state = f"reads fine, {len(data['drills'])} drill(s) recorded" if path.exists() else "not written yet (it will be after your first run)"
    return Finding("progress", OK, f"{path}: {state}")


def check_workspace(workspace: Path, drills_dir: Path | None) -> list[Finding]:
    from drilltutor.catalogue import load_catalogue

    try:
        catalogue = load_catalogue(paths.drills_dir(drills_dir))
    except DrilltutorError as exc:
        return [Finding("drills", BROKEN, exc.message, exc.hint)]
    found = [Finding("drills", OK, f"{len(catalogue.drills)} drills in {catalogue.folder}")]
    present = [d.file for d in catalogue.drills if (workspace / d.file).is_file()]
    if present:
        found.append(Finding("workspace", INFO, f"{workspace}: {', '.join(present)}"))
    else:
        first = catalogue.drills[0].alias if catalogue.drills else "1"
        found.append(Finding("workspace", INFO, f"{workspace}: no drill files yet", f"drilltutor start {first}"))
    return found


def doctor(workspace: Path | None = None, drills_dir: Path | None = None) -> Report:
    return Report(
        [
            check_python(),
            *check_hashing(),
            *check_jwt(),
            check_web(),
            *check_optional(),
            check_secret(),
            check_progress(),
            *check_workspace(paths.workspace_dir(workspace), drills_dir),
        ]
    )
