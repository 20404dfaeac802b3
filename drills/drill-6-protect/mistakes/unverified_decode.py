# expect: me-forged
"""Mistake: reading the claims without checking the signature, "because decode kept failing"."""

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
        # checks exp, but never the signature: anyone can write a token for any email
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_signature": False})
    except JWTError:
        raise unauthorized
    user = users.get(claims.get("sub"))
    if user is None:
        raise unauthorized
    return user


app = FastAPI()


@app.get("/me")
def read_me(user: dict = Depends(get_current_user)):
    return {"email": user["email"]}
