"""The judge of a `token` a learner's file made, shared by drill-2 (jwt) and drill-3 (expiry);
drill-4's guard reads the `except` clauses around decode with it too.

Tokens are read with drilltutor's own codec (ctx.jwt), so python-jose and PyJWT files are
judged alike. Each drill's checks.py declares its checks and calls the bodies here.
"""

import ast

from drilltutor.checking import Ctx, Failure
from drilltutor.checking.trace import clip

SUB = "sam@uae.dev"


def lines(ctx: Ctx) -> list[str]:
    return [line.strip() for line in ctx.output.splitlines() if line.strip()]


def as_text(value: object) -> object:
    # PyJWT 1.x returned bytes, and some learners keep the secret as bytes; both are fine.
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def span(seconds: float) -> str:
    s = abs(seconds)
    if s < 90:
        return f"{s:.0f} seconds"
    if s < 90 * 60:
        return f"{s / 60:.1f}".rstrip("0").rstrip(".") + " minutes"
    if s < 72 * 3600:
        return f"{s / 3600:.1f}".rstrip("0").rstrip(".") + " hours"
    return f"{s / 86400:.0f} days"


def token_of(ctx: Ctx) -> str:
    return as_text(ctx.namespace["token"])  # type: ignore[return-value]


def parts(ctx: Ctx) -> tuple[dict, dict]:
    return ctx.jwt.parts(token_of(ctx))


def tree(ctx: Ctx) -> ast.AST | None:
    """The learner's file parsed, or None when the source cannot be re-read (it ran, so nothing to judge)."""
    try:
        return ast.parse(ctx.source)
    except SyntaxError:
        return None


def _literal_key(ctx: Ctx, token: str) -> str | None:
    """A string written in the learner's file that the token verifies with: a hard-coded secret."""
    parsed = tree(ctx)
    if parsed is None:
        return None
    literals = {n.value for n in ast.walk(parsed) if isinstance(n, ast.Constant) and isinstance(n.value, str) and 0 < len(n.value) <= 512}
    return next((s for s in sorted(literals) if ctx.jwt.signed_with(token, s)), None)


def decode_calls(tree: ast.AST) -> list[ast.Call]:
    """Calls to something named `decode` with a key or options: jwt.decode, not bytes.decode()."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            # decode_complete: PyJWT's decode that also hands back the header, the same checks.
            if name in ("decode", "decode_complete") and len(node.args) + len(node.keywords) >= 2:
                found.append(node)
    return found


def replay_decode(ctx: Ctx, call: ast.Call, token: str) -> tuple[BaseException | None, object] | None:
    """The file's own decode call, as written (its key, algorithms, options), made again on
    `token`: (the error it raised or None, what it returned). None when the call cannot be
    made again: an argument is a function's local, or the function is not jwt's or jose's
    (a learner's own helper named decode is not replayed: it might do anything)."""
    placeholder = "__drilltutor_token__"
    swapped = ast.Name(placeholder, ast.Load())
    args = [swapped, *call.args[1:]] if call.args else []
    keywords = [ast.keyword(k.arg, swapped) if not call.args and k.arg in ("token", "jwt") else k for k in call.keywords]
    replay = ast.fix_missing_locations(ast.Call(call.func, args, keywords))
    # Made in the learner's process, where the call's names live; the answer comes back as data.
    outcome = ctx.kit("replay_decode", ast.unparse(call.func), ast.unparse(replay), placeholder, token)
    if not outcome["replayed"]:
        return None
    if outcome["raised"] is None:
        return None, outcome["value"]
    # The error as a class of the same name whose ancestors bear the names the agent saw, so a
    # check reads its kind (type(raised).__mro__) as it would on the learner's own exception.
    ancestors = tuple(type(name, (Exception,), {}) for name in outcome.get("kinds", ()) if name != "Exception")
    return type(outcome["raised"], ancestors or (Exception,), {})(outcome["message"]), None


def handlers_around_decode(source: str) -> list[str] | None:
    """What the `except` clauses of the first try that holds a decode call catch ("everything"
    for a bare except); None when no try holds one (or the source cannot be parsed)."""
    try:
        parsed = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(parsed):
        if not isinstance(node, ast.Try):
            continue
        decodes = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("decode", "get_unverified_claims")
            for stmt in node.body
            for n in ast.walk(stmt)
        )
        if decodes:
            return [ast.unparse(h.type) if h.type is not None else "everything" for h in node.handlers]
    return None


# Check bodies both drills declare -----------------------------------------------------

def token(ctx: Ctx, what: str) -> None:
    value = as_text(ctx.name("token", f"{what}: the string jwt.encode(...) returns"))
    if not isinstance(value, str):
        raise Failure(
            sent="looked at `token`",
            got=clip(f"a {type(value).__name__}: {value!r}", 160),
            expected="a string like eyJhbGciOi…: header.payload.signature",
            fix="set token to what jwt.encode(payload, SECRET, algorithm=\"HS256\") returns, not to the payload",
        )
    try:
        ctx.jwt.parts(value)
    except ValueError as exc:
        raise Failure(
            sent="split `token` at its dots and read the header and payload",
            got=f"{clip(repr(value), 80)}: {exc}",
            expected="a compact JWT: three base64url parts separated by dots",
            fix="keep the string jwt.encode(...) returns as it is; do not add a 'Bearer ' prefix or quotes",
        ) from None


def signature(ctx: Ctx) -> None:
    value = token_of(ctx)
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
    learner_secret = as_text(ctx.namespace.get("SECRET"))
    if isinstance(learner_secret, str) and learner_secret != ctx.secret:
        signed = "; your token verifies with that instead" if ctx.jwt.signed_with(value, learner_secret) else ""
        raise Failure(
            sent=sent,
            got=clip(f"it does not verify: your SECRET is {learner_secret!r}", 120) + f", not this run's key{signed}",
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


def alg(ctx: Ctx) -> None:
    header, _ = parts(ctx)
    if header.get("alg") != "HS256":
        raise Failure(
            sent="read `token`'s header",
            got=f"header {header}",
            expected='"alg": "HS256"',
            fix='encode with algorithm="HS256" (and decode with algorithms=["HS256"])',
        )


def sub(ctx: Ctx) -> None:
    _, payload = parts(ctx)
    if payload.get("sub") == SUB:
        return
    if "sub" not in payload:
        raise Failure(
            sent="read `token`'s payload",
            got=clip(f"a payload without sub: {payload}", 200),
            expected=f'"sub": "{SUB}" (sub, "subject", is the registered claim that names who the token is for)',
            fix=f'put the email under the key "sub": {{"sub": "{SUB}", "exp": ...}}',
        )
    raise Failure(
        sent="read `token`'s payload",
        got=f"sub = {payload['sub']!r}",
        expected=f'"sub": "{SUB}"',
        fix=f'set "sub" to the string "{SUB}"',
    )
