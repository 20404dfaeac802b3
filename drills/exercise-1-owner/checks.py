"""Hidden checks for exercise-1 (owner): the project's checks, with tasks scoped to their owner.

Every check of the project (project-tasks/checks.py) runs first, on the same accounts:
ada (user) and grace (admin), each with a task. This file replaces one of them and adds two:

    delete-as-user   replaced: ada deleting grace's task may be 403 or 404 (hiding that it
                     exists is fine), and the task must still be there afterwards
    list-own-only    added: ada's GET /tasks holds her own new task and no one else's
    delete-own-task  added: an owner's delete of their own task is theirs to choose,
                     204 (and gone) or 403 (and kept), but never anything else

The admin still deletes anyone's task: the project's delete-as-admin proves it unchanged.

Updates, "for deletes and updates" as the seed's exercise says: PATCH /tasks/{id} with JSON
{"title"}. Each check makes the task it edits (no bcrypt: the accounts and tokens are the
project's), and every outcome is read back from the owner's GET /tasks, because an answer
alone does not prove what was stored:

    update-own          ada renames her task: 200 and the task, and the new title is stored
    update-as-admin     grace renames ada's task: 200, the title stored, the owner still ada
    update-as-user      ada renames grace's task: 403 or 404, and the title is unchanged
    update-unknown      an id that does not exist: 404, never a 500
    update-needs-token  no token or a garbage one: 401, even for an id that does not exist
"""

from typing import Any

from drilltutor.checking import Ctx, Failure, check, kit

flow = kit("tasksflow")
USER, ADMIN = flow.USER, flow.ADMIN
UNKNOWN_ID = 987654
OWNER_TEST = 'check the owner before acting: if task["owner"] != user["username"] and user["role"] != "admin": raise HTTPException(403)'


@check("delete-as-user", "A user cannot delete someone else's task (403 or 404), and it stays", needs=("tasks-create",))
def delete_as_user(ctx: Ctx) -> None:
    task = ctx.state["task"][ADMIN]
    response = flow.api(ctx).delete(f"/tasks/{task['id']}", token=flow.bearer(ctx, USER), label="ada's token, for grace's task")
    if response.status not in (403, 404):
        fix = (
            "ada is logged in; not being allowed is 403 (or 404 to hide the task), not 401"
            if response.status == 401
            else OWNER_TEST
        )
        raise flow.fail(response, "403 (not yours) or 404 (no such task of yours)", flow.route_fix(response, "DELETE /tasks/{task_id}", fix))
    flow.still_there(ctx, ADMIN, task, response.sent, "decide first, then delete: look the task up with tasks.get(task_id), test the owner, and only then del tasks[task_id]")


@check("list-own-only", "GET /tasks shows a user their own tasks and nobody else's", needs=("tasks-create",))
def list_own_only(ctx: Ctx) -> None:
    mine = flow.create_task(ctx, USER, "Ada's own task")
    theirs = ctx.state["task"][ADMIN]
    listing = flow.tasks_of(ctx, USER)
    sent = f"POST /tasks as ada (task {mine['id']!r}), then GET /tasks as ada"
    foreign = [t for t in listing if not isinstance(t, dict) or t.get("owner") != USER]
    if foreign:
        raise Failure(
            sent=sent,
            got=f"{len(listing)} tasks, among them {foreign[0]!r}",
            expected=f"only tasks whose owner is \"ada\" (grace's task {theirs['id']!r} must not be there)",
            fix='filter by the current user, the one the token proved: return [t for t in tasks.values() if t["owner"] == user["username"]]',
        )
    if mine["id"] not in flow.task_ids(listing):
        raise Failure(
            sent=sent,
            got=f"{listing!r}: ada's own task is missing",
            expected=f"a list holding task {mine['id']!r}",
            fix='compare the owner with the username string: t["owner"] == user["username"] (user is the whole dict)',
        )


@check("delete-own-task", "An owner deleting their own task: 204 and gone, or 403 and kept", needs=("tasks-create",))
def delete_own_task(ctx: Ctx) -> None:
    task = flow.create_task(ctx, USER, "Ada's scratch task")
    response = flow.api(ctx).delete(f"/tasks/{task['id']}", token=flow.bearer(ctx, USER), label="ada's token, for her own task")
    listed = task["id"] in flow.task_ids(flow.tasks_of(ctx, USER))
    if (response.status, listed) in ((204, False), (403, True)):
        return
    if response.status == 204:
        fix = "a 204 says the task is deleted: del tasks[task_id] before answering"
    elif response.status == 403:
        fix = "a refused delete deletes nothing: decide first, and only then del tasks[task_id]"
    else:
        fix = flow.route_fix(response, "DELETE /tasks/{task_id}", "the task exists and ada owns it: delete it (204), or refuse because she is no admin (403)")
    where = "still listed" if listed else "gone from her list"
    raise Failure(
        sent=f"{response.sent}, then GET /tasks as ada",
        got=f"{response.brief()}, and the task is {where}",
        expected="your choice, kept consistent: 204 and the task gone (owners may delete their own), or 403 and the task kept (only admins delete)",
        fix=fix,
        detail=response.error,
    )


# Updates ------------------------------------------------------------------------------
ROUTE = "PATCH /tasks/{task_id}"
DECIDE_FIRST = 'decide first, then change: 404 when tasks.get(task_id) is None, 403 unless the owner is user["username"] or the role is "admin", and only then task["title"] = body.title'


def _patch(ctx: Ctx, task_id: object, title: str, token: str | None = None, label: str | None = None) -> Any:
    # tasksflow's Api has no patch(); its underlying client sends any method.
    return flow.api(ctx).client.request("PATCH", f"/tasks/{task_id}", token=token, label=label, json={"title": title})


