"""A small HS256/384/512 JWT codec used by the checks.

The checks mint and verify tokens with this instead of python-jose or PyJWT, so they
judge every learner the same way whichever library the learner chose, and a learner
who patches their JWT library cannot change what the checks see.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
_hmac_new, _compare = hmac.new, hmac.compare_digest


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _sign(signing_input: str, key: str, alg: str) -> str:
    return b64url(_hmac_new(key.encode(), signing_input.encode("ascii"), _DIGESTS[alg]).digest())


def encode(payload: dict[str, Any], key: str, alg: str = "HS256", header: dict[str, Any] | None = None) -> str:
    head = {"alg": alg, "typ": "JWT", **(header or {})}
    signing_input = b64url(json.dumps(head, separators=(",", ":")).encode()) + "." + b64url(
        json.dumps(payload, separators=(",", ":")).encode()
    )
    signature = "" if alg == "none" else _sign(signing_input, key, alg)
    return signing_input + "." + signature


def tampered(signed: str, wanted: str) -> str:
    """`wanted`'s header and payload under `signed`'s signature: a payload changed after signing."""
    return wanted.rsplit(".", 1)[0] + "." + signed.rsplit(".", 1)[1]


def token(sub: str | None, key: str, *, minutes: float = 30, alg: str = "HS256", **claims: Any) -> str:
    """A token like the drills' own: `sub` and an `exp` `minutes` from now (negative: already expired)."""
    payload: dict[str, Any] = {"exp": int(time.time() + minutes * 60), **claims}
    if sub is not None:
        payload["sub"] = sub
    return encode(payload, key, alg)


def parts(value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWT, unverified. Raises ValueError when it is not one."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str) or value.count(".") != 2:
        raise ValueError("not three dot-separated parts")
    head, body, _ = value.split(".")
    try:
        header, payload = json.loads(_unb64url(head)), json.loads(_unb64url(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"a part is not base64url JSON ({exc})") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("header or payload is not a JSON object")
    return header, payload


def signed_with(value: str, key: str) -> bool:
    """Whether the token's HMAC signature verifies with `key`, under the algorithm its header names."""
    header, _ = parts(value)
    alg = header.get("alg")
    if alg not in _DIGESTS:
        return False
    signing_input, _, signature = value.rpartition(".")
    return _compare(_sign(signing_input, key, alg), signature)
