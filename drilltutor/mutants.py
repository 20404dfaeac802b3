"""Mutants of a drill's reference: each one small change a learner could make, to prove the checks.

`generate(source)` is pure: it parses the reference with `ast`, finds every place one of
the operators below applies, and splices the replacement into the original text by the
node's offsets, so a mutant differs from the reference in that one place only (comments
and formatting stay, and its diff reads like a learner's edit). A mutant's id names its
operator, the function it is in, and a digest of the original text and the replacement:
it survives edits elsewhere in the file, so an explanation in `mutants.toml` keeps
pointing at the same mutant.

Running the checks on the mutants and judging them is `drilltutor.mutation`'s part.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import re
import textwrap
from collections import Counter
from dataclasses import dataclass
from typing import Iterator

# Status codes and the codes a mistaken handler answers instead.
STATUS_SWAPS: dict[int, tuple[int, ...]] = {
    200: (201,),
    201: (200,),
    204: (200,),
    400: (401, 422),
    401: (400, 403, 500),
    403: (401, 404),
    404: (403, 400),
    409: (400,),
    422: (400,),
}
# fastapi.status / starlette.status names of those codes.
STATUS_NAMES: dict[int, str] = {
    200: "HTTP_200_OK",
    201: "HTTP_201_CREATED",
    204: "HTTP_204_NO_CONTENT",
    400: "HTTP_400_BAD_REQUEST",
    401: "HTTP_401_UNAUTHORIZED",
    403: "HTTP_403_FORBIDDEN",
    404: "HTTP_404_NOT_FOUND",
    409: "HTTP_409_CONFLICT",
    422: "HTTP_422_UNPROCESSABLE_ENTITY",
    500: "HTTP_500_INTERNAL_SERVER_ERROR",
}
_STATUS_NAME = re.compile(r"HTTP_(\d{3})_[A-Z_]+")
# Strings whose change is a real mistake: the signing algorithm, the token type.
STRING_SWAPS: dict[str, tuple[str, ...]] = {
    "HS256": ("HS512", "none"),
    "HS384": ("HS256",),
    "HS512": ("HS256",),
    "bearer": ("basic",),
    "Bearer": ("Basic",),
}
# An exception class swapped for one the code never raises, so the handler catches nothing.
UNRELATED_EXCEPTION = "ArithmeticError"
BROAD_EXCEPTIONS = {"Exception": "ValueError", "BaseException": "Exception"}


@dataclass(frozen=True)
class Mutant:
    id: str  # operator:scope:digest, stable across unrelated edits
    operator: str
    description: str
    line: int  # where the change starts, 1-based (for people; not part of the id)
    source: str  # the whole mutated file

    @property
    def family(self) -> str:
        """"security" for the mistakes people make with authentication, else "syntax"."""
        return family(self.operator)

    def diff(self, original: str, name: str = "solution.py") -> str:
        lines = difflib.unified_diff(
            original.splitlines(keepends=True), self.source.splitlines(keepends=True), f"a/{name}", f"b/{name}", n=2
        )
        return "".join(lines)


@dataclass(frozen=True)
class _Edit:
    operator: str
    node: ast.AST  # its span is what is replaced
    replacement: str
    description: str
    start: tuple[int, int] | None = None  # another span than the node's: (line, column) ...
    end: tuple[int, int] | None = None  # ... to (line, column), columns in UTF-8 bytes as ast's
    # More places changed by the same mistake (storing and comparing the plain password):
    # ((line, column), (line, column), replacement) each, none overlapping the main span.
    also: tuple[tuple[tuple[int, int], tuple[int, int], str], ...] = ()


class _Source:
    """The reference's text, addressed the way `ast` addresses it: lines from 1, columns in UTF-8 bytes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tree = ast.parse(text)  # an operator may need the whole module (the request models)
        self.data = text.encode("utf-8")
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    def span(self, edit: _Edit) -> tuple[int, int]:
        node = edit.node
        start = edit.start or (node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = edit.end or (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return self.offset(*start), self.offset(*end)

    def segment(self, node: ast.AST) -> str:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return self.data[start:end].decode("utf-8")

    def spans(self, edit: _Edit) -> list[tuple[int, int, str]]:
        """Every (start, end, replacement) of `edit` as byte offsets, the main one first."""
        start, end = self.span(edit)
        return [(start, end, edit.replacement), *((self.offset(*a), self.offset(*b), r) for a, b, r in edit.also)]

    def splice(self, spans: list[tuple[int, int, str]]) -> str:
        data = self.data
        for start, end, replacement in sorted(spans, reverse=True):  # from the end, so earlier offsets hold
            data = data[:start] + replacement.encode("utf-8") + data[end:]
        return data.decode("utf-8")


def generate(source: str) -> list[Mutant]:
    """Every mutant of `source`, one change each, without duplicates, in the order of the file.

    Left out: the module docstring, `if __name__ == "__main__":` blocks (never run when the
    file is imported), imports (deleting one only crashes), and mutants whose code is the
    same as the reference's or as an earlier mutant's (compared as syntax trees).
    """
    text = _Source(source)
    tree = text.tree
    seen = {ast.dump(tree)}
    mutants: list[Mutant] = []
    occurrences: Counter[tuple[str, str, str, str]] = Counter()
    for scope, edit in _edits(tree, text):
        spans = text.spans(edit)
        start = spans[0][0]
        original = "\0".join(text.data[a:b].decode("utf-8") for a, b, _ in spans)
        mutated = text.splice(spans)
        try:
            shape = ast.dump(ast.parse(mutated))
        except SyntaxError:  # an operator that cannot apply here (a bug worth knowing about, not a mutant)
            continue
        key = (edit.operator, scope, _normal(original), _normal("\0".join(r for _, _, r in spans)))
        occurrences[key] += 1
        if shape in seen:
            continue
        seen.add(shape)
        digest = hashlib.sha1("\0".join((*key, str(occurrences[key]))).encode()).hexdigest()[:8]
        line = text.data[:start].count(b"\n") + 1
        mutants.append(Mutant(f"{edit.operator}:{scope}:{digest}", edit.operator, edit.description, line, mutated))
    return mutants


def _normal(text: str) -> str:
    return " ".join(text.split())


def _edits(tree: ast.Module, text: _Source) -> Iterator[tuple[str, _Edit]]:
    """(scope, edit) for every node, in source order; scope is the enclosing def or class, dotted."""

    def visit(node: ast.AST, scope: str) -> Iterator[tuple[str, _Edit]]:
        for child in ast.iter_child_nodes(node):
            if _skipped(child, node):
                continue
            inner = scope
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = child.name if scope == "<module>" else f"{scope}.{child.name}"
            for edit in _operators(child, text):  # an edit made at a def (its lookup, its defaults) is in that def
                yield inner, edit
            yield from visit(child, inner)

    yield from (("<module>", edit) for edit in _whole_file(tree, text))
    yield from visit(tree, "<module>")


def _skipped(node: ast.AST, parent: ast.AST) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.JoinedStr)):  # an f-string's parts carry no positions of their own
        return True
    if _is_docstring(node):
        return isinstance(parent, ast.Module)
    return isinstance(node, ast.If) and _is_main_guard(node.test)


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


