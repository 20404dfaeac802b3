# expect: no-crash
"""Mistake: decode with no try/except, so a bad token's error escapes as a 500."""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    user = users.get(email)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    return user
