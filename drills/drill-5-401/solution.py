"""Drill 5 · 401: a reference solution."""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]

users: dict = {}

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    # Built per request: an exception object raised again and again keeps growing its traceback.
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},  # tells the client which credentials to come back with
    )
    try:
        # HS256 only: a token whose header claims "none", HS384 or HS512 is refused here.
        payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    except JWTError:
        # The parent of every way decode refuses a token: not a JWT, bad base64 or JSON,
        # wrong signature, alg not allowed, expired. Uncaught, any of them is a 500.
        raise unauthorized from None
    user = users.get(payload.get("sub"))
    if user is None:
        raise unauthorized
    return user
