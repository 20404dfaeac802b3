"""Hidden checks for drill-6 (protect). The checks put two users of their own in the
learner's `users` (whole records, as an app keeps them) and mint tokens with drilltutor's
own codec (ctx.token), so python-jose and PyJWT files are judged alike. Every answer is
asked for in process (httpx through ASGITransport), once per token; `live` then asks a
real uvicorn server the same questions, once every in-process answer is right."""

import secrets

from drilltutor.checking import Ctx, Failure, check, kit

# The records, the per-run names and what a crash means are drill-4's guard's: drill-6 mounts
# the same dependency, only on the learner's own route.
guard = kit("guard")
gate = kit("gate")  # the JWT libraries' own error messages, shared with build and the project family
TARGET, DECOY, STRANGER = guard.TARGET, guard.DECOY, guard.STRANGER
OTHER_KEY = "not-this-runs-secret-" + secrets.token_hex(8)


UNGUARDED = "/me answers without any token, so the guard never runs: give the route the parameter user = Depends(get_current_user)"
PARAMETER = "/me asks for a parameter the request does not carry (see loc in the answer); its only parameter should be user = Depends(get_current_user)"


def _no_token(ctx: Ctx):
    if "no-token" not in ctx.state:
        ctx.state["no-token"] = gate.in_process(ctx).get("/me", label="no Authorization header")
    return ctx.state["no-token"]


def _unguarded(ctx: Ctx) -> bool:
    return _no_token(ctx).status == 200


def _ask(ctx: Ctx, key: str, token: str, label: str):
    """GET /me once per token in process; the answer is kept for the checks after it."""
    answers = ctx.state.setdefault("answers", {})
    if key not in answers:
        ctx.state.setdefault("asked", {})[key] = (token, label)
        answers[key] = gate.in_process(ctx).get("/me", token=token, label=label)
    return answers[key]


def _must_be_401(ctx: Ctx, resp, expected: str, *, on_200: str = UNGUARDED, on_500: str = "") -> None:
    if resp.status == 401:
        return
    if resp.status == 200:
        fix = UNGUARDED if _unguarded(ctx) else on_200
    elif resp.status == 500:
        fix = on_500 or guard.crash_fix(ctx, resp)
    elif resp.status == 422:
        fix = PARAMETER
    elif resp.status == 403:
        fix = 'answer 401 ("who are you?"), not 403 ("you may not"): OAuth2PasswordBearer(tokenUrl="login") and HTTPException(status.HTTP_401_UNAUTHORIZED, ...) both do'
    else:
        fix = "let get_current_user decide: any token it cannot turn into a user ends in HTTPException(status.HTTP_401_UNAUTHORIZED, ...)"
    raise gate.fail(resp, expected, fix)


UNSIGNED = 'never get_unverified_claims() or options={"verify_signature": False}'


@check("users", "`users` is a dict the checks can add users to")
def users_store(ctx: Ctx) -> None:
    guard.users_store(ctx)


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
    resp = gate.in_process(ctx).get("/me", token=token, label=f"a valid token for {TARGET} (a user in `users`)")
    expected = f'200 and a JSON object with "email": "{TARGET}"'
    if resp.status == 422:
        where = str(resp.json)
        if "query" in where and "token" in where:
            fix = "your route reads the token from the query string; a bearer token arrives in the Authorization header: take user = Depends(get_current_user) and no `token` parameter"
        else:
            fix = PARAMETER
        raise gate.fail(resp, expected, fix)
    if resp.status in (401, 403):
        secret = ctx.namespace.get("SECRET")
        if isinstance(secret, str) and secret != ctx.secret:
            fix = 'your SECRET is not this run\'s SECRET_KEY (drilltutor sets a fresh one each run): SECRET = os.environ["SECRET_KEY"]'
        else:
            fix = "the guard turned away a good token: decode it with SECRET and HS256, read `sub`, and look that email up in `users` (the dict the checks filled)"
        raise gate.fail(resp, expected, fix)
    if resp.status != 200:
        fix = "your code raised instead of answering; the traceback below shows where" if resp.error else "answer the user's details with status 200: return a dict and let FastAPI send it"
        raise gate.fail(resp, expected, fix)
    body = resp.json
    if not isinstance(body, dict) or "email" not in body:
        raise gate.fail(resp, expected, 'return a dict with the key "email": return {"email": user["email"]}')
    if body["email"] != TARGET:
        if _unguarded(ctx):
            raise gate.fail(resp, expected, UNGUARDED + ", and answer that user's email")
        raise gate.fail(
            resp,
            expected,
            f"answer the email of the user the dependency returned (user[\"email\"]), not a fixed or first user; the token was for {TARGET}",
        )


