"""PyJWT instead of python-jose: its errors share the base class jwt.InvalidTokenError."""

import os

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")

CREDENTIALS = HTTPException(
    status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"}
)


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise CREDENTIALS from None
    user = users.get(claims.get("sub"))
    if user is None:
        raise CREDENTIALS
    return user


app = FastAPI()


@app.get("/me")
def read_me(user: dict = Depends(get_current_user)) -> dict:
    return {"email": user["email"]}
