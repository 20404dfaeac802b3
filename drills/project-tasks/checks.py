"""Hidden checks for the project (tasks): the auth-protected Tasks API, Stages 1-4 of seed 002.

The checks walk the seed's Stage 4 sequence on the learner's app, in this order:

    ada   registers with no role          -> role "user"     password flow.PASSWORDS["ada"]
    grace registers with "role": "admin"  -> role "admin"    password flow.PASSWORDS["grace"]
    ada again (400), good and bad logins, /tasks without and with a token, each creates a task,
    ada tries to delete grace's task (403), grace deletes ada's (204), an unknown id (404),
    an expired token from the learner's make_token (401), a garbage token on DELETE (401 not 403),
    a short flow on a real uvicorn server with ada's token, every kind of bad token (one 401 body),
    a valid token for a username nobody registered (the same 401, on DELETE too), the Authorize
    button's tokenUrl in the OpenAPI schema, then no-secrets over every answer.

Exercises (`extends = "project"`) get these checks first; a check of theirs with the same id
replaces the one here and keeps its place. Their checks.py loads tasksflow.py with
`kit("tasksflow")`, the same module this file uses, and
may rely on ada and grace, their tokens and their tasks (see tasksflow.py).
`register` and `delete-as-admin` live in tasksflow.py (check_register, check_delete_as_admin)
so an exercise can re-declare them with its own wording without copying them.

Check ids: make-token, register, register-duplicate, login, login-wrong, secret-from-env
(advice only), tasks-need-token, tasks-list, tasks-create, delete-as-user, delete-as-admin,
delete-unknown, expired-token, 401-before-403, live-server, bad-tokens, unknown-user, token-url,
token-expires (ada's /token token with the app's clock moved 31 minutes ahead), password-hashed
(the module state searched for every password sent to /register), no-secrets.

bcrypt at cost 12 is about 0.25 s a call: 2 registers (at once), ada's login and her wrong
password (an unknown name costs nothing). grace's token is minted with the learner's own
make_token, as /token does, and the live server reuses what was made in process.
"""

import time

from drilltutor.checking import Advice, Ctx, Failure, check, kit


flow = kit("tasksflow")
gate = kit("gate")
USER, ADMIN = flow.USER, flow.ADMIN
UNKNOWN_ID = 987654
SLACK = 90  # seconds: the file ran a moment before this check


def _text(value):
    # PyJWT 1.x returned bytes; a token is a token either way.
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


def _make_token(ctx: Ctx, minutes: float | None) -> str:
    make_token = ctx.namespace["make_token"]
    if minutes is None:
        return _text(ctx.call(f'make_token("{USER}")', make_token, USER))
    sent = f'make_token("{USER}", minutes={minutes:g})'
    return _text(ctx.call(sent, lambda: make_token(USER, minutes=minutes)))


@check("make-token", "make_token(username, minutes=30) makes a JWT for that user")
def make_token(ctx: Ctx) -> None:
    func = ctx.name("make_token", "a function make_token(username, minutes=30) that returns a signed JWT")
    if not callable(func):
        raise Failure(sent="looked at `make_token`", got=f"a {type(func).__name__}", expected="a function", fix="def make_token(username, minutes=30): ...")
    for minutes, offset in ((None, 30 * 60), (-1, -60)):
        sent = f'make_token("{USER}")' if minutes is None else f'make_token("{USER}", minutes={minutes})'
        token = _make_token(ctx, minutes)
        try:
            _, payload = ctx.jwt.parts(token)
        except ValueError as exc:
            raise Failure(sent=sent, got=f"{str(token)[:80]!r}, which is not a JWT ({exc})", expected="a JWT: header.payload.signature", fix="return jwt.encode({...}, SECRET, algorithm=ALGORITHM)") from None
        if payload.get("sub") != USER:
            raise Failure(sent=sent, got=f"a token whose payload is {payload}", expected=f'"sub": "{USER}"', fix='put the username in the "sub" claim: {"sub": username, "exp": ...}')
        exp = payload.get("exp")
        want = time.time() + offset
        late = minutes is not None and isinstance(exp, (int, float)) and exp >= time.time()
        if not isinstance(exp, (int, float)) or abs(exp - want) > SLACK or late:
            when = "missing" if not isinstance(exp, (int, float)) else f"{(exp - time.time()) / 60:+.1f} minutes from now"
            raise Failure(
                sent=sent,
                got=f'a token whose "exp" is {when}',
                expected='"exp" 30 minutes from now' if minutes is None else '"exp" a minute ago (already expired)',
                fix='"exp": datetime.now(timezone.utc) + timedelta(minutes=minutes), using the argument, with 30 as its default',
            )


