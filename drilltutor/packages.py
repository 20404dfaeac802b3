"""The packages a learner's file may import that are not always installed, and the pip line for each.

One table for the two places that say it: a crash of the learner's file (`checking.trace.one_line`)
and `drilltutor doctor`.
"""

from __future__ import annotations

# The module a file imports -> what to install. Optional extras first: they fail later and say less.
PIP_LINES: dict[str, str] = {
    "email_validator": "pip install 'pydantic[email]'  (EmailStr needs email-validator)",
    "multipart": "pip install python-multipart  (OAuth2PasswordRequestForm reads a login form with it)",
    "python_multipart": "pip install python-multipart  (OAuth2PasswordRequestForm reads a login form with it)",
    "jose": "pip install 'python-jose[cryptography]'",
    "jwt": "pip install PyJWT",
    "passlib": "pip install libpass bcrypt  (libpass is the maintained passlib: same import)",
    "pwdlib": "pip install 'pwdlib[bcrypt]'",
    "bcrypt": "pip install bcrypt",
    "argon2": "pip install 'pwdlib[argon2]'",
    "sqlalchemy": "pip install sqlalchemy",
    "fastapi": "pip install fastapi",
    "uvicorn": "pip install uvicorn",
    "httpx": "pip install httpx",
}

# Optional packages that a correct drill file may need and a plain install may lack: doctor checks each.
OPTIONAL = {"email_validator": "email-validator"}


def pip_line(module: str | None) -> str | None:
    """The pip line for a missing top-level module, or None when it is not one drilltutor knows."""
    if not module:
        return None
    return PIP_LINES.get(module.split(".")[0])
