# expect: same-body
"""Mistake: a helpful 401 that says what failed, which tells an attacker what to change."""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def deny(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, reason, headers={"WWW-Authenticate": "Bearer"})


def get_current_user(token: str = Depends(oauth2_scheme)):
    try:
        email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    except JWTError as exc:
        raise deny(f"Invalid token: {exc}")
    if email is None:
        raise deny("Token has no subject")
    user = users.get(email)
    if user is None:
        raise deny(f"No user {email}")
    return user
