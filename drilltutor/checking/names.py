""""Did you mean": the learner's own module-level name that is most likely the one a check looked for."""

from __future__ import annotations

import ast
import difflib


def own_names(source: str) -> list[str]:
    """The names the file itself defines at the top level (assignments, functions, classes), in order; not imports."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(found))


def did_you_mean(wanted: str, source: str) -> str | None:
    """`pwd_context` for `pwd`, `Secret` for `SECRET`, `get_curent_user` for `get_current_user`; None when nothing is close."""
    names = [n for n in own_names(source) if n != wanted]
    folded = [n for n in names if n.lower() == wanted.lower()]
    if folded:
        return folded[0]
    # the wanted name with a word added or taken away at its end: pwd_context, SECRET_KEY, user_db for users is not one
    parts = [n for n in names if n.lower().startswith(wanted.lower() + "_") or wanted.lower().startswith(n.lower() + "_")]
    if parts:
        return parts[0]
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.7)  # 0.6 offered get_user for users
    return close[0] if close else None
