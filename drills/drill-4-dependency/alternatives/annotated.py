"""`Annotated[str, Depends(...)]` instead of a default argument."""

import os
from typing import Annotated, Any

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
User = dict[str, Any]
users: dict[str, User] = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def _unauthorized() -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", {"WWW-Authenticate": "Bearer"})


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    try:
        sub = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    except JWTError as exc:
        raise _unauthorized() from exc
    if (user := users.get(sub)) is None:
        raise _unauthorized()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
