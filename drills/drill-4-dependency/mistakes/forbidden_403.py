# expect: status-401
"""Mistake: 403 Forbidden for a bad token; that is the answer for a known user who may not."""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    err = HTTPException(status.HTTP_403_FORBIDDEN, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    except JWTError:
        raise err
    user = users.get(email)
    if user is None:
        raise err
    return user
