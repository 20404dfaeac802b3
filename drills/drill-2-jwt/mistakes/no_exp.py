# expect: exp
"""Mistake: no exp claim, so the token never expires."""

import os

from jose import jwt

SECRET = os.environ["SECRET_KEY"]

token = jwt.encode({"sub": "sam@uae.dev"}, SECRET, algorithm="HS256")
print(jwt.decode(token, SECRET, algorithms=["HS256"])["sub"])
