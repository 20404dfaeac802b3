"""Hidden checks for drill-4 (dependency). The checks mount the learner's `get_current_user`
on an app of their own (GET /me), put users of their own in the learner's `users`, and mint
every token with drilltutor's own codec, so python-jose and PyJWT files are judged alike.

Each bad token is sent once; the checks after `no-crash` judge the cached answers by what
went wrong (a crash, a token let through, the wrong status, a missing header, a telling
body), so one mistake shows up as one failing check."""

import secrets

from drilltutor.checking import Ctx, check, kit

guard = kit("guard")
TARGET, STRANGER = guard.TARGET, guard.STRANGER
OTHER_KEY = "not-this-runs-secret-" + secrets.token_hex(8)


# Tokens -------------------------------------------------------------------------------

def _bad_tokens(ctx: Ctx) -> dict[str, tuple[str, str, str]]:
    """key -> (short name, label for `sent`, token). Each one must end in the same 401."""
    return {
        "garbage": ("garbage", "a garbage token (Bearer garbage)", "garbage"),
        "forged": ("another key", f"a token for {TARGET} signed with a key that is not SECRET_KEY", ctx.token(TARGET, key=OTHER_KEY)),
        "expired": ("expired", f"a token for {TARGET}, signed with SECRET_KEY, that expired 5 minutes ago", ctx.token(TARGET, minutes=-5)),
        "no-sub": ("no sub", "a token signed with SECRET_KEY whose payload has no sub", ctx.token(None)),
        "unknown": ("unknown user", f"a token signed with SECRET_KEY for {STRANGER}, who is not in `users`", ctx.token(STRANGER)),
        "alg-none": ("alg none", f'an unsigned token for {TARGET} (header "alg": "none", no signature)', ctx.token(TARGET, alg="none")),
        "hs512": ("HS512", f"a token for {TARGET} signed with SECRET_KEY using HS512, not HS256", ctx.token(TARGET, alg="HS512")),
    }


def _bad(ctx: Ctx) -> list[tuple[str, str, object, object]]:
    return guard.bad(ctx, _bad_tokens)


# Checks ------------------------------------------------------------------------------

@check("users", "`users` is a dict the checks can add users to")
def users_store(ctx: Ctx) -> None:
    guard.users_store(ctx)


@check("get-current-user", "`get_current_user` is a dependency that takes the token from OAuth2PasswordBearer")
def dependency_check(ctx: Ctx) -> None:
    guard.mount(ctx)


@check("valid-token", "A valid token reaches the route with that user", needs=("users", "get-current-user"))
def valid_token(ctx: Ctx) -> None:
    guard.valid_token(ctx)


@check("no-header", "No Authorization header gets 401", needs=("get-current-user",))
def no_header(ctx: Ctx) -> None:
    resp, _ = guard.ask(ctx, "no-header", None, "no Authorization header")
    if resp.status == 401:
        return
    expected = "401 (OAuth2PasswordBearer answers it before your code runs)"
    if resp.status == 500:
        fix = 'get_current_user ran with token=None and crashed: keep OAuth2PasswordBearer(tokenUrl="login") as it is (auto_error on), so FastAPI answers 401 before your code runs'
    elif guard.accepted(resp):
        fix = 'a request with no token got through: get the token only from Depends(oauth2_scheme), and do not set auto_error=False'
    else:
        fix = 'leave a missing token to OAuth2PasswordBearer(tokenUrl="login"): it answers 401 on its own'
    raise guard.fail(resp, expected, fix)


@check("no-crash", "No bad token makes get_current_user crash (500)", needs=("valid-token",))
def no_crash(ctx: Ctx) -> None:
    guard.no_crash(ctx, _bad(ctx))


@check("garbage", "A token that is not a JWT at all is refused", needs=("no-crash",))
def garbage(ctx: Ctx) -> None:
    guard.refuse(
        guard.got_through(_bad(ctx), ("garbage",)),
        "401: there is nothing in this token to trust",
        "get_current_user let a string that is not a JWT through: decode it with the library and raise the 401 when decode raises",
        if_none=guard.RETURNED_NONE,
    )


@check("signature", "A token signed with another key, not signed at all, or signed with HS512 is refused", needs=("garbage",))
def signature(ctx: Ctx) -> None:
    rows = guard.got_through(_bad(ctx), ("forged", "alg-none", "hs512"))
    if rows and rows[0][0] == "hs512":
        fix = 'pin algorithms=["HS256"] in decode: you sign with HS256, so a token whose own header picks another algorithm is not one of yours'
    else:
        fix = (
            'the signature was never checked, so anyone can write a token for any email: jwt.decode(token, SECRET, algorithms=["HS256"]), '
            'never get_unverified_claims() or options={"verify_signature": False}'
        )
    guard.refuse(rows, "401: only a token signed with SECRET_KEY using HS256 names a user", fix)


@check("expiry", "An expired token is refused", needs=("garbage",))
def expiry(ctx: Ctx) -> None:
    guard.refuse(
        guard.got_through(_bad(ctx), ("expired",)),
        "401: once exp has passed the token is worth nothing",
        'jwt.decode checks exp on its own and raises once it has passed; leave its options alone (no "verify_exp": False, no leeway)',
    )


@check("no-user", "A genuine token naming nobody in `users` (no sub, unknown email) is refused", needs=("garbage",))
def no_user(ctx: Ctx) -> None:
    guard.refuse(
        guard.got_through(_bad(ctx), ("no-sub", "unknown")),
        "401: a signature proves who made the token, not that the user exists",
        "return only a user found in `users` under the token's sub; anything else raises the same 401",
        if_none="users.get(email) gave None and get_current_user handed it to the route as the user: if user is None, raise the same 401",
    )


@check("status-401", "Every bad token gets status 401", needs=("signature", "expiry", "no-user"))
def status_401(ctx: Ctx) -> None:
    guard.status_401(_bad(ctx))


@check("www-authenticate", "Every 401 says WWW-Authenticate: Bearer", needs=("status-401",))
def www_authenticate(ctx: Ctx) -> None:
    guard.www_authenticate(_bad(ctx))


@check("same-body", "All bad tokens get one and the same 401 body, which never says why", needs=("status-401",))
def same_body(ctx: Ctx) -> None:
    guard.same_body(_bad(ctx))


# Slips named where they show (see _kits/slips.py): bound here so the harness finds them.
slips = kit("slips")
unraised_exception = slips.unraised_exception
dependency_as_default = slips.dependency_as_default
dependency_called_at_load = slips.dependency_called_at_load
