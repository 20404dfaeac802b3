"""Hidden checks for drill-6 (protect). The checks put two users of their own in the
learner's `users` and mint tokens with drilltutor's own codec (ctx.token), so python-jose
and PyJWT files are judged alike. Every answer is asked for in process (httpx through
ASGITransport) and then again from a real uvicorn server."""

import secrets

from drilltutor.checking import Ctx, Failure, check

# Per-run names: a route that answers a hard-coded email, or the first user it finds,
# cannot pass by luck.
TARGET = f"lin-{secrets.token_hex(3)}@uae.dev"
DECOY = f"ade-{secrets.token_hex(3)}@uae.dev"
_B64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Shaped like a real bcrypt hash and new every run, so finding it in an answer can only mean
# the answer carried the stored user dict.
HASHED = "$2b$12$" + "".join(secrets.choice(_B64) for _ in range(53))
DECOY_HASHED = "$2b$12$" + "".join(secrets.choice(_B64) for _ in range(53))
OTHER_KEY = "not-this-runs-secret-" + secrets.token_hex(8)


class _Recorded:
    """A client that keeps every answer, so no-hash can read them all at the end."""

    def __init__(self, client, seen: list) -> None:
        self._client, self._seen = client, seen

    def get(self, path: str, **kw):
        resp = self._client.get(path, **kw)
        self._seen.append(resp)
        return resp


def _client(ctx: Ctx) -> _Recorded:
    if "client" not in ctx.state:
        ctx.state["client"] = _Recorded(ctx.client(), ctx.state.setdefault("seen", []))
    return ctx.state["client"]


def _fail(resp, expected: str, fix: str) -> Failure:
    return Failure(sent=resp.sent, got=resp.brief(), expected=expected, fix=fix, detail=resp.error)


UNGUARDED = "/me answers without any token, so the guard never runs: give the route the parameter user = Depends(get_current_user)"
PARAMETER = "/me asks for a parameter the request does not carry (see loc in the answer); its only parameter should be user = Depends(get_current_user)"


def _no_token(ctx: Ctx):
    if "no-token" not in ctx.state:
        ctx.state["no-token"] = _client(ctx).get("/me", label="no Authorization header")
    return ctx.state["no-token"]


def _unguarded(ctx: Ctx) -> bool:
    return _no_token(ctx).status == 200


def _must_be_401(ctx: Ctx, check_id: str, resp, expected: str, *, on_500: str, on_200: str = UNGUARDED) -> None:
    if resp.status == 401:
        return
    ctx.state.setdefault("failed", set()).add(check_id)
    if resp.status == 200:
        fix = UNGUARDED if _unguarded(ctx) else on_200
    elif resp.status == 500:
        fix = on_500
    elif resp.status == 422:
        fix = PARAMETER
    elif resp.status == 403:
        fix = 'answer 401 ("who are you?"), not 403 ("you may not"): OAuth2PasswordBearer(tokenUrl="login") and HTTPException(status.HTTP_401_UNAUTHORIZED, ...) both do'
    else:
        fix = "let get_current_user decide: any token it cannot turn into a user ends in HTTPException(status.HTTP_401_UNAUTHORIZED, ...)"
    raise _fail(resp, expected, fix)


@check("users", "`users` is a dict the checks can add users to")
def users_store(ctx: Ctx) -> None:
    users = ctx.name("users", "a dict: email -> user dict, the store get_current_user looks users up in")
    if not isinstance(users, dict):
        raise Failure(
            sent="looked at `users`",
            got=f"a {type(users).__name__}: {users!r}"[:160],
            expected='a dict keyed by email: {"sam@uae.dev": {"email": "sam@uae.dev", "hashed_password": "$2b$..."}}',
            fix="users: dict = {} at the top level, and look users up with users.get(email)",
        )
    # The decoy goes in first: `next(iter(users))` style answers land on it, not on TARGET.
    users[DECOY] = {"email": DECOY, "hashed_password": DECOY_HASHED}
    users[TARGET] = {"email": TARGET, "hashed_password": HASHED}


