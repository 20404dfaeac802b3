"""Hidden checks for drill-3 (expiry). Tokens are read with drilltutor's own codec (ctx.jwt),
so python-jose and PyJWT files are judged alike. That the file finished at all (the
expired error was caught, not crashed on, and nothing exited non-zero) is proved by the
runner before any check runs."""

import ast
import secrets
import time

from drilltutor.checking import Crash, Ctx, Failure, check, explains_crash, kit

judge = kit("tokenfile")
SUB = judge.SUB
WHAT = "the expired JWT"
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


@check("expired", "`exp` passed between 5 seconds and 10 minutes ago", needs=("token",))
def expired(ctx: Ctx) -> None:
    _, payload = judge.parts(ctx)
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
        got = f"exp = {value}, {judge.span(ago)} in the future: the token is still valid"
        fix = f"subtract the minute instead of adding it: {good}"
    elif ago < MIN_AGO:
        got = f"exp = {value}, only {ago:.1f} seconds before the checks ran"
        fix = f"set exp clearly in the past, a minute ago: {good}"
    else:
        got = f"exp = {value}, {judge.span(ago)} ago"
        fix = f"one minute ago, not more: {good} (a token that was valid a moment ago is the case an API meets)"
    raise Failure(sent=sent, got=got, expected=expected, fix=fix)


@check("decodes", "The file decodes `token` with the key")
def decodes(ctx: Ctx) -> None:
    tree = judge.tree(ctx)
    if tree is None:  # the file ran, so this is a source it could not re-read; nothing to judge
        return
    calls = judge.decode_calls(tree)
    # A decode call is not enough: made again on an expired token signed with the run's key,
    # the file's own call must refuse it, or the "rejected:" line never came from it.
    for call in calls:
        outcome = judge.replay_decode(ctx, call, ctx.token(SUB, minutes=-1))
        if outcome is not None and outcome[0] is None:
            raise Failure(
                sent=f"your decode call, line {call.lineno} ({ast.unparse(call)[:100]}), on a token like yours, signed with SECRET_KEY, expired a minute ago",
                got="it handed back the payload: the rejection your file printed did not come from decode",
                expected="decode itself refusing the expired token (ExpiredSignatureError)",
                fix='let decode check exp: jwt.decode(token, SECRET, algorithms=["HS256"]) with no options that switch verify_exp off and no leeway, and print "rejected:" only in its except',
            )
    if calls:
        return
    by_hand = any(line.startswith(PREFIX) for line in judge.lines(ctx))
    raise Failure(
        sent=f"read how {ctx.file.name} finds out the token is expired",
        got="no call to decode(token, key, ...) in the file" + (", yet it printed a rejected: line" if by_hand else ""),
        expected='jwt.decode(token, SECRET, algorithms=["HS256"]) inside try, so the library itself rejects the token',
        fix=("do not print the verdict yourself: " if by_hand else "")
        + 'call jwt.decode(token, SECRET, algorithms=["HS256"]) inside try, and print "rejected:" only in the except that catches its error',
    )


# The decode that rejects the expired token must also refuse a forged one. Observed, not read:
# the file's own decode call (its key, algorithms and options, as written) is called again on
# three forged tokens that expired as `token` did: one signed with another key, one signed with
# the run's key by HS512, one with "alg": "none" (refused as a bad token, not a key error). A decode that verifies the signature and pins HS256 refuses both for
# a reason other than expiry; one that switched verify_signature off (python-jose still checks
# exp then) or left algorithms open refuses them only because they expired, or not at all.
# Only a call that cannot be replayed (its arguments are a function's locals) is read instead,
# and then every spelling the libraries offer for switching a check off is refused.
FORGED_EXPIRY = "Expired"  # ExpiredSignatureError in python-jose and PyJWT alike
TOKEN_ERRORS = {"JWTError", "InvalidTokenError"}  # the parent of every bad-token error: python-jose, PyJWT


def _token_error(exc: BaseException) -> bool:
    return any(cls.__name__ in TOKEN_ERRORS for cls in type(exc).__mro__)


def _switched_off(call: ast.Call, namespace: dict) -> str | None:
    """What a decode call written in the source switches off, for a call that cannot be replayed."""
    for keyword in call.keywords:
        value = keyword.value
        if isinstance(value, ast.Name) and isinstance(namespace.get(value.id), (dict, list, tuple, str, bool)):
            value = ast.parse(repr(namespace[value.id]), mode="eval").body
        if keyword.arg == "options" and isinstance(value, ast.Dict):
            for key, flag in zip(value.keys, value.values):
                if isinstance(key, ast.Constant) and str(key.value).startswith("verify") and isinstance(flag, ast.Constant) and flag.value is False:
                    return f"options={{{key.value!r}: False}}"
        if keyword.arg == "verify" and isinstance(value, ast.Constant) and value.value is False:
            return "verify=False"
        # A list the source does not spell out (a parameter, a call) is not judged: it cannot be read.
        if keyword.arg == "algorithms" and isinstance(value, (ast.List, ast.Tuple, ast.Constant)):
            names = [e.value for e in value.elts if isinstance(e, ast.Constant)] if isinstance(value, (ast.List, ast.Tuple)) else [value.value]
            if names != ["HS256"]:
                return f"algorithms={ast.unparse(keyword.value)}"
    if not any(k.arg == "algorithms" for k in call.keywords) and len(call.args) < 3:
        return "no algorithms="
    return None


