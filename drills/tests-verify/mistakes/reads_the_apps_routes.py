# expect: reference
"""A forgery, not tests: it reads the app object it imported instead of sending it requests,
the status code each route declares and the constants in its handlers' code, and so "catches"
a register answered 200 or a duplicate answered 409. Rendering keeps all of that. What stops
it is that the app it imports is a stand-in: the API's code runs in a process of its own."""

from tasks_api import app

ROUTES = {(method, route.path): route for route in getattr(app, "routes", []) for method in getattr(route, "methods", ())}


def _constants(code):
    for const in code.co_consts:
        if hasattr(const, "co_consts"):
            yield from _constants(const)
        else:
            yield const


CONSTANTS = {c for route in ROUTES.values() for c in _constants(route.endpoint.__code__)}


def test_register_is_201():
    assert ROUTES["POST", "/register"].status_code == 201


def test_the_admin_delete_is_204():
    assert ROUTES["DELETE", "/tasks/{task_id}"].status_code == 204


def test_a_duplicate_is_400_not_409():
    assert 400 in CONSTANTS and 409 not in CONSTANTS