# The operators: each yields the edits that apply to one node. -------------------------


def _operators(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    # The security operators come first: where one makes the same code as a syntactic
    # operator (401 -> 403, `algorithms=` dropped), the mutant is reported as the mistake it is.
    for security in SECURITY_OPERATORS:
        yield from security(node, text)
    for operator in (_constant, _status_name, _compare, _negation, _bool_op, _delete, _remove_try, _except_class, _drop_keyword, _dict_entry, _return_none):
        yield from operator(node, text)


def _constant(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    if not isinstance(node, ast.Constant):
        return
    value = node.value
    if isinstance(value, bool):
        yield _Edit("constant", node, repr(not value), f"{value} -> {not value}")
    elif isinstance(value, int):
        for other in STATUS_SWAPS.get(value, (_other_number(value),)):
            yield _Edit("status-code" if value in STATUS_SWAPS else "constant", node, str(other), f"{value} -> {other}")
    elif isinstance(value, str):
        quote = "'" if text.segment(node).startswith("'") else '"'  # the reference's own quotes
        for swapped in STRING_SWAPS.get(value, ()):
            yield _Edit("string", node, f"{quote}{swapped}{quote}", f'"{value}" -> "{swapped}"')


def _other_number(value: int) -> int:
    """A number a slip gives instead: 0 <-> 1, a digit too few (30 -> 3), one more (2 -> 3)."""
    if value in (0, 1):
        return 1 - value
    return value // 10 if value >= 10 else value + 1


def _status_name(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    match = _STATUS_NAME.fullmatch(name)
    if not match or int(match.group(1)) not in STATUS_SWAPS:
        return
    for other in STATUS_SWAPS[int(match.group(1))]:
        new = STATUS_NAMES[other]
        if isinstance(node, ast.Attribute):
            yield _Edit("status-code", node, f"{text.segment(node.value)}.{new}", f"{name} -> {new}")
        else:
            yield _Edit("status-code", node, new, f"{name} -> {new}")


_FLIPPED: dict[type, str] = {
    ast.Eq: "!=",
    ast.NotEq: "==",
    ast.Lt: ">=",
    ast.GtE: "<",
    ast.Gt: "<=",
    ast.LtE: ">",
    ast.Is: "is not",
    ast.IsNot: "is",
    ast.In: "not in",
    ast.NotIn: "in",
}
_BOUNDARY: dict[type, str] = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">"}
_SYMBOL: dict[type, str] = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}


def _compare(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`a == b` -> `a != b`, `in` -> `not in`, `<` -> `>=` and `<` -> `<=` (single comparisons)."""
    if not isinstance(node, ast.Compare) or len(node.ops) != 1 or _is_main_guard(node):
        return
    op = type(node.ops[0])
    left, right = text.segment(node.left), text.segment(node.comparators[0])
    for new in (_FLIPPED[op], _BOUNDARY.get(op)):
        if new is not None:
            yield _Edit("compare", node, f"{left} {new} {right}", f"`{_SYMBOL[op]}` -> `{new}`")


def _negation(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`not x` -> `x`; a condition `x` of an if, while, assert or ternary -> `not (x)`."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield _Edit("condition", node, f"({text.segment(node.operand)})", "`not` removed")
    if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)) and not isinstance(node.test, ast.UnaryOp):
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _FLIPPED:
            return  # flipping the comparison is the same mutant
        yield _Edit("condition", test, f"not ({text.segment(test)})", "condition negated (`not` added)")


def _bool_op(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    if isinstance(node, ast.BoolOp):
        new, old = ("or", "and") if isinstance(node.op, ast.And) else ("and", "or")
        yield _Edit("condition", node, f" {new} ".join(f"({text.segment(v)})" for v in node.values), f"`{old}` -> `{new}`")


def _delete(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """A statement replaced with `pass` (not a def or class: their statements are deleted one by one)."""
    if not isinstance(node, ast.stmt) or isinstance(node, (ast.Pass, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return
    if _is_docstring(node):
        return
    first = text.segment(node).splitlines()[0].strip()
    yield _Edit("delete", node, "pass", f"deleted `{_short(first)}`")


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _remove_try(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`try: body except ...: ...` -> body (and its else and finally), the handlers gone."""
    if not isinstance(node, ast.Try) or not node.handlers:
        return
    kept = [*node.body, *node.orelse, *node.finalbody]
    column = node.col_offset
    lines = []
    for stmt in kept:
        block = text.data.splitlines(keepends=True)[stmt.lineno - 1 : stmt.end_lineno]
        lines.append(textwrap.dedent(b"".join(block).decode("utf-8")))
    body = textwrap.indent("".join(lines), " " * column).rstrip("\n")[column:]
    yield _Edit("remove-try", node, body, "`try` removed: body kept, handlers gone")


def _except_class(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`except A` -> `except ArithmeticError` (catches nothing relevant); `Exception` narrowed;
    one class dropped from a tuple."""
    if not isinstance(node, ast.ExceptHandler) or node.type is None:
        return
    kind = node.type
    if isinstance(kind, ast.Tuple):
        for index, element in enumerate(kind.elts):
            rest = [text.segment(e) for i, e in enumerate(kind.elts) if i != index]
            yield _Edit("except", kind, rest[0] if len(rest) == 1 else f"({', '.join(rest)})", f"`{text.segment(element)}` no longer caught")
        return
    name = text.segment(kind)
    if name in BROAD_EXCEPTIONS:
        yield _Edit("except", kind, BROAD_EXCEPTIONS[name], f"`except {name}` narrowed to `{BROAD_EXCEPTIONS[name]}`")
    yield _Edit("except", kind, UNRELATED_EXCEPTION, f"`except {name}` -> `except {UNRELATED_EXCEPTION}`")


def _drop_keyword(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    if not isinstance(node, ast.Call):
        return
    arguments: list[ast.AST] = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))  # type: ignore[attr-defined]
    callee = _short(text.segment(node.func), 30)
    for keyword in node.keywords:
        if keyword.arg is not None:
            start, end = _list_item_span(keyword, keyword, arguments)
            yield _Edit("drop-keyword", keyword, "", f"dropped `{keyword.arg}=` from `{callee}(…)`", start, end)


def _dict_entry(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    if not isinstance(node, ast.Dict):
        return
    entries = [(k, v) for k, v in zip(node.keys, node.values) if k is not None]
    items: list[ast.AST] = [k if k is not None else v for k, v in zip(node.keys, node.values)]
    for key, value in entries:
        start, end = _list_item_span(key, value, items, list(node.values))
        yield _Edit("dict-entry", node, "", f"removed the entry `{_short(text.segment(key), 30)}` from a dict", start, end)


def _list_item_span(first: ast.AST, last: ast.AST, items: list[ast.AST], ends: list[ast.AST] | None = None) -> tuple[tuple[int, int], tuple[int, int]]:
    """The span that removes one item of a comma-separated list, with one comma.

    `first`/`last` are the item's first and last node (a dict entry's key and value);
    `items` every item's first node in order, `ends` every item's last node (default: `items`).
    """
    ends = ends or items
    index = next(i for i, item in enumerate(items) if item is first)
    begin = (first.lineno, first.col_offset)  # type: ignore[attr-defined]
    if index + 1 < len(items):  # up to the next item: the comma and spacing go with it
        following = items[index + 1]
        return begin, (following.lineno, following.col_offset)  # type: ignore[attr-defined]
    stop = (last.end_lineno, last.end_col_offset)  # type: ignore[attr-defined]
    if index > 0:  # the last item: from the end of the one before
        before = ends[index - 1]
        return (before.end_lineno, before.end_col_offset), stop  # type: ignore[attr-defined]
    return begin, stop


def _return_none(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    if isinstance(node, ast.Return) and node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
        yield _Edit("return-none", node.value, "None", f"`return {_short(text.segment(node.value), 40)}` -> `return None`")


# The security family: the mistakes people make with authentication. -------------------
#
# Each applies wherever the reference has the shape it looks for, in any of the spellings
# the contract accepts (passlib's CryptContext, pwdlib's PasswordHash, bcrypt's own
# hashpw/checkpw; python-jose or PyJWT), and makes nothing where it has not.

SECURITY = "security"
SYNTAX = "syntax"
_HASH_CALLS = {"hash", "hashpw", "hash_password", "get_password_hash"}
_VERIFY_CALLS = {"verify", "checkpw", "verify_password"}
_NOT_PASSWORDS = {"jwt", "jws", "jose", "hashlib"}  # `.hash`/`.verify` on these are not password hashing
_LIFETIME_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
_LIFETIME_NAME = re.compile(r"(EXPIRE|EXPIRY|MINUTES|HOURS|DAYS|SECONDS|LIFETIME|TTL)", re.IGNORECASE)
_TOKEN_ERRORS = re.compile(r"JWT|Token|Signature|Decode|Expired", re.IGNORECASE)  # what a failed decode raises
STRETCH = 1000


def family(operator: str) -> str:
    return SECURITY if operator in SECURITY_OPERATOR_NAMES else SYNTAX


def _callee(call: ast.Call) -> tuple[str, str]:
    """(the object's name, the function's name) of `obj.func(...)` or `func(...)`."""
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
        return name, func.attr
    return "", func.id if isinstance(func, ast.Name) else ""


def _password_call(node: ast.AST, names: set[str], arity: int) -> bool:
    """A call of one of `names` with at least `arity` positional arguments (the password first),
    on an object that hashes passwords: `pwd.hash(p)`, `bcrypt.checkpw(p, h)`, `verify_password(p, h)`."""
    if not isinstance(node, ast.Call) or len(node.args) < arity:
        return False
    owner, name = _callee(node)
    return name in names and owner.lower() not in _NOT_PASSWORDS


def _plain_hash(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`pwd.hash(p)` / `bcrypt.hashpw(p, salt)` -> `p`: the password stored as it came."""
    if _password_call(node, _HASH_CALLS, 1):
        password = text.segment(node.args[0])  # type: ignore[attr-defined]
        yield _Edit("plain-hash", node, password, f"`{_short(text.segment(node), 40)}` -> `{_short(password, 30)}`: the password stored in plain text")


def _plain_verify(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`pwd.verify(p, h)` / `bcrypt.checkpw(p, h)` -> `p == h`: the password compared as text, no hash check."""
    if _password_call(node, _VERIFY_CALLS, 2):
        plain, stored = (text.segment(a) for a in node.args[:2])  # type: ignore[attr-defined]
        yield _Edit("plain-verify", node, f"({plain} == {stored})", f"`{_short(text.segment(node), 40)}` -> `==`: no hash check")


def _whole_file(tree: ast.Module, text: _Source) -> Iterator[_Edit]:
    """Every hash call and every verify call made plain at once: the password stored and compared
    as text, the mistake whose app still logs in (issue 18's first hole)."""
    hashes = [n for n in ast.walk(tree) if _password_call(n, _HASH_CALLS, 1) and not _in_main_guard(n, tree)]
    checks = [n for n in ast.walk(tree) if _password_call(n, _VERIFY_CALLS, 2) and not _in_main_guard(n, tree)]
    if not hashes or not checks:
        return
    edits = [edit for node in (*hashes, *checks) for edit in (*_plain_hash(node, text), *_plain_verify(node, text))]
    first, *rest = edits
    also = tuple(((e.node.lineno, e.node.col_offset), (e.node.end_lineno, e.node.end_col_offset), e.replacement) for e in rest)  # type: ignore[attr-defined]
    yield _Edit("plain-password", first.node, first.replacement, "every hash and verify made plain: the password stored and compared in plain text", also=also)


def _in_main_guard(node: ast.AST, tree: ast.Module) -> bool:
    line = node.lineno  # type: ignore[attr-defined]
    return any(isinstance(s, ast.If) and _is_main_guard(s.test) and s.lineno <= line <= (s.end_lineno or 0) for s in tree.body)


def _secret_compare(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`hmac.compare_digest(a, b)` -> `a == b`."""
    if isinstance(node, ast.Call) and _callee(node)[1] == "compare_digest" and len(node.args) == 2:
        a, b = (text.segment(x) for x in node.args)
        yield _Edit("secret-compare", node, f"({a} == {b})", "`compare_digest` -> `==`")


def _drop_exp(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """The `exp` claim dropped from a payload: a token that never expires."""
    if isinstance(node, ast.Dict):
        items: list[ast.AST] = [k if k is not None else v for k, v in zip(node.keys, node.values)]
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and key.value == "exp":
                start, end = _list_item_span(key, value, items, list(node.values))
                yield _Edit("drop-exp", node, "", "dropped `exp` from the payload: the token never expires", start, end)
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and t.slice.value == "exp" for t in node.targets):
        yield _Edit("drop-exp", node, "pass", "dropped `exp` from the payload: the token never expires")


def _long_lifetime(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """A token's lifetime stretched a thousandfold: `timedelta(minutes=N)`, a lifetime constant,
    a `minutes=30` default."""
    stretched = "a token's lifetime stretched a thousandfold"
    if isinstance(node, ast.Call) and _callee(node)[1] == "timedelta":
        amounts = [k.value for k in node.keywords if k.arg in _LIFETIME_UNITS] + node.args[:1]
        for amount in amounts:
            yield _Edit("long-lifetime", amount, f"({text.segment(amount)}) * {STRETCH}", f"`timedelta({_short(text.segment(amount), 20)})` x{STRETCH}: {stretched}")
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id.isupper()
        and _LIFETIME_NAME.search(node.targets[0].id)
        and _is_number(node.value)
    ):
        yield _Edit("long-lifetime", node.value, f"{text.segment(node.value)} * {STRETCH}", f"`{node.targets[0].id}` x{STRETCH}: {stretched}")
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        positional = [*node.args.posonlyargs, *node.args.args]
        pairs = [*zip(positional[len(positional) - len(node.args.defaults) :], node.args.defaults), *zip(node.args.kwonlyargs, node.args.kw_defaults)]
        for arg, default in pairs:
            if default is not None and _LIFETIME_NAME.search(arg.arg) and _is_number(default):
                yield _Edit("long-lifetime", default, f"{text.segment(default)} * {STRETCH}", f"default `{arg.arg}` x{STRETCH}: {stretched}")


def _is_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _is_jwt_decode(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _callee(node) in (("jwt", "decode"), ("jws", "verify"))


def _verify_off(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`jwt.decode(...)` -> `jwt.decode(..., options={"verify_signature": False})` (and `verify_exp`)."""
    if not _is_jwt_decode(node) or any(k.arg == "options" for k in node.keywords):  # type: ignore[attr-defined]
        return
    arguments = [*node.args, *node.keywords]  # type: ignore[attr-defined]
    if not arguments:
        return
    last = max(arguments, key=lambda a: (a.end_lineno, a.end_col_offset))
    at = (last.end_lineno, last.end_col_offset)
    for option in ("verify_signature", "verify_exp"):
        yield _Edit("verify-off", node, f', options={{"{option}": False}}', f"`{option}` switched off in `jwt.decode`", at, at)


def _algorithms(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`algorithms=[...]` dropped, or widened with `"none"` or `"HS512"`."""
    if not isinstance(node, ast.Call):
        return
    arguments: list[ast.AST] = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))  # type: ignore[attr-defined]
    for keyword in node.keywords:
        if keyword.arg != "algorithms":
            continue
        start, end = _list_item_span(keyword, keyword, arguments)
        yield _Edit("algorithms", keyword, "", "dropped `algorithms=`: the token's own header picks the algorithm", start, end)
        if isinstance(keyword.value, ast.List):
            inner = ", ".join(text.segment(e) for e in keyword.value.elts)
            for extra in ("none", "HS512"):
                yield _Edit("algorithms", keyword.value, f'[{inner}, "{extra}"]', f'`algorithms=` widened with "{extra}"')


def _error_detail(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """A failed decode answered with the library's message: `detail=str(e)`, a body per failure."""
    if not isinstance(node, ast.ExceptHandler) or node.type is None or not _TOKEN_ERRORS.search(text.segment(node.type)):
        return
    raises = [s for s in node.body if isinstance(s, ast.Raise) and s.exc is not None]
    if not raises:
        return
    name = node.name or "exc"
    also: tuple[tuple[tuple[int, int], tuple[int, int], str], ...] = ()
    if node.name is None:
        at = (node.type.end_lineno, node.type.end_col_offset)
        also = ((at, at, f" as {name}"),)  # type: ignore[assignment]
    replacement = f'raise HTTPException(status_code=401, detail=str({name}), headers={{"WWW-Authenticate": "Bearer"}}) from None'
    yield _Edit("error-detail", raises[0], replacement, "the exception's own message answered in `detail`", also=also)


def _drop_www_authenticate(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    if not isinstance(node, ast.Call):
        return
    arguments: list[ast.AST] = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))  # type: ignore[attr-defined]
    for keyword in node.keywords:
        if keyword.arg == "headers" and isinstance(keyword.value, ast.Dict) and any(
            isinstance(k, ast.Constant) and str(k.value).lower() == "www-authenticate" for k in keyword.value.keys
        ):
            start, end = _list_item_span(keyword, keyword, arguments)
            yield _Edit("drop-www-authenticate", keyword, "", "dropped the `WWW-Authenticate` header", start, end)


_UNAUTHORIZED_FORBIDDEN = {401: 403, 403: 401}


def _swap_401_403(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    if _is_number(node) and node.value in _UNAUTHORIZED_FORBIDDEN:  # type: ignore[attr-defined]
        other = _UNAUTHORIZED_FORBIDDEN[node.value]  # type: ignore[attr-defined]
        yield _Edit("401-403", node, str(other), f"{node.value} -> {other}")  # type: ignore[attr-defined]
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    match = _STATUS_NAME.fullmatch(name)
    if match and int(match.group(1)) in _UNAUTHORIZED_FORBIDDEN:
        new = STATUS_NAMES[_UNAUTHORIZED_FORBIDDEN[int(match.group(1))]]
        prefix = f"{text.segment(node.value)}." if isinstance(node, ast.Attribute) else ""
        yield _Edit("401-403", node, prefix + new, f"{name} -> {new}")


def _role_from_request(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """A function taking a request model `body` that works out a role itself -> the role the
    request asks for (`body.role`, the field added to the model where it has none)."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return
    models = {c.name: c for c in text.tree.body if isinstance(c, ast.ClassDef) and any(text.segment(b).endswith("BaseModel") for b in c.bases)}
    for arg in node.args.args:
        model = models.get(arg.annotation.id) if isinstance(arg.annotation, ast.Name) else None
        if model is None:
            continue
        asked = f"{arg.arg}.role"
        also: tuple[tuple[tuple[int, int], tuple[int, int], str], ...] = ()
        if not any(isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.target.id == "role" for s in model.body):
            last = model.body[-1]
            at = (last.end_lineno, last.end_col_offset)
            also = ((at, at, f'\n{" " * last.col_offset}role: str = "user"'),)  # type: ignore[assignment]
        for value in _role_values(node):
            if text.segment(value) != asked:
                yield _Edit("role-from-request", value, asked, f"the role taken from the request (`{asked}`)", also=also)


def _role_values(function: ast.AST) -> Iterator[ast.expr]:
    for inner in ast.walk(function):
        if isinstance(inner, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "role" for t in inner.targets):
            yield inner.value
        if isinstance(inner, ast.Dict):
            for key, value in zip(inner.keys, inner.values):
                if isinstance(key, ast.Constant) and key.value == "role" and not isinstance(value, ast.Name):
                    yield value


def _skip_lookup(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """In a function that decodes a token, `user = users.get(sub)` -> a user made from the token's `sub`."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not any(_is_jwt_decode(n) for n in ast.walk(node)):
        return
    for inner in ast.walk(node):
        if not isinstance(inner, ast.Assign) or not isinstance(inner.value, ast.Call):
            continue
        owner, name = _callee(inner.value)
        if name == "get" and "users" in owner.lower() and inner.value.args:
            sub = text.segment(inner.value.args[0])
            yield _Edit("skip-lookup", inner.value, f'{{"username": {sub}, "email": {sub}, "role": "user"}}', "no user lookup: the token's `sub` taken as the user")


def _drop_raise(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    """`raise HTTPException(...)` -> `HTTPException(...)`: built, never raised."""
    if isinstance(node, ast.Raise) and node.exc is not None:
        yield _Edit("drop-raise", node, text.segment(node.exc), f"`raise` dropped: `{_short(text.segment(node.exc), 40)}` built, never raised")


def _drop_await(node: ast.AST, text: _Source) -> Iterator[_Edit]:
    if isinstance(node, ast.Await):
        yield _Edit("drop-await", node, f"({text.segment(node.value)})", f"`await` dropped before `{_short(text.segment(node.value), 40)}`")


SECURITY_OPERATORS = (
    _plain_hash,
    _plain_verify,
    _secret_compare,
    _drop_exp,
    _long_lifetime,
    _verify_off,
    _algorithms,
    _error_detail,
    _drop_www_authenticate,
    _swap_401_403,
    _role_from_request,
    _skip_lookup,
    _drop_raise,
    _drop_await,
)
SECURITY_OPERATOR_NAMES = frozenset(
    {"plain-password", "plain-hash", "plain-verify", "secret-compare", "drop-exp", "long-lifetime", "verify-off", "algorithms", "error-detail",
     "drop-www-authenticate", "401-403", "role-from-request", "skip-lookup", "drop-raise", "drop-await"}
)
