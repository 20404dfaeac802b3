"""bcrypt at a lower cost for the hashes a run makes, where speed matters more than strength.

A check proves what a file does with a hash (made, salted, verified, refused, never sent
back), never how slow the hash is: at the usual cost 12 each one is a quarter of a second,
most of an app drill's run. `dev check`, `dev mutants` and the learner-suite runs of the
tests drill therefore make new hashes at a low cost. Verifying is untouched: a hash is
always checked at the cost written in it, so a hash made elsewhere still verifies.
"""

from __future__ import annotations


# The cost new hashes are lowered to in this process, or None: a check that reads the cost
# written in a hash (drill-1's advice) reads it only when no run option rewrote it.
lowered_to: int | None = None


def lower_bcrypt_cost(cost: int) -> None:
    """New bcrypt hashes at `cost`, whatever cost the library would pick by default.

    The bcrypt package and pwdlib make a salt through `bcrypt.gensalt`; passlib and libpass
    write their own from the handler's `default_rounds`. A cost a file sets explicitly
    for passlib (`bcrypt__rounds=12`) is kept: that file's runs are only slower.
    """
    global lowered_to
    lowered_to = cost
    try:
        import bcrypt
    except ImportError:
        return
    gensalt = bcrypt.gensalt
    bcrypt.gensalt = lambda rounds=12, prefix=b"2b": gensalt(cost, prefix)
    try:
        from passlib.handlers.bcrypt import bcrypt as passlib_bcrypt
    except ImportError:
        return
    passlib_bcrypt.default_rounds = cost
