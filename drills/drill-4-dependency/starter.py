"""Drill 4 · dependency. Read the prompt with: drilltutor start dependency"""

import os

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]

# email -> {"email": ..., ...}. The checks put users of their own in here.
users: dict = {}

# 1. Create `oauth2_scheme`: an OAuth2PasswordBearer whose tokenUrl is "login".

# 2. Write get_current_user(token: str = Depends(oauth2_scheme)). It decodes the token with
#    SECRET (HS256 only), reads "sub", looks that email up in `users`, and returns the user.
#    Any step that goes wrong raises one and the same 401, with WWW-Authenticate: Bearer.
