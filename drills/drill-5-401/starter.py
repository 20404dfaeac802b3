"""Drill 5 · 401. Read the prompt with: drilltutor start 401"""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]

# email -> {"email": ..., ...}. The checks put users of their own in here.
users: dict = {}

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    # TODO: send this a token that is not a JWT and decode raises; nothing catches it, so
    # the caller gets a 500. Catch the error and raise a 401 with WWW-Authenticate: Bearer.
    payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    user = users.get(payload.get("sub"))
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user
