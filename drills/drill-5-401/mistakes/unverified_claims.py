# expect: algorithms
"""Mistake: reading the claims without verifying them; only well-formed tokens get that far, but any of them works."""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    err = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        payload = jwt.get_unverified_claims(token)
    except JWTError:
        raise err
    user = users.get(payload.get("sub"))
    if user is None:
        raise err
    return user
