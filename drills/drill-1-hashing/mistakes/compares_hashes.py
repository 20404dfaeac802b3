# expect: verify-right
"""Mistake: "verifying" by hashing again and comparing strings; the fresh salt makes it never match."""

from passlib.context import CryptContext

_ctx = CryptContext(schemes=["bcrypt"], deprecated="auto")


class ComparingContext:
    def hash(self, password):
        return _ctx.hash(password)

    def verify(self, password, hashed):
        return _ctx.hash(password) == hashed


pwd = ComparingContext()
hashed = pwd.hash("hunter2pls")
print(True)  # the learner "knew" the answer and printed it
print(pwd.verify("wrong", hashed))
