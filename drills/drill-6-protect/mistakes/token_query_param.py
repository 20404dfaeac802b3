# expect: me-valid
"""Mistake: taking the token as a route parameter, which FastAPI reads from the query string."""

import os

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"}
    )
    try:
        email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    except JWTError:
        raise unauthorized
    user = users.get(email)
    if user is None:
        raise unauthorized
    return user


app = FastAPI()


@app.get("/me")
def read_me(token: str):
    # GET /me?token=eyJ... : the token lands in logs and history, and the header is ignored
    return {"email": get_current_user(token)["email"]}
