"""The Tasks API flow, shared by the project's checks and by every exercise that extends it.

Not a drill file: the checks.py of the project and of each exercise load it with
`kit(...)`, so all of them share one copy.

The accounts every flow relies on (the project's checks register them; ada logs in
through /token, grace's token is minted with the learner's make_token; an extending
drill's checks may use both once `login` has passed):

    ada    role "user"   ctx.state["tokens"]["ada"]     her task:   ctx.state["task"]["ada"]
    grace  role "admin"  ctx.state["tokens"]["grace"]   her task:   ctx.state["task"]["grace"]

ada's task is deleted by grace in `delete-as-admin`; grace's task stays for the whole run.
Every response sent through `api(ctx)` is kept in ctx.state["responses"], every password
sent to /register through `register()` in ctx.state["passwords"], and the project's
`no-secrets` check (the last one) looks for those passwords and for bcrypt hashes in
all of them. An exercise's own requests made through `api(ctx)` before that check runs
are covered too; checks an exercise adds run after it (they are appended).
"""

from __future__ import annotations

import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from drilltutor.checking import Ctx, Failure

USER = "ada"
ADMIN = "grace"
# Not the seed's passwords, so a file that special-cases "s3cret" gains nothing.
PASSWORDS = {USER: "s3cret-ada-1815", ADMIN: "pw-grace-1906"}
BCRYPT_HASH = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}")


class Api:
    """A check client whose responses are all kept for the no-secrets check."""

    def __init__(self, ctx: Ctx, client: Any) -> None:
        self.ctx, self.client = ctx, client

    def _keep(self, response: Any) -> Any:
        self.ctx.state.setdefault("responses", []).append(response)
        return response

    def get(self, path: str, **kw: Any) -> Any:
        return self._keep(self.client.get(path, **kw))

    def post(self, path: str, **kw: Any) -> Any:
        return self._keep(self.client.post(path, **kw))

    def delete(self, path: str, **kw: Any) -> Any:
        return self._keep(self.client.delete(path, **kw))


def api(ctx: Ctx, client: Any = None) -> Api:
    """The in-process client (or `client`, e.g. from `ctx.live()`), recording responses."""
    if client is not None:
        return Api(ctx, client)
    if "api" not in ctx.state:
        ctx.state["api"] = Api(ctx, ctx.client())
    return ctx.state["api"]


def fresh(prefix: str) -> str:
    """A username no earlier check has used."""
    return f"{prefix}-{secrets.token_hex(3)}"


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Independent requests at once: bcrypt releases the GIL, so two logins cost one."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


# Requests ------------------------------------------------------------------------------
def register(client: Api, username: str, password: str | None = None, role: str | None = None) -> Any:
    body = {"username": username, "password": password or PASSWORDS.get(username, "pw-" + username)}
    client.ctx.state.setdefault("passwords", set()).add(body["password"])
    if role is not None:
        body["role"] = role
    return client.post("/register", json=body)


def login(client: Api, username: str, password: str | None = None) -> Any:
    form = {"username": username, "password": password or PASSWORDS.get(username, "pw-" + username)}
    return client.post("/token", form=form)


