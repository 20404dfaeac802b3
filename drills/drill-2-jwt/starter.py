"""Drill 2 · jwt. Read the prompt with: drilltutor start jwt"""

import os
from datetime import datetime, timedelta, timezone

from jose import jwt

# 1. Read the signing secret from the SECRET_KEY environment variable into `SECRET`.

# 2. Work out `exp`: 30 minutes from now, in UTC.

# 3. Encode `token`: payload {"sub": "sam@uae.dev", "exp": ...}, signed with SECRET, HS256.

# 4. Decode `token` with the same secret and print the `sub` it holds.
