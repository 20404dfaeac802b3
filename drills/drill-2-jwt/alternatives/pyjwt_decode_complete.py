"""PyJWT's decode_complete, which hands back the header beside the payload, inside a helper
whose key is a parameter, with options that add a check (require) rather than switch one off."""

import os
import time

import jwt

SECRET = os.environ["SECRET_KEY"]

token = jwt.encode({"sub": "sam@uae.dev", "exp": int(time.time()) + 30 * 60}, SECRET, algorithm="HS256")


def read(encoded: str, key: str) -> dict:
    return jwt.decode_complete(encoded, key, algorithms=["HS256"], options={"require": ["exp", "sub"]})["payload"]


print(read(token, SECRET)["sub"])
