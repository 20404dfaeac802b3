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


class _Source:
    """The reference's text, addressed the way `ast` addresses it: lines from 1, columns in UTF-8 bytes."""

    def __init__(self, text: str) -> None:
        self.text = text
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

    def splice(self, start: int, end: int, replacement: str) -> str:
        return (self.data[:start] + replacement.encode("utf-8") + self.data[end:]).decode("utf-8")


def generate(source: str) -> list[Mutant]:
    """Every mutant of `source`, one change each, without duplicates, in the order of the file.

    Left out: the module docstring, `if __name__ == "__main__":` blocks (never run when the
    file is imported), imports (deleting one only crashes), and mutants whose code is the
    same as the reference's or as an earlier mutant's (compared as syntax trees).
    """
    text = _Source(source)
    tree = ast.parse(source)
    seen = {ast.dump(tree)}
    mutants: list[Mutant] = []
    occurrences: Counter[tuple[str, str, str, str]] = Counter()
    for scope, edit in _edits(tree, text):
        start, end = text.span(edit)
        original = text.data[start:end].decode("utf-8")
        mutated = text.splice(start, end, edit.replacement)
        try:
            shape = ast.dump(ast.parse(mutated))
        except SyntaxError:  # an operator that cannot apply here (a bug worth knowing about, not a mutant)
            continue
        key = (edit.operator, scope, _normal(original), _normal(edit.replacement))
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
            for edit in _operators(child, text):
                yield scope, edit
            inner = scope
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = child.name if scope == "<module>" else f"{scope}.{child.name}"
            yield from visit(child, inner)

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
