"""Checks compiled ahead (in a zygote) are used only for the text they were compiled from."""

from __future__ import annotations

from pathlib import Path

from drilltutor.checking import compiled


def test_code_compiled_ahead_is_used_only_while_the_file_reads_the_same(tmp_path: Path) -> None:
    checks = tmp_path / "drill" / "checks.py"
    checks.parent.mkdir()
    checks.write_text("X = 1\n", encoding="utf-8")
    compiled.compile_ahead([str(checks)])
    assert compiled.code_of(str(checks)) is compiled.code_of(str(checks))  # the same code object: compiled once
    checks.write_text("X = 2\n", encoding="utf-8")
    namespace: dict[str, object] = {}
    exec(compiled.code_of(str(checks)), namespace)
    assert namespace["X"] == 2


def test_a_checks_file_that_does_not_compile_is_left_to_the_run(tmp_path: Path) -> None:
    checks = tmp_path / "drill" / "checks.py"
    checks.parent.mkdir()
    checks.write_text("def broken(:\n", encoding="utf-8")
    compiled.compile_ahead([str(checks), str(tmp_path / "gone" / "checks.py")])  # neither stops the zygote
    try:
        compiled.code_of(str(checks))
    except SyntaxError as error:
        assert error.filename == str(checks)  # the run reports it as it would without the cache
    else:
        raise AssertionError("a file that does not compile compiled")
