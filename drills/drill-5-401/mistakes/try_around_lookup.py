# expect: no-500
"""Mistake: the try wraps the user lookup, not the decode, so decode's error still escapes (500)."""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    err = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    try:
        return users[payload["sub"]]
    except (KeyError, JWTError):
        raise err
