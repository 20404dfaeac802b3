"""Tasks API (project · tasks). Read the prompt with: drilltutor start tasks"""

import os
from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

# Stage 1: the security machinery
#   pwd (bcrypt), SECRET from os.environ["SECRET_KEY"], ALGORITHM = "HS256",
#   oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token"),
#   users = {}, tasks = {}, next_id = 1,
#   make_token(username, minutes=30), get_current_user (401), require_admin (403).

# Stage 2: app = FastAPI(), POST /register (201; duplicate 400), POST /token (form; 401).

# Stage 3: GET /tasks, POST /tasks (201, owner = current user), DELETE /tasks/{task_id} (admin only; 204, 404).
