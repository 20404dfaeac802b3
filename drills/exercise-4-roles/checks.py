"""Hidden checks for exercise-4 (roles): the project's checks, with roles decided by the server.

Each run sets ADMIN_USERNAMES="grace,boss-<random>" (drill.toml's [env]); the checks read
the actual value from ctx.env. Every project check runs first; this file replaces two and
adds five:

    register                  replaced: grace registers with no "role" at all and must come
                              back "admin", because she is listed (ada: "user", as before)
    delete-as-admin           replaced: the same test, with a 403 explained in this drill's terms
                              (the stored role differs from the one answered)
    role-body-ignored         added: mallory sends "role": "admin" and is answered "user"
    role-claim-cannot-delete  added: with mallory's token, her DELETE of grace's task is 403
    role-listed-admin         added: the random boss-… name registers with no role, is "admin",
                              and its DELETE of ada's task is 204
    role-exact-names          added: that name minus its last letter, and that name with
                              "-2" after it, are not admins (a substring test on the raw
                              string says the first is, a listed name found inside the
                              username says the second is)
    role-exact-names-delete   added: with those two names' tokens, a DELETE is 403: the
                              admin-only route agrees with the list as exactly
"""

from drilltutor.checking import Ctx, Failure, check, kit

flow = kit("tasksflow")
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


def _near_misses(boss: str) -> tuple[str, str]:
    """Two names that are not listed: one only part of a listed name, one that holds it."""
    return boss[:-1], boss + "-2"


def _registered(ctx: Ctx) -> dict:
    """The four new accounts, registered on first use two at a time (bcrypt is the slow part:
    two at once cost one on two cores, and no request waits behind three other hashes)."""
    if "roles-registered" not in ctx.state:
        client, boss = flow.api(ctx), _boss(ctx)
        part, holder = _near_misses(boss)
        names = (CLAIMER, boss, part, holder)
        answers = flow.together(
            lambda: flow.register(client, CLAIMER, role="admin"),
            lambda: flow.register(client, boss),
        ) + flow.together(
            lambda: flow.register(client, part),
            lambda: flow.register(client, holder),
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


@check("role-exact-names", "Only whole names in ADMIN_USERNAMES count, not parts of them or names that hold them", needs=("register",))
def role_exact_names(ctx: Ctx) -> None:
    boss, listed = _boss(ctx), ctx.env.get("ADMIN_USERNAMES")
    part, holder = _near_misses(boss)
    for name, why in ((part, f"only part of {boss!r}"), (holder, f"holds {boss!r} but is not it")):
        _expect_role(
            _registered(ctx)[name],
            name,
            "user",
            f"{name!r} {why}, and ADMIN_USERNAMES is {listed!r}",
            'split the list on commas and compare whole names, username in {"grace", ...}: `username in os.environ["ADMIN_USERNAMES"]` tests for a piece of one string, and `listed in username` for a piece of the username',
        )


@check("role-exact-names-delete", "The admin-only DELETE agrees with the list as exactly: near-miss names get 403", needs=("role-exact-names", "tasks-create"))
def role_exact_names_delete(ctx: Ctx) -> None:
    boss, listed = _boss(ctx), ctx.env.get("ADMIN_USERNAMES")
    task = flow.create_task(ctx, USER, "Not for near misses")
    for name in _near_misses(boss):
        response = flow.api(ctx).delete(f"/tasks/{task['id']}", token=_token_for(ctx, name), label=f"{name}'s token (registered as a user; ADMIN_USERNAMES is {listed!r})")
        if response.status != 403:
            raise flow.fail(
                response,
                f"403: /register made {name} a user, and the delete route must agree",
                flow.route_fix(
                    response,
                    "DELETE /tasks/{task_id}",
                    'let require_admin read the role stored at /register (user["role"] == "admin"); testing the name against os.environ["ADMIN_USERNAMES"] there is a substring test that lets a piece of a listed name through',
                ),
            )
        flow.still_there(ctx, USER, task, response.sent, "refuse before touching the store")
