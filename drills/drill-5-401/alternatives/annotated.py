"""`Annotated[str, Depends(...)]` instead of a default argument."""

import os
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
users: dict[str, dict] = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")
Token = Annotated[str, Depends(oauth2_scheme)]


def get_current_user(token: Token) -> dict:
    err = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    except JWTError:
        raise err
    if (user := users.get(claims.get("sub"))) is None:
        raise err
    return user
