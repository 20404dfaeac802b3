"""Hidden checks for drill-1 (hashing). Five bcrypt operations: two hashes, three verifies."""

import ast

from drilltutor.checking import Advice, Crash, Ctx, Failure, check, explains_crash

# Not the prompt's password, and not ASCII: a context that only works for "hunter2pls" fails.
PASSWORD = "Grüße, Sam! 🔑 9"
# The nearest wrong password: the right one with its first letter lower-cased. A verify that
# says yes to anything says yes to it, and so does one that lower-cases passwords first.
WRONG = "grüße, Sam! 🔑 9"
# Far from both: asked only when WRONG verified, to tell those two mistakes apart.
UNRELATED = "not the password at all"
PREFIXES = ("$2a$", "$2b$", "$2y$")


def _lines(ctx: Ctx) -> list[str]:
    return [line.strip() for line in ctx.output.splitlines() if line.strip()]


@check("prints", "Running the file prints True, then False")
def prints(ctx: Ctx) -> None:
    lines = _lines(ctx)
    if "True" in lines and "False" in lines[lines.index("True") + 1 :]:
        return
    # False for the right password too is the mark of hashing again and comparing with ==.
    refused = lines.count("False") >= 2 and "True" not in lines
    raise Failure(
        sent=f"python {ctx.file.name}",
        got="it printed " + (" / ".join(lines[:6]) if lines else "nothing") + (": the right password came out False too" if refused else ""),
        expected="a line `True` (the right password), then a line `False` (a wrong one)",
        fix=(
            "hashing the password again and comparing the two hashes with == is always False: bcrypt puts a fresh random salt in every hash, "
            "so two hashes of one password differ. Let the library compare: print(pwd.verify(\"hunter2pls\", hashed)), which reads the salt from the stored hash"
            if refused
            else "print(pwd.verify(\"hunter2pls\", hashed)) and then print(pwd.verify(\"wrong\", hashed))"
        ),
    )


@check("pwd", "`pwd` has hash() and verify()")
def has_pwd(ctx: Ctx) -> None:
    pwd = ctx.name("pwd", "a password context with .hash() and .verify()")
    missing = [m for m in ("hash", "verify") if not callable(getattr(pwd, m, None))]
    if missing:
        raise Failure(
            sent="looked at `pwd`",
            got=f"a {type(pwd).__name__} without {' and '.join(missing)}()",
            expected="an object with .hash(password) and .verify(password, hashed)",
            fix='pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")',
        )


def _two_hashes(ctx: Ctx) -> tuple[str, str]:
    if "hashes" not in ctx.state:
        pwd = ctx.namespace["pwd"]
        call = (f"pwd.hash({PASSWORD!r})", pwd.hash, (PASSWORD,))
        ctx.state["hashes"] = tuple(ctx.parallel(call, call))
    return ctx.state["hashes"]


# What a hash that is not bcrypt was made with, by the prefix each scheme writes.
_OTHER_SCHEMES = {"$5$": "sha256_crypt", "$6$": "sha512_crypt", "$1$": "md5_crypt", "$argon2": "argon2", "$pbkdf2": "pbkdf2", "$scrypt": "scrypt"}


def _scheme_of(hashed: object) -> str:
    if isinstance(hashed, bytes):
        return "bytes: return the hash as a str (.decode())"
    if isinstance(hashed, str):
        known = next((name for prefix, name in _OTHER_SCHEMES.items() if hashed.startswith(prefix)), None)
        if known:
            return known
        if len(hashed) in (32, 40, 64, 128) and all(c in "0123456789abcdef" for c in hashed):
            return "a hashlib digest (fast, unsalted)"
    return "hashlib or a scheme of your own"


@check("bcrypt-hash", "pwd.hash() gives a bcrypt hash", needs=("pwd",))
def bcrypt_hash(ctx: Ctx) -> None:
    first, _ = _two_hashes(ctx)
    if not isinstance(first, str) or not first.startswith(PREFIXES):
        raise Failure(
            sent=f"pwd.hash({PASSWORD!r})",
            got=repr(first)[:120],
            expected="a bcrypt hash: a string starting with $2b$ (or $2a$/$2y$)",
            fix=f'hash with bcrypt: CryptContext(schemes=["bcrypt"]) or PasswordHash((BcryptHasher(),)), not {_scheme_of(first)}',
        )


MIN_COST = 10  # OWASP's Password Storage Cheat Sheet: a bcrypt work factor of 10 or more


