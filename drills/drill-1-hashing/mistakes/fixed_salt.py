# expect: salted
"""Mistake: bcrypt with one salt made once and reused, so equal passwords get equal hashes."""

import bcrypt

SALT = bcrypt.gensalt()


class FixedSaltContext:
    def hash(self, password):
        return bcrypt.hashpw(password.encode(), SALT).decode()

    def verify(self, password, hashed):
        return bcrypt.checkpw(password.encode(), hashed.encode())


pwd = FixedSaltContext()
hashed = pwd.hash("hunter2pls")
print(pwd.verify("hunter2pls", hashed))
print(pwd.verify("wrong", hashed))
