"""Drill 4 · dependency: a reference solution."""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]

users: dict = {}

# Reads "Authorization: Bearer <token>"; with no such header it answers 401 before our code runs.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    # One exception for every way in which the token can be wrong, so the answer never
    # tells a caller which guess to change.
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        # JWTError covers a bad signature, an expired exp, a malformed token and a refused alg.
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    except JWTError:
        raise unauthorized from None
    # A genuine token may still name nobody: no sub at all, or a user deleted since.
    user = users.get(claims.get("sub"))
    if user is None:
        raise unauthorized
    return user