@check("register", "POST /register answers 201 {username, role}; the role defaults to \"user\"")
def register(ctx: Ctx) -> None:
    flow.check_register(ctx)


@check("register-duplicate", "Registering a taken username again is a 400", needs=("register",))
def register_duplicate(ctx: Ctx) -> None:
    response = flow.register(flow.api(ctx), USER, password="another-password-7")
    if response.status != 400:
        raise flow.fail(
            response,
            "400: ada is already registered (and her password must not change)",
            flow.route_fix(response, "POST /register", "look the name up before anything else: if body.username in users: raise HTTPException(status_code=400, ...)"),
        )


def _logged_in(ctx: Ctx, client, name: str) -> str:
    """`name`'s access token from POST /token; a failure unless it is a bearer JWT for `name`."""
    response = flow.login(client, name)
    expected = f'200 with {{"access_token": <a JWT with "sub": "{name}">, "token_type": "bearer"}}'
    if response.status != 200:
        fix = {
            422: "/token reads an OAuth2 form, not JSON: form: OAuth2PasswordRequestForm = Depends(), then form.username and form.password",
            401: "the right password was refused: check it with pwd.verify(form.password, user[\"hashed_password\"]), and keep the first password when a duplicate /register comes in",
        }.get(response.status, "look the user up, verify the password, answer the token")
        raise flow.fail(response, expected, flow.route_fix(response, "POST /token", fix))
    token = flow.access_token(response)
    body = response.json
    kind = body.get("token_type") if isinstance(body, dict) else None
    if token is None or not isinstance(kind, str) or kind.lower() != "bearer":
        raise flow.fail(response, expected, 'return {"access_token": make_token(form.username), "token_type": "bearer"}')
    try:
        _, payload = ctx.jwt.parts(token)
    except ValueError as exc:
        raise flow.fail(response, expected + f" (this access_token is not a JWT: {exc})", "answer the token make_token() returns") from None
    if payload.get("sub") != name:
        raise flow.fail(response, expected + f' (its payload is {payload})', "make the token for the user who logged in: make_token(form.username)")
    return token


@check("login", "POST /token with the OAuth2 form returns a bearer token", needs=("register",))
def login(ctx: Ctx) -> None:
    client = flow.api(ctx)
    tokens = ctx.state.setdefault("tokens", {})
    tokens[USER] = _logged_in(ctx, client, USER)
    # A second login would prove nothing the first did not, at the price of a bcrypt verify.
    tokens[ADMIN] = flow.minted(ctx, ADMIN) or _logged_in(ctx, client, ADMIN)


@check("login-wrong", "A wrong password and an unknown username get the same 401", needs=("register",))
def login_wrong(ctx: Ctx) -> None:
    client = flow.api(ctx)
    wrong, unknown = flow.together(
        lambda: flow.login(client, USER, password="wrong-password"),
        lambda: flow.login(client, flow.fresh("nobody"), password="wrong-password"),
    )
    for response in (wrong, unknown):
        if response.status != 401:
            raise flow.fail(
                response,
                "401",
                flow.route_fix(
                    response,
                    "POST /token",
                    "/token reads an OAuth2 form, not JSON: form: OAuth2PasswordRequestForm = Depends()"
                    if response.status == 422
                    else "one test for both cases: if not user or not pwd.verify(...): raise HTTPException(status_code=401, ...)",
                ),
            )
    if wrong.text != unknown.text:
        raise Failure(
            sent=f"{wrong.sent}, then {unknown.sent}",
            got=f"{wrong.brief()}, then {unknown.brief()}",
            expected="the same 401 body for both, so a caller cannot learn which usernames exist",
            fix="raise one HTTPException for `not user or not pwd.verify(...)`, with one detail text",
        )


def _literal_key(ctx: Ctx, token: str) -> str | None:
    """A string written in the learner's file that the token verifies with: a hard-coded secret."""
    import ast

    try:
        tree = ast.parse(ctx.source)
    except SyntaxError:
        return None
    literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and 0 < len(n.value) <= 512}
    return next((s for s in sorted(literals) if ctx.jwt.signed_with(token, s)), None)


