"""`doctor`: it makes each library do its job once, names broken pairs with the fix, and exits 1 when broken.

Broken environments are built for real: a folder on PYTHONPATH holding a stand-in
package and its distribution metadata, so `doctor` runs exactly as it would for a learner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drilltutor.commands import doctor as doctor_module
from drilltutor.commands.doctor import check_progress, check_secret, check_workspace, installed
from tests.loop_support import Invoke, cli, drills, workspace  # noqa: F401

OLD_PASSLIB = '''
class CryptContext:
    def __init__(self, **settings):
        pass

    def hash(self, secret):
        # what passlib 1.7.4 raises when its bcrypt self-test meets bcrypt 5
        raise ValueError("password cannot be longer than 72 bytes, truncate manually if necessary (e.g. my_password[:72])")
'''

OLD_JOSE = '''
import jwt as _pyjwt


class jwt:
    encode = staticmethod(_pyjwt.encode)
    decode = staticmethod(_pyjwt.decode)
'''


def fake_distribution(root: Path, name: str, version: str, module: str, files: dict[str, str]) -> None:
    package = root / module
    package.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        (package / relative).write_text(text)
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "top_level.txt").write_text(module + "\n")


def run_doctor(extra_path: Path | None, workspace: Path, env: dict[str, str] | None = None) -> tuple[int, dict]:
    environ = {**os.environ, **(env or {})}
    if extra_path is not None:
        environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(extra_path), environ.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "drilltutor", "doctor", "--json"], cwd=workspace, env=environ, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def by_topic(report: dict, topic: str) -> list[dict]:
    return [f for f in report["findings"] if f["topic"] == topic]


def test_this_environment_is_healthy_and_every_library_was_exercised(drills: Path, workspace: Path) -> None:
    code, report = run_doctor(None, workspace)
    assert code == 0 and report["broken"] is False
    hashing = " ".join(f["message"] for f in by_topic(report, "hashing"))
    assert "hashed and verified" in hashing and "pwdlib" in hashing
    assert "PasswordHash.recommended() (Argon2) hashed and verified" in hashing
    assert all("signed and read" in f["message"] for f in by_topic(report, "jwt"))
    assert {"python", "hashing", "jwt", "web", "secret", "progress", "drills", "workspace"} <= {f["topic"] for f in report["findings"]}


def test_a_passlib_that_cannot_hash_with_bcrypt_is_named_with_the_fix(drills: Path, workspace: Path, tmp_path: Path) -> None:
    fake = tmp_path / "site"
    fake_distribution(fake, "passlib", "1.7.4", "passlib", {"__init__.py": "", "context.py": OLD_PASSLIB})
    code, report = run_doctor(fake, workspace)
    assert code == 1 and report["broken"] is True
    broken = [f for f in by_topic(report, "hashing") if f["status"] == "broken"]
    assert len(broken) == 1
    assert "passlib 1.7.4" in broken[0]["message"] and "bcrypt" in broken[0]["message"] and "72 bytes" in broken[0]["message"]
    assert "pip install libpass" in broken[0]["fix"]


def test_pwdlib_without_its_argon2_backend_is_broken_with_the_install_line(drills: Path, workspace: Path, tmp_path: Path) -> None:
    # FastAPI's tutorial calls PasswordHash.recommended(), which raises HasherNotAvailable without argon2-cffi.
    fake = tmp_path / "site"
    fake_distribution(fake, "argon2-cffi", "25.1.0", "argon2", {"__init__.py": "raise ImportError('argon2-cffi is not installed')\n"})
    code, report = run_doctor(fake, workspace)
    broken = [f for f in by_topic(report, "hashing") if f["status"] == "broken"]
    assert code == 1 and len(broken) == 1
    assert "PasswordHash.recommended()" in broken[0]["message"] and "HasherNotAvailable" in broken[0]["message"]
    assert broken[0]["fix"] == "pip install 'pwdlib[argon2,bcrypt]'"


def test_python_jose_before_3_4_is_flagged_with_both_cves(drills: Path, workspace: Path, tmp_path: Path) -> None:
    fake = tmp_path / "site"
    fake_distribution(fake, "python-jose", "3.3.0", "jose", {"__init__.py": OLD_JOSE})
    code, report = run_doctor(fake, workspace)
    jose = next(f for f in by_topic(report, "jwt") if "python-jose" in f["message"])
    assert jose["status"] == "warn" and "CVE-2024-33663" in jose["message"] and "CVE-2024-33664" in jose["message"]
    assert ">=3.4" in jose["fix"] and code == 0


def test_a_jwt_module_that_is_not_pyjwt_is_broken(drills: Path, workspace: Path, tmp_path: Path) -> None:
    fake = tmp_path / "site"
    fake_distribution(fake, "jwt", "1.3.1", "jwt", {"__init__.py": "class JWT:\n    pass\n"})
    code, report = run_doctor(fake, workspace)
    wrong = next(f for f in by_topic(report, "jwt") if f["status"] == "broken")
    assert code == 1 and "not PyJWT" in wrong["message"] and "pip install PyJWT" in wrong["fix"]


def test_secret_key_is_advice_only_and_its_value_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert check_secret().status == "info"
    monkeypatch.setenv("SECRET_KEY", "hunter2")
    short = check_secret()
    assert short.status == "warn" and "hunter2" not in short.message + short.fix
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    assert check_secret().status == "ok"


def test_progress_says_where_it_lives_and_whether_it_reads(_isolated_home: Path) -> None:
    assert check_progress().status == "ok" and str(_isolated_home) in check_progress().message
    (_isolated_home / "progress.json").write_text('{"schema": 99, "drills": {}}')
    newer = check_progress()
    assert newer.status == "broken" and "newer drilltutor" in newer.message
    (_isolated_home / "progress.json").write_text("{not json")
    assert check_progress().status == "warn"


def test_workspace_lists_the_learner_files_present(drills: Path, workspace: Path) -> None:
    assert "no drill files yet" in check_workspace(workspace, drills)[1].message
    (workspace / "answer.py").write_text("answer = 42\n")
    assert check_workspace(workspace, drills)[1].message.endswith("answer.py")
    assert check_workspace(workspace, workspace / "nowhere")[0].status == "broken"


def test_installed_names_the_distribution_behind_a_module() -> None:
    assert installed("passlib").startswith("libpass ")
    assert installed("no_such_module_here") is None


def test_doctor_cli_renders_and_exits_by_verdict(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    healthy = cli("doctor")
    assert healthy.exit_code == 0 and "Nothing broken." in healthy.output and "✓ hashing" in healthy.output
    monkeypatch.setattr(doctor_module, "check_python", lambda: doctor_module.Finding("python", "broken", "too old", "upgrade"))
    broken = cli("doctor")
    assert broken.exit_code == 1 and "1 problem to fix" in broken.output and "fix: upgrade" in broken.output


def test_importing_doctor_imports_no_library_it_checks() -> None:
    probe = "import sys, drilltutor.commands.doctor; print(sorted({m.split('.')[0] for m in sys.modules}))"
    modules = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    for heavy in ("passlib", "pwdlib", "bcrypt", "argon2", "jose", "jwt", "fastapi"):
        assert f"'{heavy}'" not in modules


def test_a_missing_optional_package_is_named_with_its_pip_line(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    real = doctor_module.installed
    monkeypatch.setattr(doctor_module, "installed", lambda module: None if module == "email_validator" else real(module))
    found = [f for f in json.loads(cli("doctor", "--json").output)["findings"] if f["topic"] == "optional"]
    assert len(found) == 1 and "email-validator is not installed" in found[0]["message"] and found[0]["fix"].startswith("pip install 'pydantic[email]'")
    monkeypatch.setattr(doctor_module, "installed", lambda module: "email-validator 2.2.0" if module == "email_validator" else real(module))
    assert not [f for f in json.loads(cli("doctor", "--json").output)["findings"] if f["topic"] == "optional"]