@check("decode-refuses-forged", "The decode that rejects it would also refuse a forged token", needs=("decodes",))
def decode_refuses_forged(ctx: Ctx) -> None:
    tree = judge.tree(ctx)
    calls = judge.decode_calls(tree) if tree is not None else []
    forged = (
        (ctx.token(SUB, minutes=-1, key="not-your-key-" + secrets.token_hex(6)), "a token like yours, expired a minute ago, signed with another key"),
        (ctx.token(SUB, minutes=-1, alg="HS512"), "a token like yours, expired a minute ago, signed with SECRET_KEY by HS512"),
        (ctx.token(SUB, minutes=-1, alg="none"), 'a token like yours, expired a minute ago, whose header says "alg": "none", with no signature'),
    )
    replayed = False
    for call in calls:
        for token, label in forged:
            outcome = judge.replay_decode(ctx, call, token)
            if outcome is None:
                break
            replayed = True
            raised, _ = outcome
            sent = f"your decode call, line {call.lineno} ({ast.unparse(call)[:100]}), on {label}"
            if raised is not None and FORGED_EXPIRY not in type(raised).__name__ and not _token_error(raised):
                # Refused, but not as a bad token: an alg list that lets "none" reach the key
                # (python-jose's JWKError, PyJWT's InvalidKeyError), which `except JWTError` misses.
                raise Failure(
                    sent=sent,
                    got=f"it raised {type(raised).__name__} ({str(raised)[:80]}), which is not the library's token error (JWTError; PyJWT: InvalidTokenError), so an except that catches that one crashes here",
                    expected='a refusal as a bad token: "The specified alg value is not allowed"',
                    fix='pin algorithms=["HS256"] in decode: the one algorithm you sign with, never "none"',
                )
            if raised is not None and FORGED_EXPIRY not in type(raised).__name__:
                continue
            got = "it accepted it" if raised is None else f"it refused it only because it expired ({type(raised).__name__}): the signature or the algorithm was never checked"
            raise Failure(
                sent=sent,
                got=got,
                expected="a refusal for the signature or the algorithm, before exp is even read: a decode that would refuse a forged token",
                fix='decode with the key and HS256 pinned, and switch nothing off: jwt.decode(token, SECRET, algorithms=["HS256"]), no options={"verify_signature": False}',
            )
    if replayed:
        return
    for call in calls:
        off = _switched_off(call, ctx.namespace)
        if off is not None:
            raise Failure(
                sent=f"read your decode call, line {call.lineno}: {ast.unparse(call)[:120]}",
                got=f"{off}: that decode would take a forged token as readily as yours",
                expected='the key, algorithms=["HS256"], and no verification switched off',
                fix='jwt.decode(token, SECRET, algorithms=["HS256"]), with no options that switch a check off',
            )


@check("rejected", "Running the file prints a line starting `rejected:`", needs=("expired",))
def rejected(ctx: Ctx) -> None:
    lines = judge.lines(ctx)
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
    line = next(line for line in judge.lines(ctx) if line.startswith(PREFIX))
    lowered = line.lower()
    for marker, meaning, fix in OTHER_REASONS:
        if marker in lowered:
            raise Failure(
                sent=f"python {ctx.file.name} (with SECRET_KEY set)",
                got=f"it printed {line[:200]!r}: {meaning}, so decode failed before it looked at exp",
                expected="a rejection for expiry, e.g. rejected: Signature has expired.",
                fix=fix,
            )


# What to catch, by the library whose decode raised: the error itself, or its parent, which
# covers every way decode refuses a token.
CATCH = {
    "jose": "ExpiredSignatureError, or its parent JWTError (from jose import JWTError)",
    "jwt": "jwt.ExpiredSignatureError, or its parent jwt.InvalidTokenError",
}


def _decodes_at(source: str, line: int | None) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(call.lineno <= (line or 0) <= (call.end_lineno or call.lineno) for call in judge.decode_calls(tree))


@explains_crash
def uncaught_decode_error(crash: Crash) -> str | None:
    library = crash.module.split(".")[0]
    if library not in CATCH or not _decodes_at(crash.source, crash.line()):
        return None  # not decode's error (encode's, say): the crash message says enough
    raised = f"jwt.decode raised {crash.type_name}"
    handlers = judge.handlers_around_decode(crash.source)
    if handlers is None:
        return f"No try catches it: {raised}. Call decode inside try, and catch {CATCH[library]}."
    caught = {h.rsplit(".", 1)[-1].strip("() ") for handler in handlers for h in handler.split(",")}
    if caught & set(crash.bases):
        return f"Line {crash.line()} is outside the try that catches it: {raised} there. Decode inside that try."
    return f"Your except catches {', '.join(handlers)}, and {raised}, which is not one of those: catch {CATCH[library]}."