@check("secret-from-env", "Tokens are signed with the secret from SECRET_KEY", needs=("login",))
def secret_from_env(ctx: Ctx) -> None:
    token = flow.bearer(ctx, USER)
    if ctx.jwt.signed_with(token, ctx.secret):
        return
    literal = _literal_key(ctx, token)
    where = f"the string {literal!r} written in {ctx.file.name}" if literal else "a key that is not SECRET_KEY"
    # Advice, not a failure: the app works; the seed's own production notes name this as the step to take.
    raise Advice(
        got=f"your tokens are signed with {where}",
        fix='read the key from the environment: SECRET = os.environ["SECRET_KEY"]; a key in the code ends up in git, and anyone who reads it can mint tokens',
    )


@check("tasks-need-token", "/tasks without a valid token is a 401", needs=("register",))
def tasks_need_token(ctx: Ctx) -> None:
    client = flow.api(ctx)
    forged = ctx.token(USER, key="not-your-key-" + flow.fresh("k"))
    attempts = (
        (lambda: client.get("/tasks"), "add user: dict = Depends(get_current_user) to the route, so FastAPI demands a token before your code runs"),
        (lambda: client.post("/tasks", json={"title": "sneaky"}), "add user: dict = Depends(get_current_user) to POST /tasks too"),
        (lambda: client.get("/tasks", token="garbage", label='the token "garbage"'), "decode inside try/except and turn the library's error (jwt.InvalidTokenError or jose's JWTError) into HTTPException(401)"),
        (
            lambda: client.get("/tasks", token=forged, label="a token for ada signed with some other key"),
            "decode with your SECRET and let the library check the signature; never skip it (no verify_signature=False, no get_unverified_claims)",
        ),
    )
    for send, fix in attempts:
        response = send()
        if response.status != 401:
            raise flow.fail(response, "401", fix)


@check("tasks-list", "GET /tasks with a token is 200 and a list", needs=("login",))
def tasks_list(ctx: Ctx) -> None:
    flow.tasks_of(ctx, USER)


@check("tasks-create", "POST /tasks is 201 {id, title, owner} and the task is listed", needs=("tasks-list",))
def tasks_create(ctx: Ctx) -> None:
    mine = flow.create_task(ctx, USER, "Write tests")
    theirs = flow.create_task(ctx, ADMIN, "Review the release")
    if mine["id"] == theirs["id"]:
        raise Failure(
            sent="POST /tasks as ada, then as grace",
            got=f"both tasks have id {mine['id']!r}",
            expected="a new id for every task",
            fix="count up a module-level next_id (global next_id; next_id += 1) after storing each task",
        )
    ctx.state["task"] = {USER: mine, ADMIN: theirs}
    for name, task in ((USER, mine), (ADMIN, theirs)):
        if task["id"] not in flow.task_ids(flow.tasks_of(ctx, name)):
            raise Failure(
                sent=f"POST /tasks as {name}, then GET /tasks as {name}",
                got=f"the list does not hold id {task['id']!r}",
                expected="the new task in its owner's list",
                fix='store the task (tasks[task_id] = task) before answering it; if GET /tasks filters, keep what t["owner"] == user["username"] (the name, not the user dict)',
            )


@check("delete-as-user", "A user deleting someone else's task gets 403, and it stays", needs=("tasks-create",))
def delete_as_user(ctx: Ctx) -> None:
    task = ctx.state["task"][ADMIN]
    response = flow.api(ctx).delete(f"/tasks/{task['id']}", token=flow.bearer(ctx, USER), label="ada's token (role user)")
    if response.status != 403:
        fix = {
            401: "401 means \"who are you?\"; ada's token is valid, so she is known. Being known but not allowed is 403: raise HTTPException(status_code=403) in require_admin",
            204: "guard DELETE with require_admin: a dependency that takes the current user and raises 403 unless user[\"role\"] == \"admin\"",
            200: "guard DELETE with require_admin: a dependency that takes the current user and raises 403 unless user[\"role\"] == \"admin\"",
            404: "the task exists; in this project a non-admin is refused with 403 before the task is looked up",
        }.get(response.status, "raise HTTPException(status_code=403) when the current user is not an admin")
        raise flow.fail(response, "403: ada is logged in but is not an admin", flow.route_fix(response, "DELETE /tasks/{task_id}", fix))
    flow.still_there(ctx, ADMIN, task, response.sent, "refuse before touching the store: the role check runs in a dependency, before `del tasks[task_id]`")


