"""Is a submitted file the learner's work? A static look at its source, before it runs.

A file is not the learner's work when it is a drill's bundled reference or alternative
(the same syntax tree once comments, docstrings and layout are set aside), or when its code
reaches for one: it imports drilltutor or a reference by name, names the drills folder, a
drill's folder or a solution/alternative file, or loads code it finds on the disk at run time
(exec, runpy, importlib on a path found through the installed packages' locations).

What a static look cannot see: a name or path built at run time in a way that leaves no
constant to read (base64, chr() arithmetic, a value read from the environment or the network),
and a reference copied with its names changed. The run as an unprivileged user (`grade` as
root) still lets the learner's code read what that user can read: the bundled drills are part
of drilltutor's installation, which must stay readable for the checks to run.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from drilltutor import paths
from drilltutor.catalogue import Catalogue, Drill
from drilltutor.errors import DrilltutorError
from drilltutor.variants import load_variants

# Built-ins that run code or import a module named at run time, and the library calls that do.
_BUILTIN_LOADERS = frozenset({"exec", "eval", "compile", "__import__"})
_LOADERS = frozenset({"run_path", "run_module", "import_module", "spec_from_file_location", "SourceFileLoader", "exec_module", "load_module"})
# Modules and attributes through which code finds installed files on the disk at run time.
_FINDER_MODULES = frozenset({"glob", "pkgutil", "sysconfig", "site", "importlib.metadata", "importlib.resources", "importlib_metadata", "importlib_resources"})
_FINDERS = frozenset({"prefix", "base_prefix", "exec_prefix", "getsitepackages", "getusersitepackages", "walk", "scandir", "listdir", "iterdir", "glob", "rglob", "find_spec"})
_REFERENCE_FILE = re.compile(r"(^|[/\\.])(solution|alternatives)($|[/\\.])")
_REFERENCE_MODULES = frozenset({"solution", "alternatives", "_drills", "_kits"})


@dataclass(frozen=True)
class _Bundled:
    label: str  # "drill-1's reference (solution.py)"
    shape: str  # the normalised syntax tree


def shape(source: str) -> str | None:
    """The syntax tree with docstrings, comments and layout gone; None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and _docstring(node) is not None:
            node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def _docstring(node: ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Expr | None:
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first
    return None


class References:
    """Every bundled reference and alternative of a catalogue, and the names that point at them."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.bundled = [b for drill in catalogue.drills for b in _bundled(drill)]
        self.folders = {
            catalogue.folder.resolve(): "the drills folder",
            paths.bundled_drills_dir().resolve(): "the drills folder",
            Path(paths.__file__).resolve().parent: "drilltutor's installation",
        }
        self.folder_names = {drill.folder.name.lower() for drill in catalogue.drills}

    def verdict(self, source: str) -> str | None:
        """Why `source` is not the learner's work, or None when nothing says so."""
        found = shape(source)
        if found is None:
            return None  # the run says what is wrong with it
        for bundled in self.bundled:
            if bundled.shape == found:
                return f"This file is {bundled.label}, with at most its comments, docstrings or layout changed: the reference is not your work."
        reason = self._reaches(ast.parse(source))
        if reason is not None:
            return f"This file {reason}: code that imports or runs a drill's reference is not your work."
        return None

    def _reaches(self, tree: ast.Module) -> str | None:
        docstrings = {id(d.value) for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) if (d := _docstring(n)) is not None}
        loads = finds = False
        for node in ast.walk(tree):
            for module in _imported(node):
                parts = module.lower().split(".")
                if parts[0] == "drilltutor":
                    return f"imports drilltutor ({module})"
                if _REFERENCE_MODULES & set(parts):
                    return f"imports {module}"
            text = _constant_text(node)
            if text is not None and id(node) not in docstrings:
                said = self._names_reference(text)
                if said is not None:
                    return f"names {said} ({text[:80]!r})"
            # a loader reached by another name (getattr(builtins, "ex" + "ec"), import_module as im) still loads
            loads = loads or _loads(node) or text in _BUILTIN_LOADERS | _LOADERS or any(m.split(".")[-1] in _LOADERS or m == "runpy" for m in _imported(node))
            finds = finds or _finds(node)
            if isinstance(node, (ast.Name, ast.Attribute)) and "drilltutor" in (_name_of(node) or "").lower():
                return "names drilltutor"
        if loads and finds:
            return "loads code from a file it finds on the disk at run time (exec, runpy or importlib on a path built from the installed packages' locations)"
        return None

    def _names_reference(self, text: str) -> str | None:
        lowered = text.lower()
        if "drilltutor" in lowered:
            return "drilltutor"
        for folder, label in self.folders.items():
            if str(folder).lower() in lowered:
                return label
        for name in self.folder_names:
            if name in lowered:
                return f"the drill folder {name}"
        if _REFERENCE_FILE.search(lowered) and ("/" in lowered or "\\" in lowered or lowered.endswith((".py", ".toml")) or lowered in ("solution", "alternatives")):
            return "a reference file"
        return None


def _bundled(drill: Drill) -> Iterator[_Bundled]:
    yield from _shaped(f"{drill.id}'s reference (solution.py)", drill.solution_path.read_text(encoding="utf-8"))
    for path in sorted((drill.folder / "alternatives").glob("*.py")):
        yield from _shaped(f"{drill.id}'s alternative {path.name}", path.read_text(encoding="utf-8"))
    try:
        variants = load_variants(drill.alternatives_file, "alternative", drill.solution_path)
        for variant in variants:
            yield from _shaped(f"{drill.id}'s alternative {variant.name}", variant.source())
    except DrilltutorError:  # a stale alternatives.toml is `dev check`'s to report, not a grade's
        return


def _shaped(label: str, source: str) -> Iterator[_Bundled]:
    found = shape(source)
    if found is not None:
        yield _Bundled(label, found)


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return []


def _constant_text(node: ast.AST) -> str | None:
    """The text of a string constant, or of constants joined with + (the spelling "solu" + "tion.py")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return node.value if isinstance(node.value, str) else node.value.decode("latin-1")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant_text(node.left), _constant_text(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join" and node.args:
        parts = node.args[0]
        if isinstance(parts, (ast.List, ast.Tuple)):
            texts = [_constant_text(e) for e in parts.elts]
            separator = _constant_text(node.func.value) or "/"
            return separator.join(t for t in texts if t is not None)
    return None


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _loads(node: ast.AST) -> bool:
    """A call that runs code, or imports a module, that no constant of the source names."""
    if not isinstance(node, ast.Call) or all(isinstance(a, ast.Constant) for a in [*node.args, *(k.value for k in node.keywords)]):
        return False
    if isinstance(node.func, ast.Name):
        return node.func.id in _BUILTIN_LOADERS | _LOADERS
    return isinstance(node.func, ast.Attribute) and node.func.attr in _LOADERS


def _finds(node: ast.AST) -> bool:
    """A look for installed files: a module that lists them, a walk of folders, another module's `__file__`."""
    if any(m in _FINDER_MODULES or m.split(".")[0] in _FINDER_MODULES for m in _imported(node)):
        return True
    if isinstance(node, ast.Attribute):
        return node.attr in _FINDERS or node.attr == "__file__"
    return False
