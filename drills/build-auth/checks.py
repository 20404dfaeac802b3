"""Hidden checks for the build (auth). They walk the flow of the course's step 5 in
process (register, the duplicate, login good, bad and unknown, /me with the token,
without one, with garbage, expired, forged, tampered, `alg: none` and for an unknown
email), read the OpenAPI schema for the Authorize button's tokenUrl, then a short flow
on a real uvicorn server. Tokens are read and minted with drilltutor's own codec (ctx.jwt, ctx.token), so
python-jose and PyJWT files are judged alike.

bcrypt at cost 12 takes about a quarter of a second a call, so the checks register and
log in no more often than the properties need: one register and three logins (sent at
once) in process. The live server serves the same app object, so it reuses that account
and its token instead of making another (no hash checked there).

Hashes may be bcrypt or Argon2: seed 000 teaches bcrypt, and FastAPI's own tutorial now
uses pwdlib's PasswordHash.recommended(), which is Argon2."""

import ast
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

from drilltutor.checking import Advice, Ctx, Failure, check, kit

gate = kit("gate")

# Fresh per run: a file that hard-codes the course's sam@uae.dev / hunter2pls cannot pass by luck.
EMAIL = f"sam-{secrets.token_hex(3)}@uae.dev"
PASSWORD = f"hunter2pls-{secrets.token_hex(4)}"
WRONG = PASSWORD + "x"
UNKNOWN = f"nobody-{secrets.token_hex(3)}@uae.dev"
OTHER_KEY = "not-this-runs-secret-" + secrets.token_hex(8)
TTL, SLACK = 30 * 60, 60
# An unknown email refused this many times faster than a wrong password, and by this much,
# was refused without checking any hash. bcrypt against no hash is a factor of about 100,
# so one sample of each is enough, and a loaded machine does not flip the verdict.
TIMING_RATIO, TIMING_GAP = 10, 0.05

FORM_FIX = "login takes the OAuth2 password form, not JSON: form: OAuth2PasswordRequestForm = Depends(), then form.username (the email) and form.password"
JSON_FIX = "register takes a JSON body: a Pydantic model with email: str and password: str as the route's one parameter"


def _common_fix(resp, route: str) -> str | None:
    """The fix for answers that mean the same thing whichever route gave them."""
    if resp.status == 404:
        method, path = route.split()
        return f'there is no {route} route: add @app.{method.lower()}("{path}") on the app the file ends with'
    if resp.status == 405:
        return f"the path exists but not for {route.split()[0]}: use @app.{route.split()[0].lower()}(...)"
    if resp.error:
        return "your code raised instead of answering; the traceback below shows where"
    return None


def _register(client, email: str, password: str, label: str = ""):
    return client.post("/register", json={"email": email, "password": password}, label=label or None)


def _login(client, email: str, password: str, label: str = ""):
    return client.post("/login", form={"username": email, "password": password}, label=label or None)