@check("me-no-token", "No Authorization header gets 401", needs=("me-route",))
def me_no_token(ctx: Ctx) -> None:
    _must_be_401(
        ctx,
        _no_token(ctx),
        "401: no token, no answer",
        on_500="your route ran without a user and crashed: the guard belongs in its parameters, user = Depends(get_current_user), so it never runs without one",
    )


@check("me-garbage", "A token that is not a JWT gets 401, not a 500", needs=("me-route",))
def me_garbage(ctx: Ctx) -> None:
    _must_be_401(
        ctx,
        _ask(ctx, "garbage", "garbage", "Authorization: Bearer garbage"),
        "401, the same as any other bad token",
        on_200="the guard let a token that is not even a JWT through: decode it with the library and raise 401 when decode fails",
    )


@check("me-expired", "An expired token gets 401", needs=("users", "me-route"))
def me_expired(ctx: Ctx) -> None:
    resp = _ask(ctx, "expired", ctx.token(TARGET, minutes=-5), f"a token for {TARGET}, signed with SECRET_KEY, that expired 5 minutes ago")
    _must_be_401(
        ctx,
        resp,
        "401: an expired token is a bad token",
        on_200='the token\'s exp was never checked: get the payload from jwt.decode(token, SECRET, algorithms=["HS256"]), which refuses an expired token, and leave its options alone',
    )


@check("me-forged", "A token signed with another key, or changed after it was signed, gets 401", needs=("users", "me-route"))
def me_forged(ctx: Ctx) -> None:
    forged = _ask(ctx, "forged", ctx.token(TARGET, key=OTHER_KEY), f"a token for {TARGET} signed with a key that is not SECRET_KEY")
    tampered = _ask(ctx, "tampered", ctx.jwt.tampered(ctx.token(DECOY), ctx.token(TARGET)), f"a token whose payload was changed from {DECOY} to {TARGET} after SECRET_KEY signed it")
    for resp in (forged, tampered):
        _must_be_401(
            ctx,
            resp,
            "401: only a token whose signature matches its content under SECRET_KEY counts",
            on_200=f'the guard read the payload without checking the signature, so anyone can write a token for any email: jwt.decode(token, SECRET, algorithms=["HS256"]), {UNSIGNED}',
        )


@check("me-alg-none", 'An unsigned token ("alg": "none") or one signed with HS512 gets 401, not a 500', needs=("users", "me-route"))
def me_alg_none(ctx: Ctx) -> None:
    _must_be_401(
        ctx,
        _ask(ctx, "alg-none", ctx.token(TARGET, alg="none"), f'an unsigned token for {TARGET} (header "alg": "none", no signature)'),
        "401: a token with no signature proves nothing",
        on_200=f'a token with no signature named a user: jwt.decode(token, SECRET, algorithms=["HS256"]), {UNSIGNED}',
    )
    _must_be_401(
        ctx,
        _ask(ctx, "hs512", ctx.token(TARGET, alg="HS512"), f"a token for {TARGET} signed with SECRET_KEY using HS512, not HS256"),
        "401: you sign with HS256, so a token whose header picks another algorithm is not one of yours",
        on_200='pin algorithms=["HS256"] in decode: the token\'s own header chooses nothing',
    )


