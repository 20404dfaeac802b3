"""The judge of a learner's `get_current_user`, shared by drill-4 (dependency) and drill-5 (401).

The checks mount the learner's dependency on a `GET /me` route of their own (built in the
learner's process by the agent-side helper `mount_dependency`: the checks get a handle to
that app, and send it requests as data), put users of their own in the learner's `users`,
and send each token once: `ask` keeps every answer and what the dependency handed the route, so each check judges cached answers by what went
wrong and one mistake shows up as one failing check. Each drill's checks.py declares its
checks (ids, titles, order) and calls the bodies here; the bad tokens are its own.
"""

import secrets

import bcrypt

from drilltutor.checking import Advice, Ctx, Failure, kit
from drilltutor.checking.remote import is_exception
from drilltutor.checking.trace import clip

tokenfile = kit("tokenfile")
fail = kit("gate").fail  # a bad token let through, told as build and the project tell it

# Per-run names: a dependency that answers a fixed or first user cannot pass by luck.
TARGET = f"lin-{secrets.token_hex(3)}@uae.dev"
DECOY = f"ade-{secrets.token_hex(3)}@uae.dev"
STRANGER = f"kit-{secrets.token_hex(3)}@uae.dev"  # never put in `users`
_NOTHING = object()  # the dependency raised, so the route never saw a user

MOUNT = "@app.get(\"/me\") def me(user=Depends(get_current_user))"
THE_401 = 'HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})'


def _app(ctx: Ctx):
    return ctx.state["app"]


def ask(ctx: Ctx, key: str, token: str | None, label: str):
    """GET /me once per token; the answer and what the dependency handed the route are kept."""
    answers = ctx.state.setdefault("answers", {})
    if key not in answers:
        resp = ctx.client(_app(ctx), kit=("handed_over", TARGET)).get("/me", token=token, label=label)
        handed = resp.kit
        ctx.state.setdefault("is-record", {})[key] = bool(handed.get("is_record"))
        answers[key] = (resp, _NOTHING if handed["nothing"] else handed["value"])
    return answers[key]


def bad(ctx: Ctx, tokens, table: str = "bad-tokens") -> list[tuple[str, str, object, object]]:
    """(key, short name, response, returned) for every bad token, sent once per run.

    `tokens(ctx)` gives the drill's bad tokens: key -> (short name, label for `sent`, token).
    `table` names the set in the run's state: drill-5 extends drill-4, so both tables are sent.
    """
    if table not in ctx.state:
        ctx.state[table] = tokens(ctx)
    return [(key, short, *ask(ctx, f"{table}:{key}", token, label)) for key, (short, label, token) in ctx.state[table].items()]


def accepted(resp) -> bool:
    return 200 <= resp.status < 300


def described(value: object) -> str:
    return "nothing" if value is _NOTHING else clip(repr(value), 120)


def also(rows: list, first) -> str:
    others = [short for _, short, resp, _ in rows if resp is not first]
    return f"; the same for: {', '.join(others)}" if others else ""


def _email_of(user: object) -> object:
    if isinstance(user, dict):
        return user.get("email")
    return getattr(user, "email", None)


def _learner_secret(ctx: Ctx) -> object:
    value = ctx.namespace.get("SECRET")
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _hard_coded(ctx: Ctx) -> bool:
    value = _learner_secret(ctx)
    return isinstance(value, str) and value != ctx.secret


# Why a bad token crashed -------------------------------------------------------------

def _raised(resp) -> str:
    """The exception line of the learner's traceback: the first line that is not a frame. Not the
    last line: a message can run on (pydantic's ends with a link to its docs)."""
    lines = [line for line in resp.error.strip().splitlines() if line and not line.startswith((" ", "Traceback"))]
    return lines[0] if lines else ""


RETURNED_NOT_RAISED = (
    "get_current_user returned the HTTPException instead of raising it, so FastAPI handed it on as the user: "
    "raise it, don't return it"
)


RETURNED_NONE = (
    "when decode fails, your code returns instead of raising, and FastAPI hands what a dependency "
    "returns to the route as the user: raise the 401 from the except"
)


