"""Hidden checks for drill-5 (401). The checks mount the learner's `get_current_user` on an
app of their own (GET /me), put users of their own in the learner's `users`, and mint every
token with drilltutor's own codec, so python-jose and PyJWT files are judged alike.

The malformed tokens go in process (httpx through ASGITransport): a real server turns some
of them (an empty one, a very long one) away before the app ever sees them. Each is sent
once; the checks after `no-500` judge the cached answers by what went wrong (a crash, a
token let through, the wrong status, a missing header), so one mistake shows up as one
failing check."""

import ast
import hashlib
import hmac
import json
import secrets
import time

from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.base import SecurityBase

from drilltutor.checking import Advice, Ctx, Failure, check
from drilltutor.checking.trace import one_line, trimmed

# Per-run names: a dependency that answers a fixed or first user cannot pass by luck.
TARGET = f"lin-{secrets.token_hex(3)}@uae.dev"
DECOY = f"ade-{secrets.token_hex(3)}@uae.dev"
_NOTHING = object()  # the dependency raised, so the route never saw a user

MOUNT = "@app.get(\"/me\") def me(user=Depends(get_current_user))"
THE_401 = 'HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})'


# Tokens -------------------------------------------------------------------------------

def _signed(ctx: Ctx, header: bytes, payload: bytes) -> str:
    """A token over raw header and payload bytes, HS256-signed with the run's key, so that
    decode gets past the signature and meets the broken part itself."""
    signing_input = ctx.jwt.b64url(header) + "." + ctx.jwt.b64url(payload)
    mac = hmac.new(ctx.secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + ctx.jwt.b64url(mac)


def _bad_tokens(ctx: Ctx) -> dict[str, tuple[str, str, str]]:
    """key -> (short name, label for `sent`, token). None of them may crash or get through."""
    b64 = ctx.jwt.b64url
    claims = {"sub": TARGET, "exp": int(time.time()) + 1800}
    hs256 = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    # 21 base64url characters: one more than a multiple of four can never be decoded.
    bad_b64 = "eyJhbGciOiJIUzI1NiJ9x." + b64(json.dumps(claims).encode()) + ".c2lnbmF0dXJl"
    cut_json = _signed(ctx, hs256, json.dumps(claims).encode()[:-7])
    long = ".".join(secrets.token_urlsafe(n) for n in (3_000, 21_000, 3_000))
    return {
        "garbage": ("garbage", "a garbage token (Bearer garbage)", "garbage"),
        "empty": ("empty", 'an empty token ("Bearer " with nothing after it)', ""),
        "a.b.c": ("a.b.c", 'the token "a.b.c" (three parts, none of them base64 JSON)', "a.b.c"),
        "bad-base64": ("bad base64", "a token whose header part is not valid base64url", bad_b64),
        "bad-json": ("bad JSON", "a token signed with SECRET_KEY whose payload is cut-off JSON", cut_json),
        "long": ("very long", f"a {len(long):,}-character token of random characters", long),
        "alg-none": ("alg none", f'an unsigned token for {TARGET} (header "alg": "none", no signature)', ctx.jwt.encode(claims, "", alg="none")),
        "hs384": ("HS384", f"a token for {TARGET} signed with SECRET_KEY using HS384", ctx.token(TARGET, alg="HS384")),
        "hs512": ("HS512", f"a token for {TARGET} signed with SECRET_KEY using HS512", ctx.token(TARGET, alg="HS512")),
    }


# The app the checks mount the learner's dependency on ---------------------------------

def _email_of(user: object) -> object:
    if isinstance(user, dict):
        return user.get("email")
    return getattr(user, "email", None)


def _build_app(dependency):
    seen: list = []
    app = FastAPI()

    @app.get("/me")
    async def me(user=Depends(dependency)):
        seen.append(user)
        email = _email_of(user)
        return {"email": email if isinstance(email, str) else None}

    return app, seen


def _app(ctx: Ctx):
    return ctx.state["app"]


def _ask(ctx: Ctx, key: str, token: str | None, label: str):
    """GET /me once per token; the answer and what the dependency handed the route are kept."""
    answers = ctx.state.setdefault("answers", {})
    if key not in answers:
        seen = ctx.state["seen"]
        seen.clear()
        resp = ctx.client(_app(ctx)).get("/me", token=token, label=label)
        answers[key] = (resp, seen[0] if seen else _NOTHING)
    return answers[key]


def _bad(ctx: Ctx) -> list[tuple[str, str, object, object]]:
    """(key, short name, response, returned) for every bad token, sent once per run."""
    if "bad-tokens" not in ctx.state:
        ctx.state["bad-tokens"] = _bad_tokens(ctx)
    tokens = ctx.state["bad-tokens"]
    return [(key, short, *_ask(ctx, key, token, label)) for key, (short, label, token) in tokens.items()]


def _fail(resp, expected: str, fix: str, got: str = "") -> Failure:
    return Failure(sent=resp.sent, got=got or resp.brief(), expected=expected, fix=fix, detail=resp.error)


def _accepted(resp) -> bool:
    return 200 <= resp.status < 300


def _returned(value: object) -> str:
    return "nothing" if value is _NOTHING else repr(value)[:120]


def _also(rows: list, first) -> str:
    others = [short for _, short, resp, _ in rows if resp is not first]
    return f"; the same for: {', '.join(others)}" if others else ""


def _learner_secret(ctx: Ctx) -> object:
    value = ctx.namespace.get("SECRET")
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _hard_coded(ctx: Ctx) -> bool:
    value = _learner_secret(ctx)
    return isinstance(value, str) and value != ctx.secret


# Why a bad token crashed -------------------------------------------------------------

def _tree(ctx: Ctx) -> ast.AST | None:
    try:
        return ast.parse(ctx.source)
    except SyntaxError:
        return None


def _guarded_handlers(ctx: Ctx) -> list[str] | None:
    """What the `except` clauses around a decode call catch; None when no try holds a decode."""
    tree = _tree(ctx)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        decodes = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("decode", "get_unverified_claims")
            for stmt in node.body
            for n in ast.walk(stmt)
        )
        if decodes:
            return [ast.unparse(h.type) if h.type is not None else "everything" for h in node.handlers]
    return None


