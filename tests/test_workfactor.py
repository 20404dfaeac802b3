"""dev check and dev mutants make bcrypt hashes at cost 4; a learner's run at the file's own cost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace

from drilltutor import devcheck
from drilltutor.runner import run_drill


def test_every_hashing_library_makes_new_hashes_at_the_lowered_cost() -> None:
    # In a Python of its own: the lowering patches the libraries for the rest of the process.
    probe = textwrap.dedent(
        """
        import bcrypt
        made_before = bcrypt.hashpw(b"old", bcrypt.gensalt(5)).decode()
        from drilltutor.checking.workfactor import lower_bcrypt_cost
        lower_bcrypt_cost(4)
        from passlib.context import CryptContext
        from pwdlib import PasswordHash
        from pwdlib.hashers.bcrypt import BcryptHasher
        passlib, pwdlib = CryptContext(schemes=["bcrypt"]), PasswordHash((BcryptHasher(),))
        made = [bcrypt.hashpw(b"pw", bcrypt.gensalt()).decode(), bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=12)).decode(), passlib.hash("pw"), pwdlib.hash("pw")]
        print(*[h[:7] for h in made])
        print(passlib.verify("old", made_before), pwdlib.verify("old", made_before), passlib.verify("pw", made[0]))
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    costs, verified = done.stdout.splitlines()
    assert costs.split() == ["$2b$04$"] * 4
    assert verified == "True True True"  # a hash is checked at the cost written in it


def test_dev_check_hashes_cheaply_and_a_learners_run_does_not(catalogue) -> None:
    # The run's counter counts operations at a real cost only (6 and up).
    drill = catalogue.find("drill-1")
    author = run_drill(catalogue, drill, drill.solution_path, devcheck.AUTHOR_OPTIONS)
    learner = run_drill(catalogue, drill, drill.solution_path, replace(devcheck.AUTHOR_OPTIONS, bcrypt_cost=None))
    assert author.passed and learner.passed
    assert (author.bcrypt_ops, learner.bcrypt_ops > 0) == (0, True)
