"""Hidden checks for drill-3 (expiry). Tokens are read with drilltutor's own codec (ctx.jwt),
so python-jose and PyJWT files are judged alike. That the file finished at all (the
expired error was caught, not crashed on, and nothing exited non-zero) is proved by the
runner before any check runs."""

import ast
import time

from drilltutor.checking import Ctx, Failure, check

SUB = "sam@uae.dev"
MIN_AGO, MAX_AGO = 5, 10 * 60
PREFIX = "rejected:"

# Messages both libraries use when decode fails for a reason other than the clock. A
# rejection that carries one of these would have rejected a fresh token just the same.
OTHER_REASONS = (
    ("signature verification failed", "the key given to decode is not the one the token was signed with",
     "decode with the same SECRET you encoded with"),
    ("alg value is not allowed", "the algorithms list given to decode does not include HS256",
     'decode with algorithms=["HS256"], the algorithm you signed with'),
    ('"algorithms" argument', "PyJWT refuses to decode without an algorithms list",
     'pass the list: jwt.decode(token, SECRET, algorithms=["HS256"])'),
    ("not enough segments", "what was decoded is not the token", "decode `token` itself, exactly as encode returned it"),
    ("invalid header", "what was decoded is not the token", "decode `token` itself, exactly as encode returned it"),
    ("invalid payload", "what was decoded is not the token", "decode `token` itself, exactly as encode returned it"),
    ("invalid crypto padding", "what was decoded is not the token", "decode `token` itself, exactly as encode returned it"),
)


def _lines(ctx: Ctx) -> list[str]:
    return [line.strip() for line in ctx.output.splitlines() if line.strip()]


def _as_text(value: object) -> object:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _span(seconds: float) -> str:
    s = abs(seconds)
    if s < 90:
        return f"{s:.0f} seconds"
    if s < 90 * 60:
        return f"{s / 60:.1f}".rstrip("0").rstrip(".") + " minutes"
    if s < 72 * 3600:
        return f"{s / 3600:.1f}".rstrip("0").rstrip(".") + " hours"
    return f"{s / 86400:.0f} days"


def _token(ctx: Ctx) -> str:
    return _as_text(ctx.namespace["token"])  # type: ignore[return-value]


def _parts(ctx: Ctx) -> tuple[dict, dict]:
    return ctx.jwt.parts(_token(ctx))


def _tree(ctx: Ctx) -> ast.AST | None:
    try:
        return ast.parse(ctx.source)
    except SyntaxError:
        return None


def _literal_key(ctx: Ctx, token: str) -> str | None:
    """A string written in the learner's file that the token verifies with: a hard-coded secret."""
    tree = _tree(ctx)
    if tree is None:
        return None
    literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and 0 < len(n.value) <= 512}
    return next((s for s in sorted(literals) if ctx.jwt.signed_with(token, s)), None)


@check("token", "`token` is an encoded JWT")
def token(ctx: Ctx) -> None:
    value = _as_text(ctx.name("token", "the expired JWT: the string jwt.encode(...) returns"))
    if not isinstance(value, str):
        raise Failure(
            sent="looked at `token`",
            got=f"a {type(value).__name__}: {value!r}"[:160],
            expected="a string like eyJhbGciOi…: header.payload.signature",
            fix="set token to what jwt.encode(payload, SECRET, algorithm=\"HS256\") returns, not to the payload",
        )
    try:
        ctx.jwt.parts(value)
    except ValueError as exc:
        raise Failure(
            sent="split `token` at its dots and read the header and payload",
            got=f"{value[:80]!r}: {exc}",
            expected="a compact JWT: three base64url parts separated by dots",
            fix="keep the string jwt.encode(...) returns as it is",
        ) from None


@check("signature", "The signature verifies with this run's SECRET_KEY", needs=("token",))
def signature(ctx: Ctx) -> None:
    value = _token(ctx)
    if ctx.jwt.signed_with(value, ctx.secret):
        return
    header, _ = ctx.jwt.parts(value)
    sent = "checked `token`'s signature with this run's SECRET_KEY"
    expected = "an HMAC signature made with SECRET_KEY, which drilltutor sets to a fresh random value each run"
    alg = header.get("alg")
    if alg not in ("HS256", "HS384", "HS512"):
        raise Failure(
            sent=sent,
            got=f"the header says alg {alg!r}, which is not an HMAC signature with a shared secret",
            expected=expected,
            fix='sign with the secret: jwt.encode(payload, SECRET, algorithm="HS256")',
        )
    learner_secret = _as_text(ctx.namespace.get("SECRET"))
    if isinstance(learner_secret, str) and learner_secret != ctx.secret:
        raise Failure(
            sent=sent,
            got=f"it does not verify: your SECRET is {learner_secret!r}"[:120] + ", not this run's key",
            expected=expected,
            fix='the secret is hard-coded: read it from the environment with SECRET = os.environ["SECRET_KEY"]',
        )
    literal = _literal_key(ctx, value)
    if literal is not None:
        raise Failure(
            sent=sent,
            got=f"it does not verify: the token was signed with the string {literal!r} written in your file",
            expected=expected,
            fix='the secret is hard-coded in the encode call: pass SECRET, read with os.environ["SECRET_KEY"]',
        )
    raise Failure(
        sent=sent,
        got="it does not verify with this run's key",
        expected=expected,
        fix="pass SECRET as the key to jwt.encode, and do not change `token` after encoding it",
    )


