"""Annotated dependencies, and a response_model that filters the stored dict down to email."""

import os
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
users: dict[str, dict] = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


class PublicUser(BaseModel):
    email: str


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    err = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    except JWTError:
        raise err
    user = users.get(email)
    if user is None:
        raise err
    return user


CurrentUser = Annotated[dict, Depends(get_current_user)]

app = FastAPI()


@app.get("/me", response_model=PublicUser)
def read_me(user: CurrentUser):
    # response_model drops every field PublicUser does not declare, hashed_password included.
    return user
