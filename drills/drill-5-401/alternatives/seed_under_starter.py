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
    # The seed's own fix, dropped in place of the starter's bare decode.
    # Wrap the decode in try/except — a bad token raises JWTError,
    # which you translate into a 401 (NOT an uncaught 500).
    try:
        payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    except JWTError:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = users.get(payload.get("sub"))
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user
