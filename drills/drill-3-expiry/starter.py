"""Drill 3 · expiry. Read the prompt with: drilltutor start expiry"""

import os
from datetime import datetime, timedelta, timezone

from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]  # as in drill 2: the secret lives in the environment

# 1. Work out a moment one minute in the past, in UTC.

# 2. Encode `token`: payload {"sub": "sam@uae.dev", "exp": <that moment>}, signed with SECRET, HS256.

# 3. Decode `token` inside try/except, and in the except print "rejected:" and the error.
