"""Hidden checks for exercise-1 (owner): the project's checks, with tasks scoped to their owner.

Every check of the project (project-tasks/checks.py) runs first, on the same accounts:
ada (user) and grace (admin), each with a task. This file replaces one of them and adds two:

    delete-as-user   replaced: ada deleting grace's task may be 403 or 404 (hiding that it
                     exists is fine), and the task must still be there afterwards
    list-own-only    added: ada's GET /tasks holds her own new task and no one else's
    delete-own-task  added: an owner's delete of their own task is theirs to choose,
                     204 (and gone) or 403 (and kept), but never anything else

The admin still deletes anyone's task: the project's delete-as-admin proves it unchanged.
"""

from drilltutor.checking import Ctx, Failure, check, shared

flow = shared(__file__, "../project-tasks/tasksflow.py")
USER, ADMIN = flow.USER, flow.ADMIN
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