@check("delete-as-admin", "An admin's DELETE is 204 and the task is gone", needs=("tasks-create",))
def delete_as_admin(ctx: Ctx) -> None:
    flow.check_delete_as_admin(ctx)


@check("delete-unknown", "An admin deleting an id that does not exist gets 404", needs=("login",))
def delete_unknown(ctx: Ctx) -> None:
    ids = [UNKNOWN_ID] + ([ctx.state["deleted"]] if "deleted" in ctx.state else [])
    for task_id in ids:
        label = "grace's token (admin)" + (", for the task she just deleted" if task_id != UNKNOWN_ID else "")
        response = flow.api(ctx).delete(f"/tasks/{task_id}", token=flow.bearer(ctx, ADMIN), label=label)
        if response.status != 404:
            fix = (
                "look before you delete: if task_id not in tasks: raise HTTPException(status_code=404, detail=\"Task not found\")"
                if response.status in (500, 204, 200)
                else "an admin asking for a missing task is told it is not there: 404"
            )
            raise flow.fail(response, "404: there is no such task", fix)


@check("expired-token", "An expired token is a 401", needs=("make-token", "register"))
def expired_token(ctx: Ctx) -> None:
    token = _make_token(ctx, -1)
    response = flow.api(ctx).get("/tasks", token=token, label=f'make_token("{USER}", minutes=-1), expired a minute ago')
    if response.status != 401:
        raise flow.fail(
            response,
            "401: the token's exp has passed",
            "let the library check exp: decode with algorithms=[ALGORITHM] and no options that switch verify_exp off; its ExpiredSignatureError is an InvalidTokenError (jose: a JWTError) and becomes the 401",
        )


@check("401-before-403", "DELETE without a valid token is 401, not 403", needs=("login",))
def auth_before_role(ctx: Ctx) -> None:
    task_id = ctx.state.get("task", {}).get(ADMIN, {}).get("id", 1)
    client = flow.api(ctx)
    for response in (
        client.delete(f"/tasks/{task_id}", token="garbage", label='the token "garbage"'),
        client.delete(f"/tasks/{task_id}"),
    ):
        if response.status != 401:
            raise flow.fail(
                response,
                "401: nobody is logged in, so there is no role to check yet",
                "build require_admin on get_current_user: def require_admin(user: dict = Depends(get_current_user)); authentication (401) runs first, then the role (403)",
            )


@check("live-server", "The flow works on a real uvicorn server", needs=("tasks-create",))
def live_server(ctx: Ctx) -> None:
    # The server serves the same app object, so ada's account and token from the checks above are there.
    token = flow.bearer(ctx, USER)
    with ctx.live() as raw:
        client = flow.api(ctx, raw)
        response = client.get("/tasks")
        if response.status != 401:
            raise flow.fail(response, "401 without a token", "guard GET /tasks with Depends(get_current_user)")
        response = client.post("/tasks", token=token, label="ada's token", json={"title": "Ship it"})
        body = response.json
        if response.status != 201 or not isinstance(body, dict) or body.get("owner") != USER:
            raise flow.fail(response, f'201 with "owner": "{USER}", as in process', "the same code must work when served; see the traceback or the answer above")
        listed = client.get("/tasks", token=token, label="ada's token")
        if listed.status != 200 or body.get("id") not in flow.task_ids(listed.json if isinstance(listed.json, list) else []):
            raise flow.fail(listed, f"200 with a list holding task {body.get('id')!r}", "the same code must work when served")


def _bad_token_fix(response) -> str:
    return {
        200: "the guard let a bad token through: jwt.decode(token, SECRET, algorithms=[ALGORITHM]) checks the signature, the algorithm and exp; never switch those off",
        403: "who the caller is comes before what they may do: a bad token is a 401 from get_current_user, before any role is looked at",
        500: 'decode raised an error nothing caught: pass algorithms=[ALGORITHM] (so an "alg": "none" token is refused as the library\'s own error) and catch that library\'s base error, jwt.InvalidTokenError (jose: JWTError)',
    }.get(response.status, "turn every token that cannot be read, verified or matched to a user into the one HTTPException(status_code=401, ...)")


