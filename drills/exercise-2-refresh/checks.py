"""Hidden checks for exercise-2 (refresh): a refresh token at login and POST /refresh.

The project's checks run first (ada and grace registered and logged in). These reuse ada's
/token answer from the project's `login` check, so they cost no bcrypt call of their own.
Nothing here assumes how the learner names the claim that tells the two kinds of token
apart: tokens to replay are made from the learner's own refresh token, re-signed.
"""

import secrets
import time

from drilltutor.checking import Advice, Ctx, Failure, check, jwtcodec, kit


flow = kit("tasksflow")
USER = flow.USER
OTHER_KEY = "not-this-runs-secret-" + secrets.token_hex(8)
REFRESH_AHEAD = 31 * 24 * 3600  # seconds: past any refresh lifetime the seed's "days" allows
ISSUED = '200 with {"access_token": ..., "refresh_token": ..., "token_type": "bearer"}'
UNCAUGHT = "decode raised and nothing caught it: wrap the decode in try/except jwt.InvalidTokenError (python-jose: JWTError) and raise HTTPException(status_code=401) from the except"


def _payload(token):
    """The payload of a JWT, or None for a token that is not one (an opaque refresh token)."""
    try:
        return jwtcodec.parts(token)[1]
    except ValueError:
        return None


def _ada_login(ctx: Ctx):
    """ada's /token answer from the project's `login` check; a fresh login only if it was not kept."""
    token = flow.bearer(ctx, USER)
    for response in ctx.state.get("responses", []):
        body = response.json
        if response.status == 200 and isinstance(body, dict) and body.get("access_token") == token:
            return response
    return flow.login(flow.api(ctx), USER)


def _refresh(ctx: Ctx, token, label):
    return flow.api(ctx).post("/refresh", json={"refresh_token": token}, label=label)


def _handler_fix(response, fix: str) -> str:
    return flow.route_fix(response, "POST /refresh", fix)


@check("refresh-issued", "POST /token also returns a refresh_token, apart from the access token", needs=("login",))
def refresh_issued(ctx: Ctx) -> None:
    response = _ada_login(ctx)
    body = response.json if isinstance(response.json, dict) else {}
    refresh = body.get("refresh_token")
    access = body.get("access_token")
    if response.status != 200 or not isinstance(refresh, str) or not refresh:
        raise flow.fail(
            response,
            ISSUED,
            'mint a second, longer-lived token at login and answer it beside the first: "refresh_token": make_refresh_token(form.username), where make_refresh_token is make_token with an exp days away and a "type": "refresh" claim',
        )
    if refresh == access:
        raise flow.fail(
            response,
            ISSUED + ", two different tokens",
            'the refresh token is the access token itself; mint one of its own, with a claim such as "type": "refresh" and an exp days away',
        )
    ctx.state["refresh"] = {"token": refresh, "access": access, "login": response}


@check("refresh-expires", "The refresh token has an exp of its own, in the future", needs=("refresh-issued",))
def refresh_expires(ctx: Ctx) -> None:
    kept = ctx.state["refresh"]
    payload = _payload(kept["token"])
    if payload is None:
        return  # an opaque refresh token: its lifetime is kept on the server, out of the checks' sight
    exp = payload.get("exp")
    sent = kept["login"].sent
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise Failure(
            sent=sent,
            got=f"a refresh token whose payload is {payload}",
            expected='an "exp" claim: longer than the access token\'s, but not forever',
            fix='add "exp": datetime.now(timezone.utc) + timedelta(days=7) to the refresh payload; without it a stolen refresh token works for ever',
        )
    now = time.time()
    if exp <= now:
        raise Failure(
            sent=sent,
            got=f'a refresh token whose "exp" passed {(now - exp) / 60:.1f} minutes ago',
            expected='an "exp" in the future (days, typically)',
            fix="add the lifetime to now, not subtract it: datetime.now(timezone.utc) + timedelta(days=7)",
        )
    access = _payload(kept["access"]) or {}
    access_exp = access.get("exp")
    if isinstance(access_exp, (int, float)) and exp <= access_exp:
        raise Advice(
            got=f"the refresh token expires in {(exp - now) / 60:.0f} minutes, no later than the access token",
            fix="give it a longer life (days): a refresh token that dies with the access token can never renew it",
        )


@check("refresh-works", "POST /refresh with the refresh token returns an access token that works on /tasks", needs=("refresh-issued",))
def refresh_works(ctx: Ctx) -> None:
    kept = ctx.state["refresh"]
    response = _refresh(ctx, kept["token"], "ada's refresh_token from /token")
    expected = '200 with {"access_token": <a new access token for ada>}'
    if response.status != 200:
        fix = {
            422: 'take the body as a model with one field: class RefreshIn(BaseModel): refresh_token: str, then def refresh(body: RefreshIn) (a bare `refresh_token: str` parameter is read from the query string)',
            401: 'ada\'s own refresh token was refused: decode it with the same SECRET and algorithm it was signed with, and accept it when its type claim says "refresh"',
            403: 'ada\'s own refresh token was refused: /refresh takes the token from the JSON body, not from Depends(get_current_user)',
        }.get(response.status, "decode the refresh token, look the user up, answer a new access token")
        raise flow.fail(response, expected, _handler_fix(response, fix))
    new = flow.access_token(response)
    if new is None:
        raise flow.fail(response, expected, 'answer a new access token under "access_token": {"access_token": make_token(username), "token_type": "bearer"}')
    listed = flow.api(ctx).get("/tasks", token=new, label="the access_token /refresh answered")
    if listed.status != 200:
        fix = (
            "/refresh answered a token GET /tasks refuses: mint an access token with make_token(username), not another refresh token"
            if listed.status == 401
            else "a fresh access token opens GET /tasks just as the one from /token does"
        )
        raise Failure(sent=f"{response.sent}, then {listed.sent}", got=listed.brief(), expected="200 with the task list", fix=fix, detail=listed.error)
    kept["renewed"] = new
    old_sub, new_sub = (_payload(kept["access"]) or {}).get("sub"), (_payload(new) or {}).get("sub")
    if old_sub is not None and new_sub != old_sub:
        raise flow.fail(
            response,
            f'a new access token for {old_sub!r}, the user the refresh token names',
            f"the new token names {new_sub!r}: mint it for the user read from the refresh token's sub, make_token(payload[\"sub\"])",
        )