def _raised(resp) -> str:
    return resp.error.strip().splitlines()[-1] if resp.error else ""


def _crash_fix(ctx: Ctx, resp) -> str:
    raised = _raised(resp)
    name = raised.split(":", 1)[0].strip()
    short = name.rsplit(".", 1)[-1]
    if name.startswith("jose."):
        parent = "JWTError (from jose import JWTError)"
    elif name.startswith("jwt."):
        parent = "jwt.InvalidTokenError"
    else:
        return f"{resp.sent} returned 500 because your code raised {short}; every way a token can be wrong must end in the 401, never an exception"
    handlers = _guarded_handlers(ctx)
    if not handlers:
        return f"{resp.sent} returned 500; wrap jwt.decode in try/except {parent} and raise the 401 from the except"
    caught = {h.rsplit(".", 1)[-1].strip("() ") for handler in handlers for h in handler.split(",")}
    if caught & {short, "JWTError", "JOSEError", "InvalidTokenError", "PyJWTError", "Exception", "BaseException", "everything"}:
        return f"{resp.sent} returned 500 from a line outside your try (the traceback shows which); move every call that reads the token inside it"
    return (
        f"{resp.sent} returned 500: your except catches {', '.join(handlers)}, and {short} is not one of them; "
        f"catch {parent}, the parent of every token error decode raises"
    )


# Checks ------------------------------------------------------------------------------

@check("users", "`users` is a dict the checks can add users to")
def users_store(ctx: Ctx) -> None:
    users = ctx.name("users", "a dict: email -> user dict, the store get_current_user looks users up in")
    if not isinstance(users, dict):
        raise Failure(
            sent="looked at `users`",
            got=f"a {type(users).__name__}: {users!r}"[:160],
            expected='a dict keyed by email: {"sam@uae.dev": {"email": "sam@uae.dev"}}',
            fix="users: dict = {} at the top level, and look users up with users.get(email)",
        )
    # The decoy goes in first: `next(iter(users.values()))` style answers land on it, not on TARGET.
    users[DECOY] = {"email": DECOY}
    users[TARGET] = {"email": TARGET}


def _schemes(dependant, kind=OAuth2PasswordBearer) -> list:
    found = [dependant.call] if isinstance(dependant.call, kind) else []
    return found + [s for sub in dependant.dependencies for s in _schemes(sub, kind)]


def _reads(dependant) -> list[str]:
    """Where FastAPI would look for the dependency's own parameters, for the message."""
    own = [
        f"{where} `{getattr(f, 'alias', None) or f.name}`"
        for where, fields in (("the query string", dependant.query_params), ("a header", dependant.header_params),
                              ("a cookie", dependant.cookie_params), ("the body", dependant.body_params))
        for f in fields
    ]
    return own + [r for sub in dependant.dependencies for r in _reads(sub)]


