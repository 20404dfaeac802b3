"""Rendering a module afresh: the same behaviour under other names, in another order and layout.

The tests drill runs a learner's suite against Tasks APIs it must judge by what they do. A suite
that recognises an API by its code instead (its bytes, a helper's name, the order of its
definitions) would pass without testing anything, so every API is rendered afresh on each run:

- names: module-level names (except the ones a caller imports, `keep`), local variables, and the
  parameters FastAPI fills by type (dependencies, request bodies) get fresh random names;
- order: top-level definitions that do not depend on each other's order are shuffled;
- layout: docstrings and comments go, blank lines, quote style, indentation and comment lines
  are drawn at random.

What FastAPI or a caller reads by name stays: path parameters, query parameters (a parameter
with a plain scalar annotation), keyword parameters of kept functions, class attributes
(pydantic fields, methods), attribute names, string constants. The result is checked to parse
to the renamed tree, so the layout never changes what the code does.

A pure function of its inputs (the source and a random generator): it works wherever it is
called from, and costs a few milliseconds for a file of a hundred lines.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import random
import tokenize
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

# Words fresh names are made of: they read like a programmer's names, and say nothing.
WORDS = (
    "item", "entry", "record", "value", "data", "store", "box", "node", "slot", "unit", "piece", "part",
    "thing", "ref", "key", "spec", "info", "blob", "cell", "row", "set", "pack", "chunk", "bit",
    "holder", "keeper", "maker", "checker", "reader", "helper", "worker", "handler", "guard", "gate",
    "main", "base", "core", "prime", "plain", "local", "inner", "outer", "first", "other", "next", "extra",
)  # fmt: skip
COMMENTS = (
    "# ---", "# helpers", "# routes", "# state", "# setup", "# see below", "# keep in sync", "# note",
    "#", "# --------------------------------------------------------------", "# main part", "# utilities",
)  # fmt: skip
SCALARS = {"str", "int", "float", "bool", "bytes"}  # a parameter so annotated is one FastAPI fills by its name
ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket"}


def render(source: str, keep: Collection[str], rng: random.Random) -> str:
    """`source` with fresh names (all but `keep` at module level), order and layout."""
    tree = ast.parse(source)
    _drop_docstrings(tree)
    taken = {n for node in ast.walk(tree) for n in _identifiers(node)} | set(dir(builtins)) | set(keyword.kwlist)
    fresh = _Fresh(rng, taken)
    module_names = {n: fresh.name(n) for n in sorted(_module_bindings(tree)) if n not in keep and not n.startswith("__")}
    renamed = _Renamer(module_names, fresh, _fastapi_bound(tree), _filled_by_type(tree)).visit(tree)
    body = _shuffle(renamed.body, rng)
    return _layout(body, rng)


# Names -------------------------------------------------------------------------------------------
class _Fresh:
    """Fresh names that clash with no identifier of the source, no builtin and no keyword."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng, self.taken = rng, taken

    def name(self, old: str) -> str:
        while True:
            words = [self.rng.choice(WORDS) for _ in range(self.rng.choice((1, 2, 2, 3)))]
            bare = old.lstrip("_")
            if bare[:1].isupper() and not bare.isupper():
                new = "".join(w.capitalize() for w in words)  # a class keeps looking like one
            elif bare.isupper():
                new = "_".join(words).upper()  # so does a constant
            else:
                new = "_".join(words)
            if self.rng.random() < 0.3:
                new += str(self.rng.randrange(2, 100))
            if old.startswith("_"):
                new = "_" + new
            if new not in self.taken:
                self.taken.add(new)
                return new


def _identifiers(node: ast.AST) -> Iterator[str]:
    for attr in ("id", "name", "attr", "arg", "asname"):
        value = getattr(node, attr, None)
        if isinstance(value, str):
            yield value
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        yield from node.names


def _drop_docstrings(tree: ast.Module) -> None:
    """Docstrings say which file this is; nothing reads them at run time (FastAPI's are docs only)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]


def _walk_scope(nodes: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of one scope, without entering the functions and classes defined in it
    (their names belong to this scope; what they hold does not)."""
    stack: list[ast.AST] = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _module_bindings(tree: ast.Module) -> set[str]:
    """Names the module binds itself (not its imports): assignments, functions, classes."""
    bound: set[str] = set()
    for node in _walk_scope(tree.body):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
    for node in ast.walk(tree):  # names a function declares global and assigns
        if isinstance(node, ast.Global):
            bound.update(node.names)
    return bound


