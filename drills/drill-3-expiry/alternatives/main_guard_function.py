"""A reusable make_token(minutes=...) with epoch seconds, and the decode under a __main__ guard."""

import os
import time

from jose import ExpiredSignatureError, jwt

SECRET = os.environ["SECRET_KEY"]


def make_token(email: str, minutes: float) -> str:
    return jwt.encode({"sub": email, "exp": int(time.time() + minutes * 60)}, SECRET, algorithm="HS256")


token = make_token("sam@uae.dev", minutes=-1)

if __name__ == "__main__":
    try:
        jwt.decode(token, SECRET, algorithms=["HS256"])
    except ExpiredSignatureError as err:
        print(f"rejected: {err}")
    else:
        print("accepted?! exp was not enforced")