def _stored_title(ctx: Ctx, owner: str, task_id: object) -> str | None:
    """The title of task `task_id` in its owner's GET /tasks, or None when it is not listed."""
    return next((t.get("title") for t in flow.tasks_of(ctx, owner) if isinstance(t, dict) and t.get("id") == task_id), None)


def _check_renamed(ctx: Ctx, editor: str, task: dict, refused_fix: str) -> None:
    """`editor` renames `task` (owned by ada): 200 with the task, and the new title is what is stored."""
    title = task["title"] + ", renamed by " + editor
    whose = "her own task" if editor == task["owner"] else f"{task['owner']}'s task"
    response = _patch(ctx, task["id"], title, flow.bearer(ctx, editor), f"{editor}'s token, for {whose}")
    expected = f'200 with {{"id": {task["id"]!r}, "title": "{title}", "owner": "{task["owner"]}"}}'
    if response.status != 200:
        fix = {
            401: f"{editor}'s token is valid: guard the route with user: dict = Depends(get_current_user), as the other task routes",
            403: refused_fix,
            404: refused_fix,
            422: "read the body with the model POST /tasks uses (class TaskIn(BaseModel): title: str); the id comes from the path",
        }.get(response.status, 'change the title and answer the task: task["title"] = body.title; return task (200 is the default status)')
        raise flow.fail(response, expected, flow.route_fix(response, ROUTE, fix))
    body = response.json
    if not isinstance(body, dict) or body.get("id") != task["id"] or body.get("title") != title:
        raise flow.fail(response, expected, 'answer the stored task after the change: return task, the dict from tasks[task_id]')
    if body.get("owner") != task["owner"]:
        raise flow.fail(response, expected, f'an update changes the title only: the owner stays "{task["owner"]}", who made the task, even when someone else edits it')
    stored = _stored_title(ctx, task["owner"], task["id"])
    if stored != title:
        raise Failure(
            sent=f"{response.sent}, then GET /tasks as {task['owner']}",
            got=f"200 {response.text}, but the list shows the title {stored!r}",
            expected=f"the title {title!r} stored, as the answer said",
            fix='change the stored task, not a copy: task = tasks.get(task_id), then task["title"] = body.title',
        )


@check("update-own", "PATCH: an owner renames her own task (200, and it is stored)", needs=("tasks-create",))
def update_own(ctx: Ctx) -> None:
    task = flow.create_task(ctx, USER, "Ada's draft")
    _check_renamed(ctx, USER, task, 'ada owns this task: compare the task\'s owner with the username, a string: task["owner"] == user["username"] (user is the whole dict)')


@check("update-as-admin", "PATCH: an admin renames anyone's task (200); the owner stays", needs=("tasks-create",))
def update_as_admin(ctx: Ctx) -> None:
    task = flow.create_task(ctx, USER, "Ada's report")
    _check_renamed(ctx, ADMIN, task, 'grace is an admin and may change any task: let user["role"] == "admin" through as well as the owner')


@check("update-as-user", "PATCH: nobody else renames a task (403 or 404), and it stays", needs=("tasks-create",))
def update_as_user(ctx: Ctx) -> None:
    task = flow.create_task(ctx, ADMIN, "Grace's release notes")
    response = _patch(ctx, task["id"], "Ada was here", flow.bearer(ctx, USER), "ada's token, for grace's task")
    if response.status not in (403, 404):
        fix = "ada is logged in; not being allowed is 403 (or 404 to hide the task), not 401" if response.status == 401 else DECIDE_FIRST
        raise flow.fail(response, "403 (not yours) or 404 (no such task of yours)", flow.route_fix(response, ROUTE, fix))
    stored = _stored_title(ctx, ADMIN, task["id"])
    if stored != task["title"]:
        raise Failure(
            sent=f"{response.sent}, then GET /tasks as grace",
            got=f"{response.brief()}, and grace's task now has the title {stored!r}",
            expected=f"the title {task['title']!r} unchanged: a refused update changes nothing",
            fix=DECIDE_FIRST,
        )


@check("update-unknown", "PATCH for an id that does not exist is a 404", needs=("login",))
def update_unknown(ctx: Ctx) -> None:
    response = _patch(ctx, UNKNOWN_ID, "Nothing here", flow.bearer(ctx, ADMIN), "grace's token (admin)")
    if response.status != 404:
        fix = (
            "look the task up with tasks.get(task_id) and raise HTTPException(status_code=404) when it is None, before reading its owner"
            if response.status == 500 or response.error
            else "a missing task is not there for anyone, admins included: 404"
        )
        raise flow.fail(response, "404: there is no such task", flow.route_fix(response, ROUTE, fix))


@check("update-needs-token", "PATCH without a valid token is a 401, before any 403 or 404", needs=("tasks-create",))
def update_needs_token(ctx: Ctx) -> None:
    task_id = ctx.state["task"][ADMIN]["id"]
    for target, token, label in ((task_id, None, "no token"), (task_id, "garbage", 'the token "garbage"'), (UNKNOWN_ID, None, "no token, for an id that does not exist")):
        response = _patch(ctx, target, "Anonymous edit", token, label)
        if response.status != 401:
            fix = (
                "authenticate before looking the task up: the current user (Depends(get_current_user)) must be resolved first, so nobody learns which ids exist without a token"
                if response.status == 404
                else "guard the route with user: dict = Depends(get_current_user), like every other task route"
            )
            raise flow.fail(response, "401: nobody is logged in", flow.route_fix(response, ROUTE, fix))
