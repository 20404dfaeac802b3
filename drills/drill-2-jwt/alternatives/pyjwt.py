"""PyJWT instead of python-jose: the same calls, a different import."""

import os
from datetime import datetime, timedelta, timezone

import jwt

SECRET = os.environ["SECRET_KEY"]

token = jwt.encode(
    {"sub": "sam@uae.dev", "exp": datetime.now(timezone.utc) + timedelta(minutes=30)},
    SECRET,
    algorithm="HS256",
)
payload = jwt.decode(token, SECRET, algorithms=["HS256"])
print(payload["sub"])
