"""What every login-and-guard app must get right, whatever its routes: the docs' Authorize
button and the bad tokens its guard must refuse.

Not a drill file: build's checks.py and the project family's load it with
`kit(...)`, so the build and the Tasks API judge these alike.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from drilltutor.checking import Ctx, Failure

# What a stored or leaked password hash looks like: bcrypt, or Argon2 (pwdlib's
# PasswordHash.recommended(), which FastAPI's own tutorial uses today).
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
ARGON2_PREFIXES = ("$argon2id$", "$argon2i$", "$argon2d$")
PASSWORD_HASH = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+")


def is_password_hash(value: str) -> bool:
    return value.startswith(BCRYPT_PREFIXES + ARGON2_PREFIXES)


def hash_matches(hashed: str | None, password: str) -> bool:
    """Whether `hashed` (bcrypt or Argon2) is a hash of `password`; asked only to explain a failure."""
    if not hashed:
        return False
    try:
        if hashed.startswith(ARGON2_PREFIXES):
            from argon2 import PasswordHasher

            return PasswordHasher().verify(hashed, password)
        import bcrypt

        return bcrypt.checkpw(password.encode(), hashed.encode())
    except Exception:  # no library, a hash it cannot read, or a mismatch: no diagnosis, not a verdict
        return False


# The Authorize button ----------------------------------------------------------------------


def _token_urls(schema: Any) -> list[str]:
    """The tokenUrl of every OAuth2 password flow in an OpenAPI schema."""
    schemes = schema.get("components", {}).get("securitySchemes", {}) if isinstance(schema, dict) else {}
    urls = []
    for scheme in schemes.values() if isinstance(schemes, dict) else ():
        password = scheme.get("flows", {}).get("password", {}) if isinstance(scheme, dict) and scheme.get("type") == "oauth2" else {}
        if isinstance(password, dict) and isinstance(password.get("tokenUrl"), str):
            urls.append(password["tokenUrl"])
    return urls


def _has_post(app: Any, path: str) -> bool:
    return any(getattr(r, "path", None) == path and "POST" in (getattr(r, "methods", None) or ()) for r in getattr(app, "routes", ()))


def check_token_url(ctx: Ctx, login_path: str) -> None:
    """The OAuth2 scheme's tokenUrl resolves to `login_path`, the route the login checks proved takes the form.

    An app with no OAuth2 password flow in its schema has no login form behind the button
    (a pasted token still works), so only a tokenUrl that is there is judged.
    """
    app = ctx.name("app", "the FastAPI application: app = FastAPI()")
    schema = ctx.call("app.openapi()", app.openapi)
    for url in _token_urls(schema):
        # Swagger UI resolves a relative tokenUrl against the app's root, as FastAPI's docs say.
        path = urlsplit(urljoin(getattr(app, "root_path", "") + "/", url)).path or "/"
        if path == login_path:
            continue
        where = "which is not the login route" if _has_post(app, path) else "which this app does not have"
        raise Failure(
            sent="read app.openapi() -> components.securitySchemes, where the docs' Authorize button finds its login form",
            got=f'tokenUrl="{url}": the Authorize button at /docs would POST the username and password form to {path}, {where}',
            expected=f'tokenUrl="{login_path.lstrip("/")}": your login route, {login_path}, which takes that form',
            fix=f'set OAuth2PasswordBearer(tokenUrl="{login_path.lstrip("/")}"), so the button logs in where your app does',
        )
