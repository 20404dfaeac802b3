"""The common slips named in their own words: the exception's own line, "did you mean", the pip line."""

from __future__ import annotations

import pytest

from drilltutor.checking.names import did_you_mean, own_names
from drilltutor.checking.trace import one_line

SOURCE = """
from passlib.context import CryptContext
import os
pwd_context = CryptContext(schemes=["bcrypt"])
Secret: str = os.environ["SECRET_KEY"]
def get_curent_user(token): ...
class UserModel: ...
"""


def test_own_names_are_what_the_file_defines_not_what_it_imports() -> None:
    assert own_names(SOURCE) == ["pwd_context", "Secret", "get_curent_user", "UserModel"]
    assert own_names("def broken(:\n") == []


@pytest.mark.parametrize(
    ("wanted", "near"), [("pwd", "pwd_context"), ("SECRET", "Secret"), ("get_current_user", "get_curent_user"), ("app", None), ("users", None), ("user", None)]
)
def test_did_you_mean(wanted: str, near: str | None) -> None:
    assert did_you_mean(wanted, SOURCE) == near


def _raised(source: str) -> BaseException:
    try:
        exec(source, {})
    except Exception as exc:  # noqa: BLE001  (the slip under test raises whatever it raises)
        return exc
    raise AssertionError("did not raise")


def test_one_line_is_the_exception_line_not_pydantics_help_url() -> None:
    exc = _raised("from pydantic import BaseModel\nclass U(BaseModel):\n    n: int\nU(n='x')\n")
    line = one_line(exc)
    assert line.startswith("ValidationError: 1 validation error for U · n · Input should be a valid integer") and "errors.pydantic.dev" not in line


def test_one_line_adds_the_pip_line_for_a_known_missing_package() -> None:
    assert one_line(ModuleNotFoundError("No module named 'jose'", name="jose")) == (
        "ModuleNotFoundError: No module named 'jose' (install it: pip install 'python-jose[cryptography]')"
    )
    wrapped = _raised("try:\n    raise ModuleNotFoundError('x', name='email_validator')\nexcept ImportError as e:\n    raise ImportError('email-validator is not installed, run `pip install pydantic[email]`') from e\n")
    assert one_line(wrapped) == "ImportError: email-validator is not installed, run `pip install pydantic[email]`"  # it says so itself
    assert one_line(ModuleNotFoundError("No module named 'nope'", name="nope")) == "ModuleNotFoundError: No module named 'nope'"


def test_one_line_of_plain_errors() -> None:
    assert one_line(ValueError()) == "ValueError"
    assert one_line(KeyError("x")) == "KeyError: 'x'"
    assert one_line(_raised("compile('def f(:', 'f.py', 'exec')")).startswith("SyntaxError: ")