@check("me-route", "The app has a GET /me route")
def me_route(ctx: Ctx) -> None:
    app = ctx.app()
    routes = getattr(app, "routes", None)
    if routes is None:
        raise Failure(
            sent="looked at `app`",
            got=f"a {type(app).__name__}, not a FastAPI application"[:160],
            expected="app = FastAPI()",
            fix="create the app with app = FastAPI() at the top level and add the route to it",
        )
    paths = {getattr(r, "path", None): set(getattr(r, "methods", None) or ()) for r in routes}
    if "GET" in paths.get("/me", set()):
        return
    if "GET" in paths.get("/me/", set()):
        raise Failure(
            sent="looked for GET /me in the app's routes",
            got='a route for "/me/", with a trailing slash; GET /me only gets a redirect to it',
            expected='@app.get("/me")',
            fix='drop the trailing slash: @app.get("/me")',
        )
    resp = _no_token(ctx)
    if resp.status not in (404, 405):
        return  # answered by something mounted in a way the route table does not show
    mine = sorted(p for p in paths if p and not p.startswith(("/docs", "/redoc", "/openapi")))
    raise Failure(
        sent=resp.sent,
        got=resp.brief() + (f"; the app's routes are {', '.join(mine)}" if mine else "; the app has no routes of its own"),
        expected="a route for GET /me",
        fix='add @app.get("/me") above a function on the same `app` the file ends with (a second app = FastAPI() after the route replaces it)',
    )


@check("me-valid", "A valid token gets 200 and that user's email", needs=("users", "me-route"))
def me_valid(ctx: Ctx) -> None:
    token = ctx.token(TARGET)
    resp = _client(ctx).get("/me", token=token, label=f"a valid token for {TARGET} (a user in `users`)")
    expected = f'200 and a JSON object with "email": "{TARGET}"'
    if resp.status == 422:
        where = str(resp.json)
        if "query" in where and "token" in where:
            fix = "your route reads the token from the query string; a bearer token arrives in the Authorization header: take user = Depends(get_current_user) and no `token` parameter"
        else:
            fix = PARAMETER
        raise _fail(resp, expected, fix)
    if resp.status in (401, 403):
        secret = ctx.namespace.get("SECRET")
        if isinstance(secret, str) and secret != ctx.secret:
            fix = 'your SECRET is not this run\'s SECRET_KEY (drilltutor sets a fresh one each run): SECRET = os.environ["SECRET_KEY"]'
        else:
            fix = "the guard turned away a good token: decode it with SECRET and HS256, read `sub`, and look that email up in `users` (the dict the checks filled)"
        raise _fail(resp, expected, fix)
    if resp.status != 200:
        fix = "your code raised instead of answering; the traceback below shows where" if resp.error else "answer the user's details with status 200: return a dict and let FastAPI send it"
        raise _fail(resp, expected, fix)
    body = resp.json
    if not isinstance(body, dict) or "email" not in body:
        raise _fail(resp, expected, 'return a dict with the key "email": return {"email": user["email"]}')
    if body["email"] != TARGET:
        if _unguarded(ctx):
            raise _fail(resp, expected, UNGUARDED + ", and answer that user's email")
        raise _fail(
            resp,
            expected,
            f"answer the email of the user the dependency returned (user[\"email\"]), not a fixed or first user; the token was for {TARGET}",
        )


@check("me-no-token", "No Authorization header gets 401", needs=("me-route",))
def me_no_token(ctx: Ctx) -> None:
    resp = _no_token(ctx)
    _must_be_401(
        ctx,
        "me-no-token",
        resp,
        "401: no token, no answer",
        on_500="your route ran without a user and crashed: the guard belongs in its parameters, user = Depends(get_current_user), so it never runs without one",
    )


