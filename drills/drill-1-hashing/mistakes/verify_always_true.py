# expect: verify-wrong
"""Mistake: a verify() that swallows the comparison and says yes to anything."""

from passlib.context import CryptContext

_ctx = CryptContext(schemes=["bcrypt"], deprecated="auto")


class LenientContext:
    def hash(self, password):
        return _ctx.hash(password)

    def verify(self, password, hashed):
        _ctx.verify(password, hashed)
        return True


pwd = LenientContext()
hashed = pwd.hash("hunter2pls")
print(pwd.verify("hunter2pls", hashed))
print(False)
