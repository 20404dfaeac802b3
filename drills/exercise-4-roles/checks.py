"""Hidden checks for exercise-4 (roles): the project's checks, with roles decided by the server.

Each run sets ADMIN_USERNAMES="grace,boss-<random>" (drill.toml's [env]); the checks read
the actual value from ctx.env. Every project check runs first; this file replaces two and
adds four:

    register                  replaced: grace registers with no "role" at all and must come
                              back "admin", because she is listed (ada: "user", as before)
    delete-as-admin           replaced: the same test, with a 403 explained in this drill's terms
                              (the stored role differs from the one answered)
    role-body-ignored         added: mallory sends "role": "admin" and is answered "user"
    role-claim-cannot-delete  added: with mallory's token, her DELETE of grace's task is 403
    role-listed-admin         added: the random boss-… name registers with no role, is "admin",
                              and its DELETE of ada's task is 204
    role-exact-names          added: that name minus its last letter is not an admin
                              (a substring test on the raw string would say it is)
"""

from drilltutor.checking import Ctx, Failure, check, shared

flow = shared(__file__, "../project-tasks/tasksflow.py")
USER, ADMIN = flow.USER, flow.ADMIN
CLAIMER = "mallory"
READ_LIST = 'ADMIN_USERNAMES = os.environ.get("ADMIN_USERNAMES", "").split(","), then role = "admin" if body.username in ADMIN_USERNAMES else "user"'


def _listed(ctx: Ctx) -> list[str]:
    return [name.strip() for name in ctx.env.get("ADMIN_USERNAMES", "").split(",") if name.strip()]


def _boss(ctx: Ctx) -> str:
    others = [name for name in _listed(ctx) if name != ADMIN]
    if not others:  # the drill's own set-up, not the learner's code: say so plainly
        raise Failure(
            sent="read ADMIN_USERNAMES",
            got=repr(ctx.env.get("ADMIN_USERNAMES")),
            expected="grace and one more name (drill.toml's [env] sets it for every run)",
            fix="run this drill through drilltutor, which sets ADMIN_USERNAMES; its drill.toml must keep the [env] entry",
        )
    return others[0]


def _registered(ctx: Ctx) -> dict:
    """The three new accounts, registered at once on first use (bcrypt is the slow part)."""
    if "roles-registered" not in ctx.state:
        client, boss = flow.api(ctx), _boss(ctx)
        names = (CLAIMER, boss, boss[:-1])
        answers = flow.together(
            lambda: flow.register(client, CLAIMER, role="admin"),
            lambda: flow.register(client, boss),
            lambda: flow.register(client, boss[:-1]),
        )
        ctx.state["roles-registered"] = dict(zip(names, answers))
    return ctx.state["roles-registered"]


def _token_for(ctx: Ctx, name: str) -> str:
    """`name`'s token as /token makes it (minted with make_token: no bcrypt); logged in only when that fails."""
    token = flow.minted(ctx, name)
    if token is not None:
        return token
    response = flow.login(flow.api(ctx), name)
    token = flow.access_token(response)
    if response.status != 200 or token is None:
        raise flow.fail(response, '200 with {"access_token": ...}', "log in works for every registered user, whatever the role")
    return token


def _expect_role(response, name: str, role: str, why: str, fix: str) -> None:
    expected = f'201 with {{"username": "{name}", "role": "{role}"}} ({why})'
    body = response.json
    if response.status != 201 or not isinstance(body, dict) or body.get("username") != name:
        raise flow.fail(response, expected, flow.route_fix(response, "POST /register", "register the new user and answer 201"))
    if body.get("role") != role:
        raise flow.fail(response, expected, fix)


@check("register", "POST /register answers 201; grace, listed in ADMIN_USERNAMES, is an admin without asking")
def register(ctx: Ctx) -> None:
    flow.check_register(
        ctx,
        admin_role_sent=None,
        admin_why=f'grace sent no "role", but ADMIN_USERNAMES is {ctx.env.get("ADMIN_USERNAMES")!r}',
        admin_fix="the role comes from the server's list, not the body: " + READ_LIST,
    )


@check("delete-as-admin", "An admin's DELETE is 204 and the task is gone", needs=("tasks-create",))
def delete_as_admin(ctx: Ctx) -> None:
    flow.check_delete_as_admin(
        ctx,
        forbidden_fix='/register answered grace "role": "admin", yet her delete is refused: the stored user must hold the role you answered. Compute role once and put that value in users[...] and in the response',
    )


@check("role-body-ignored", 'Registering with "role": "admin" gives role "user"', needs=("register",))
def role_body_ignored(ctx: Ctx) -> None:
    _expect_role(
        _registered(ctx)[CLAIMER],
        CLAIMER,
        "user",
        f"{CLAIMER} asked for admin, but is not in ADMIN_USERNAMES",
        "never copy body.role: anyone can type \"admin\" into a request. " + READ_LIST,
    )


@check("role-claim-cannot-delete", "The account that claimed admin gets 403 on DELETE", needs=("role-body-ignored", "tasks-create"))
def role_claim_cannot_delete(ctx: Ctx) -> None:
    token = _token_for(ctx, CLAIMER)
    task = ctx.state["task"][ADMIN]
    response = flow.api(ctx).delete(f"/tasks/{task['id']}", token=token, label=f"{CLAIMER}'s token (she registered with \"role\": \"admin\")")
    if response.status != 403:
        raise flow.fail(
            response,
            f"403: {CLAIMER} was answered role \"user\", so she is not an admin",
            "store the role you answer: compute it once (role = ...) and use that one value in users[...] and in the response",
        )
    flow.still_there(ctx, ADMIN, task, response.sent, "refuse before touching the store")


@check("role-listed-admin", "A username listed in ADMIN_USERNAMES is an admin: its DELETE is 204", needs=("register", "tasks-create"))
def role_listed_admin(ctx: Ctx) -> None:
    boss, listed = _boss(ctx), ctx.env.get("ADMIN_USERNAMES")
    _expect_role(
        _registered(ctx)[boss],
        boss,
        "admin",
        f"ADMIN_USERNAMES is {listed!r} this run",
        "read the list from the environment each run, never a copy in the code: " + READ_LIST,
    )
    token = _token_for(ctx, boss)
    task = flow.create_task(ctx, USER, "For the boss to delete")
    response = flow.api(ctx).delete(f"/tasks/{task['id']}", token=token, label=f"{boss}'s token (listed in ADMIN_USERNAMES)")
    if response.status != 204:
        raise flow.fail(response, f"204: {boss} is an admin", "store the role decided at /register, and let require_admin read it from the stored user")
    if task["id"] in flow.task_ids(flow.tasks_of(ctx, USER)):
        raise Failure(sent=f"{response.sent}, then GET /tasks as ada", got=f"task {task['id']!r} is still listed", expected="the task gone", fix="del tasks[task_id] before answering")


@check("role-exact-names", "Only whole names in ADMIN_USERNAMES count, not parts of them", needs=("register",))
def role_exact_names(ctx: Ctx) -> None:
    boss = _boss(ctx)
    partial = boss[:-1]
    _expect_role(
        _registered(ctx)[partial],
        partial,
        "user",
        f"{partial!r} is only part of {boss!r} in {ctx.env.get('ADMIN_USERNAMES')!r}",
        'split the list on commas and compare whole names: `name in os.environ["ADMIN_USERNAMES"]` tests for a substring of the string',
    )
