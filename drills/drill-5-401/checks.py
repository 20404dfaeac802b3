"""Hidden checks for drill-5 (401). The drill `extends` drill-4: drill-4's checks run first
(the same names, a valid token, and drill-4's bad tokens: expired, unknown user, no sub,
another key, alg none, HS512), then these. The checks mount the learner's `get_current_user`
on an app of their own (GET /me), put users of their own in the learner's `users`, and mint
every token with drilltutor's own codec, so python-jose and PyJWT files are judged alike.

The malformed tokens go in process (httpx through ASGITransport): a real server turns some
of them (an empty one, a very long one) away before the app ever sees them. Each is sent
once; the checks after `no-500` judge the cached answers by what went wrong (a crash, a
token let through, the wrong status, a missing header), so one mistake shows up as one
failing check."""

import hashlib
import hmac
import json
import secrets
import time

from drilltutor.checking import Ctx, check, kit

guard = kit("guard")
TARGET = guard.TARGET


# Tokens -------------------------------------------------------------------------------

def _signed(ctx: Ctx, header: bytes, payload: bytes) -> str:
    """A token over raw header and payload bytes, HS256-signed with the run's key, so that
    decode gets past the signature and meets the broken part itself."""
    signing_input = ctx.jwt.b64url(header) + "." + ctx.jwt.b64url(payload)
    mac = hmac.new(ctx.secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + ctx.jwt.b64url(mac)


def _bad_tokens(ctx: Ctx) -> dict[str, tuple[str, str, str]]:
    """key -> (short name, label for `sent`, token). None of them may crash or get through."""
    b64 = ctx.jwt.b64url
    claims = {"sub": TARGET, "exp": int(time.time()) + 1800}
    hs256 = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    # 21 base64url characters: one more than a multiple of four can never be decoded.
    bad_b64 = "eyJhbGciOiJIUzI1NiJ9x." + b64(json.dumps(claims).encode()) + ".c2lnbmF0dXJl"
    cut_json = _signed(ctx, hs256, json.dumps(claims).encode()[:-7])
    long = ".".join(secrets.token_urlsafe(n) for n in (3_000, 21_000, 3_000))
    return {
        "garbage": ("garbage", "a garbage token (Bearer garbage)", "garbage"),
        "empty": ("empty", 'an empty token ("Bearer " with nothing after it)', ""),
        "a.b.c": ("a.b.c", 'the token "a.b.c" (three parts, none of them base64 JSON)', "a.b.c"),
        "bad-base64": ("bad base64", "a token whose header part is not valid base64url", bad_b64),
        "bad-json": ("bad JSON", "a token signed with SECRET_KEY whose payload is cut-off JSON", cut_json),
        "long": ("very long", f"a {len(long):,}-character token of random characters", long),
        "alg-none": ("alg none", f'an unsigned token for {TARGET} (header "alg": "none", no signature)', ctx.jwt.encode(claims, "", alg="none")),
        "hs384": ("HS384", f"a token for {TARGET} signed with SECRET_KEY using HS384", ctx.token(TARGET, alg="HS384")),
        "hs512": ("HS512", f"a token for {TARGET} signed with SECRET_KEY using HS512", ctx.token(TARGET, alg="HS512")),
    }


def _bad(ctx: Ctx) -> list[tuple[str, str, object, object]]:
    # A table of its own: drill-4's checks, run first, send drill-4's bad tokens.
    return guard.bad(ctx, _bad_tokens, "malformed-tokens")


# Checks ------------------------------------------------------------------------------
# users, get-current-user, valid-token and drill-4's bad-token checks come from drill-4.

@check("no-500", "No malformed token makes get_current_user crash (500)", needs=("valid-token",))
def no_500(ctx: Ctx) -> None:
    guard.no_crash(ctx, _bad(ctx))


ALGS = ("alg-none", "hs384", "hs512")


@check("refused", "No malformed token gets through (200)", needs=("no-500",))
def refused(ctx: Ctx) -> None:
    malformed = tuple(key for key, _, _, _ in _bad(ctx) if key not in ALGS)
    guard.refuse(
        guard.got_through(_bad(ctx), malformed),
        "401: there is nothing in this token to trust",
        "only a token that decodes may name a user: decode it with the library and raise the 401 when decode raises",
        if_none=guard.RETURNED_NONE,
    )


@check("algorithms", "Only HS256 signed with SECRET_KEY counts: alg none, HS384 and HS512 are refused", needs=("refused",))
def algorithms(ctx: Ctx) -> None:
    rows = guard.got_through(_bad(ctx), ALGS)
    if any(key == "alg-none" for key, _, _, _ in rows):
        fix = (
            'a token with no signature named a user, so the signature was never checked: jwt.decode(token, SECRET, algorithms=["HS256"]), '
            'never get_unverified_claims() or options={"verify_signature": False}'
        )
    else:
        fix = 'allow only the algorithm you sign with: algorithms=["HS256"]; the token\'s own header chooses nothing'
    guard.refuse(rows, "401: you sign with HS256, so a token that claims anything else is not one of yours", fix)


@check("malformed-401", "Every malformed token gets status 401", needs=("algorithms",))
def status_401(ctx: Ctx) -> None:
    guard.status_401(_bad(ctx))


@check("malformed-www-authenticate", "Every malformed token's 401 says WWW-Authenticate: Bearer", needs=("malformed-401",))
def www_authenticate(ctx: Ctx) -> None:
    guard.www_authenticate(_bad(ctx))


@check("malformed-same-body", "All malformed tokens get one and the same 401 body, never the library's message", needs=("malformed-401",))
def same_body(ctx: Ctx) -> None:
    guard.same_body(_bad(ctx))
