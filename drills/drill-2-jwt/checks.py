"""Hidden checks for drill-2 (jwt). Tokens are read with drilltutor's own codec (ctx.jwt),
so python-jose and PyJWT files are judged alike."""

import ast
import secrets
import time

from drilltutor.checking import Ctx, Failure, check, kit

judge = kit("tokenfile")
SUB = judge.SUB
WHAT = "the encoded JWT"
TTL = 30 * 60
SLACK = 60  # the file ran a moment before the checks; a minute either way is still "30 minutes"
SWITCHES = {"verify_signature": "signature", "verify_exp": "exp"}  # decode options that must never be False


def _switched_off(tree: ast.AST) -> str | None:
    """An option that makes decode skip the signature or exp check, wherever the file writes it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in SWITCHES and isinstance(value, ast.Constant) and value.value is False:
                    return f'options={{"{key.value}": False}}, which turns the {SWITCHES[key.value]} check off'
        if isinstance(node, ast.keyword) and node.arg == "verify" and isinstance(node.value, ast.Constant) and node.value.value is False:
            return "verify=False, which turns the signature check off"
    return None


def _reads_around(tree: ast.AST) -> str | None:
    """A way of reading the payload that never looks at the signature."""
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if name == "get_unverified_claims":
            return "get_unverified_claims(), which never looks at the signature"
        if name in ("b64decode", "urlsafe_b64decode"):
            return "base64 decoding by hand, which never looks at the signature"
    return None


@check("secret", "`SECRET` is read from the SECRET_KEY environment variable")
def secret(ctx: Ctx) -> None:
    value = judge.as_text(ctx.name("SECRET", 'the signing secret, read with os.environ["SECRET_KEY"]'))
    if value != ctx.secret:
        raise Failure(
            sent=f"compared `SECRET` with the SECRET_KEY this run set ({ctx.secret[:8]}…, new every run)",
            got=f"SECRET = {value!r}"[:160],
            expected="the value of the SECRET_KEY environment variable",
            fix='the secret is hard-coded (or read from somewhere else): write SECRET = os.environ["SECRET_KEY"]',
        )


@check("token", "`token` is an encoded JWT")
def token(ctx: Ctx) -> None:
    judge.token(ctx, WHAT)


@check("signature", "The signature verifies with this run's SECRET_KEY", needs=("token",))
def signature(ctx: Ctx) -> None:
    judge.signature(ctx)


@check("alg", "The header says alg HS256", needs=("token",))
def alg(ctx: Ctx) -> None:
    judge.alg(ctx)


@check("sub", f"`sub` is {SUB}", needs=("token",))
def sub(ctx: Ctx) -> None:
    judge.sub(ctx)


def _exp_fix(ahead: float) -> str:
    good = "exp = datetime.now(timezone.utc) + timedelta(minutes=30)"
    if abs(ahead - 30) <= 10:  # a few seconds pass between the run and this check
        return f"30 was counted as seconds: add 30 * 60 seconds, or write {good}"
    if abs(ahead - 30 * 3600) <= SLACK:
        return f"that is timedelta(hours=30); use minutes: {good}"
    if abs(ahead + TTL) <= SLACK:
        return f"add the 30 minutes instead of subtracting them: {good}"
    skew = ahead - TTL
    if 3600 - SLACK <= abs(skew) <= 14 * 3600 and abs(skew - round(skew / 1800) * 1800) <= SLACK:
        return f"that is off by whole hours, the mark of a local time: take the time in UTC, {good}"
    return good


@check("exp", "`exp` is 30 minutes after the run (within a minute)", needs=("token",))
def exp(ctx: Ctx) -> None:
    _, payload = judge.parts(ctx)
    now = time.time()
    sent = "read `token`'s payload and compared exp with the time now"
    expected = f"exp within a minute of {int(now + TTL)} (now + 30 minutes, in seconds since 1970 UTC)"
    if "exp" not in payload:
        raise Failure(
            sent=sent,
            got=f"a payload without exp: {payload}"[:200],
            expected=expected + "; without exp a stolen token works for ever",
            fix='add "exp": datetime.now(timezone.utc) + timedelta(minutes=30) to the payload; encode turns it into seconds',
        )
    value = payload["exp"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Failure(
            sent=sent,
            got=f"exp = {value!r} (a {type(value).__name__})",
            expected=expected,
            fix="put the datetime itself in the payload, not str() or .isoformat() of it: encode turns a datetime into a number",
        )
    if value > 1e11:
        raise Failure(
            sent=sent,
            got=f"exp = {value}, which looks like milliseconds",
            expected=expected,
            fix="exp counts seconds: use int(time.time()) + 30 * 60, or a datetime, not time.time() * 1000",
        )
    ahead = value - now
    if abs(ahead - TTL) <= SLACK:
        return
    when = f"{judge.span(ahead)} from now" if ahead > 0 else f"{judge.span(ahead)} ago, so the token is already expired"
    raise Failure(sent=sent, got=f"exp = {value}, which is {when}", expected=expected, fix=_exp_fix(ahead))


@check("decode", "The file decodes `token` with the key, checking the signature")
def decode(ctx: Ctx) -> None:
    tree = judge.tree(ctx)
    if tree is None:
        return
    expected = 'jwt.decode(token, SECRET, algorithms=["HS256"]): the call that checks the signature and exp, then hands back the payload'
    # Observed where it can be: the file's own decode call made again on tokens it must refuse.
    # Wrongly signed, unsigned and expired ones: decode checks the signature and exp; drill-2's
    # row does not ask which algorithms it lists (drill-3 and drills 4-6 ask that).
    # Read only where no call can be made again (its arguments are a function's locals).
    calls = judge.decode_calls(tree)
    forged = (
        (ctx.token(SUB, key="not-your-key-" + secrets.token_hex(6)), "a token like yours signed with another key"),
        (ctx.token(SUB, alg="none"), 'a token like yours whose header says "alg": "none", with no signature'),
        (ctx.token(SUB, minutes=-1), "a token like yours, signed with SECRET_KEY, that expired a minute ago"),
    )
    replayed = False
    for call in calls:
        for token, label in forged:
            outcome = judge.replay_decode(ctx, call, token)
            if outcome is None:
                break
            replayed = True
            if outcome[0] is None:
                raise Failure(
                    sent=f"your decode call, line {call.lineno} ({ast.unparse(call)[:100]}), on {label}",
                    got="it handed back the payload",
                    expected=expected + ", which refuses that token",
                    fix='decode with the key and the algorithm you sign with, and switch nothing off (no verify_signature or verify_exp set to False): jwt.decode(token, SECRET, algorithms=["HS256"]); a token you never verified is only a claim',
                )
    if replayed:
        return
    # Peeking at the payload by hand is fine next to a real decode; switching decode's check off never is.
    skipped = _switched_off(tree) or (None if calls else _reads_around(tree))
    if skipped is not None:
        raise Failure(
            sent=f"read how {ctx.file.name} gets the payload back",
            got=f"it reads the payload with {skipped}",
            expected=expected,
            fix="decode with the key and the algorithm list and no options that switch checks off; a token you never verified is only a claim",
        )
    if not calls:
        raise Failure(
            sent=f"read how {ctx.file.name} gets the payload back",
            got="no call to decode(token, key, ...) in the file",
            expected=expected,
            fix='decode the token and print what it holds: print(jwt.decode(token, SECRET, algorithms=["HS256"])["sub"])',
        )


@check("prints", f"Running the file prints {SUB}")
def prints(ctx: Ctx) -> None:
    lines = judge.lines(ctx)
    if SUB in lines:
        return
    sent = f"python {ctx.file.name} (with SECRET_KEY set)"
    expected = f"a line that is exactly {SUB}: the sub read back from the decoded token"
    jwt_like = next((line for line in lines if line.count(".") == 2 and line.startswith("eyJ")), None)
    if jwt_like is not None:
        raise Failure(
            sent=sent,
            got=f"it printed the token itself: {jwt_like[:60]}…",
            expected=expected,
            fix='decode the token first, then print one claim: print(claims["sub"])',
        )
    whole = next((line for line in lines if SUB in line), None)
    if whole is not None:
        raise Failure(
            sent=sent,
            got=f"it printed {whole[:160]}",
            expected=expected,
            fix='print only the sub: print(claims["sub"]), not the whole payload or a label with it',
        )
    raise Failure(
        sent=sent,
        got="it printed " + (" / ".join(lines[:6])[:200] if lines else "nothing"),
        expected=expected,
        fix='after decoding, print the sub: print(claims["sub"])',
    )