def _is_depends(node: ast.AST | None) -> bool:
    """Whether `node` holds a `Depends(...)` call: a default, or an `Annotated[..., Depends(...)]`."""
    if node is None:
        return False
    calls = (n for n in ast.walk(node) if isinstance(n, ast.Call))
    return any(getattr(c.func, "id", None) == "Depends" or getattr(c.func, "attr", None) == "Depends" for c in calls)


def _fastapi_bound(tree: ast.Module) -> set[str]:
    """Functions FastAPI calls (routes and dependencies): their parameters are filled by FastAPI,
    by type where a dependency or a body fills them, so those may be renamed; no code of the
    module calls them with keywords."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any(isinstance(d, ast.Call) and getattr(d.func, "attr", None) in ROUTE_METHODS for d in node.decorator_list):
                bound.add(node.name)
        if isinstance(node, ast.Call) and (getattr(node.func, "id", None) == "Depends" or getattr(node.func, "attr", None) == "Depends"):
            bound.update(a.id for a in node.args if isinstance(a, ast.Name))
    return bound


@dataclass(frozen=True)
class _ByType:
    models: set[str]  # pydantic models: a route's one body, whatever the parameter's name
    dependencies: set[str]  # Annotated[..., Depends(...)] aliases


def _filled_by_type(tree: ast.Module) -> _ByType:
    models: set[str] = set()
    dependencies: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(_base(b) in {"BaseModel", *models} or getattr(b, "attr", None) == "BaseModel" for b in node.bases):
            models.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_depends(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            dependencies.update(t.id for t in targets if isinstance(t, ast.Name))
    return _ByType(models, dependencies)


def _path_parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    found: set[str] = set()
    for decorator in node.decorator_list:
        for constant in ast.walk(decorator):
            if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                found.update(part.split("}")[0].split(":")[0] for part in constant.value.split("{")[1:])
    return found


@dataclass
class _Scope:
    names: dict[str, str]  # old -> new, for the names this scope binds and renames
    kept: set[str] = field(default_factory=set)  # names this scope binds and keeps (they hide outer ones)


class _Renamer(ast.NodeTransformer):
    def __init__(self, module_names: dict[str, str], fresh: _Fresh, fastapi_bound: set[str], by_type: _ByType) -> None:
        self.scopes = [_Scope(module_names)]
        self.module_names = module_names
        self.fresh = fresh
        self.fastapi_bound = fastapi_bound
        self.by_type = by_type

    def _lookup(self, name: str) -> str:
        for scope in reversed(self.scopes):
            if name in scope.names:
                return scope.names[name]
            if name in scope.kept:
                return name
        return name

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._lookup(node.id)
        return node

    def visit_Global(self, node: ast.Global) -> ast.Global:
        node.names = [self.module_names.get(n, n) for n in node.names]
        return node

    def visit_Nonlocal(self, node: ast.Nonlocal) -> ast.Nonlocal:
        node.names = [self._lookup(n) for n in node.names]
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.ExceptHandler:
        if node.name is not None:
            node.name = self._lookup(node.name)
        self.generic_visit(node)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.Lambda:
        for default in (*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)):
            self.visit(default)
        every = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, *filter(None, (node.args.vararg, node.args.kwarg))]
        self.scopes.append(_Scope({}, {a.arg for a in every}))  # a lambda's parameters keep their names
        node.body = self.visit(node.body)
        self.scopes.pop()
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        for part in (*node.bases, *node.keywords, *node.decorator_list):
            self.visit(part)
        # A class body binds attributes (pydantic fields, methods): never renamed, and they hide
        # module names of the same spelling inside the body.
        attributes = {n.id for n in _walk_scope(node.body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        attributes |= {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        self.scopes.append(_Scope({}, attributes))
        node.body = [self._function(n, method=True) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) else self.visit(n) for n in node.body]
        self.scopes.pop()
        node.name = self._lookup(node.name)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._function(node, method=False)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._function(node, method=False)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> ast.stmt:
        renamable = self._renamable_parameters(node, method)  # read before the annotations are renamed
        # Decorators, defaults and annotations run in the enclosing scope.
        every = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, *filter(None, (node.args.vararg, node.args.kwarg))]
        outer = [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
        outer += [a.annotation for a in every if a.annotation is not None] + ([node.returns] if node.returns else [])
        for part in outer:
            self.visit(part)
        declared: set[str] = set()
        local: set[str] = set()
        for inner in _walk_scope(node.body):
            if isinstance(inner, (ast.Global, ast.Nonlocal)):
                declared.update(inner.names)
            elif isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                local.add(inner.id)
            elif isinstance(inner, (ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and inner.name:
                local.add(inner.name)
        local -= declared
        scope = _Scope({}, {a.arg for a in every if a.arg not in renamable} | {n for n in local if n.startswith("__")})
        for name in sorted((local | renamable) - scope.kept):
            scope.names[name] = self.fresh.name(name)
        for arg in every:
            arg.arg = scope.names.get(arg.arg, arg.arg)
        enclosing = self.scopes
        self.scopes = [*(enclosing[:-1] if method else enclosing), scope]  # a method's body does not see its class's names
        node.body = [self.visit(stmt) for stmt in node.body]
        self.scopes = enclosing
        if not method:
            node.name = self._lookup(node.name)
        return node

    def _renamable_parameters(self, node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> set[str]:
        positional = [*node.args.posonlyargs, *node.args.args]
        if method:
            return {positional[0].arg} if positional and not node.decorator_list else set()  # self
        if node.name not in self.fastapi_bound:
            return set()
        path = _path_parameters(node)
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(node.args.defaults)) + list(node.args.defaults)
        pairs = [*zip(positional, defaults), *zip(node.args.kwonlyargs, node.args.kw_defaults)]
        dependencies, bodies = set(), set()
        for arg, default in pairs:
            if arg.arg in path:
                continue
            annotation = arg.annotation
            if _is_depends(default) or _is_depends(annotation) or (isinstance(annotation, ast.Name) and annotation.id in self.by_type.dependencies):
                dependencies.add(arg.arg)
            elif isinstance(annotation, ast.Name) and annotation.id in self.by_type.models:
                bodies.add(arg.arg)
        # One body model is the whole request body, whatever its name; with two, FastAPI reads each by name.
        return dependencies | (bodies if len(bodies) == 1 else set())


# Order -------------------------------------------------------------------------------------------
@dataclass
class _Statement:
    node: ast.stmt
    defines: set[str]
    uses: set[str]  # read while the module runs (not inside a function body)
    touches: set[str]  # objects a decorator registers on (app, router): such registrations commute
    barrier: bool  # anything else with effects: stays where it is relative to every statement


def _loads(nodes: list[ast.AST]) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}


def _describe(node: ast.stmt) -> _Statement:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            return _Statement(node, set(), set(), set(), True)
        return _Statement(node, {(a.asname or a.name).split(".")[0] for a in node.names}, set(), set(), False)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = node.args
        annotations = [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a and a.annotation]
        at_definition = [*node.decorator_list, *args.defaults, *(d for d in args.kw_defaults if d), *annotations, *([node.returns] if node.returns else [])]
        touches = {_base(d) for d in node.decorator_list} - {None}
        return _Statement(node, {node.name}, _loads(at_definition), touches, False)  # type: ignore[arg-type]
    if isinstance(node, ast.ClassDef):
        uses = _loads([*node.bases, *node.keywords, *node.decorator_list])
        uses |= {n.id for n in _walk_scope(node.body) if isinstance(n, ast.Name)}
        for inner in node.body:  # a method's defaults and annotations run with the class body
            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                uses |= _describe(inner).uses
        return _Statement(node, {node.name}, uses, set(), False)
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if all(isinstance(t, ast.Name) for t in targets):
            parts = [p for p in (node.value, getattr(node, "annotation", None)) if p is not None]
            return _Statement(node, {t.id for t in targets}, _loads(parts), set(), False)  # type: ignore[attr-defined]
    return _Statement(node, set(), set(), set(), True)


def _base(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Call, ast.Attribute)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _shuffle(body: list[ast.stmt], rng: random.Random) -> list[ast.stmt]:
    """A random order of the top-level statements that keeps every order that matters: a name
    defined before it is read while the module runs (through the functions that reading calls,
    too), a registration on an object after the object and before any other use of it, and any
    statement with other effects where it was."""
    statements = [_describe(node) for node in body]
    bodies = {
        s.node.name: {n.id for n in ast.walk(s.node) if isinstance(n, ast.Name)}
        for s in statements if isinstance(s.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }  # fmt: skip
    for s in statements:  # what the module reads at load time, through the functions it may call then
        seen: set[str] = set()
        todo = list(s.uses)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(bodies.get(name, ()))
        s.uses = seen
    after: dict[int, set[int]] = {j: set() for j in range(len(statements))}
    for j, b in enumerate(statements):
        for i in range(j):
            a = statements[i]
            if (
                a.barrier
                or b.barrier
                or a.defines & (b.uses | b.touches | b.defines)
                or b.defines & (a.uses | a.touches)
                or a.touches & b.uses
                or b.touches & a.uses
            ):
                after[j].add(i)
    order: list[int] = []
    placed: set[int] = set()
    while len(order) < len(statements):
        ready = [j for j in range(len(statements)) if j not in placed and after[j] <= placed]
        pick = rng.choice(ready)
        order.append(pick)
        placed.add(pick)
    return [statements[j].node for j in order]


# Layout ------------------------------------------------------------------------------------------
def _layout(body: list[ast.stmt], rng: random.Random) -> str:
    module = ast.Module(body=body, type_ignores=[])
    plain = ast.unparse(module)
    parsed = ast.parse(plain)
    canonical = ast.dump(parsed)
    # Lines where a statement (or a decorator) starts: a blank or comment line may go before them.
    # ast.unparse writes each statement on lines of its own, so no other line is safe to split at.
    statement_lines: set[int] = set()
    for node in ast.walk(parsed):
        if isinstance(node, ast.stmt):
            statement_lines.add(node.lineno)
            statement_lines.update(d.lineno for d in getattr(node, "decorator_list", []))
    top_level = {min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) for node in parsed.body}
    indent = rng.choice((4, 4, 2, 3, 8))
    comment_rate = rng.uniform(0.0, 0.3)
    lines: list[str] = []
    for number, line in enumerate(_requote(plain, rng).splitlines(), 1):
        depth = (len(line) - len(line.lstrip(" "))) // 4
        text = " " * (indent * depth) + line.lstrip(" ")
        if number in top_level and lines:
            lines.extend([""] * rng.choice((1, 2, 2, 2, 3)))
        elif number in statement_lines and lines and rng.random() < 0.1:
            lines.append("")
        if number in statement_lines and rng.random() < comment_rate:
            lines.append(" " * (indent * depth) + rng.choice(COMMENTS))
        lines.append(text)
    rendered = "\n".join(lines) + "\n"
    if ast.dump(ast.parse(rendered)) != canonical:  # the layout must never change the code: stop rather than run another
        raise RuntimeError("disguise.render: the layout changed the code it was given")
    return rendered


def _requote(text: str, rng: random.Random) -> str:
    """Plain string literals in one quote style, drawn for the file; a literal with a quote or a
    backslash inside, a prefix (f, b, r) or triple quotes is left as it is."""
    quote = rng.choice(("'", '"'))
    lines = text.splitlines(keepends=True)
    edits: dict[int, list[tuple[int, int, str]]] = {}  # line -> (start column, end column, new text)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        literal = token.string
        if token.type != tokenize.STRING or token.start[0] != token.end[0] or literal[0] not in "'\"" or literal[:3] in ("'''", '"""'):
            continue
        inner = literal[1:-1]
        if not any(c in inner for c in "'\"\\"):
            edits.setdefault(token.start[0], []).append((token.start[1], token.end[1], quote + inner + quote))
    for number, changes in edits.items():
        line = lines[number - 1]
        for start, end, new in sorted(changes, reverse=True):  # from the right, so the columns stay true
            line = line[:start] + new + line[end:]
        lines[number - 1] = line
    return "".join(lines)