@check("refresh-rejects-access", "An access token sent to /refresh is a 401", needs=("refresh-works",))
def refresh_rejects_access(ctx: Ctx) -> None:
    response = _refresh(ctx, ctx.state["refresh"]["access"], "ada's access_token (not her refresh token)")
    if response.status == 401:
        return
    if response.status == 200:
        fix = 'check the token\'s type before minting: refuse it with 401 unless its type claim is "refresh"; otherwise every 30-minute access token renews itself for ever'
    elif response.error:
        fix = 'your handler raised on a token without the refresh claim (payload["type"] is a KeyError): read it with payload.get("type") and answer 401'
    else:
        fix = "answer a token of the wrong type with the same 401 as any other bad token"
    raise flow.fail(response, "401: only a refresh token may be traded for a new access token", _handler_fix(response, fix))


@check("refresh-garbage", "A refresh_token that is not a token is a 401, not a 500", needs=("refresh-works",))
def refresh_garbage(ctx: Ctx) -> None:
    response = _refresh(ctx, "garbage", None)
    if response.status == 401:
        return
    if response.status == 500:
        fix = UNCAUGHT
    elif response.status == 200:
        fix = "/refresh minted a token for something that is not a token: decode with the key and refuse with 401 when decoding fails"
    else:
        fix = "answer every refresh token that does not decode with HTTPException(status_code=401)"
    raise flow.fail(response, "401, the same as any other bad token", _handler_fix(response, fix))


@check("refresh-forged", "A refresh token signed with another key is a 401", needs=("refresh-works",))
def refresh_forged(ctx: Ctx) -> None:
    token = ctx.state["refresh"]["token"]
    payload = _payload(token)
    if payload is not None:
        forged = ctx.jwt.encode(payload, OTHER_KEY)
        label = "ada's refresh token, the same payload signed with a key that is not SECRET_KEY"
    else:
        forged = secrets.token_urlsafe(max(16, len(token) * 3 // 4))
        label = "a random string shaped like ada's refresh token, never issued"
    response = _refresh(ctx, forged, label)
    if response.status == 401:
        return
    fix = (
        "/refresh read the token without checking its signature, so anyone can write one for any user: decode with the key, jwt.decode(token, SECRET, algorithms=[ALGORITHM]), never get_unverified_claims or verify_signature off"
        if response.status == 200
        else UNCAUGHT
        if response.status == 500
        else "answer a refresh token that does not verify with HTTPException(status_code=401)"
    )
    raise flow.fail(response, "401: only tokens your server signed count", _handler_fix(response, fix))


@check("refresh-expired", "A refresh token is refused once the app's clock is 31 days on", needs=("refresh-works",))
def refresh_expired(ctx: Ctx) -> None:
    # Judged on the app's own clock, so a JWT signed with any key and an opaque token kept on
    # the server are judged alike: whatever the token holds, /refresh must refuse it by then.
    with ctx.clock_ahead(REFRESH_AHEAD):
        response = _refresh(ctx, ctx.state["refresh"]["token"], "ada's refresh token as issued, with the app's clock moved 31 days ahead")
    if response.status == 401:
        return
    fix = (
        'the refresh token still works a month on: give it an exp (days, not months: "exp": datetime.now(timezone.utc) + timedelta(days=7)) '
        "and decode it with the key and algorithm it was signed with, never with verify_exp switched off"
        if response.status == 200
        else UNCAUGHT + " (an expired token raises ExpiredSignatureError, one kind of InvalidTokenError)"
        if response.status == 500
        else "answer an expired refresh token with HTTPException(status_code=401)"
    )
    raise flow.fail(response, "401: an expired refresh token is a bad token", _handler_fix(response, fix))


@check("refresh-access-expires", "The access token /refresh hands out is refused once its 30 minutes are over", needs=("refresh-works",))
def refresh_access_expires(ctx: Ctx) -> None:
    flow.check_expires(ctx, ctx.state["refresh"]["renewed"], "the access token POST /refresh answered", "/refresh")


@check("refresh-not-bearer", "A refresh token used as a bearer token on /tasks is a 401", needs=("refresh-issued",))
def refresh_not_bearer(ctx: Ctx) -> None:
    response = flow.api(ctx).get("/tasks", token=ctx.state["refresh"]["token"], label="ada's refresh_token as the bearer token")
    if response.status == 401:
        return
    if response.status == 200:
        fix = 'get_current_user let a refresh token in, so a days-long token opens every route: give access tokens a type claim ("type": "access") and have get_current_user raise the 401 unless the token\'s type is "access"'
    elif response.error:
        fix = "your code raised on a refresh token; read the traceback below, then answer it with the same 401 as any bad token"
    else:
        fix = "answer a refresh token on a task route with the same 401 as any bad token"
    raise flow.fail(response, "401: a refresh token is only good at /refresh", fix)
