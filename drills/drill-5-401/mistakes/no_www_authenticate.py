# expect: www-authenticate
"""Mistake: the 401 is right but carries no WWW-Authenticate: Bearer header."""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    try:
        payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    except JWTError:
        raise HTTPException(status_code=401, detail="Could not validate credentials")
    user = users.get(payload.get("sub"))
    if user is None:
        raise HTTPException(status_code=401, detail="Could not validate credentials")
    return user
