"""A helper function, exp as plain epoch seconds, and the decode under a __main__ guard."""

import os
import time

from jose import jwt

SECRET = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"


def make_token(email: str, minutes: int = 30) -> str:
    return jwt.encode({"sub": email, "exp": int(time.time()) + minutes * 60}, SECRET, algorithm=ALGORITHM)


token = make_token("sam@uae.dev")

if __name__ == "__main__":
    print(jwt.decode(token, SECRET, algorithms=[ALGORITHM])["sub"])
