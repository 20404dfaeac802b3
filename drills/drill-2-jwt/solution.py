"""Drill 2 · jwt: a reference solution."""

import os
from datetime import datetime, timedelta, timezone

from jose import jwt

SECRET = os.environ["SECRET_KEY"]  # set outside the code, so the file can be shared without it

expires = datetime.now(timezone.utc) + timedelta(minutes=30)
token = jwt.encode({"sub": "sam@uae.dev", "exp": expires}, SECRET, algorithm="HS256")

# Naming the one algorithm we sign with stops a token that claims another one from being trusted.
claims = jwt.decode(token, SECRET, algorithms=["HS256"])
print(claims["sub"])