def crash_fix(ctx: Ctx, resp) -> str:
    """The one thing to change when a bad token made the app answer 500, read from what was raised."""
    raised = _raised(resp)
    name = raised.split(":", 1)[0].strip()
    short = name.rsplit(".", 1)[-1]
    if "'HTTPException' object" in raised:
        return RETURNED_NOT_RAISED
    if short == "KeyError" and (STRANGER in raised or raised.endswith("None")):
        return "users[email] raised KeyError for an email nobody has: look it up with users.get(email) and raise the same 401 when it is None"
    if short == "KeyError":
        return 'a genuine token that lacks a claim is still a bad token: read it with payload.get("sub") and let the missing user end in the same 401'
    if "'NoneType' object" in raised:
        return "users.get(email) gave None for an email nobody has, and the code went on with it: right after the lookup, if user is None, raise the same 401"
    if name == "jose.exceptions.JWKError":
        return (
            'pass algorithms=["HS256"] to jwt.decode: without it python-jose takes the algorithm from the token\'s own header, '
            'and for "alg": "none" it raises JWKError, which JWTError does not cover'
        )
    if name.startswith("jose."):
        parent = "JWTError (from jose import JWTError)"
    elif name.startswith("jwt."):
        parent = "jwt.InvalidTokenError"
    else:
        return f"your code raised {short}: every way a token can be wrong must end in the 401, never an exception"
    handlers = tokenfile.handlers_around_decode(ctx.source)
    if not handlers:
        return f"wrap jwt.decode in try/except {parent} and raise the 401 from the except"
    caught = {h.rsplit(".", 1)[-1].strip("() ") for handler in handlers for h in handler.split(",")}
    if caught & {short, "JWTError", "JOSEError", "InvalidTokenError", "PyJWTError", "Exception", "BaseException", "everything"}:
        return "the error came from a line outside your try (the traceback shows which): move every call that reads the token inside it"
    return f"your except catches {', '.join(handlers)}, and {short} is not one of them: catch {parent}, the parent of every token error decode raises"


def let_through_fix(returned: object, fix: str) -> str:
    """`fix` for a bad token that got through, unless the slip is an exception returned instead of raised."""
    return RETURNED_NOT_RAISED if is_exception(returned) else fix


def got_through(rows: list, keys: tuple[str, ...]) -> list:
    """The rows of the bad tokens named by `keys` that the dependency let through to the route."""
    return [row for row in rows if row[0] in keys and accepted(row[2])]


def refuse(rows: list, expected: str, fix: str, if_none: str = "") -> None:
    """Fail on the first bad token in `rows` that got through (see `got_through`), naming the
    others that did too. `if_none`: the fix when the dependency handed the route None, the mark
    of an except that returns instead of raising."""
    if not rows:
        return
    _, _, resp, returned = rows[0]
    raise fail(
        resp,
        expected,
        let_through_fix(returned, if_none if if_none and returned is None else fix),
        got=f"{resp.status}, get_current_user returned {described(returned)}{also(rows, resp)}",
    )


# Check bodies both drills declare -----------------------------------------------------

def users_store(ctx: Ctx) -> None:
    users = ctx.name("users", "a dict: email -> user dict, the store get_current_user looks users up in")
    if not isinstance(users, dict):
        raise Failure(
            sent="looked at `users`",
            got=clip(f"a {type(users).__name__}: {users!r}", 160),
            expected='a dict keyed by email: {"sam@uae.dev": {"email": "sam@uae.dev"}}',
            fix="users: dict = {} at the top level, and look users up with users.get(email)",
        )
    # The decoy goes in first: `next(iter(users.values()))` style answers land on it, not on TARGET.
    ctx.put("users", DECOY, record(ctx, DECOY, "Ade Okafor"))
    ctx.put("users", TARGET, record(ctx, TARGET, "Lin Chen"))


def hashed_password(ctx: Ctx) -> str:
    """A real bcrypt hash, made once per run and shared by every record: new each run, so finding it
    in an answer can only mean the answer carried a stored user. Nothing verifies against it, so
    bcrypt's lowest work factor serves (a millisecond, where 12 costs a quarter of a second)."""
    if "hashed" not in ctx.state:
        ctx.state["hashed"] = bcrypt.hashpw(secrets.token_urlsafe(12).encode(), bcrypt.gensalt(4)).decode()
    return ctx.state["hashed"]


def record(ctx: Ctx, email: str, full_name: str) -> dict:
    """A whole user record, as an app keeps one, so that a model built from it (UserInDB(**record)) works."""
    return {"email": email, "username": email, "hashed_password": hashed_password(ctx), "full_name": full_name, "disabled": False}


def mount(ctx: Ctx) -> None:
    ctx.name("get_current_user", 'a function: def get_current_user(token: str = Depends(oauth2_scheme))')
    mounted = ctx.kit("mount_dependency", "get_current_user")
    if "not_callable" in mounted:
        raise Failure(
            sent="looked at `get_current_user`",
            got=clip(f"a {mounted['not_callable']}, not a function", 160),
            expected="a function FastAPI can call as a dependency",
            fix="def get_current_user(token: str = Depends(oauth2_scheme)): ... at the top level",
        )
    if "refused" in mounted:
        raise Failure(
            sent=f"mounted it: {MOUNT}",
            got=clip("FastAPI refused it: " + mounted["refused"], 220),
            expected="a dependency whose one parameter FastAPI fills: the token from the Authorization header",
            fix="FastAPI could not read get_current_user's parameters; give it one, token: str = Depends(oauth2_scheme)",
            detail=mounted["detail"],
        )
    ctx.state["app"] = mounted["app"]
    if not mounted["bearer"]:
        others = mounted["others"]
        reads = mounted["reads"]
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
    url = mounted["url"]
    if url not in ("login", "/login"):
        raise Advice(
            got=f"OAuth2PasswordBearer(tokenUrl={url!r})",
            fix='tokenUrl="login": it is the route the docs\' Authorize button sends the login form to, and the course\'s login route is /login',
        )