@check("get-current-user", "`get_current_user` is a dependency that takes the token from OAuth2PasswordBearer")
def dependency_check(ctx: Ctx) -> None:
    dependency = ctx.name("get_current_user", 'a function: def get_current_user(token: str = Depends(oauth2_scheme))')
    if not callable(dependency):
        raise Failure(
            sent="looked at `get_current_user`",
            got=f"a {type(dependency).__name__}, not a function"[:160],
            expected="a function FastAPI can call as a dependency",
            fix="def get_current_user(token: str = Depends(oauth2_scheme)): ... at the top level",
        )
    try:
        app, seen = _build_app(dependency)
    except Exception as exc:
        raise Failure(
            sent=f"mounted it: {MOUNT}",
            got="FastAPI refused it: " + one_line(exc)[:200],
            expected="a dependency whose one parameter FastAPI fills: the token from the Authorization header",
            fix="FastAPI could not read get_current_user's parameters; give it one, token: str = Depends(oauth2_scheme)",
            detail=trimmed(exc, str(ctx.file)),
        ) from None
    ctx.state["app"], ctx.state["seen"] = app, seen
    route = next(r for r in app.routes if getattr(r, "path", None) == "/me")
    dependant = route.dependant.dependencies[0]
    schemes = _schemes(dependant)
    if not schemes:
        others = [type(s).__name__ for s in _schemes(dependant, SecurityBase)]
        reads = _reads(dependant)
        if others:
            got, fix = f"it takes the token from {others[0]}", f"swap {others[0]} for OAuth2PasswordBearer(tokenUrl=\"login\"), the scheme the login flow and the docs' Authorize button use"
        elif any(r.startswith("the query string") for r in reads):
            got, fix = "it never asks OAuth2PasswordBearer for the token", "a plain `token: str` parameter is read from the query string; take it from the Authorization header with token: str = Depends(oauth2_scheme)"
        else:
            got, fix = "it never asks OAuth2PasswordBearer for the token", "let OAuth2PasswordBearer read the Authorization header for you: token: str = Depends(oauth2_scheme)"
        raise Failure(
            sent=f"mounted it ({MOUNT}) and looked at what FastAPI hands it",
            got=got + (f"; FastAPI reads {', '.join(reads)}" if reads else ""),
            expected='oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login") and a parameter token: str = Depends(oauth2_scheme)',
            fix=fix,
        )
    flows = getattr(getattr(schemes[0], "model", None), "flows", None)
    url = getattr(getattr(flows, "password", None), "tokenUrl", None)
    if url not in ("login", "/login"):
        raise Advice(
            got=f"OAuth2PasswordBearer(tokenUrl={url!r})",
            fix='tokenUrl="login": it is the route the docs\' Authorize button sends the login form to, and the course\'s login route is /login',
        )


@check("valid-token", "A valid token reaches the route with that user", needs=("users", "get-current-user"))
def valid_token(ctx: Ctx) -> None:
    resp, returned = _ask(ctx, "valid", ctx.token(TARGET), f"a valid token for {TARGET} (a user in `users`)")
    expected = f'200, with get_current_user returning users["{TARGET}"], the user the token names'
    if resp.status in (401, 403, 500) and _hard_coded(ctx):
        crashed = " (and it crashed instead of answering 401)" if resp.status == 500 else ""
        raise _fail(
            resp,
            expected,
            f"your SECRET is {_learner_secret(ctx)!r}"[:80] + ", not this run's SECRET_KEY (drilltutor sets a fresh one each run), "
            f'so no real token verifies{crashed}: the secret is hard-coded; read it with SECRET = os.environ["SECRET_KEY"]',
        )
    if resp.status in (401, 403) and "SECRET" not in ctx.namespace:
        raise _fail(resp, expected, 'decode with the run\'s key: SECRET = os.environ["SECRET_KEY"] at the top level, then jwt.decode(token, SECRET, algorithms=["HS256"])')
    if resp.status in (401, 403):
        raise _fail(
            resp,
            expected,
            f'the guard turned away a good token: decode it with SECRET and algorithms=["HS256"], read "sub", '
            f"and look that email up in `users` (the checks put {TARGET} there)",
        )
    if resp.status == 422:
        raise _fail(resp, expected, "FastAPI wanted a parameter the request does not carry (see loc); the token comes only from Depends(oauth2_scheme)")
    if not _accepted(resp):
        raise _fail(resp, expected, "your code raised on a good token; the traceback below shows where" if resp.error else "let the route answer: return the user from get_current_user")
    if returned is ctx.namespace["users"].get(TARGET) or _email_of(returned) == TARGET:
        return
    got = f"{resp.status}, but get_current_user returned {_returned(returned)}"
    if returned is None:
        fix = f'look the email up and return what you find: users.get(payload["sub"]) is the user dict for {TARGET}'
    elif isinstance(returned, dict) and returned.get("sub") == TARGET:
        fix = 'that is the token\'s payload, not the user: return users.get(payload["sub"]), the user dict from `users`'
    elif returned == TARGET:
        fix = "that is the email, not the user: return users.get(email), the user dict from `users`"
    else:
        fix = f'return the user the token names: users.get(payload["sub"]); the token was for {TARGET}, not a fixed or first user'
    raise _fail(resp, expected, fix, got)