@check("me-garbage", "A token that is not a JWT gets 401, not a 500", needs=("me-route",))
def me_garbage(ctx: Ctx) -> None:
    resp = _client(ctx).get("/me", token="garbage", label="Authorization: Bearer garbage")
    _must_be_401(
        ctx,
        "me-garbage",
        resp,
        "401, the same as any other bad token",
        on_200="the guard let a token that is not even a JWT through: decode it with the library and raise 401 when decode fails",
        on_500="decode raised on a token that is not a JWT and nothing caught it: wrap the decode in try/except JWTError (PyJWT: jwt.InvalidTokenError) and raise HTTPException(401) from the except",
    )


@check("me-expired", "An expired token gets 401", needs=("users", "me-route"))
def me_expired(ctx: Ctx) -> None:
    token = ctx.token(TARGET, minutes=-5)
    resp = _client(ctx).get("/me", token=token, label=f"a token for {TARGET}, signed with SECRET_KEY, that expired 5 minutes ago")
    _must_be_401(
        ctx,
        "me-expired",
        resp,
        "401: an expired token is a bad token",
        on_200='the token\'s exp was never checked: get the payload from jwt.decode(token, SECRET, algorithms=["HS256"]), which refuses an expired token, and leave its options alone',
        on_500="the expired error escaped: catch JWTError (it covers ExpiredSignatureError; PyJWT: jwt.InvalidTokenError) around decode and raise the 401",
    )


@check("me-forged", "A token signed with another key gets 401", needs=("users", "me-route"))
def me_forged(ctx: Ctx) -> None:
    token = ctx.token(TARGET, key=OTHER_KEY)
    resp = _client(ctx).get("/me", token=token, label=f"a token for {TARGET} signed with a key that is not SECRET_KEY")
    _must_be_401(
        ctx,
        "me-forged",
        resp,
        "401: only tokens signed with SECRET_KEY count",
        on_200='the guard read the payload without checking the signature, so anyone can write a token for any email: jwt.decode(token, SECRET, algorithms=["HS256"]), never get_unverified_claims or verify_signature off',
        on_500="the signature error escaped: catch JWTError (PyJWT: jwt.InvalidTokenError) around decode and raise the 401",
    )


@check("live", "On a real uvicorn server: a valid token gets the email; none, garbage, expired get 401", needs=("me-valid",))
def live(ctx: Ctx) -> None:
    with ctx.live() as plain:
        client = _Recorded(plain, ctx.state.setdefault("seen", []))
        resp = client.get("/me", token=ctx.token(TARGET), label=f"a valid token for {TARGET}")
        body = resp.json
        if resp.status != 200 or not isinstance(body, dict) or body.get("email") != TARGET:
            raise _fail(
                resp,
                f'200 and "email": "{TARGET}", as it was in process',
                "the app answered differently over a real connection; keep /me free of anything that depends on how it is called (the host name, the client address)",
            )
        bad = (
            (None, "no Authorization header", "me-no-token"),
            ("garbage", "Authorization: Bearer garbage", "me-garbage"),
            (ctx.token(TARGET, minutes=-5), "a token that expired 5 minutes ago", "me-expired"),
        )
        for token, label, same_as in bad:
            resp = client.get("/me", token=token, label=label)
            if resp.status != 401:
                if same_as in ctx.state.get("failed", ()):
                    fix = f"the same answer as in check {same_as} above: fix that one and this follows"
                else:
                    fix = "the app answered differently over a real connection; keep the guard free of anything that depends on how it is called (the host name, the client address)"
                raise _fail(resp, "401, as in process", fix)


@check("no-hash", "No answer holds the password hash", needs=("me-valid",))
def no_hash(ctx: Ctx) -> None:
    for resp in ctx.state.get("seen", []):
        if HASHED in resp.text or DECOY_HASHED in resp.text:
            raise Failure(
                sent=resp.sent,
                got=f"{resp.brief()}: that holds the user's hashed_password",
                expected=f'only public fields, such as {{"email": "{TARGET}"}}',
                fix='return the fields you mean to show by name: return {"email": user["email"]}, never the user dict itself',
            )
