# expect: exp
"""Mistake: epoch seconds plus 30, with PyJWT: the token lives 30 seconds, not 30 minutes."""

import os
import time

import jwt

SECRET = os.environ["SECRET_KEY"]

token = jwt.encode({"sub": "sam@uae.dev", "exp": int(time.time()) + 30}, SECRET, algorithm="HS256")
print(jwt.decode(token, SECRET, algorithms=["HS256"])["sub"])
