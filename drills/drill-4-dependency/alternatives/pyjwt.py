"""PyJWT instead of python-jose: every token error it raises is a jwt.InvalidTokenError."""

import os

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def credentials_error() -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    try:
        email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    except jwt.InvalidTokenError:
        raise credentials_error() from None
    if email not in users:
        raise credentials_error()
    return users[email]
