# expect: problem:exit
"""Mistake: exiting with status 1 after the rejection, as if the rejection were a failure of the script."""

import os
import sys
from datetime import datetime, timedelta, timezone

from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]

past = datetime.now(timezone.utc) - timedelta(minutes=1)
token = jwt.encode({"sub": "sam@uae.dev", "exp": past}, SECRET, algorithm="HS256")

try:
    jwt.decode(token, SECRET, algorithms=["HS256"])
except JWTError as err:
    print("rejected:", err)
    sys.exit(1)
