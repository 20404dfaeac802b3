"""Agent-side helpers: what a check must build or look at inside the learner's process.

They run in the agent, next to the learner's code, and answer with plain data (or handles):
the checks in the judge decide from that data and from HTTP answers. Nothing here decides a
verdict. Each helper takes the `Agent` and the request's arguments; `HELPERS` names them.
"""

from __future__ import annotations

import contextlib
import types
from collections import deque
from typing import TYPE_CHECKING, Any, Callable

from drilltutor.checking.trace import one_line, trimmed

if TYPE_CHECKING:
    from drilltutor.agent import Agent

# The walk of the learner's state stops here: deep enough for users[name]["password"] inside
# an object inside a list, bounded so a large app object cannot make a check slow.
_STATE_DEPTH = 8
_STATE_NODES = 20_000
# Code, not state: a password in a default argument or a class attribute would be code the
# learner wrote, and walking modules would walk the libraries.
_NOT_STATE = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)


def _is_ours(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "drilltutor"


def _children(value: Any) -> list[tuple[str, Any]]:
    """(path suffix, child) for each value directly held by `value`."""
    if isinstance(value, dict):
        found: list[tuple[str, Any]] = []
        for key, item in list(value.items()):
            found.append((f"[{key!r}] (a key)", key))
            found.append((f"[{key!r}]", item))
        return found
    if isinstance(value, (list, tuple)):
        return [(f"[{i}]", item) for i, item in enumerate(list(value))]
    if isinstance(value, (set, frozenset)):
        return [("{...}", item) for item in list(value)]
    fields: dict[str, Any] = {}
    with contextlib.suppress(Exception):  # an object whose attribute access raises holds nothing we can read
        fields.update(vars(value))
    for cls in type(value).__mro__:
        slots = getattr(cls, "__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if not slot.startswith("__"):  # __dict__ (read above), pydantic's own bookkeeping
                with contextlib.suppress(Exception):
                    fields.setdefault(slot, getattr(value, slot))
    extra = getattr(value, "__pydantic_extra__", None)  # a pydantic model's fields beyond those declared
    if isinstance(extra, dict):
        fields.update(extra)
    return [(f".{name}", item) for name, item in fields.items()]


def find_in_state(namespace: dict[str, Any], text: str) -> list[str]:
    """Where `text` occurs in the learner's module state, as readable paths
    (`users['ada']['password']`): every container and object reachable from the module's
    globals, walked breadth-first, bounded in depth and nodes, each object once."""
    places: list[str] = []
    seen: set[int] = set()
    todo: deque[tuple[str, Any, int]] = deque((name, value, 0) for name, value in namespace.items() if not name.startswith("__"))
    nodes = 0
    while todo and nodes < _STATE_NODES:
        path, value, depth = todo.popleft()
        nodes += 1
        if isinstance(value, str):
            if text in value:
                places.append(path)
            continue
        if isinstance(value, (bytes, bytearray)):
            if text.encode() in value:
                places.append(path)
            continue
        if value is None or isinstance(value, (int, float, complex, bool)) or isinstance(value, _NOT_STATE) or _is_ours(value):
            continue
        if id(value) in seen or depth >= _STATE_DEPTH:
            continue
        seen.add(id(value))
        todo.extend((path + suffix, child, depth + 1) for suffix, child in _children(value))
    return places


# drill-4 and drill-5: the learner's dependency on a route of the checks' own ---------------


class _Mounted:
    """The app the dependency is mounted on, and every user it handed the route."""

    def __init__(self, app: Any, seen: list[Any]) -> None:
        self.app, self.seen = app, seen


def _email_of(user: object) -> object:
    if isinstance(user, dict):
        return user.get("email")
    return getattr(user, "email", None)


def _schemes(dependant: Any, kind: type) -> list[Any]:
    found = [dependant.call] if isinstance(dependant.call, kind) else []
    return found + [s for sub in dependant.dependencies for s in _schemes(sub, kind)]


def _reads(dependant: Any) -> list[str]:
    """Where FastAPI would look for the dependency's own parameters, for the message."""
    own = [
        f"{where} `{getattr(f, 'alias', None) or f.name}`"
        for where, fields in (
            ("the query string", dependant.query_params),
            ("a header", dependant.header_params),
            ("a cookie", dependant.cookie_params),
            ("the body", dependant.body_params),
        )
        for f in fields
    ]
    return own + [r for sub in dependant.dependencies for r in _reads(sub)]


def mount_dependency(agent: Agent, name: str) -> dict[str, Any]:
    """Mount the learner's `name` on `GET /me` of an app of the checks' own; say what FastAPI made of it.

    The app travels as a handle (the judge sends its requests to it); the rest is data.
    """
    from fastapi import Depends, FastAPI
    from fastapi.security import OAuth2PasswordBearer
    from fastapi.security.base import SecurityBase

    dependency = agent.namespace[name]
    if not callable(dependency):
        return {"not_callable": type(dependency).__name__}
    seen: list[Any] = []
    try:
        app = FastAPI()

        # No response model: FastAPI would build one from the return type, the first time in the
        # process (every run's, forked from the zygote) for a quarter of a warm run's time.
        @app.get("/me", response_model=None)
        async def me(user: Any = Depends(dependency)) -> dict[str, Any]:
            seen.append(user)
            email = _email_of(user)
            return {"email": email if isinstance(email, str) else None}

    except Exception as exc:
        return {"refused": one_line(exc), "detail": trimmed(exc, str(agent.file))}
    route: Any = next(r for r in app.routes if getattr(r, "path", None) == "/me")
    dependant = route.dependant.dependencies[0]
    schemes = _schemes(dependant, OAuth2PasswordBearer)
    flows = getattr(getattr(schemes[0], "model", None), "flows", None) if schemes else None
    url = getattr(getattr(flows, "password", None), "tokenUrl", None)
    agent.mounted = _Mounted(app, seen)
    return {
        "app": app,
        "bearer": bool(schemes),
        "others": [type(s).__name__ for s in _schemes(dependant, SecurityBase)],
        "reads": _reads(dependant),
        "url": url if isinstance(url, str) else None,
    }


def handed_over(agent: Agent, target: str) -> dict[str, Any]:
    """What the mounted dependency handed the route on the last request (then forgets it), and
    whether that is the very record `users[target]` holds."""
    mounted: _Mounted = agent.mounted
    if not mounted.seen:
        return {"nothing": True}
    user = mounted.seen[0]
    mounted.seen.clear()
    users = agent.namespace.get("users")
    record = users.get(target) if isinstance(users, dict) else None
    return {"nothing": False, "value": user, "is_record": user is record}


# drills 2 and 3: the file's own decode call, made again on a token of the checks' ----------


def replay_decode(agent: Agent, func: str, call: str, placeholder: str, token: str) -> dict[str, Any]:
    """The learner's decode call `call` (its source, the token swapped for `placeholder`) made again
    on `token`, among the file's own names: what it returned, or the name of what it raised.
    Not replayed when `func` is no jwt or jose function, or an argument is not at module level."""
    scope = {**agent.namespace, placeholder: token}
    try:
        target = eval(func, scope)  # noqa: S307  (the learner's own expression, in the learner's process)
    except Exception:
        return {"replayed": False}
    if str(getattr(target, "__module__", "")).split(".")[0] not in ("jwt", "jose"):
        return {"replayed": False}
    try:
        return {"replayed": True, "raised": None, "value": eval(call, scope)}  # noqa: S307
    except NameError:
        return {"replayed": False}  # a parameter or a local: the checks read the source instead
    except Exception as exc:
        # Its classes' names too: whether it is the library's token error (a subclass of
        # JWTError or InvalidTokenError) is for the checks to judge.
        kinds = [cls.__name__ for cls in type(exc).__mro__[1:] if cls not in (BaseException, object)]
        return {"replayed": True, "raised": type(exc).__name__, "kinds": kinds, "message": str(exc)}


HELPERS: dict[str, Callable[..., Any]] = {"mount_dependency": mount_dependency, "handed_over": handed_over, "replay_decode": replay_decode}
