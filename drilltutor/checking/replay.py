"""The differential replay's recorder: what a run's checks sent the learner's code and what came back.

`dev mutants` proves a survivor `equivalent` by running it and the reference on the same
fresh inputs (one seed for both runs: the same `SECRET_KEY`, the same `{token}`, the same
names and passwords the checks draw with `secrets`) and comparing what this module
records: every HTTP request the checks' clients send and its answer, every call of the
learner's code (`ctx.call`) and its result, every name read (`ctx.name`), the file's
printed output and, for a test-suite drill, how each of its tests ended on each version.

What stays random with one seed is normalised by its shape before it leaves the run: a
JWT becomes its header, its claims with `exp`/`iat`/`nbf` as minutes from the moment it
was recorded, and whether the run's key signs it; a bcrypt or Argon2 hash becomes its
scheme; the run's scratch folder becomes `<scratch>`. A difference that survives this is
a difference in behaviour.
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
import time
from typing import Any

from drilltutor.checking import jwtcodec

_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*")
_BCRYPT = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}")
_ARGON2 = re.compile(r"\$argon2(?:id|i|d)\$[^\s\"'\\]+")
_TIME_CLAIMS = ("exp", "iat", "nbf")
_KEPT = 20_000  # characters of one recorded value; enough to tell answers apart, small enough to send

_transcript: list[list[str]] | None = None  # None: this run does not record (every run but a replay)
_secret = ""
_scratch = ""


def start(seed: str, secret: str, scratch: str) -> None:
    """Record from now on, and draw the checks' random inputs from `seed` instead of the OS."""
    global _transcript, _secret, _scratch
    _transcript, _secret, _scratch = [], secret, scratch
    drawn = random.Random(seed)
    # The checks draw their names, passwords and keys through `secrets`; seeded, both runs of a
    # replay send the same ones. (bcrypt's salts come from the OS: their hashes are normalised.)
    def token_bytes(nbytes: int | None = None) -> bytes:
        return drawn.randbytes(32 if nbytes is None else nbytes)

    secrets.token_bytes = token_bytes
    secrets.token_hex = lambda nbytes=None: token_bytes(nbytes).hex()
    secrets.token_urlsafe = lambda nbytes=None: jwtcodec.b64url(token_bytes(nbytes))


def seeded(seed: str, what: str, size: int) -> str:
    """A value of `size` bytes, in hex, that is the same wherever `seed` and `what` are."""
    return hashlib.sha256(f"{seed}:{what}".encode()).hexdigest()[: size * 2]


def record(kind: str, sent: str, answer: Any) -> None:
    if _transcript is not None:
        now = time.time()
        _transcript.append([kind, normalise(sent, now), normalise(plain(answer), now)])


def finish() -> list[list[str]] | None:
    return _transcript


def plain(value: Any) -> str:
    """A value as text: data as itself, anything else as its kind (a function, an app)."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else repr(value) if not isinstance(value, str) else value
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{plain(k)}: {plain(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(plain(v) for v in value) if isinstance(value, (set, frozenset)) else [plain(v) for v in value]
        text = "[" + ", ".join(items) + "]"
    else:
        text = f"<{type(value).__name__}>"
    return text[:_KEPT]


def normalise(text: str, now: float) -> str:
    if _scratch:
        text = text.replace(_scratch, "<scratch>")
    if _secret:
        text = text.replace(_secret, "<SECRET_KEY>")
    text = _BCRYPT.sub("<bcrypt>", text)
    text = _ARGON2.sub("<argon2>", text)
    return _JWT.sub(lambda m: _token_shape(m.group(0), now), text)


def _token_shape(token: str, now: float) -> str:
    try:
        header, payload = jwtcodec.parts(token)
    except ValueError:
        return "<not a jwt>"
    claims = {k: (f"{round((v - now) / 60):+d}min" if k in _TIME_CLAIMS and isinstance(v, (int, float)) else v) for k, v in sorted(payload.items())}
    signed = "run key" if _secret and jwtcodec.signed_with(token, _secret) else "not the run key"
    return f"<jwt {plain(dict(sorted(header.items())))} {plain(claims)} signed with {signed}>"
