"""Two slips a new learner makes in a FastAPI file, named where they show, for every app drill.

- An exception built but never raised: `HTTPException(status_code=401, ...)` on a line of its
  own is an expression whose value is dropped, so the code goes on as if all were well (the
  route answers 200, or a later line fails on the user that is None).
- A dependency called or named as a plain default instead of `Depends(...)`:
  `user=get_current_user()` runs it once, as the file loads (a crash), and
  `user: dict = get_current_user` makes the function itself the value (every route fails).

Read from the learner's source (the statement and the default are what is wrong, and the
checks see only their effects), and said only when a check failed or the file crashed in a way
they explain. A drill's checks.py opts in by binding the explainers at its top level:
`slips = kit("slips"); unraised_exception = slips.unraised_exception` and so on.
"""

from __future__ import annotations

import ast
import re

from drilltutor.checking import Crash, Ctx, Failure, explains_crash, explains_failure

# What a failure looks like when an exception was dropped: the request went through (a 2xx),
# or the code after the dropped raise broke on what it was meant to refuse.
_DROPPED = re.compile(r"\b(200|201|204|500)\b|UnboundLocalError|NoneType|returned None|is not subscriptable")
_ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "api_route"}


def _tree(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def unraised(source: str) -> list[ast.Expr]:
    """Statements that build an HTTPException and drop it."""
    tree = _tree(source)
    if tree is None:
        return []
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and (getattr(node.value.func, "id", None) or getattr(node.value.func, "attr", None)) == "HTTPException"
    ]


def _is_depends(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Call) and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in ("Depends", "Security")


def _dependencies(tree: ast.Module) -> set[str]:
    """The file's own functions that are dependencies: named in a Depends(...) somewhere, or
    themselves taking one (get_current_user takes the token with Depends(oauth2_scheme)).
    A helper that is no dependency may be a default value without being a slip."""
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    named = {arg.id for call in ast.walk(tree) if _is_depends(call) for arg in call.args if isinstance(arg, ast.Name)}  # type: ignore[attr-defined]
    taking = {
        name
        for name, func in functions.items()
        if any(_is_depends(d) for d in [*func.args.defaults, *func.args.kw_defaults])
        or any(_is_depends(n) for a in [*func.args.args, *func.args.kwonlyargs] if a.annotation is not None for n in ast.walk(a.annotation))
    }
    return (named | taking) & set(functions)


def plain_defaults(source: str) -> list[tuple[int, str, str, bool]]:
    """(line, parameter, default, called) for each parameter whose default is a function of the
    file itself, named or called, rather than wrapped in Depends(...)."""
    tree = _tree(source)
    if tree is None:
        return []
    own = _dependencies(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = node.args.args + node.args.kwonlyargs
        defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + node.args.defaults + node.args.kw_defaults
        for param, default in zip(params, defaults):
            called = isinstance(default, ast.Call) and isinstance(default.func, ast.Name) and default.func.id in own
            named = isinstance(default, ast.Name) and default.id in own
            if called or named:
                found.append((param.lineno, param.arg, ast.unparse(default), called))
    return found


def _depends_fix(line: int, param: str, default: str, called: bool) -> str:
    name = default.removesuffix("()")
    if called:
        what = f"`{param}={default}` calls {name} once, while the file loads, not on each request"
    else:
        what = f"`{param}={default}` makes the function itself the default value, which FastAPI reads as a body field"
    return f"line {line}: {what}: write {param}=Depends({name}) (or Annotated[..., Depends({name})]), so FastAPI calls it for every request"


@explains_failure
def unraised_exception(ctx: Ctx, failure: Failure) -> str | None:
    dropped = unraised(ctx.source)
    if not dropped or not _DROPPED.search(f"{failure.got} {failure.detail}"):
        return None
    first = dropped[0]
    return f"you built the exception but did not raise it: line {first.lineno} makes an HTTPException(...) and drops it; put raise in front: raise HTTPException(...)"


@explains_failure
def dependency_as_default(ctx: Ctx, failure: Failure) -> str | None:
    found = plain_defaults(ctx.source)
    return _depends_fix(*found[0]) if found else None


@explains_crash
def dependency_called_at_load(crash: Crash) -> str | None:
    called = [d for d in plain_defaults(crash.source) if d[3]]
    return _depends_fix(*called[0]) if called else None