def _bearer(resp) -> str | None:
    body = resp.json
    token = body.get("access_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) else None


def _validation_error(resp) -> bool:
    """FastAPI's own 422: a list of {"loc", "msg", ...}; a 422 the app raises itself still counts."""
    detail = resp.json.get("detail") if resp.status == 422 and isinstance(resp.json, dict) else None
    return isinstance(detail, list) and all(isinstance(d, dict) and "loc" in d for d in detail)


def _same(a, b) -> bool:
    return a.status == b.status and (a.json == b.json if a.json is not None else a.text == b.text)


@check("users", "`users` is a dict: email -> user dict")
def users_store(ctx: Ctx) -> None:
    users = ctx.name("users", "the user store: a dict keyed by email, users: dict = {}")
    if not isinstance(users, dict):
        raise Failure(
            sent="looked at `users`",
            got=f"a {type(users).__name__}: {users!r}"[:160],
            expected='a dict keyed by email: {"sam@uae.dev": {"email": "sam@uae.dev", "hashed_password": "$2b$..."}}',
            fix="users: dict = {} at the top level; register adds users[email] = {...}",
        )


@check("register", "POST /register with JSON gets 200 or 201 and the email")
def register(ctx: Ctx) -> None:
    resp = _register(gate.in_process(ctx), EMAIL, PASSWORD, label="a new account")
    expected = f'200 or 201 and {{"email": "{EMAIL}"}}'
    if resp.status not in (200, 201):
        fix = _common_fix(resp, "POST /register")
        if fix is None:
            fix = JSON_FIX if resp.status == 422 else "answer a new email with 200 or 201 (status_code=201 on the decorator); 400 is for an email already taken"
        raise gate.fail(resp, expected, fix)
    body = resp.json
    if not isinstance(body, dict) or body.get("email") != EMAIL:
        raise gate.fail(resp, expected, 'answer the new account\'s email: return {"email": body.email}')


@check("stored-hash", "users holds a bcrypt or Argon2 hash under hashed_password, never the password", needs=("users", "register"))
def stored_hash(ctx: Ctx) -> None:
    users = ctx.namespace["users"]
    sent = f"read users[{EMAIL!r}] after registering it with the password {PASSWORD!r}"
    expected = f'{{"email": "{EMAIL}", "hashed_password": "$2b$12$..."}}: a bcrypt (or Argon2) hash, and the password nowhere'
    user = users.get(EMAIL)
    if not isinstance(user, dict):
        raise Failure(
            sent=sent,
            got=f"users[{EMAIL!r}] is {user!r}"[:160] if EMAIL in users else f"no such key; users has {list(users)[:5]}"[:200],
            expected=expected,
            fix="register stores the new user in the module-level `users` dict, keyed by email: users[body.email] = {...}",
        )
    # Anywhere in the module's state, not only in the record: a password kept in a dict of its
    # own (or a cache, or a list of recent logins) leaks with the store all the same.
    places = ctx.find_in_state(PASSWORD)
    if places:
        raise Failure(
            sent=sent + f", then searched every value reachable from {ctx.file.name}'s globals",
            got=f"the password itself at {', '.join(places[:3])}",
            expected=expected,
            fix='the password itself is stored; anyone who reads the store can log in as anyone. Store pwd.hash(body.password) under "hashed_password" and keep nothing else of the password',
        )
    hashed = user.get("hashed_password")
    if hashed is None:
        raise Failure(
            sent=sent,
            got=f"{user}"[:240],
            expected=expected,
            fix='store the hash under the key "hashed_password": users[body.email] = {"email": body.email, "hashed_password": pwd.hash(body.password)}',
        )
    if isinstance(hashed, bytes):
        hashed = hashed.decode("ascii", "replace")
    if not isinstance(hashed, str) or not gate.is_password_hash(hashed):
        raise Failure(
            sent=sent,
            got=f"hashed_password = {hashed!r}"[:200],
            expected=expected,
            fix='hash with bcrypt: CryptContext(schemes=["bcrypt"]) or PasswordHash((BcryptHasher(),)) (Argon2, PasswordHash.recommended(), is as good), not hashlib or your own scheme',
        )
    ctx.state["hash"] = hashed


@check("register-duplicate", "Registering a taken email again gets 400 and changes nothing", needs=("register",))
def register_duplicate(ctx: Ctx) -> None:
    before = ctx.state.get("hash")
    # The same password as the first time: an overwrite then fails here alone instead of
    # also breaking every login after it. The new salt still shows in the stored hash.
    resp = _register(gate.in_process(ctx), EMAIL, PASSWORD, label="the same email a second time")
    users = ctx.namespace.get("users")
    stored = users.get(EMAIL) if isinstance(users, dict) else None
    after = stored.get("hashed_password") if isinstance(stored, dict) else None
    replaced = before is not None and after != before
    expected = "400: the email is already registered"
    if resp.status != 400:
        if replaced or resp.status in (200, 201):
            fix = (
                "the second register replaced the first account" if replaced else "the second register was answered as a success"
            ) + ", so anyone could take over an account by registering its email with a password of their own: check `if body.email in users` first and raise HTTPException(400)"
        elif resp.status == 409:
            fix = "409 is a fair choice elsewhere, but this course's API (and its clients) expect 400 for a taken email"
        else:
            fix = _common_fix(resp, "POST /register") or "raise HTTPException(status.HTTP_400_BAD_REQUEST, ...) when body.email is already in users"
        raise gate.fail(resp, expected, fix)
    if replaced:
        raise gate.fail(
            resp,
            expected + ", and the first account left as it was",
            "the 400 came after the stored hash was replaced: check for the email before hashing and storing",
        )


def _timed_login(client, email: str, password: str, label: str) -> tuple:
    started = time.perf_counter()
    resp = _login(client, email, password, label)
    return resp, time.perf_counter() - started


def _logins(ctx: Ctx) -> tuple:
    """The right password and a wrong one sent at once (two bcrypt verifies cost one), then an
    unknown email on its own.

    Each is timed (ctx.state["login-seconds"]) for the login-timing advice. The unknown email
    goes alone so that its time is its own: an async handler that hashes in the event loop
    makes concurrent requests wait for each other, which would hide the difference, or
    invent one.
    """
    if "logins" not in ctx.state:
        client = gate.in_process(ctx)
        # A pool of its own rather than ctx.parallel: a login that hangs must reach the
        # harness as AppHung, which stops the run, not as an ordinary failure.
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [
                pool.submit(_timed_login, client, EMAIL, PASSWORD, "the right password"),
                pool.submit(_timed_login, client, EMAIL, WRONG, "a wrong password"),
            ]
            timed = [future.result() for future in futures]
        timed.append(_timed_login(client, UNKNOWN, PASSWORD, "an email nobody registered"))
        ctx.state["logins"] = tuple(resp for resp, _ in timed)
        ctx.state["login-seconds"] = tuple(seconds for _, seconds in timed)
    return ctx.state["logins"]


@check("login", "POST /login with the OAuth2 form gets an access token", needs=("register",))
def login(ctx: Ctx) -> None:
    resp = _logins(ctx)[0]
    expected = '200 and {"access_token": "<a JWT>", "token_type": "bearer"}'
    if resp.status == 422:
        raise gate.fail(resp, expected, FORM_FIX)
    if resp.status in (401, 403):
        fix = "login turned away the password register was given: find the user with users.get(form.username) and check with pwd.verify(form.password, user[\"hashed_password\"])"
        if gate.hash_matches(ctx.state.get("hash"), PASSWORD):
            fix = "the stored hash does match the password, so the comparison in login is what fails: hashing the candidate again gives a new salt and a different string; ask pwd.verify(form.password, user[\"hashed_password\"]) instead of =="
        raise gate.fail(resp, expected, fix)
    if resp.status != 200:
        raise gate.fail(resp, expected, _common_fix(resp, "POST /login") or "answer a good login with 200 and the token")
    body = resp.json
    if _bearer(resp) is None:
        raise gate.fail(resp, expected, 'answer {"access_token": token, "token_type": "bearer"}, with the encoded token as a string under access_token')
    if str(body.get("token_type", "")).lower() != "bearer":
        raise gate.fail(resp, expected, 'add "token_type": "bearer" next to access_token: it tells the client to send Authorization: Bearer <token>')
    ctx.state["token"] = _bearer(resp)


def _module_strings(ctx: Ctx) -> set[str]:
    found = {v for v in ctx.namespace.values() if isinstance(v, str) and 0 < len(v) <= 512}
    try:
        tree = ast.parse(ctx.source)
    except SyntaxError:
        return found
    return found | {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and 0 < len(n.value) <= 512}


@check("token-signed", "The token is HS256, signed with this run's SECRET_KEY", needs=("login",))
def token_signed(ctx: Ctx) -> None:
    token = ctx.state["token"]
    sent = "read the access_token from the login and checked its signature with this run's SECRET_KEY"
    expected = "an HS256 token whose signature verifies with SECRET_KEY, which drilltutor sets to a fresh random value each run"
    try:
        header, _ = ctx.jwt.parts(token)
    except ValueError as exc:
        raise Failure(
            sent=sent,
            got=f"{token[:60]!r}: {exc}",
            expected=expected,
            fix="put the string jwt.encode(...) returns under access_token, as it is",
        ) from None
    if header.get("alg") != "HS256":
        raise Failure(sent=sent, got=f"header {header}", expected=expected, fix='encode with algorithm="HS256"')
    if ctx.jwt.signed_with(token, ctx.secret):
        return
    literal = next((s for s in sorted(_module_strings(ctx)) if ctx.jwt.signed_with(token, s)), None)
    if literal is not None:
        got = f"it does not verify; it was signed with {literal!r}, a string written in your file"
        fix = 'the secret is hard-coded, so anyone who reads the code can mint tokens: SECRET = os.environ["SECRET_KEY"]'
    else:
        got = "it does not verify with this run's key"
        fix = 'sign with the secret read from the environment: jwt.encode(claims, os.environ["SECRET_KEY"], algorithm="HS256")'
    raise Failure(sent=sent, got=got, expected=expected, fix=fix)


@check("token-sub", "The token's sub is the email that logged in", needs=("login",))
def token_sub(ctx: Ctx) -> None:
    try:
        _, payload = ctx.jwt.parts(ctx.state["token"])
    except ValueError:
        return  # token-signed has already said the token is not a JWT
    if payload.get("sub") != EMAIL:
        raise Failure(
            sent=f"read the payload of the token from logging in as {EMAIL}",
            got=f"payload {payload}"[:240],
            expected=f'"sub": "{EMAIL}"',
            fix='put the user\'s email under "sub": {"sub": user["email"], "exp": ...}; get_current_user reads it back from there',
        )


@check("token-exp", "The token's exp is 30 minutes after the login", needs=("login",))
def token_exp(ctx: Ctx) -> None:
    try:
        _, payload = ctx.jwt.parts(ctx.state["token"])
    except ValueError:
        return  # token-signed has already said the token is not a JWT
    now = time.time()
    sent = "read the login token's payload and compared exp with the time now"
    expected = f"exp within a minute of {int(now + TTL)} (now + 30 minutes, in seconds since 1970 UTC)"
    value = payload.get("exp")
    if value is None:
        raise Failure(
            sent=sent,
            got=f"a payload without exp: {payload}"[:200],
            expected=expected + "; without exp a stolen token works for ever",
            fix='add "exp": datetime.now(timezone.utc) + timedelta(minutes=30) to what you encode',
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Failure(
            sent=sent,
            got=f"exp = {value!r}",
            expected=expected,
            fix="put the datetime itself in the claims, not str() of it: encode turns a datetime into seconds",
        )
    ahead = value - now
    if abs(ahead - TTL) > SLACK:
        raise Failure(
            sent=sent,
            got=f"exp = {value}, which is {ahead / 60:+.1f} minutes from now",
            expected=expected,
            fix="exp = datetime.now(timezone.utc) + timedelta(minutes=30): UTC, and minutes (not seconds or hours)",
        )


@check("login-wrong-password", "A wrong password gets 401", needs=("login",))
def login_wrong_password(ctx: Ctx) -> None:
    resp = _logins(ctx)[1]
    if resp.status == 401:
        return
    if resp.status == 200:
        fix = "login let a wrong password in: the answer of pwd.verify(form.password, user[\"hashed_password\"]) has to decide, and a False ends in HTTPException(401)"
    else:
        fix = _common_fix(resp, "POST /login") or "answer a wrong password with HTTPException(status.HTTP_401_UNAUTHORIZED, ...)"
    raise gate.fail(resp, "401", fix)


@check("login-unknown-email", "An unknown email gets the same 401 as a wrong password", needs=("login",))
def login_unknown_email(ctx: Ctx) -> None:
    wrong, unknown = _logins(ctx)[1:]
    expected = "401, the very answer a wrong password gets" + (f": {wrong.brief()}" if wrong.status == 401 else "")
    if unknown.status != 401:
        if unknown.status == 404:
            fix = "a 404 here tells anyone which emails have accounts: raise the same HTTPException(401, ...) for an unknown email as for a wrong password"
        else:
            fix = _common_fix(unknown, "POST /login") or "raise the same HTTPException(401, ...) for an unknown email as for a wrong password"
        raise gate.fail(unknown, expected, fix)
    if wrong.status == 401 and not _same(wrong, unknown):
        raise Failure(
            sent=f"{wrong.sent}, then {unknown.sent}",
            got=f"{wrong.brief()}, then {unknown.brief()}",
            expected=expected,
            fix="two different answers tell an attacker which emails are registered: check `user is None or not pwd.verify(...)` in one if and raise one HTTPException",
        )


@check("login-timing", "An unknown email takes as long to refuse as a wrong password", needs=("login-wrong-password", "login-unknown-email"))
def login_timing(ctx: Ctx) -> None:
    _, wrong, unknown = ctx.state["login-seconds"]
    if wrong > TIMING_RATIO * unknown and wrong - unknown > TIMING_GAP:
        # Advice, not a failure: the answers are the same, only their timing tells.
        raise Advice(
            got=f"a wrong password was refused in {wrong * 1000:.0f} ms, an unknown email in {unknown * 1000:.0f} ms: no hash was checked for the unknown email, so the time alone tells an attacker which emails have accounts",
            fix='when the email is unknown, verify the password against a dummy hash anyway (DUMMY_HASH = pwd.hash("dummy"), made once at import), so every refusal costs one hash check',
        )


@check("me-token", "GET /me with the login's token gets 200 and the email", needs=("login",))
def me_token(ctx: Ctx) -> None:
    resp = gate.in_process(ctx).get("/me", token=ctx.state["token"], label="the access_token from the login")
    expected = f'200 and {{"email": "{EMAIL}"}}'
    if resp.status in (401, 403):
        raise gate.fail(
            resp,
            expected,
            "the guard turned away the token your own login made: decode with the same SECRET and algorithm you encoded with, read sub, and look it up in `users`",
        )
    if resp.status != 200:
        fix = _common_fix(resp, "GET /me")
        if fix is None:
            fix = "/me's only parameter should be user = Depends(get_current_user)" if resp.status == 422 else "answer the user with 200"
        raise gate.fail(resp, expected, fix)
    body = resp.json
    if not isinstance(body, dict) or body.get("email") != EMAIL:
        raise gate.fail(resp, expected, 'answer the email of the user the dependency returned: return {"email": user["email"]}')


def _must_be_401(ctx: Ctx, check_id: str, resp, expected: str, on_200: str, on_500: str, token_sent: bool = True) -> None:
    if resp.status == 401:
        if token_sent:  # kept for me-www-authenticate; a missing token is OAuth2PasswordBearer's own 401
            ctx.state.setdefault("bad-token-401s", []).append(resp)
        return
    ctx.state.setdefault("failed", set()).add(check_id)
    if resp.status == 200:
        fix = on_200
    elif resp.status == 500:
        fix = on_500
    else:
        fix = "let get_current_user decide: any token it cannot turn into a user ends in HTTPException(status.HTTP_401_UNAUTHORIZED, ...)"
    raise gate.fail(resp, expected, fix)


@check("me-no-token", "GET /me without a token gets 401", needs=("me-token",))
def me_no_token(ctx: Ctx) -> None:
    resp = gate.in_process(ctx).get("/me", label="no Authorization header")
    _must_be_401(
        ctx,
        "me-no-token",
        resp,
        "401: no token, no answer",
        on_200="/me answered someone who sent no token: guard it with user = Depends(get_current_user), whose OAuth2PasswordBearer turns away a missing header",
        on_500="your route ran without a user and crashed: the guard belongs in its parameters, user = Depends(get_current_user)",
        token_sent=False,
    )


@check("me-garbage", "GET /me with a token that is not a JWT gets 401, not a 500", needs=("me-token",))
def me_garbage(ctx: Ctx) -> None:
    resp = gate.in_process(ctx).get("/me", token="garbage", label="Authorization: Bearer garbage")
    _must_be_401(
        ctx,
        "me-garbage",
        resp,
        "401, the same as any other bad token",
        on_200="the guard let a token that is not even a JWT through: decode it with the library and raise 401 when decode fails",
        on_500="decode raised on a token that is not a JWT and nothing caught it: wrap it in try/except JWTError (PyJWT: jwt.InvalidTokenError) and raise the 401",
    )


@check("me-expired", "GET /me with an expired token gets 401", needs=("me-token",))
def me_expired(ctx: Ctx) -> None:
    token = ctx.token(EMAIL, minutes=-5)
    resp = gate.in_process(ctx).get("/me", token=token, label=f"a token for {EMAIL}, signed with SECRET_KEY, that expired 5 minutes ago")
    _must_be_401(
        ctx,
        "me-expired",
        resp,
        "401: an expired token is a bad token",
        on_200='the token\'s exp was never checked: get the payload from jwt.decode(token, SECRET, algorithms=["HS256"]), which refuses an expired token',
        on_500="the expired error escaped: catch JWTError (it covers ExpiredSignatureError; PyJWT: jwt.InvalidTokenError) and raise the 401",
    )


@check("me-forged", "GET /me with a token signed with another key, or with an altered payload, gets 401", needs=("me-token",))
def me_forged(ctx: Ctx) -> None:
    forgeries = (
        (ctx.token(EMAIL, key=OTHER_KEY), f"a token for {EMAIL} signed with a key that is not SECRET_KEY"),
        (ctx.jwt.tampered(ctx.token(UNKNOWN), ctx.token(EMAIL)), f"a token for {UNKNOWN}, signed with SECRET_KEY, whose payload was then changed to name {EMAIL}"),
    )
    for token, label in forgeries:
        _must_be_401(
            ctx,
            "me-forged",
            gate.in_process(ctx).get("/me", token=token, label=label),
            "401: only tokens signed with SECRET_KEY, as they were signed, count",
            on_200='the guard read the payload without checking the signature, so anyone can write a token for any email: jwt.decode(token, SECRET, algorithms=["HS256"])',
            on_500="the signature error escaped: catch JWTError (PyJWT: jwt.InvalidTokenError) around decode and raise the 401",
        )


@check("me-alg-none", "GET /me with an unsigned alg: none token, or one signed with HS512, gets 401, not a 500", needs=("me-token",))
def me_alg_none(ctx: Ctx) -> None:
    resp = gate.in_process(ctx).get("/me", token=ctx.token(EMAIL, alg="none"), label=f'a token for {EMAIL} whose header says "alg": "none", with no signature')
    _must_be_401(
        ctx,
        "me-alg-none",
        resp,
        "401: a token without a signature proves nothing",
        on_200='the guard accepted an unsigned token: name the one algorithm you sign with, jwt.decode(token, SECRET, algorithms=["HS256"])',
        on_500='decode met an algorithm it has no key for and raised an error your except does not catch: pass algorithms=["HS256"] to jwt.decode, so any other "alg" is refused as a JWTError (PyJWT: InvalidTokenError)',
    )
    resp = gate.in_process(ctx).get("/me", token=ctx.token(EMAIL, alg="HS512"), label=f"a token for {EMAIL} signed with SECRET_KEY using HS512, not HS256")
    _must_be_401(
        ctx,
        "me-alg-none",
        resp,
        "401: you sign with HS256, so a token whose header picks another algorithm is not one of yours",
        on_200='pin algorithms=["HS256"] in decode: the token\'s own header chooses nothing',
        on_500='decode raised an error your except does not catch: pass algorithms=["HS256"] to jwt.decode and catch JWTError (PyJWT: InvalidTokenError)',
    )


@check("me-unknown-user", "GET /me with a valid token for an email nobody registered gets 401", needs=("me-token",))
def me_unknown_user(ctx: Ctx) -> None:
    resp = gate.in_process(ctx).get("/me", token=ctx.token(UNKNOWN), label=f"a token for {UNKNOWN}, signed with SECRET_KEY, an email nobody registered")
    _must_be_401(
        ctx,
        "me-unknown-user",
        resp,
        "401: a signature proves who signed the token, not that the account exists (it may have been deleted since)",
        on_200="the guard answered for an account that does not exist: look the sub up, user = users.get(email), and raise the same 401 when it is None; never make a user up from the token's claims",
        on_500="users.get(email) gave None and the route used it: if user is None, raise the same 401 as for a bad token",
    )


@check("me-www-authenticate", "Every 401 for a bad token says WWW-Authenticate: Bearer", needs=("me-token",))
def me_www_authenticate(ctx: Ctx) -> None:
    for resp in ctx.state.get("bad-token-401s", []):
        if (resp.header("www-authenticate") or "").split(" ")[0].lower() != "bearer":
            raise Failure(
                sent=resp.sent,
                got=f"{resp.brief()}, with WWW-Authenticate {resp.header('www-authenticate')!r}",
                expected="401 with the header WWW-Authenticate: Bearer, which tells the client how to authenticate",
                fix='give the guard\'s HTTPException the header: HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})',
            )


@check("me-no-library-message", "No bad token's 401 carries the JWT library's own error message", needs=("me-token",))
def me_no_library_message(ctx: Ctx) -> None:
    gate.check_no_library_message(ctx.state.get("bad-token-401s", []), "get_current_user")


@check("token-url", "The Authorize button in /docs logs in through POST /login", needs=("login",))
def token_url(ctx: Ctx) -> None:
    gate.check_token_url(ctx, "/login")


@check("live", "On a real uvicorn server: /me with the login's token, /me with garbage", needs=("me-token",))
def live(ctx: Ctx) -> None:
    # The same app object in the same process: the account and token made in process are there.
    differs = "the app answered differently on a real server than in process: look for code that depends on how it is called (the host name, the client address) or on state left from an earlier request"
    # No login here: a login checks a hash (a dummy one for an unknown email), and the form
    # reads alike in process and over HTTP.
    with ctx.live() as plain:
        client = gate.recorded(plain, ctx)
        resp = client.get("/me", token=ctx.state["token"], label="the access_token from the login in process")
        body = resp.json
        if resp.status != 200 or not isinstance(body, dict) or body.get("email") != EMAIL:
            raise gate.fail(resp, f'200 and {{"email": "{EMAIL}"}}, as in process', differs)
        resp = client.get("/me", token="garbage", label="Authorization: Bearer garbage")
        if resp.status != 401:
            if "me-garbage" in ctx.state.get("failed", ()):
                fix = "the same answer as in check me-garbage above: fix that one and this follows"
            else:
                fix = differs
            raise gate.fail(resp, "401", fix)


@check("no-secrets", "No answer holds a password or a password hash", needs=("register",))
def no_secrets(ctx: Ctx) -> None:
    passwords = (PASSWORD, WRONG)
    for resp in ctx.state.get("seen", []):
        if _validation_error(resp):
            continue  # FastAPI's own 422s echo the input back; that is not the app's doing
        found = next((p for p in passwords if p in resp.text), None)
        what = f"the password {found!r}" if found else "a password hash" if gate.PASSWORD_HASH.search(resp.text) else None
        if what is None:
            continue
        raise Failure(
            sent=resp.sent,
            got=f"{resp.brief()}: that holds {what}",
            expected="answers that name the account (the email) and nothing of its password",
            fix='answer with the fields you mean to show, by name: return {"email": ...}, never the stored user dict',
        )


# Slips named where they show (see _kits/slips.py): bound here so the harness finds them.
slips = kit("slips")
unraised_exception = slips.unraised_exception
dependency_as_default = slips.dependency_as_default
dependency_called_at_load = slips.dependency_called_at_load
