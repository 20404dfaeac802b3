"""Tests for the Tasks API (tests · verify). Read the prompt with: drilltutor start verify

Run the checks with: drilltutor run verify
They run these tests against a correct Tasks API (every test must pass) and against broken
copies of it (some test must fail against each one).
"""

from fastapi.testclient import TestClient

from tasks_api import app, make_token

client = TestClient(app)


def test_register():
    answer = client.post("/register", json={"username": "ada", "password": "s3cret"})
    assert answer.status_code == 201


# Next: the duplicate, the login (right and wrong), the task routes with no token, a
# garbage token, a tampered and an expired one, and the delete as an admin and as a user.