def _cost_asked(pwd: object, hashed: str) -> int | None:
    """The bcrypt cost the file asks for: a pwdlib hasher's rounds, a passlib context's
    bcrypt__rounds, else the cost written in the hash (only when no run option lowers it)."""
    from drilltutor.checking import workfactor

    for hasher in getattr(pwd, "hashers", ()) or ():
        rounds = getattr(hasher, "rounds", None)
        if isinstance(rounds, int):
            return rounds
    settings = pwd.to_dict() if callable(getattr(pwd, "to_dict", None)) else {}
    for key in ("bcrypt__rounds", "bcrypt__default_rounds", "all__rounds", "all__default_rounds"):
        if isinstance(settings.get(key), int):
            return settings[key]
    if workfactor.lowered_to is None and hashed[4:6].isdigit():
        return int(hashed[4:6])
    return None


@check("cost", "bcrypt's cost is one a server would use (advice)", needs=("bcrypt-hash",))
def cost(ctx: Ctx) -> None:
    asked = _cost_asked(ctx.namespace["pwd"], _two_hashes(ctx)[0])
    if asked is None or asked >= MIN_COST:
        return
    # Advice, not a failure: the hash is right, only cheap to guess; tests lower the cost on purpose.
    raise Advice(
        got=f"your hashes are made at bcrypt cost {asked}: 2^{asked} rounds, thousands of guesses a second on a laptop",
        fix=f"bcrypt is slow on purpose, so a stolen hash is slow to guess: keep the library's default (12), or at least {MIN_COST}; lower it only in tests",
    )


@check("not-plain-text", "The hash never holds the password", needs=("bcrypt-hash",))
def not_plain_text(ctx: Ctx) -> None:
    first, _ = _two_hashes(ctx)
    if PASSWORD in first:
        raise Failure(
            sent=f"pwd.hash({PASSWORD!r})",
            got=first[:120],
            expected="a hash that does not contain the password",
            fix="return the library's hash, not the password with a prefix",
        )


@check("salted", "Two hashes of one password differ (salted)", needs=("bcrypt-hash",))
def salted(ctx: Ctx) -> None:
    first, second = _two_hashes(ctx)
    if first == second:
        raise Failure(
            sent=f"pwd.hash({PASSWORD!r}) twice",
            got=f"the same string twice: {first}",
            expected="two different hashes: each gets a fresh random salt",
            fix="let the library make the salt (bcrypt.gensalt() per call); never reuse a fixed salt",
        )


@check("verify-right", "verify() is True for the right password, against both hashes", needs=("salted",))
def verify_right(ctx: Ctx) -> None:
    pwd = ctx.namespace["pwd"]
    hashes = _two_hashes(ctx)
    calls = [(f"pwd.verify({PASSWORD!r}, {h!r})", pwd.verify, (PASSWORD, h)) for h in hashes]
    answers = ctx.parallel(*calls)
    for (sent, _, _), answer in zip(calls, answers):
        if answer is not True:
            raise Failure(
                sent=sent,
                got=repr(answer),
                expected="True",
                fix="verify with the library (pwd.verify(password, stored)); hashing again and comparing with == fails because of the salt",
            )


@check("verify-wrong", "verify() is False for a wrong password, even one that differs only in letter case", needs=("verify-right",))
def verify_wrong(ctx: Ctx) -> None:
    pwd = ctx.namespace["pwd"]
    stored = _two_hashes(ctx)[0]
    sent = f"pwd.verify({WRONG!r}, stored), where stored = pwd.hash({PASSWORD!r}): only the first letter's case differs"
    answer = ctx.call(sent, pwd.verify, WRONG, stored)
    if answer is False:
        return
    if answer is True and ctx.call(f"pwd.verify({UNRELATED!r}, stored)", pwd.verify, UNRELATED, stored) is False:
        fix = "pass the password to the library exactly as typed: lower-casing (or upper-casing) it before hashing or verifying makes Sam and sam one password"
    else:
        fix = "verify said yes to a password that was never hashed: return the library's verify() result as it is"
    raise Failure(sent=sent, got=repr(answer), expected="False: a password that differs in letter case is a wrong password", fix=fix)


# What verify() raises when its second argument is not a hash it knows: passlib and pwdlib
# name it UnknownHashError; bcrypt.checkpw says "Invalid salt".
_NOT_A_HASH = ("UnknownHashError", "Invalid salt")


def _call_at(source: str, line: int | None) -> ast.Call | None:
    """The verify/checkpw call with two arguments on that line of the learner's file."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    return next(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and node.lineno == line
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("verify", "checkpw")
            and len(node.args) == 2
        ),
        None,
    )


@explains_crash
def verify_arguments_swapped(crash: Crash) -> str | None:
    if crash.type_name not in _NOT_A_HASH and crash.message not in _NOT_A_HASH:
        return None
    rule = "verify(password, hashed): the plain password comes first, then the hash that pwd.hash() returned"
    call = _call_at(crash.source, crash.line())
    if call is None:
        return f"The second argument to verify was not a hash. {rule}."
    swapped = ast.Call(call.func, [call.args[1], call.args[0]], call.keywords)
    return f"Line {call.lineno} passes {ast.unparse(call.args[0])} first. {rule}: {ast.unparse(swapped)}"
