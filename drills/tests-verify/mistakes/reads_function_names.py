# expect: reference
"""Reading the API's code for the reference's function names instead of sending requests: the
delete "is admin-only" because its source says Depends(require_admin), and tokens "are fully
checked" because get_current_user's source passes no decode options. Every name but `app` and
`make_token` is rendered afresh on every run, so neither function is there to be read."""

import inspect

import tasks_api
from tasks_api import app  # noqa: F401  (imported as the prompt says; never sent a request)


def test_the_delete_is_admin_only():
    assert "Depends(require_admin)" in inspect.getsource(tasks_api.delete_task)


def test_tokens_are_decoded_with_every_check():
    assert "options" not in inspect.getsource(tasks_api.get_current_user)
