"""Build · auth. Read the prompt with: drilltutor start auth"""

import os
from datetime import datetime, timedelta, timezone

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel

# 1. Setup: the secret from SECRET_KEY, a bcrypt password context, a bearer-token scheme
#    whose tokenUrl is "login", app = FastAPI(), and users: dict = {}
#    (email -> {"email": ..., "hashed_password": ...}).

# 2. POST /register takes JSON {"email", "password"}. A taken email is a 400. Store the
#    bcrypt hash, never the password, and answer {"email": ...}.

# 3. POST /login takes the OAuth2 form (username, password). An unknown email and a wrong
#    password get one and the same 401. Otherwise answer
#    {"access_token": <HS256 JWT: sub = email, exp in 30 minutes>, "token_type": "bearer"}.

# 4. get_current_user (drill 4) and GET /me guarded by it, answering {"email": ...}.