def access_token(response: Any) -> str | None:
    body = response.json
    token = body.get("access_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) and token else None


def bearer(ctx: Ctx, username: str) -> str:
    """The access token the `login` check (or an exercise) kept for `username`."""
    return ctx.state["tokens"][username]


def minted(ctx: Ctx, username: str) -> str | None:
    """A token for `username` as /token makes it, from the learner's make_token: no password, no bcrypt.

    The prompt has /token answer make_token(username), so one real login proves the route; the
    other accounts' tokens are minted. None when make_token cannot give one (the `make-token`
    check says why); the caller logs in instead.
    """
    make_token = ctx.namespace.get("make_token")
    try:
        token = make_token(username) if callable(make_token) else None
        token = token.decode("ascii") if isinstance(token, bytes) else token
        return token if isinstance(token, str) and ctx.jwt.parts(token)[1].get("sub") == username else None
    except Exception:
        return None


# Failures ------------------------------------------------------------------------------
def fail(response: Any, expected: str, fix: str) -> Failure:
    return Failure(sent=response.sent, got=response.brief(), expected=expected, fix=fix, detail=response.error)


def route_fix(response: Any, route: str, fix: str) -> str:
    """`fix`, unless the status says the route itself is missing or crashed."""
    if response.error:
        return "your handler raised; the traceback below shows the line. Then: " + fix
    if response.status == 404 and response.json == {"detail": "Not Found"}:
        return f"there is no {route} route yet: add it with @app.{route.split()[0].lower()}(\"{route.split()[1]}\")"
    if response.status == 405:
        return f"the path exists but not with this method: declare {route} with @app.{route.split()[0].lower()}(...)"
    return fix


# Tasks ---------------------------------------------------------------------------------
def task_ids(tasks: list[Any]) -> set[Any]:
    return {t.get("id") for t in tasks if isinstance(t, dict)}


def tasks_of(ctx: Ctx, username: str, client: Api | None = None) -> list[Any]:
    """GET /tasks as `username`; a failure unless it is 200 with a JSON list."""
    response = (client or api(ctx)).get("/tasks", token=bearer(ctx, username), label=f"{username}'s token")
    if response.status != 200 or not isinstance(response.json, list):
        raise fail(
            response,
            "200 with a JSON list of tasks",
            route_fix(response, "GET /tasks", "return list(tasks.values()) (a list, even when it is empty)"),
        )
    return response.json


def create_task(ctx: Ctx, username: str, title: str, client: Api | None = None) -> dict[str, Any]:
    """POST /tasks as `username`; a failure unless it is 201 {"id", "title", "owner": username}."""
    response = (client or api(ctx)).post("/tasks", token=bearer(ctx, username), label=f"{username}'s token", json={"title": title})
    expected = f'201 with {{"id": ..., "title": "{title}", "owner": "{username}"}}'
    if response.status != 201:
        fix = "add status_code=201 to @app.post(\"/tasks\")" if response.status == 200 else (
            "take the body as a model with one field, title: class TaskIn(BaseModel): title: str"
            if response.status == 422
            else "any logged-in user may create a task: guard the route with Depends(get_current_user), not the admin check"
            if response.status in (401, 403)
            else "create the task and answer it"
        )
        raise fail(response, expected, route_fix(response, "POST /tasks", fix))
    body = response.json
    if not isinstance(body, dict) or "id" not in body or body.get("title") != title:
        raise fail(response, expected, 'answer the stored task: {"id": next_id, "title": body.title, "owner": ...}')
    if body.get("owner") != username:
        raise fail(
            response,
            expected,
            'the owner is the current user\'s name, a string: "owner": user["username"] (not the whole user dict, not the body)',
        )
    return body


def still_there(ctx: Ctx, owner: str, task: dict[str, Any], after: str, fix: str) -> None:
    """A failure unless `task` is still in its owner's list after a refused delete."""
    if task["id"] not in task_ids(tasks_of(ctx, owner)):
        raise Failure(
            sent=f"{after}, then GET /tasks as {owner}",
            got=f"task {task['id']!r} is gone",
            expected="the task still there: a refused delete deletes nothing",
            fix=fix,
        )


# The register check, shared so an exercise can say why grace is an admin in its own words.
def check_register(
    ctx: Ctx,
    *,
    admin_role_sent: str | None = "admin",
    admin_why: str = 'grace sent "role": "admin"',
    admin_fix: str = 'store and answer the role from the body: role: str = "user" in the model, then body.role',
) -> None:
    client = api(ctx)
    ada, grace = together(lambda: register(client, USER), lambda: register(client, ADMIN, role=admin_role_sent))
    for response, name, role, why, fix in (
        (ada, USER, "user", 'ada sent no "role", so the default applies', 'give the model a default: role: str = "user"'),
        (grace, ADMIN, "admin", admin_why, admin_fix),
    ):
        expected = f'201 with {{"username": "{name}", "role": "{role}"}} ({why})'
        if response.status != 201:
            status_fix = (
                "add status_code=201 to @app.post(\"/register\")"
                if response.status == 200
                else "read the JSON body with a pydantic model: class RegisterIn(BaseModel): username: str; password: str; role: str = \"user\""
                if response.status == 422
                else "a new username is created, hashed and answered with 201"
            )
            raise fail(response, expected, route_fix(response, "POST /register", status_fix))
        body = response.json
        if not isinstance(body, dict) or body.get("username") != name:
            raise fail(response, expected, 'answer {"username": body.username, "role": ...}')
        if body.get("role") != role:
            raise fail(response, expected, fix)


def check_delete_as_admin(
    ctx: Ctx,
    *,
    forbidden_fix: str = "grace is an admin and may delete any task: let user[\"role\"] == \"admin\" through on its own, whatever else you test (an owner test is not also required of her)",
) -> None:
    """grace deletes ada's task: 204, and it is gone from ada's list."""
    task = ctx.state["task"][USER]
    response = api(ctx).delete(f"/tasks/{task['id']}", token=bearer(ctx, ADMIN), label="grace's token (role admin)")
    if response.status != 204:
        fix = {
            200: "declare @app.delete(\"/tasks/{task_id}\", status_code=204) and return nothing",
            403: forbidden_fix,
            401: "grace's token is valid: the delete route must accept it exactly as GET /tasks does",
        }.get(response.status, "delete the task and answer 204 No Content")
        raise fail(response, "204 with no body", route_fix(response, "DELETE /tasks/{task_id}", fix))
    if task["id"] in task_ids(tasks_of(ctx, USER)):
        raise Failure(
            sent=f"{response.sent}, then GET /tasks as ada",
            got=f"task {task['id']!r} is still listed",
            expected="the task gone",
            fix="del tasks[task_id] before answering",
        )
    ctx.state["deleted"] = task["id"]


# Lifetimes and storage, shared with the exercises ---------------------------------------
LIFETIME = 31 * 60  # seconds: one minute past the access token's 30


def check_expires(ctx: Ctx, token: str, what: str, route: str) -> None:
    """`token` (handed out by `route`) must be refused with 401 once the app's clock is 31 minutes on.

    The clock is the learner's process's own (ctx.clock_ahead), so this needs no key and no
    decoding: whatever the token holds, the app itself must refuse it.
    """
    with ctx.clock_ahead(LIFETIME):
        response = api(ctx).get("/tasks", token=token, label=f"{what}, with the app's clock moved 31 minutes ahead")
    if response.status == 401:
        return
    if response.status == 200:
        fix = (
            f"the token {route} hands out never expires, or lives longer than 30 minutes: put \"exp\": datetime.now(timezone.utc) + "
            f"timedelta(minutes=30) in every access token's payload (answer make_token(username) from {route}), and decode without switching verify_exp off"
        )
    else:
        fix = route_fix(response, "GET /tasks", "an expired token is a bad token: the one 401")
    raise fail(response, "401: the token's 30 minutes are over", fix)


def check_password_not_kept(ctx: Ctx) -> None:
    """No password sent to /register is anywhere in the learner's module state."""
    for password in sorted(ctx.state.get("passwords", set())):
        places = ctx.find_in_state(password)
        if places:
            raise Failure(
                sent=f"POST /register with the password {password!r}, then searched every value reachable from {ctx.file.name}'s globals",
                got=f"the password itself at {', '.join(places[:3])}",
                expected="only its hash kept: the password itself held nowhere, so a leak of the store leaks no password",
                fix='store "hashed_password": pwd.hash(body.password) and nothing else of the password; at /token check it with pwd.verify(form.password, user["hashed_password"])',
            )