def valid_token(ctx: Ctx) -> None:
    resp, returned = ask(ctx, "valid", ctx.token(TARGET), f"a valid token for {TARGET} (a user in `users`)")
    expected = f'200, with get_current_user returning users["{TARGET}"], the user the token names'
    if resp.status in (401, 403, 500) and _hard_coded(ctx):
        crashed = " (and it crashed instead of answering 401)" if resp.status == 500 else ""
        raise fail(
            resp,
            expected,
            clip(f"your SECRET is {_learner_secret(ctx)!r}", 80) + ", not this run's SECRET_KEY (drilltutor sets a fresh one each run), "
            f'so no real token verifies{crashed}: the secret is hard-coded; read it with SECRET = os.environ["SECRET_KEY"]',
        )
    if resp.status in (401, 403) and "SECRET" not in ctx.namespace:
        raise fail(resp, expected, 'decode with the run\'s key: SECRET = os.environ["SECRET_KEY"] at the top level, then jwt.decode(token, SECRET, algorithms=["HS256"])')
    if resp.status in (401, 403):
        raise fail(
            resp,
            expected,
            f'the guard turned away a good token: decode it with SECRET and algorithms=["HS256"], read "sub", '
            f"and look that email up in `users` (the checks put {TARGET} there)",
        )
    if resp.status == 422:
        raise fail(resp, expected, "FastAPI wanted a parameter the request does not carry (see loc); the token comes only from Depends(oauth2_scheme)")
    if not accepted(resp):
        raise fail(resp, expected, "your code raised on a good token; the traceback below shows where" if resp.error else "let the route answer: return the user from get_current_user")
    if ctx.state["is-record"]["valid"] or _email_of(returned) == TARGET:
        return
    got = f"{resp.status}, but get_current_user returned {described(returned)}"
    if returned is None:
        fix = f'look the email up and return what you find: users.get(payload["sub"]) is the user dict for {TARGET}'
    elif isinstance(returned, dict) and returned.get("sub") == TARGET:
        fix = 'that is the token\'s payload, not the user: return users.get(payload["sub"]), the user dict from `users`'
    elif returned == TARGET:
        fix = "that is the email, not the user: return users.get(email), the user dict from `users`"
    else:
        fix = f'return the user the token names: users.get(payload["sub"]); the token was for {TARGET}, not a fixed or first user'
    raise fail(resp, expected, fix, got)


def no_crash(ctx: Ctx, rows: list) -> None:
    crashed = [row for row in rows if row[2].status >= 500]
    if not crashed:
        return
    first = crashed[0][2]
    raise fail(
        first,
        "401: a bad token is the client's problem, never a server error",
        crash_fix(ctx, first),
        got=first.brief() + also(crashed, first),
    )


def status_401(rows: list) -> None:
    rows = [row for row in rows if row[2].status != 401]
    if not rows:
        return
    resp = rows[0][2]
    if resp.status == 403:
        fix = f'401 means "who are you?" and 403 "I know you, and no": a bad token is a 401: {THE_401}'
    elif resp.status == 400:
        fix = f"400 says the request itself is malformed; a bad credential is a 401, which tells the client to log in again: {THE_401}"
    else:
        fix = f"answer every bad token with the one 401: {THE_401}"
    raise fail(resp, "401 Unauthorized", fix, got=resp.brief() + also(rows, resp))


def www_authenticate(rows: list) -> None:
    rows = [row for row in rows if (row[2].header("www-authenticate") or "").split(" ")[0].lower() != "bearer"]
    if not rows:
        return
    resp = rows[0][2]
    header = resp.header("www-authenticate")
    raise fail(
        resp,
        "a 401 with the header WWW-Authenticate: Bearer (it tells the client which credentials to send)",
        'pass headers={"WWW-Authenticate": "Bearer"} to the HTTPException',
        got=f"{resp.brief()}, " + (f"WWW-Authenticate: {header}" if header else "no WWW-Authenticate header") + also(rows, resp),
    )


def same_body(rows: list) -> None:
    """Every bad token's 401 has one body: never which check failed, never the library's message."""
    bodies: dict[str, list[str]] = {}
    for _, short, resp, _ in rows:
        bodies.setdefault(resp.text, []).append(short)
    if len(bodies) == 1:
        return
    raise Failure(
        sent="GET /me with each bad token: " + ", ".join(short for _, short, _, _ in rows),
        got="; ".join(f"{', '.join(shorts)} -> {body[:80]}" for body, shorts in bodies.items()),
        expected="one body for all of them, such as {\"detail\":\"Could not validate credentials\"}",
        fix="make one HTTPException and raise that same one on every failure path, with a fixed detail: never str(e) "
        "(the library's message) nor which check failed; a body that says why (expired, bad signature, no such user) tells an attacker which guess to change",
    )
