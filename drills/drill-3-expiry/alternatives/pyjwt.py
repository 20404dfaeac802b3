"""PyJWT instead of python-jose, catching the expired error by its own name."""

import os
from datetime import datetime, timedelta, timezone

import jwt

SECRET = os.environ["SECRET_KEY"]

token = jwt.encode(
    {"sub": "sam@uae.dev", "exp": datetime.now(timezone.utc) - timedelta(minutes=1)},
    SECRET,
    algorithm="HS256",
)

try:
    jwt.decode(token, SECRET, algorithms=["HS256"])
except jwt.ExpiredSignatureError as err:
    print("rejected:", err)