@check("me-unknown", "A genuine token for an email not in `users` gets 401, not a 500", needs=("users", "me-route"))
def me_unknown(ctx: Ctx) -> None:
    _must_be_401(
        ctx,
        _ask(ctx, "unknown", ctx.token(STRANGER), f"a token signed with SECRET_KEY for {STRANGER}, who is not in `users`"),
        "401: a signature proves who made the token, not that the user exists",
        on_200="return only a user found in `users` under the token's sub; for anyone else, raise the same 401",
    )


BAD = ("me-no-token", "me-garbage", "me-expired", "me-forged", "me-alg-none", "me-unknown")
BEARER = "a 401 with the header WWW-Authenticate: Bearer (it tells the client which credentials to send)"


def _bearer(resp) -> bool:
    return (resp.header("www-authenticate") or "").split(" ")[0].lower() == "bearer"


def _without_bearer(resp) -> str:
    header = resp.header("www-authenticate")
    return f"{resp.brief()}, " + (f"WWW-Authenticate: {header}" if header else "no WWW-Authenticate header")


@check("www-authenticate", "Every 401 says WWW-Authenticate: Bearer", needs=BAD)
def www_authenticate(ctx: Ctx) -> None:
    missing = [resp for resp in (_no_token(ctx), *ctx.state["answers"].values()) if not _bearer(resp)]
    if missing:
        raise Failure(
            sent=missing[0].sent,
            got=_without_bearer(missing[0]) + (f"; the same for {len(missing) - 1} more bad tokens" if len(missing) > 1 else ""),
            expected=BEARER,
            fix='pass headers={"WWW-Authenticate": "Bearer"} to the HTTPException that get_current_user raises',
        )


@check("no-library-message", "No bad token's 401 carries the JWT library's own error message", needs=BAD)
def no_library_message(ctx: Ctx) -> None:
    gate.check_no_library_message(list(ctx.state["answers"].values()), "get_current_user")


@check("live", "On a real uvicorn server: a valid token gets the email; no token and bad tokens get the same 401s", needs=("me-valid", "www-authenticate"))
def live(ctx: Ctx) -> None:
    with ctx.live() as plain:
        client = gate.recorded(plain, ctx)
        resp = client.get("/me", token=ctx.token(TARGET), label=f"a valid token for {TARGET}")
        body = resp.json
        if resp.status != 200 or not isinstance(body, dict) or body.get("email") != TARGET:
            raise gate.fail(
                resp,
                f'200 and "email": "{TARGET}", as it was in process',
                "the app answered differently over a real connection; keep /me free of anything that depends on how it is called (the host name, the client address)",
            )
        # The contract's bad requests, asked again as they were in process.
        asked = ctx.state["asked"]
        for token, label in ((None, "no Authorization header"), *(asked[key] for key in ("garbage", "expired", "alg-none", "unknown"))):
            resp = client.get("/me", token=token, label=label)
            if resp.status != 401 or not _bearer(resp):
                raise Failure(
                    sent=resp.sent,
                    got=_without_bearer(resp) if resp.status == 401 else resp.brief(),
                    expected=BEARER + ", as it was in process",
                    fix="the app answered differently over a real connection; keep the guard free of anything that depends on how it is called (the host name, the client address)",
                )


@check("no-hash", "No answer holds the password hash", needs=("me-valid",))
def no_hash(ctx: Ctx) -> None:
    hashed = guard.hashed_password(ctx)
    for resp in ctx.state.get("seen", []):
        if hashed in resp.text:
            raise Failure(
                sent=resp.sent,
                got=f"{resp.brief()}: that holds the user's hashed_password",
                expected=f'only public fields, such as {{"email": "{TARGET}"}}',
                fix='return the fields you mean to show by name: return {"email": user["email"]}, never the user dict itself',
            )


# Slips named where they show (see _kits/slips.py): bound here so the harness finds them.
slips = kit("slips")
unraised_exception = slips.unraised_exception
dependency_as_default = slips.dependency_as_default
dependency_called_at_load = slips.dependency_called_at_load
