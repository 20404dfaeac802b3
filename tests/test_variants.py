"""Mistakes stated as their change to the reference: applied exactly, or refused loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from drilltutor.errors import DrilltutorError
from drilltutor.variants import load_variants


def _write(folder: Path, toml: str, base: str = "a = 1\nb = 2\n") -> Path:
    (folder / "solution.py").write_text(base, encoding="utf-8")
    path = folder / "mistakes.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def test_a_change_replaces_its_one_place(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[mistake]]\nname = "m"\nwhy = "w"\nexpect = ["c"]\n[[mistake.change]]\nreplace = "b = 2"\nwith = "b = 3"\n')
    (variant,) = load_variants(path, "mistake", tmp_path / "solution.py")
    assert (variant.name, variant.expect, variant.source()) == ("m", ("c",), "a = 1\nb = 3\n")


@pytest.mark.parametrize(("base", "said"), [("a = 1\n", "no longer in"), ("b = 2\nb = 2\n", "stands 2 times")])
def test_a_change_that_no_longer_applies_is_refused_by_name(tmp_path: Path, base: str, said: str) -> None:
    path = _write(tmp_path, '[[mistake]]\nname = "stale"\nexpect = ["c"]\n[[mistake.change]]\nreplace = "b = 2"\nwith = "b = 3"\n', base)
    (variant,) = load_variants(path, "mistake", tmp_path / "solution.py")
    with pytest.raises(DrilltutorError, match=f"'stale'.*{said}"):
        variant.source()


@pytest.mark.parametrize("toml", ['[[mistake]]\nexpect = ["c"]\n[[mistake.change]]\nreplace = "a"\nwith = "b"\n', '[[mistake]]\nname = "m"\n', "[[mistake"])
def test_a_malformed_file_is_named(tmp_path: Path, toml: str) -> None:
    with pytest.raises(DrilltutorError, match="Malformed drill"):
        load_variants(_write(tmp_path, toml), "mistake", tmp_path / "solution.py")


def test_a_base_in_another_folder_is_changed_and_a_missing_one_is_named(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "app.py").write_text("role = body.role\n", encoding="utf-8")
    (tmp_path / "exercise").mkdir()
    entry = '[[alternative]]\nname = "{0}"\nbase = "../project/{0}.py"\n[[alternative.change]]\nreplace = "body.role"\nwith = "\'user\'"\n'
    path = _write(tmp_path / "exercise", entry.format("app"))
    (variant,) = load_variants(path, "alternative", tmp_path / "exercise" / "solution.py")
    assert variant.source() == "role = 'user'\n"
    with pytest.raises(DrilltutorError, match="'gone' changes .*gone.py, which is not a file"):
        load_variants(_write(tmp_path / "exercise", entry.format("gone")), "alternative", tmp_path / "exercise" / "solution.py")


def test_a_base_may_name_a_variant_stated_as_changes(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text("a = 1\nb = 2\n", encoding="utf-8")
    (tmp_path / "alternatives.toml").write_text('[[alternative]]\nname = "alt"\n[[alternative.change]]\nreplace = "a = 1"\nwith = "a = 5"\n', encoding="utf-8")
    path = tmp_path / "mistakes.toml"
    path.write_text('[[mistake]]\nname = "m"\nbase = "alternatives.toml#alt"\nexpect = ["c"]\n[[mistake.change]]\nreplace = "b = 2"\nwith = "b = 3"\n', encoding="utf-8")
    (variant,) = load_variants(path, "mistake", tmp_path / "solution.py")
    assert variant.source() == "a = 5\nb = 3\n"


def test_a_base_naming_no_such_variant_is_refused(tmp_path: Path) -> None:
    (tmp_path / "alternatives.toml").write_text('[[alternative]]\nname = "alt"\n[[alternative.change]]\nreplace = "a"\nwith = "b"\n', encoding="utf-8")
    path = _write(tmp_path, '[[mistake]]\nname = "m"\nbase = "alternatives.toml#gone"\n[[mistake.change]]\nreplace = "b = 2"\nwith = "b = 3"\n')
    with pytest.raises(DrilltutorError, match="no \\[\\[alternative\\]\\] named 'gone'"):
        load_variants(path, "mistake", tmp_path / "solution.py")


def _alternative(name: str, replace: str, with_: str, base: str | None = None) -> str:
    based = f'base = "{base}"\n' if base else ""
    return f'[[alternative]]\nname = "{name}"\n{based}[[alternative.change]]\nreplace = "{replace}"\nwith = "{with_}"\n'


def test_a_chain_of_variant_bases_is_followed_to_its_file(tmp_path: Path) -> None:
    # exercise's mistake -> exercise's alternative -> project's alternative -> project's solution.py
    for folder in ("project", "exercise"):
        (tmp_path / folder).mkdir()
    (tmp_path / "project" / "solution.py").write_text("a = 1\nb = 2\nc = 3\n", encoding="utf-8")
    (tmp_path / "project" / "alternatives.toml").write_text(_alternative("p", "a = 1", "a = 5"), encoding="utf-8")
    (tmp_path / "exercise" / "alternatives.toml").write_text(_alternative("e", "b = 2", "b = 6", "../project/alternatives.toml#p"), encoding="utf-8")
    path = _write(tmp_path / "exercise", '[[mistake]]\nname = "m"\nbase = "alternatives.toml#e"\nexpect = ["c"]\n[[mistake.change]]\nreplace = "c = 3"\nwith = "c = 7"\n')
    (variant,) = load_variants(path, "mistake", tmp_path / "exercise" / "solution.py")
    assert variant.source() == "a = 5\nb = 6\nc = 7\n"


def test_a_variant_may_change_another_of_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text("a = 1\nb = 2\n", encoding="utf-8")
    path = tmp_path / "alternatives.toml"
    path.write_text(_alternative("second", "b = 2", "b = 6", "alternatives.toml#first") + _alternative("first", "a = 1", "a = 5"), encoding="utf-8")
    second, first = load_variants(path, "alternative", tmp_path / "solution.py")
    assert (first.source(), second.source()) == ("a = 5\nb = 2\n", "a = 5\nb = 6\n")


def test_a_chain_of_bases_that_comes_back_to_itself_is_refused(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text("a = 1\n", encoding="utf-8")
    path = tmp_path / "alternatives.toml"
    path.write_text(_alternative("x", "a", "b", "alternatives.toml#y") + _alternative("y", "b", "c", "alternatives.toml#x"), encoding="utf-8")
    with pytest.raises(DrilltutorError, match="comes back to itself"):
        load_variants(path, "alternative", tmp_path / "solution.py")
