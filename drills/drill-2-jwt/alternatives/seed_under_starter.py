"""Drill 2 · jwt. Read the prompt with: drilltutor start jwt"""

import os
from datetime import datetime, timedelta, timezone

from jose import jwt

import os
from datetime import datetime, timedelta, timezone
from jose import jwt
SECRET = os.environ["SECRET_KEY"]
exp = datetime.now(timezone.utc) + timedelta(minutes=30)
token = jwt.encode({"sub": "sam@uae.dev", "exp": exp}, SECRET, algorithm="HS256")
data = jwt.decode(token, SECRET, algorithms=["HS256"])
print(data["sub"]) # sam@uae.dev