@check("alg", "The header says alg HS256", needs=("token",))
def alg(ctx: Ctx) -> None:
    header, _ = _parts(ctx)
    if header.get("alg") != "HS256":
        raise Failure(
            sent="read `token`'s header",
            got=f"header {header}",
            expected='"alg": "HS256"',
            fix='encode with algorithm="HS256" (and decode with algorithms=["HS256"])',
        )


@check("sub", f"`sub` is {SUB}", needs=("token",))
def sub(ctx: Ctx) -> None:
    _, payload = _parts(ctx)
    if payload.get("sub") != SUB:
        raise Failure(
            sent="read `token`'s payload",
            got=f"sub = {payload['sub']!r}" if "sub" in payload else f"a payload without sub: {payload}"[:200],
            expected=f'"sub": "{SUB}"',
            fix=f'put the email under the key "sub": {{"sub": "{SUB}", "exp": ...}}',
        )


@check("expired", "`exp` passed between 5 seconds and 10 minutes ago", needs=("token",))
def expired(ctx: Ctx) -> None:
    _, payload = _parts(ctx)
    now = time.time()
    sent = "read `token`'s payload and compared exp with the time now"
    expected = f"exp between {int(now - MAX_AGO)} and {int(now - MIN_AGO)}: a moment 5 seconds to 10 minutes ago"
    good = "exp = datetime.now(timezone.utc) - timedelta(minutes=1)"
    if "exp" not in payload:
        raise Failure(
            sent=sent,
            got=f"a payload without exp: {payload}"[:200],
            expected=expected + "; a token without exp never expires, so decode accepts it",
            fix=f'add "exp" to the payload, a minute in the past: {good}',
        )
    value = payload["exp"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Failure(
            sent=sent,
            got=f"exp = {value!r} (a {type(value).__name__})",
            expected=expected,
            fix="put the datetime itself in the payload, not str() or .isoformat() of it: encode turns a datetime into a number",
        )
    ago = now - value
    if MIN_AGO <= ago <= MAX_AGO:
        return
    if ago < 0:
        got = f"exp = {value}, {_span(ago)} in the future: the token is still valid"
        fix = f"subtract the minute instead of adding it: {good}"
    elif ago < MIN_AGO:
        got = f"exp = {value}, only {ago:.1f} seconds before the checks ran"
        fix = f"set exp clearly in the past, a minute ago: {good}"
    else:
        got = f"exp = {value}, {_span(ago)} ago"
        fix = f"one minute ago, not more: {good} (a token that was valid a moment ago is the case an API meets)"
    raise Failure(sent=sent, got=got, expected=expected, fix=fix)


@check("decodes", "The file decodes `token` with the key")
def decodes(ctx: Ctx) -> None:
    tree = _tree(ctx)
    if tree is None:  # the file ran, so this is a source it could not re-read; nothing to judge
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            # jwt.decode(token, key, ...) always has two arguments or more; bytes.decode() has fewer
            if name == "decode" and len(node.args) + len(node.keywords) >= 2:
                return
    by_hand = any(line.startswith(PREFIX) for line in _lines(ctx))
    raise Failure(
        sent=f"read how {ctx.file.name} finds out the token is expired",
        got="no call to decode(token, key, ...) in the file" + (", yet it printed a rejected: line" if by_hand else ""),
        expected='jwt.decode(token, SECRET, algorithms=["HS256"]) inside try, so the library itself rejects the token',
        fix=("do not print the verdict yourself: " if by_hand else "")
        + 'call jwt.decode(token, SECRET, algorithms=["HS256"]) inside try, and print "rejected:" only in the except that catches its error',
    )


@check("rejected", "Running the file prints a line starting `rejected:`", needs=("expired",))
def rejected(ctx: Ctx) -> None:
    lines = _lines(ctx)
    if any(line.startswith(PREFIX) for line in lines):
        return
    sent = f"python {ctx.file.name} (with SECRET_KEY set)"
    expected = "a line starting rejected: printed from the except block, e.g. rejected: Signature has expired."
    near = next((line for line in lines if "rejected" in line.lower()), None)
    if near is not None:
        raise Failure(
            sent=sent,
            got=f"it printed {near[:160]!r}",
            expected=expected,
            fix='the line must begin with exactly "rejected:", lower case, colon included: print("rejected:", err)',
        )
    payload = next((line for line in lines if SUB in line), None)
    if payload is not None:
        raise Failure(
            sent=sent,
            got=f"it printed {payload[:160]!r}: decode handed back the payload of an expired token",
            expected=expected,
            fix="take out whatever switches the exp check off (verify_exp or verify_signature set to False, "
            "a large leeway, get_unverified_claims) so decode raises",
        )
    raise Failure(
        sent=sent,
        got="it printed " + (" / ".join(repr(line) for line in lines[:6])[:200] if lines else "nothing"),
        expected=expected,
        fix='in the except that catches the decode error, print("rejected:", err)',
    )


@check("rejected-for-expiry", "The token was rejected because it expired", needs=("rejected",))
def rejected_for_expiry(ctx: Ctx) -> None:
    line = next(line for line in _lines(ctx) if line.startswith(PREFIX))
    lowered = line.lower()
    for marker, meaning, fix in OTHER_REASONS:
        if marker in lowered:
            raise Failure(
                sent=f"python {ctx.file.name} (with SECRET_KEY set)",
                got=f"it printed {line[:200]!r}: {meaning}, so decode failed before it looked at exp",
                expected="a rejection for expiry, e.g. rejected: Signature has expired.",
                fix=fix,
            )