@check("no-500", "No malformed token makes get_current_user crash (500)", needs=("valid-token",))
def no_500(ctx: Ctx) -> None:
    rows = _bad(ctx)
    crashed = [row for row in rows if row[2].status >= 500]
    if not crashed:
        return
    first = crashed[0][2]
    raise _fail(
        first,
        "401: a bad token is the client's problem, never a server error",
        _crash_fix(ctx, first),
        got=first.brief() + _also(crashed, first),
    )


ALGS = ("alg-none", "hs384", "hs512")


@check("refused", "No malformed token gets through (200)", needs=("no-500",))
def refused(ctx: Ctx) -> None:
    rows = [row for row in _bad(ctx) if row[0] not in ALGS and _accepted(row[2])]
    if not rows:
        return
    _, _, resp, returned = rows[0]
    if returned is None:
        fix = "when decode fails, your code returns instead of raising, and FastAPI hands what a dependency returns to the route as the user: raise the 401 from the except"
    else:
        fix = "only a token that decodes may name a user: decode it with the library and raise the 401 when decode raises"
    raise _fail(
        resp,
        "401: there is nothing in this token to trust",
        fix,
        got=f"{resp.status}, get_current_user returned {_returned(returned)}{_also(rows, resp)}",
    )


@check("algorithms", "Only HS256 signed with SECRET_KEY counts: alg none, HS384 and HS512 are refused", needs=("refused",))
def algorithms(ctx: Ctx) -> None:
    rows = [row for row in _bad(ctx) if row[0] in ALGS and _accepted(row[2])]
    if not rows:
        return
    _, _, resp, returned = rows[0]
    if any(key == "alg-none" for key, _, _, _ in rows):
        fix = (
            'a token with no signature named a user, so the signature was never checked: jwt.decode(token, SECRET, algorithms=["HS256"]), '
            'never get_unverified_claims() or options={"verify_signature": False}'
        )
    else:
        fix = 'allow only the algorithm you sign with: algorithms=["HS256"]; the token\'s own header chooses nothing'
    raise _fail(
        resp,
        "401: you sign with HS256, so a token that claims anything else is not one of yours",
        fix,
        got=f"{resp.status}, get_current_user returned {_returned(returned)}{_also(rows, resp)}",
    )


@check("status-401", "Every malformed token gets status 401", needs=("algorithms",))
def status_401(ctx: Ctx) -> None:
    rows = [row for row in _bad(ctx) if row[2].status != 401]
    if not rows:
        return
    resp = rows[0][2]
    if resp.status == 403:
        fix = f'401 means "who are you?" and 403 "I know you, and no": a bad token is a 401: {THE_401}'
    elif resp.status == 400:
        fix = f"400 says the request itself is malformed; a bad credential is a 401, which tells the client to log in again: {THE_401}"
    else:
        fix = f"answer every bad token with the one 401: {THE_401}"
    raise _fail(resp, "401 Unauthorized", fix, got=resp.brief() + _also(rows, resp))


@check("www-authenticate", "Every 401 says WWW-Authenticate: Bearer", needs=("status-401",))
def www_authenticate(ctx: Ctx) -> None:
    rows = [row for row in _bad(ctx) if (row[2].header("www-authenticate") or "").split(" ")[0].lower() != "bearer"]
    if not rows:
        return
    resp = rows[0][2]
    header = resp.header("www-authenticate")
    raise _fail(
        resp,
        "a 401 with the header WWW-Authenticate: Bearer (it tells the client which credentials to send)",
        'pass headers={"WWW-Authenticate": "Bearer"} to the HTTPException',
        got=f"{resp.brief()}, " + (f"WWW-Authenticate: {header}" if header else "no WWW-Authenticate header") + _also(rows, resp),
    )
