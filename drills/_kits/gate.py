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


class Recorded:
    """A client that keeps every answer in the run's state, so the check that no answer leaks a
    password or a hash (run last) can read them all."""

    def __init__(self, client: Any, seen: list) -> None:
        self._client, self._seen = client, seen

    def _keep(self, resp: Any) -> Any:
        self._seen.append(resp)
        return resp

    def get(self, path: str, **kw: Any) -> Any:
        return self._keep(self._client.get(path, **kw))

    def post(self, path: str, **kw: Any) -> Any:
        return self._keep(self._client.post(path, **kw))


def recorded(client: Any, ctx: Ctx) -> Recorded:
    return Recorded(client, ctx.state.setdefault("seen", []))


def in_process(ctx: Ctx) -> Recorded:
    """The run's one in-process client, recorded."""
    if "client" not in ctx.state:
        ctx.state["client"] = recorded(ctx.client(), ctx)
    return ctx.state["client"]


def fail(resp: Any, expected: str, fix: str, got: str = "") -> Failure:
    return Failure(sent=resp.sent, got=got or resp.brief(), expected=expected, fix=fix, detail=resp.error)


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


# The JWT libraries' own words --------------------------------------------------------------

# What python-jose and PyJWT say when decode refuses a token, as str(e) gives it (collected by
# decoding each bad token the checks send, and their near kin, with both libraries). A 401 body
# that holds one tells a caller what decode disliked (OWASP Error Handling: no internal error
# details in answers); a learner's own wording ("Token expired") is not on the list.
LIBRARY_MESSAGES = (
    "Not enough segments",
    "Invalid header padding",
    "Invalid header string",
    "Invalid payload padding",
    "Invalid payload string",
    "Invalid crypto padding",
    "Signature verification failed",
    "Signature has expired",
    "The specified alg value is not allowed",
    "Invalid token type",
    "Expiration Time claim (exp) must be",
    "Issued At claim (iat) must be",
    "The token is not yet valid",
    "Unable to find an algorithm for key",
    "Error decoding token headers",
)


def library_message(text: str) -> str | None:
    """The JWT library's own error message that `text` (an answer's body) carries, if any."""
    lowered = text.lower()
    return next((m for m in LIBRARY_MESSAGES if m.lower() in lowered), None)


def check_no_library_message(responses: list, route: str) -> None:
    """No bad token's 401 body carries the library's message: a failure for the first that does."""
    for resp in responses:
        said = library_message(resp.text)
        if said is None:
            continue
        raise Failure(
            sent=resp.sent,
            got=f'{resp.brief()}: the body holds "{said}", the JWT library\'s own error message (str(e))',
            expected='a 401 whose detail is your own words, such as "Could not validate credentials", never what decode said',
            fix=f"in {route}'s except, raise the HTTPException with a fixed detail, not detail=str(e): the library's message tells an attacker what decode disliked",
        )


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