@check("bad-tokens", "Every bad token gets 401, with one body for all of them", needs=("make-token", "login"))
def bad_tokens(ctx: Ctx) -> None:
    client = flow.api(ctx)
    stranger = flow.minted(ctx, flow.fresh("stranger")) or ctx.token(flow.fresh("stranger"))
    tokens = (
        ("garbage", 'the token "garbage"'),
        (ctx.token(USER, key="not-your-key-" + flow.fresh("k")), "a token for ada signed with some other key"),
        (_make_token(ctx, -1), f'make_token("{USER}", minutes=-1), expired a minute ago'),
        (ctx.token(USER, alg="none"), 'a token for ada whose header says "alg": "none", with no signature'),
        (ctx.jwt.tampered(stranger, ctx.token(USER)), "a token make_token made for someone else, its payload changed to name ada, its signature kept"),
    )
    answers = [client.get("/tasks", token=token, label=label) for token, label in tokens]
    for response in answers:
        if response.status != 401:
            raise flow.fail(response, "401", flow.route_fix(response, "GET /tasks", _bad_token_fix(response)))
    ctx.state["bad-token-401"] = first = answers[0]
    for response in answers[1:]:
        if response.text != first.text:
            raise Failure(
                sent=f"{first.sent}, then {response.sent}",
                got=f"{first.brief()}, then {response.brief()}",
                expected="the same 401 body for every bad token, so a caller learns nothing about why (a request with no token may keep OAuth2PasswordBearer's own 401)",
                fix="build one HTTPException(status_code=401, ...) in get_current_user and raise it for every way a token can be wrong: catch the library's base error once (jwt.InvalidTokenError; jose: JWTError), not its subclasses one by one",
            )


@check("unknown-user", "A valid token for a username nobody registered is the same 401, on DELETE too", needs=("bad-tokens", "tasks-create"))
def unknown_user(ctx: Ctx) -> None:
    client, ghost = flow.api(ctx), flow.fresh("ghost")
    token = flow.minted(ctx, ghost) or ctx.token(ghost)
    label = f"make_token(\"{ghost}\"): a valid token for a username nobody registered"
    task = ctx.state["task"][ADMIN]
    same = ctx.state["bad-token-401"]
    for route, response in (
        ("GET /tasks", client.get("/tasks", token=token, label=label)),
        ("DELETE /tasks/{task_id}", client.delete(f"/tasks/{task['id']}", token=token, label=label)),
    ):
        if response.status == 401 and response.text == same.text:
            continue
        expected = f"401, the very answer every bad token gets: {same.brief()}"
        if response.status == 401:
            fix = "raise the same HTTPException as for a bad token when users.get(username) finds nobody"
        elif response.status in (200, 204, 403):
            fix = "get_current_user answered for an account that does not exist: look the sub up, user = users.get(username), and raise the 401 when it is None; never make a user up from the token's claims (a signature proves who signed the token, not that the account exists)"
        else:
            fix = "users.get(username) gave None and the code went on with it: if user is None, raise the 401 before returning"
        raise flow.fail(response, expected, flow.route_fix(response, route, fix))


@check("token-url", "The Authorize button in /docs logs in through POST /token", needs=("login",))
def token_url(ctx: Ctx) -> None:
    gate.check_token_url(ctx, "/token")


@check("token-expires", "A token from /token is refused once its 30 minutes are over", needs=("tasks-list",))
def token_expires(ctx: Ctx) -> None:
    flow.check_expires(ctx, flow.bearer(ctx, USER), "ada's access token from POST /token", "/token")


@check("password-hashed", "After a register, the password is held nowhere in the app's state", needs=("register",))
def password_hashed(ctx: Ctx) -> None:
    flow.check_password_not_kept(ctx)


@check("no-secrets", "No answer holds a password or a password hash", needs=("register",))
def no_secrets(ctx: Ctx) -> None:
    passwords = ctx.state.get("passwords", set())
    for response in ctx.state.get("responses", []):
        if response.status == 422:  # FastAPI's own validation errors echo the input; the contract allows it
            continue
        leaked = next((p for p in sorted(passwords) if p in response.text), None)
        found = f"the password {leaked!r}" if leaked else "a password hash" if gate.PASSWORD_HASH.search(response.text) else None
        if found:
            raise Failure(
                sent=response.sent,
                got=f"{response.brief()}: it holds {found}",
                expected="answers without passwords or hashes",
                fix='answer only what the client needs, e.g. {"username": ..., "role": ...}; never the stored user dict',
            )


# Slips named where they show (see _kits/slips.py): bound here so the harness finds them.
slips = kit("slips")
unraised_exception = slips.unraised_exception
dependency_as_default = slips.dependency_as_default
dependency_called_at_load = slips.dependency_called_at_load
