# expect: bcrypt-hash
"""Mistake: a fast, unsalted SHA-256 digest instead of bcrypt."""

import hashlib


class Sha256Context:
    def hash(self, password):
        return hashlib.sha256(password.encode()).hexdigest()

    def verify(self, password, hashed):
        return self.hash(password) == hashed


pwd = Sha256Context()
hashed = pwd.hash("hunter2pls")
print(pwd.verify("hunter2pls", hashed))
print(pwd.verify("wrong", hashed))
