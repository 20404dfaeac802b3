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
